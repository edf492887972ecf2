//! The [`Store`] contract as tests: each check is written once against `Arc<dyn Store>` and
//! run on a fresh SQLite store (the reference) and a fresh PostgreSQL store, as
//! `store::contract_tests::sqlite::<check>` and `store::contract_tests::postgres::<check>`.
//!
//! A check uses the trait only, never SQL, so it holds for any backend. The PostgreSQL runs
//! need `HEARTH_TEST_DATABASE_URL` (see [`test_pg`](super::test_pg)); without it they print a
//! skip line, or fail under `CI=true`. To add a check: an `async fn <behaviour>(store:
//! Arc<dyn Store>)` below and its name in the [`on_both_stores!`] list. All names are synthetic.

use std::sync::Arc;

use hearth_shared::ids::DocumentId;
use hearth_shared::model::{DocMeta, RecordKind, WorkflowState};
use hearth_shared::permissions::Role;
use hearth_shared::reporting::RecordFacts;
use tokio::task::JoinSet;

use super::erasure::{Erasure, ErasureCause, Tombstone};
use super::sqlite::{SqliteOptions, SqliteStore};
use super::{
    ActorClaim, AuditEvent, AuditQuery, ChangeCommit, ChunksAfter, NewDistribution, NewSession,
    NewUser, RevokedBy, Store, StoreError, Ticket,
};

// --- the two stores ---

/// A fresh SQLite store in a temporary folder (the folder lives as long as the guard).
pub(crate) fn sqlite_store() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("hearth.sqlite3"), SqliteOptions::default())
        .expect("open the SQLite store");
    (dir, Arc::new(store))
}

/// A fresh PostgreSQL store on its own database, or `None` (skip) without a test cluster.
pub(crate) async fn pg_store() -> Option<Arc<dyn Store>> {
    let store = super::test_pg::fresh_pg().await?;
    Some(Arc::new(store))
}

/// Runs each named check (an `async fn(Arc<dyn Store>)` of the invoking module) against a
/// fresh SQLite store and a fresh PostgreSQL store, as `<module>::sqlite::<check>` and
/// `<module>::postgres::<check>`. Other test modules of the store use it too.
macro_rules! on_both_stores {
    ($($check:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let (_dir, store) = $crate::store::contract_tests::sqlite_store();
                    super::$check(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $check() {
                    let Some(store) = $crate::store::contract_tests::pg_store().await else {
                        return;
                    };
                    super::$check(store).await;
                }
            )*
        }
    };
}
pub(crate) use on_both_stores;

on_both_stores!(
    chunks_load_in_order_with_the_latest_meta,
    compaction_replaces_the_first_chunks_and_keeps_later_ones,
    a_compaction_from_an_older_load_never_replaces_a_chunk_it_lacks,
    a_compaction_that_does_not_match_the_stored_chunks_changes_nothing,
    chunks_after_a_load_are_exactly_those_appended_since,
    chunks_taken_in_by_a_compaction_are_reported_never_skipped,
    a_reader_catching_up_while_others_append_and_compact_misses_no_chunk,
    several_documents_load_in_the_order_asked_without_unknown_ones,
    concurrent_commits_to_one_document_all_land,
    a_commit_keeps_its_authors_and_its_audit_row,
    an_erased_record_leaves_only_its_tombstone_and_audit_row,
    erasing_an_unknown_or_already_erased_record_changes_nothing,
    a_commit_to_an_erased_record_is_refused_and_brings_nothing_back,
    facts_are_unknown_until_filled_and_a_fill_never_overwrites_a_commits_facts,
    documents_without_facts_come_in_pages_in_id_order,
    a_reports_distribution_lists_by_date_sent_with_the_officers_name,
    distribution_of_an_unknown_document_or_to_an_unknown_recipient_is_refused,
    users_round_trip_and_usernames_are_unique_ignoring_case,
    a_sync_ticket_works_exactly_once_even_when_raced,
    homes_and_assignments_round_trip,
    the_audit_chain_verifies_across_single_batched_and_commit_rows,
    recent_audit_is_newest_first_and_limited,
    the_audit_page_filters_counts_and_names_the_actor,
    the_overview_counts_roles_homes_and_active_devices,
);

// --- builders ---

/// 2026-03-31 10:00 UTC.
const T0: i64 = 1_774_951_200_000;

fn meta(kind: RecordKind, state: WorkflowState) -> DocMeta {
    DocMeta {
        kind,
        home_id: Some("home-test-1".into()),
        created_by: "user-test-1".into(),
        state,
        title: "Synthetic record (test)".into(),
        consultation_id: None,
    }
}

fn visit_note(state: WorkflowState) -> DocMeta {
    meta(RecordKind::VisitNote, state)
}

fn facts(state: &str) -> RecordFacts {
    RecordFacts::VisitNote {
        home_id: "home-test-1".into(),
        state: state.into(),
    }
}

fn new_user(username: &str, role: Role) -> NewUser {
    NewUser {
        must_change_password: false,
        username: username.into(),
        display_name: format!("Test {username}"),
        role,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g".into(),
    }
}

fn event(
    action: &str,
    user_id: Option<&str>,
    document_id: Option<DocumentId>,
    at_ms: i64,
) -> AuditEvent {
    AuditEvent {
        at_ms,
        user_id: user_id.map(Into::into),
        action: action.into(),
        document_id,
        subject: Some("subject-test-1".into()),
        detail: "test".into(),
    }
}

fn session_until(user_id: &str, expires_at_ms: i64) -> NewSession {
    NewSession {
        user_id: user_id.into(),
        label: "Firefox on Windows".into(),
        created_at_ms: 0,
        expires_at_ms,
    }
}

fn sent(document_id: DocumentId, recipient: &str, sent_on: &str, by: &str) -> NewDistribution {
    NewDistribution {
        document_id,
        recipient: recipient.into(),
        sent_on: sent_on.into(),
        recorded_by: by.into(),
        recorded_at_ms: T0,
    }
}

async fn append(store: &Arc<dyn Store>, id: DocumentId, chunk: &str, at_ms: i64) {
    store
        .append_chunk(
            id,
            visit_note(WorkflowState::Draft),
            None,
            chunk.as_bytes().to_vec(),
            at_ms,
        )
        .await
        .expect("the chunk is stored");
}

async fn chunks(store: &Arc<dyn Store>, id: DocumentId) -> Vec<Vec<u8>> {
    store
        .load_document(id)
        .await
        .unwrap()
        .expect("the document is stored")
        .chunks
}

fn bytes(chunks: &[&str]) -> Vec<Vec<u8>> {
    chunks.iter().map(|c| c.as_bytes().to_vec()).collect()
}

// --- documents ---

async fn chunks_load_in_order_with_the_latest_meta(store: Arc<dyn Store>) {
    let id = DocumentId::random();
    assert!(store.load_document(id).await.unwrap().is_none());
    assert!(store.document_meta(id).await.unwrap().is_none());
    append(&store, id, "one", 1_000).await;
    append(&store, id, "two", 2_000).await;
    store
        .append_chunk(
            id,
            visit_note(WorkflowState::Submitted),
            None,
            b"three".to_vec(),
            3_000,
        )
        .await
        .unwrap();

    let doc = store.load_document(id).await.unwrap().expect("stored");
    assert_eq!(doc.chunks, bytes(&["one", "two", "three"]));
    assert_eq!(doc.meta, visit_note(WorkflowState::Submitted));
    assert_eq!(
        store.document_meta(id).await.unwrap(),
        Some(visit_note(WorkflowState::Submitted))
    );

    let other = DocumentId::random();
    append(&store, other, "x", 5_000).await;
    let list = store.list_documents().await.unwrap();
    let seen: Vec<_> = list.iter().map(|d| (d.id, d.updated_at_ms)).collect();
    assert_eq!(
        seen,
        [(other, 5_000), (id, 3_000)],
        "most recently changed first"
    );
    assert_eq!(list[1].meta.state, WorkflowState::Submitted);
}

async fn compaction_replaces_the_first_chunks_and_keeps_later_ones(store: Arc<dyn Store>) {
    let id = DocumentId::random();
    for (i, chunk) in ["c1", "c2", "c3", "c4", "c5"].iter().enumerate() {
        append(&store, id, chunk, i as i64).await;
    }
    store.compact(id, b"snap-1..3".to_vec(), 3).await.unwrap();
    assert_eq!(chunks(&store, id).await, bytes(&["snap-1..3", "c4", "c5"]));

    // Later appends go after everything; a second compaction absorbs the first snapshot.
    append(&store, id, "c6", 9).await;
    store.compact(id, b"snap-1..4".to_vec(), 4).await.unwrap();
    assert_eq!(chunks(&store, id).await, bytes(&["snap-1..4", "c5", "c6"]));
    assert_eq!(store.check().await.unwrap(), Vec::<String>::new());
}

/// Two compactions of one document racing (two servers on one store): each replaces only
/// chunks its snapshot holds, whichever commits first.
async fn a_compaction_from_an_older_load_never_replaces_a_chunk_it_lacks(store: Arc<dyn Store>) {
    let id = DocumentId::random();
    append(&store, id, "c1", 1).await;
    append(&store, id, "c2", 2).await;
    let older = store.load_document(id).await.unwrap().unwrap();
    append(&store, id, "c3", 3).await;
    let newer = store.load_document(id).await.unwrap().unwrap();
    assert!(newer.last_seq > older.last_seq);

    // The newer load's compaction first: the older load's last chunk is gone, so it changes
    // nothing, and the chunk appended meanwhile stays.
    store
        .compact(id, b"snap-1..3".to_vec(), newer.last_seq)
        .await
        .unwrap();
    append(&store, id, "c4", 4).await;
    assert!(matches!(
        store
            .compact(id, b"snap-1..2".to_vec(), older.last_seq)
            .await,
        Err(StoreError::NotFound("chunks to compact"))
    ));
    assert_eq!(chunks(&store, id).await, bytes(&["snap-1..3", "c4"]));

    // The older load's compaction first: the newer one then takes in its snapshot too.
    let older = store.load_document(id).await.unwrap().unwrap();
    append(&store, id, "c5", 5).await;
    let newer = store.load_document(id).await.unwrap().unwrap();
    store
        .compact(id, b"snap-1..4".to_vec(), older.last_seq)
        .await
        .unwrap();
    assert_eq!(chunks(&store, id).await, bytes(&["snap-1..4", "c5"]));
    store
        .compact(id, b"snap-1..5".to_vec(), newer.last_seq)
        .await
        .unwrap();
    assert_eq!(chunks(&store, id).await, bytes(&["snap-1..5"]));
}

async fn a_compaction_that_does_not_match_the_stored_chunks_changes_nothing(store: Arc<dyn Store>) {
    let id = DocumentId::random();
    append(&store, id, "c1", 1).await;
    assert!(matches!(
        store.compact(id, b"snap".to_vec(), 2).await,
        Err(StoreError::NotFound("chunks to compact"))
    ));
    assert!(matches!(
        store.compact(id, b"snap".to_vec(), 0).await,
        Err(StoreError::NotFound("chunks to compact"))
    ));
    assert!(matches!(
        store
            .compact(DocumentId::random(), b"snap".to_vec(), 1)
            .await,
        Err(StoreError::NotFound("document"))
    ));
    assert_eq!(chunks(&store, id).await, bytes(&["c1"]));
}

/// The chunks appended after `after_seq` as strings with the number to ask from next time, or
/// `None` for "compacted".
async fn appended_after(
    store: &Arc<dyn Store>,
    id: DocumentId,
    after_seq: i64,
) -> Option<(Vec<String>, i64)> {
    match store
        .load_chunks_after(id, after_seq)
        .await
        .unwrap()
        .expect("the document is stored")
    {
        ChunksAfter::Appended {
            chunks, last_seq, ..
        } => Some((
            chunks
                .into_iter()
                .map(|c| String::from_utf8(c).unwrap())
                .collect(),
            last_seq,
        )),
        ChunksAfter::Compacted => None,
    }
}

async fn chunks_after_a_load_are_exactly_those_appended_since(store: Arc<dyn Store>) {
    let id = DocumentId::random();
    assert!(store.load_chunks_after(id, 0).await.unwrap().is_none());
    append(&store, id, "c1", 1).await;
    append(&store, id, "c2", 2).await;
    let loaded = store.load_document(id).await.unwrap().unwrap();
    assert_eq!(
        appended_after(&store, id, loaded.last_seq).await,
        Some((Vec::new(), loaded.last_seq)),
        "nothing appended since: nothing read, and the same number to ask from"
    );

    append(&store, id, "c3", 3).await;
    store
        .append_chunk(
            id,
            visit_note(WorkflowState::Submitted),
            None,
            b"c4".to_vec(),
            4,
        )
        .await
        .unwrap();
    let Some(ChunksAfter::Appended {
        meta,
        chunks,
        last_seq,
    }) = store.load_chunks_after(id, loaded.last_seq).await.unwrap()
    else {
        panic!("appended chunks")
    };
    assert_eq!(chunks, bytes(&["c3", "c4"]));
    assert_eq!(
        meta,
        visit_note(WorkflowState::Submitted),
        "the latest metadata"
    );
    assert_eq!(
        last_seq,
        store.load_document(id).await.unwrap().unwrap().last_seq,
        "through the last chunk, as a whole load"
    );
    assert_eq!(
        appended_after(&store, id, 0).await,
        Some((
            ["c1", "c2", "c3", "c4"].map(String::from).to_vec(),
            last_seq
        )),
        "from the start: every chunk"
    );

    store
        .erase_document(Erasure {
            id,
            cause: ErasureCause::Retention,
            at_ms: T0,
        })
        .await
        .unwrap();
    assert!(
        store
            .load_chunks_after(id, last_seq)
            .await
            .unwrap()
            .is_none(),
        "an erased record is not stored"
    );
}

/// Another server compacts while this one holds the document: a snapshot that took in only
/// chunks this reader holds is passed over, one that took in any chunk it lacks is reported
/// (its bytes mix the new with the held), never read as if it were appended changes, and the
/// chunks after it never come without it.
async fn chunks_taken_in_by_a_compaction_are_reported_never_skipped(store: Arc<dyn Store>) {
    let id = DocumentId::random();
    append(&store, id, "c1", 1).await;
    append(&store, id, "c2", 2).await;
    let older = store.load_document(id).await.unwrap().unwrap();
    append(&store, id, "c3", 3).await;
    let newer = store.load_document(id).await.unwrap().unwrap();

    // Through exactly what the older reader holds: it still reads just what came after.
    store
        .compact(id, b"snap-1..2".to_vec(), older.last_seq)
        .await
        .unwrap();
    append(&store, id, "c4", 4).await;
    let (after_older, _) = appended_after(&store, id, older.last_seq).await.unwrap();
    assert_eq!(after_older, ["c3", "c4"]);
    let (after_newer, last_seq) = appended_after(&store, id, newer.last_seq).await.unwrap();
    assert_eq!(after_newer, ["c4"]);

    // Through a chunk the older reader lacks (c3): it must load the whole document.
    store
        .compact(id, b"snap-1..3".to_vec(), newer.last_seq)
        .await
        .unwrap();
    assert_eq!(appended_after(&store, id, older.last_seq).await, None);
    assert_eq!(
        appended_after(&store, id, 0).await,
        None,
        "a reader with nothing"
    );
    assert_eq!(
        appended_after(&store, id, newer.last_seq).await,
        Some((vec!["c4".to_string()], last_seq)),
        "the newer reader held everything the snapshot took in"
    );
    append(&store, id, "c5", 5).await;
    let (after_c4, _) = appended_after(&store, id, last_seq).await.unwrap();
    assert_eq!(after_c4, ["c5"]);
}

/// What a stored chunk stands for in [`a_reader_catching_up_while_others_append_and_compact_misses_no_chunk`]:
/// an appended chunk is itself, a snapshot the `|`-joined chunks it took in.
fn taken_in(chunk: &[u8]) -> Vec<String> {
    String::from_utf8(chunk.to_vec())
        .unwrap()
        .split('|')
        .map(String::from)
        .collect()
}

/// Four writers append while a compactor keeps compacting (as other servers do) and a reader
/// catches up the way the hub does: appended chunks when it can, the whole document when a
/// compaction took in chunks it lacked. It ends holding every chunk, each once.
async fn a_reader_catching_up_while_others_append_and_compact_misses_no_chunk(
    store: Arc<dyn Store>,
) {
    let id = DocumentId::random();
    append(&store, id, "seed", 0).await;
    let mut writers = JoinSet::new();
    for writer in 0..4 {
        let store = Arc::clone(&store);
        writers.spawn(async move {
            for n in 0..8 {
                append(&store, id, &format!("w{writer}-{n}"), T0 + n).await;
            }
        });
    }
    let compactor = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            for _ in 0..8 {
                let stored = store.load_document(id).await.unwrap().unwrap();
                let snapshot: Vec<String> =
                    stored.chunks.iter().flat_map(|c| taken_in(c)).collect();
                match store
                    .compact(id, snapshot.join("|").into_bytes(), stored.last_seq)
                    .await
                {
                    Ok(()) | Err(StoreError::NotFound("chunks to compact")) => {}
                    Err(e) => panic!("compaction failed: {e}"),
                }
            }
        })
    };

    let stored = store.load_document(id).await.unwrap().unwrap();
    let mut held: Vec<String> = stored.chunks.iter().flat_map(|c| taken_in(c)).collect();
    let mut through = stored.last_seq;
    let (mut incremental, mut whole) = (0, 0);
    let mut catch_up = async |held: &mut Vec<String>, through: &mut i64| match store
        .load_chunks_after(id, *through)
        .await
        .unwrap()
        .unwrap()
    {
        ChunksAfter::Appended {
            chunks, last_seq, ..
        } => {
            incremental += 1;
            held.extend(chunks.iter().map(|c| String::from_utf8(c.clone()).unwrap()));
            *through = last_seq;
        }
        ChunksAfter::Compacted => {
            whole += 1;
            let stored = store.load_document(id).await.unwrap().unwrap();
            *held = stored.chunks.iter().flat_map(|c| taken_in(c)).collect();
            *through = stored.last_seq;
        }
    };
    while !writers.is_empty() {
        catch_up(&mut held, &mut through).await;
        if let Some(done) = writers.try_join_next() {
            done.unwrap();
        }
        tokio::task::yield_now().await;
    }
    compactor.await.unwrap();
    catch_up(&mut held, &mut through).await;

    let mut expected: Vec<String> = (0..4)
        .flat_map(|w| (0..8).map(move |n| format!("w{w}-{n}")))
        .collect();
    expected.push("seed".into());
    expected.sort();
    held.sort();
    assert_eq!(
        held, expected,
        "every chunk once ({incremental} incremental, {whole} whole)"
    );
}

async fn several_documents_load_in_the_order_asked_without_unknown_ones(store: Arc<dyn Store>) {
    let (a, b, unknown) = (
        DocumentId::random(),
        DocumentId::random(),
        DocumentId::random(),
    );
    append(&store, a, "a1", 1).await;
    append(&store, a, "a2", 2).await;
    append(&store, b, "b1", 3).await;
    let loaded = store.load_documents(vec![b, unknown, a]).await.unwrap();
    let seen: Vec<_> = loaded
        .iter()
        .map(|(id, doc)| (*id, doc.chunks.clone()))
        .collect();
    assert_eq!(seen, [(b, bytes(&["b1"])), (a, bytes(&["a1", "a2"]))]);
    assert!(store.load_documents(Vec::new()).await.unwrap().is_empty());
}

/// Sixteen writers at once on one document (as sixteen devices syncing it): every chunk is
/// stored once, and each writer's chunks keep their order.
async fn concurrent_commits_to_one_document_all_land(store: Arc<dyn Store>) {
    let id = DocumentId::random();
    let mut writers = JoinSet::new();
    for writer in 0..16 {
        let store = Arc::clone(&store);
        writers.spawn(async move {
            for n in 0..4 {
                append(&store, id, &format!("w{writer:02}-{n}"), T0 + n).await;
            }
        });
    }
    writers.join_all().await;
    let stored: Vec<String> = chunks(&store, id)
        .await
        .into_iter()
        .map(|c| String::from_utf8(c).unwrap())
        .collect();
    assert_eq!(stored.len(), 64);
    for writer in 0..16 {
        let own: Vec<&String> = stored
            .iter()
            .filter(|c| c.starts_with(&format!("w{writer:02}-")))
            .collect();
        let expected: Vec<String> = (0..4).map(|n| format!("w{writer:02}-{n}")).collect();
        assert_eq!(own, expected.iter().collect::<Vec<_>>(), "writer {writer}");
    }
}

async fn a_commit_keeps_its_authors_and_its_audit_row(store: Arc<dyn Store>) {
    let id = DocumentId::random();
    let claim = |actor: u8, user: &str, at| ActorClaim {
        actor: vec![actor; 16],
        user_id: user.into(),
        first_at_ms: at,
    };
    for (at, claims) in [
        (T0, vec![claim(1, "user-a", T0)]),
        (
            T0 + 1,
            vec![claim(2, "user-b", T0 + 1), claim(3, "user-a", T0 + 1)],
        ),
    ] {
        store
            .commit_changes(ChangeCommit {
                id,
                meta: visit_note(WorkflowState::Draft),
                facts: Some(facts("draft")),
                chunk: format!("chunk-{at}").into_bytes(),
                at_ms: at,
                claims,
                audit: Some(event("change_accepted", Some("user-a"), Some(id), at)),
            })
            .await
            .unwrap();
    }
    assert_eq!(
        store.document_actors(id).await.unwrap(),
        vec![
            claim(1, "user-a", T0),
            claim(2, "user-b", T0 + 1),
            claim(3, "user-a", T0 + 1)
        ],
        "oldest first"
    );
    assert!(
        store
            .document_actors(DocumentId::random())
            .await
            .unwrap()
            .is_empty()
    );
    let audited = store.recent_audit(10).await.unwrap();
    assert_eq!(audited.len(), 2);
    assert!(
        audited
            .iter()
            .all(|e| e.action == "change_accepted" && e.document_id == Some(id))
    );
    let chain = store.verify_audit().await.unwrap();
    assert_eq!((chain.rows, chain.broken.is_none()), (2, true));
}

// --- erasure ---

async fn an_erased_record_leaves_only_its_tombstone_and_audit_row(store: Arc<dyn Store>) {
    let (erased, kept) = (DocumentId::random(), DocumentId::random());
    let inspection = meta(RecordKind::Inspection, WorkflowState::SignedOff);
    for id in [erased, kept] {
        for n in 0..3 {
            store
                .append_chunk(
                    id,
                    inspection.clone(),
                    Some(facts("signedOff")),
                    format!("{id}-chunk-{n}").into_bytes(),
                    T0 + n,
                )
                .await
                .unwrap();
        }
        store
            .add_distribution(sent(id, "ofsted", "2026-04-01", "officer-1"))
            .await
            .unwrap();
    }
    // A compacted one: the snapshot goes too.
    store
        .compact(erased, b"snapshot".to_vec(), 2)
        .await
        .unwrap();
    store
        .erase_document(Erasure {
            id: erased,
            cause: ErasureCause::Admin {
                by: "admin-1".into(),
                reason: "asked for by the young person".into(),
            },
            at_ms: T0 + 10,
        })
        .await
        .unwrap();

    assert!(store.load_document(erased).await.unwrap().is_none());
    assert!(store.document_meta(erased).await.unwrap().is_none());
    assert!(store.distribution(erased).await.unwrap().is_empty());
    let listed: Vec<_> = store
        .list_documents()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(listed, [kept], "the other record is untouched");
    let with_facts: Vec<_> = store
        .document_facts()
        .await
        .unwrap()
        .into_iter()
        .map(|(id, ..)| id)
        .collect();
    assert_eq!(with_facts, [kept]);
    assert_eq!(chunks(&store, kept).await.len(), 3);
    assert_eq!(store.distribution(kept).await.unwrap().len(), 1);

    assert_eq!(
        store.tombstone(erased).await.unwrap(),
        Some(Tombstone {
            access: Tombstone::access_of(&inspection),
            erased_at_ms: T0 + 10,
            cause: "admin".into(),
        }),
        "what the access check needs, no title"
    );
    assert!(store.tombstone(kept).await.unwrap().is_none());
    assert_eq!(store.erased_since(T0 + 10).await.unwrap(), [erased]);
    assert!(store.erased_since(T0 + 11).await.unwrap().is_empty());

    let last = &store.recent_audit(1).await.unwrap()[0];
    assert_eq!(
        (last.action.as_str(), last.document_id),
        ("record_erased", Some(erased))
    );
    assert!(store.verify_audit().await.unwrap().broken.is_none());
}

async fn erasing_an_unknown_or_already_erased_record_changes_nothing(store: Arc<dyn Store>) {
    let id = DocumentId::random();
    let erase = || Erasure {
        id,
        cause: ErasureCause::Retention,
        at_ms: T0,
    };
    assert!(matches!(
        store.erase_document(erase()).await,
        Err(StoreError::NotFound("document"))
    ));
    assert!(store.tombstone(id).await.unwrap().is_none());
    append(&store, id, "chunk", T0).await;
    store.erase_document(erase()).await.unwrap();
    let audited = store.recent_audit(10).await.unwrap().len();
    assert!(matches!(
        store.erase_document(erase()).await,
        Err(StoreError::NotFound("document"))
    ));
    assert_eq!(store.recent_audit(10).await.unwrap().len(), audited);
    assert_eq!(
        store.tombstone(id).await.unwrap().unwrap().cause,
        "retention"
    );
}

async fn a_commit_to_an_erased_record_is_refused_and_brings_nothing_back(store: Arc<dyn Store>) {
    // As when `hearth retention run` erases a record a server still holds loaded.
    let id = DocumentId::random();
    append(&store, id, "first", T0).await;
    store
        .erase_document(Erasure {
            id,
            cause: ErasureCause::Retention,
            at_ms: T0 + 1,
        })
        .await
        .unwrap();
    let late = store
        .append_chunk(
            id,
            visit_note(WorkflowState::Draft),
            Some(facts("draft")),
            b"late".to_vec(),
            T0 + 2,
        )
        .await;
    assert!(matches!(late, Err(StoreError::NotFound(_))), "{late:?}");
    assert!(store.load_document(id).await.unwrap().is_none());
    assert!(store.tombstone(id).await.unwrap().is_some());
}

// --- reporting ---

async fn facts_are_unknown_until_filled_and_a_fill_never_overwrites_a_commits_facts(
    store: Arc<dyn Store>,
) {
    let id = DocumentId::random();
    append(&store, id, "c1", 1).await;
    assert_eq!(store.document_facts().await.unwrap()[0].2, None);
    assert_eq!(store.documents_without_facts(None, 10).await.unwrap(), [id]);

    store
        .append_chunk(
            id,
            visit_note(WorkflowState::Submitted),
            Some(facts("submitted")),
            b"c2".to_vec(),
            2,
        )
        .await
        .unwrap();
    assert!(
        !store.fill_facts(id, facts("draft")).await.unwrap(),
        "a backfill computed from an older version must not win"
    );
    assert_eq!(
        store.document_facts().await.unwrap()[0].2,
        Some(facts("submitted"))
    );
    assert!(
        store
            .documents_without_facts(None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let unknown = DocumentId::random();
    append(&store, unknown, "c1", 3).await;
    assert!(store.fill_facts(unknown, facts("draft")).await.unwrap());
    assert!(!store.fill_facts(unknown, facts("submitted")).await.unwrap());
    let filled = store
        .document_facts()
        .await
        .unwrap()
        .into_iter()
        .find(|(id, ..)| *id == unknown)
        .and_then(|(_, _, facts)| facts);
    assert_eq!(filled, Some(facts("draft")));
}

async fn documents_without_facts_come_in_pages_in_id_order(store: Arc<dyn Store>) {
    let mut ids: Vec<DocumentId> = (0..5).map(|_| DocumentId::random()).collect();
    for id in &ids {
        append(&store, *id, "c1", 1).await;
    }
    ids.sort_by_key(|id| *id.as_bytes());
    let page = |after| {
        let store = Arc::clone(&store);
        async move { store.documents_without_facts(after, 2).await.unwrap() }
    };
    assert_eq!(page(None).await, ids[..2]);
    assert_eq!(page(Some(ids[1])).await, ids[2..4]);
    assert_eq!(page(Some(ids[3])).await, ids[4..]);
    assert!(page(Some(ids[4])).await.is_empty());
}

async fn a_reports_distribution_lists_by_date_sent_with_the_officers_name(store: Arc<dyn Store>) {
    let officer = store
        .create_user(new_user("officer.one", Role::Officer))
        .await
        .unwrap();
    let id = DocumentId::random();
    store
        .append_chunk(
            id,
            meta(RecordKind::Inspection, WorkflowState::SignedOff),
            None,
            b"c1".to_vec(),
            1,
        )
        .await
        .unwrap();
    for (recipient, day, by) in [
        ("registeredManager", "2026-11-20", officer.id.as_str()),
        ("ofsted", "2026-11-10", officer.id.as_str()),
        ("ofsted", "2026-11-10", "user-gone"),
    ] {
        store
            .add_distribution(sent(id, recipient, day, by))
            .await
            .unwrap();
    }
    let list = store.distribution(id).await.unwrap();
    let seen: Vec<_> = list
        .iter()
        .map(|d| {
            (
                d.recipient.as_str(),
                d.sent_on.as_str(),
                d.recorded_by_name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("ofsted", "2026-11-10", Some("Test officer.one")),
            ("ofsted", "2026-11-10", None),
            ("registeredManager", "2026-11-20", Some("Test officer.one")),
        ]
    );
    assert_eq!(list[0].recorded_at_ms, T0);
    assert!(
        store
            .distribution(DocumentId::random())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn distribution_of_an_unknown_document_or_to_an_unknown_recipient_is_refused(
    store: Arc<dyn Store>,
) {
    let id = DocumentId::random();
    assert!(matches!(
        store
            .add_distribution(sent(id, "ofsted", "2026-11-10", "user-1"))
            .await,
        Err(StoreError::NotFound("document"))
    ));
    append(&store, id, "c1", 1).await;
    assert!(matches!(
        store
            .add_distribution(sent(id, "the press", "2026-11-10", "user-1"))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(store.distribution(id).await.unwrap().is_empty());
}

// --- users, sessions, homes ---

async fn users_round_trip_and_usernames_are_unique_ignoring_case(store: Arc<dyn Store>) {
    let zed = store
        .create_user(new_user("zed.member", Role::Member))
        .await
        .unwrap();
    let amy = store
        .create_user(new_user("amy.manager", Role::Manager))
        .await
        .unwrap();
    assert!(!zed.disabled);
    assert_ne!(zed.id, amy.id);
    let found = store.user_by_username("ZED.Member").await.unwrap().unwrap();
    assert_eq!(
        (found.id.as_str(), found.role, found.display_name.as_str()),
        (zed.id.as_str(), Role::Member, "Test zed.member")
    );
    assert_eq!(found.password_hash, zed.password_hash);
    assert!(store.user("no-such-user").await.unwrap().is_none());
    assert!(store.user_by_username("nobody").await.unwrap().is_none());
    assert!(matches!(
        store.create_user(new_user("Zed.Member", Role::Admin)).await,
        Err(StoreError::Conflict("username"))
    ));
    let names: Vec<_> = store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["amy.manager", "zed.member"]);
    assert!(matches!(
        store.set_password_hash("no-such-user", "x", None).await,
        Err(StoreError::NotFound("user"))
    ));
}

async fn a_sync_ticket_works_exactly_once_even_when_raced(store: Arc<dyn Store>) {
    let user = store
        .create_user(new_user("member.one", Role::Member))
        .await
        .unwrap();
    let device = store
        .create_session([8; 32], session_until(&user.id, 10_000))
        .await
        .unwrap()
        .device_id;
    store.create_ticket([7; 32], &device, 60_000).await.unwrap();
    let mut racers = JoinSet::new();
    for _ in 0..16 {
        let store = Arc::clone(&store);
        racers.spawn(async move { store.take_ticket([7; 32]).await.unwrap() });
    }
    let winners: Vec<_> = racers.join_all().await.into_iter().flatten().collect();
    assert_eq!(
        winners,
        [Ticket {
            user_id: user.id.clone(),
            device_id: device,
            expires_at_ms: 60_000
        }]
    );
    assert!(store.take_ticket([7; 32]).await.unwrap().is_none());
}

async fn homes_and_assignments_round_trip(store: Arc<dyn Store>) {
    let oak = store.create_home("Oak House (test)").await.unwrap();
    let elm = store.create_home("Elm House (test)").await.unwrap();
    assert!(matches!(
        store.create_home("oak house (TEST)").await,
        Err(StoreError::Conflict("home name"))
    ));
    assert_eq!(
        store.list_homes().await.unwrap(),
        [elm.clone(), oak.clone()]
    );
    let user = store
        .create_user(new_user("manager.one", Role::Manager))
        .await
        .unwrap();
    assert!(store.homes_of(&user.id).await.unwrap().is_empty());
    store.assign(&user.id, &oak.id).await.unwrap();
    store.assign(&user.id, &oak.id).await.unwrap();
    store.assign(&user.id, &elm.id).await.unwrap();
    assert_eq!(
        store.homes_of(&user.id).await.unwrap(),
        [elm.id.clone(), oak.id.clone()]
    );
    assert!(matches!(
        store.assign("no-such-user", &oak.id).await,
        Err(StoreError::NotFound("user"))
    ));
    assert!(matches!(
        store.assign(&user.id, "no-such-home").await,
        Err(StoreError::NotFound("home"))
    ));
}

// --- audit and maintenance ---

async fn the_audit_chain_verifies_across_single_batched_and_commit_rows(store: Arc<dyn Store>) {
    let empty = store.verify_audit().await.unwrap();
    assert_eq!(
        (empty.rows, empty.head, empty.broken.is_none()),
        (0, [0; 32], true)
    );

    store
        .audit(event("login_failed", None, None, 1))
        .await
        .unwrap();
    let one = store.verify_audit().await.unwrap();
    assert_eq!(one.rows, 1);
    assert_ne!(one.head, [0; 32]);

    store
        .audit_all(vec![
            event("record_read", Some("user-a"), Some(DocumentId::random()), 2),
            event("record_read", Some("user-a"), Some(DocumentId::random()), 3),
        ])
        .await
        .unwrap();
    store.audit_all(Vec::new()).await.unwrap();
    let id = DocumentId::random();
    store
        .commit_changes(ChangeCommit {
            id,
            meta: visit_note(WorkflowState::Draft),
            facts: None,
            chunk: b"c1".to_vec(),
            at_ms: 4,
            claims: Vec::new(),
            audit: Some(event("change_accepted", Some("user-a"), Some(id), 4)),
        })
        .await
        .unwrap();
    // Many appends at once, as under load: the chain stays one line.
    let mut writers = JoinSet::new();
    for n in 0..20 {
        let store = Arc::clone(&store);
        writers.spawn(async move {
            store
                .audit(event("record_read", Some("user-b"), None, 10 + n))
                .await
                .unwrap()
        });
    }
    writers.join_all().await;

    let chain = store.verify_audit().await.unwrap();
    assert!(chain.broken.is_none(), "{:?}", chain.broken);
    assert_eq!(chain.rows, 24);
    assert_ne!(chain.head, one.head);
}

async fn recent_audit_is_newest_first_and_limited(store: Arc<dyn Store>) {
    let doc = DocumentId::random();
    store
        .audit(event("login_failed", Some("user-test-1"), None, 1))
        .await
        .unwrap();
    store
        .audit(event("change_rejected", Some("user-test-1"), Some(doc), 2))
        .await
        .unwrap();
    store
        .audit(event("user_created", Some("user-test-1"), None, 3))
        .await
        .unwrap();
    let recent = store.recent_audit(2).await.unwrap();
    let actions: Vec<_> = recent.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["user_created", "change_rejected"]);
    let second = &recent[1];
    assert_eq!(
        (
            second.document_id,
            second.at_ms,
            second.user_id.as_deref(),
            second.subject.as_deref(),
            second.detail.as_str()
        ),
        (
            Some(doc),
            2,
            Some("user-test-1"),
            Some("subject-test-1"),
            "test"
        )
    );
    assert_eq!(store.recent_audit(100).await.unwrap().len(), 3);
}

async fn the_audit_page_filters_counts_and_names_the_actor(store: Arc<dyn Store>) {
    let admin = store
        .create_user(new_user("admin.one", Role::Admin))
        .await
        .unwrap();
    let doc = DocumentId::random();
    for (at, who, action, document) in [
        (100, Some(admin.id.as_str()), "user_created", None),
        (200, Some(admin.id.as_str()), "home_created", None),
        (300, None, "login_failed", None),
        (400, Some(admin.id.as_str()), "user_created", None),
        (500, Some(admin.id.as_str()), "record_read", Some(doc)),
        (600, Some(admin.id.as_str()), "change_rejected", Some(doc)),
    ] {
        store.audit(event(action, who, document, at)).await.unwrap();
    }
    let all = store
        .audit_page(AuditQuery {
            offset: 1,
            limit: 2,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.total, 6);
    let ats: Vec<_> = all.rows.iter().map(|r| r.event.at_ms).collect();
    assert_eq!(ats, [500, 400], "newest first, after the offset");
    assert_eq!(all.rows[0].username.as_deref(), Some("admin.one"));

    let filtered = store
        .audit_page(AuditQuery {
            user_id: Some(admin.id.clone()),
            action: Some("user_created".into()),
            from_ms: Some(100),
            to_ms: Some(399),
            limit: 50,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(filtered.total, 1);
    assert_eq!(filtered.rows[0].event.at_ms, 100);

    let anonymous = store
        .audit_page(AuditQuery {
            action: Some("login_failed".into()),
            limit: 50,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(anonymous.rows[0].username, None);

    let of_doc = store
        .audit_page(AuditQuery {
            document_id: Some(doc),
            limit: 50,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(of_doc.total, 2);
    let reads = store
        .audit_page(AuditQuery {
            document_id: Some(doc),
            reads_only: true,
            limit: 50,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(reads.total, 1);
    assert_eq!(reads.rows[0].event.action, "record_read");
}

async fn the_overview_counts_roles_homes_and_active_devices(store: Arc<dyn Store>) {
    let admin = store
        .create_user(new_user("admin.one", Role::Admin))
        .await
        .unwrap();
    let member = store
        .create_user(new_user("member.one", Role::Member))
        .await
        .unwrap();
    let worker = store
        .create_user(new_user("worker.one", Role::ParticipationWorker))
        .await
        .unwrap();
    store.set_user_disabled(&worker.id, true).await.unwrap();
    store.create_home("Oak House (test)").await.unwrap();
    let elm = store.create_home("Elm House (test)").await.unwrap();
    store.update_home(&elm.id, None, Some(true)).await.unwrap();
    store
        .create_session([1; 32], session_until(&admin.id, 10_000))
        .await
        .unwrap();
    let revoked = store
        .create_session([2; 32], session_until(&member.id, 10_000))
        .await
        .unwrap();
    store
        .revoke_device(&revoked.device_id, RevokedBy::Admin, None, 2_000)
        .await
        .unwrap();
    store
        .create_session([3; 32], session_until(&member.id, 1_500))
        .await
        .unwrap();

    let overview = store.overview(2_000).await.unwrap();
    let count = |role| {
        overview
            .users_by_role
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, n)| *n)
    };
    assert_eq!(count(Role::Admin), Some(1));
    assert_eq!(count(Role::Member), Some(1));
    assert_eq!(count(Role::ParticipationWorker), Some(1));
    assert_eq!(count(Role::Officer), Some(0));
    assert_eq!(overview.disabled_users, 1);
    assert_eq!((overview.homes, overview.archived_homes), (1, 1));
    assert_eq!(overview.active_devices, 1);
}

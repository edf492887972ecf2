//! Tests against a real PostgreSQL: each gets a fresh database from `test_pg::fresh_pg` (a
//! throwaway cluster from `cargo xtask test`, or `HEARTH_TEST_DATABASE_URL`); without one they
//! skip, except under CI where they fail. All names and ids are synthetic.

use std::sync::Arc;

use hearth_shared::ids::DocumentId;
use hearth_shared::model::{DocMeta, RecordKind, WorkflowState};
use tokio::task::JoinSet;

use super::{PgOptions, PgStore};
use crate::store::erasure::{Erasure, ErasureCause};
use crate::store::sqlite::{SqliteOptions, SqliteStore};
use crate::store::test_pg::{fresh_pg, fresh_pg_url};
use crate::store::{ActorClaim, AuditEvent, AuditQuery, ChangeCommit, Store, StoreError};

fn visit_note(state: WorkflowState) -> DocMeta {
    DocMeta {
        kind: RecordKind::VisitNote,
        home_id: Some("home-test-1".into()),
        created_by: "user-test-1".into(),
        state,
        title: "Visit note (test)".into(),
        consultation_id: None,
    }
}

fn event(action: &str, document_id: Option<DocumentId>, detail: &str) -> AuditEvent {
    AuditEvent {
        at_ms: 1_700_000_000_000,
        user_id: Some("user-test-1".into()),
        action: action.into(),
        document_id,
        subject: None,
        detail: detail.into(),
    }
}

/// A commit as the sync path makes it: a chunk, a claim and a `change_accepted` row.
fn commit(id: DocumentId, chunk: &[u8], at_ms: i64) -> ChangeCommit {
    ChangeCommit {
        id,
        meta: visit_note(WorkflowState::Draft),
        facts: None,
        chunk: chunk.to_vec(),
        at_ms,
        claims: vec![ActorClaim {
            actor: chunk.to_vec(),
            user_id: "user-test-1".into(),
            first_at_ms: at_ms,
        }],
        audit: Some(event("change_accepted", Some(id), "title")),
    }
}

/// Runs `sql` on the store's database directly (tampering, inspecting).
async fn sql(store: &PgStore, sql: &str) {
    super::client(store.pool())
        .await
        .unwrap()
        .batch_execute(sql)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_commit_stores_its_chunk_meta_claims_and_audit_row_together() {
    let Some(store) = fresh_pg().await else {
        return;
    };
    let id = DocumentId::random();
    assert!(store.load_document(id).await.unwrap().is_none());
    store
        .commit_changes(commit(id, b"one", 1_000))
        .await
        .unwrap();
    let mut second = commit(id, b"two", 2_000);
    second.meta = visit_note(WorkflowState::Submitted);
    store.commit_changes(second).await.unwrap();

    let doc = store.load_document(id).await.unwrap().expect("stored");
    assert_eq!(doc.chunks, vec![b"one".to_vec(), b"two".to_vec()]);
    assert_eq!(doc.meta, visit_note(WorkflowState::Submitted));
    assert_eq!(
        store.document_meta(id).await.unwrap(),
        Some(visit_note(WorkflowState::Submitted))
    );
    let actors = store.document_actors(id).await.unwrap();
    assert_eq!(
        actors.iter().map(|a| a.actor.clone()).collect::<Vec<_>>(),
        vec![b"one".to_vec(), b"two".to_vec()]
    );
    let list = store.list_documents().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].updated_at_ms, 2_000);
    let chain = store.verify_audit().await.unwrap();
    assert_eq!((chain.rows, chain.broken.is_none()), (2, true));
    let recent = store.recent_audit(10).await.unwrap();
    assert_eq!(recent[0].action, "change_accepted");
    assert_eq!(recent[0].document_id, Some(id));

    // Several at one state, in the order asked, unknown ids left out.
    let other = DocumentId::random();
    store
        .commit_changes(commit(other, b"x", 3_000))
        .await
        .unwrap();
    let many = store
        .load_documents(vec![other, DocumentId::random(), id])
        .await
        .unwrap();
    assert_eq!(
        many.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![other, id]
    );
    assert_eq!(many[1].1.chunks.len(), 2);
}

#[tokio::test]
async fn an_erased_record_is_gone_and_refuses_a_late_commit() {
    let Some(store) = fresh_pg().await else {
        return;
    };
    let id = DocumentId::random();
    store
        .commit_changes(commit(id, b"one", 1_000))
        .await
        .unwrap();
    store
        .erase_document(Erasure {
            id,
            cause: ErasureCause::Retention,
            at_ms: 5_000,
        })
        .await
        .unwrap();
    assert!(store.load_document(id).await.unwrap().is_none());
    assert!(store.document_actors(id).await.unwrap().is_empty());
    let tombstone = store.tombstone(id).await.unwrap().expect("tombstone");
    assert_eq!(tombstone.cause, "retention");
    assert_eq!(tombstone.access.title, "");
    assert_eq!(store.erased_since(5_000).await.unwrap(), vec![id]);
    assert!(store.erased_since(5_001).await.unwrap().is_empty());

    // A device's old copy must not bring it back; nothing of the commit is written.
    let late = store.commit_changes(commit(id, b"late", 6_000)).await;
    assert!(
        matches!(late, Err(StoreError::NotFound("record (it was erased)"))),
        "{late:?}"
    );
    assert!(store.load_document(id).await.unwrap().is_none());
    let chain = store.verify_audit().await.unwrap();
    assert_eq!((chain.rows, chain.broken.is_none()), (2, true));
    assert_eq!(
        store.recent_audit(1).await.unwrap()[0].action,
        "record_erased"
    );

    // Erasing again, or what was never stored: NotFound.
    let again = store
        .erase_document(Erasure {
            id,
            cause: ErasureCause::Retention,
            at_ms: 7_000,
        })
        .await;
    assert!(matches!(again, Err(StoreError::NotFound("document"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_write_does_not_fail_the_others_in_its_group() {
    let Some(store) = fresh_pg().await else {
        return;
    };
    let store = Arc::new(store);
    let erased = DocumentId::random();
    store
        .commit_changes(commit(erased, b"one", 1_000))
        .await
        .unwrap();
    store
        .erase_document(Erasure {
            id: erased,
            cause: ErasureCause::Retention,
            at_ms: 2_000,
        })
        .await
        .unwrap();
    let mut tasks = JoinSet::new();
    for i in 0..40_u32 {
        let store = Arc::clone(&store);
        tasks.spawn(async move {
            let target = if i % 10 == 0 {
                erased
            } else {
                DocumentId::random()
            };
            store
                .commit_changes(commit(target, &i.to_be_bytes(), 3_000))
                .await
                .is_ok()
        });
    }
    let mut ok = 0;
    while let Some(done) = tasks.join_next().await {
        ok += usize::from(done.unwrap());
    }
    assert_eq!(ok, 36);
    let chain = store.verify_audit().await.unwrap();
    // One change_accepted and one record_erased, then the 36 that were accepted.
    assert_eq!((chain.rows, chain.broken.is_none()), (38, true));
    assert_eq!(store.list_documents().await.unwrap().len(), 36);
}

#[tokio::test]
async fn compaction_replaces_the_first_chunks_and_keeps_later_ones() {
    let Some(store) = fresh_pg().await else {
        return;
    };
    let id = DocumentId::random();
    for (i, chunk) in [b"a", b"b", b"c"].iter().enumerate() {
        store
            .commit_changes(commit(id, *chunk, i as i64))
            .await
            .unwrap();
    }
    // The caller loaded three chunks, another commit lands, then the compaction of the three.
    store.commit_changes(commit(id, b"d", 10)).await.unwrap();
    store.compact(id, b"abc".to_vec(), 3).await.unwrap();
    store.commit_changes(commit(id, b"e", 11)).await.unwrap();
    let doc = store.load_document(id).await.unwrap().unwrap();
    assert_eq!(
        doc.chunks,
        vec![b"abc".to_vec(), b"d".to_vec(), b"e".to_vec()]
    );

    // A compaction that does not match what is stored changes nothing.
    for through in [0, 2, 6] {
        let refused = store.compact(id, b"zzz".to_vec(), through).await;
        assert!(
            matches!(refused, Err(StoreError::NotFound("chunks to compact"))),
            "{refused:?}"
        );
    }
    let unknown = store.compact(DocumentId::random(), b"z".to_vec(), 1).await;
    assert!(matches!(unknown, Err(StoreError::NotFound("document"))));
    assert_eq!(
        store.load_document(id).await.unwrap().unwrap().chunks,
        doc.chunks
    );
    assert!(store.check().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_writing_one_document_at_once_both_keep_their_changes() {
    let Some(url) = fresh_pg_url().await else {
        return;
    };
    let a = Arc::new(PgStore::connect(&url).await.unwrap());
    let b = Arc::new(PgStore::connect(&url).await.unwrap());
    assert_eq!(a.storage_id().unwrap(), b.storage_id().unwrap());
    let id = DocumentId::random();
    let mut tasks = JoinSet::new();
    for i in 0..30_u32 {
        let store = Arc::clone(if i % 2 == 0 { &a } else { &b });
        tasks.spawn(async move {
            store
                .commit_changes(commit(id, &i.to_be_bytes(), i64::from(i)))
                .await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    let doc = a.load_document(id).await.unwrap().unwrap();
    let mut chunks = doc.chunks.clone();
    chunks.sort();
    let mut expected: Vec<Vec<u8>> = (0..30_u32).map(|i| i.to_be_bytes().to_vec()).collect();
    expected.sort();
    assert_eq!(chunks, expected);
    // Both servers appended to one chain.
    let chain = b.verify_audit().await.unwrap();
    assert_eq!((chain.rows, chain.broken.is_none()), (30, true));
    // A compaction on one server of what it loaded keeps what the other appends afterwards.
    b.commit_changes(commit(id, b"late", 100)).await.unwrap();
    a.compact(id, b"snapshot".to_vec(), doc.last_seq)
        .await
        .unwrap();
    assert_eq!(
        b.load_document(id).await.unwrap().unwrap().chunks,
        vec![b"snapshot".to_vec(), b"late".to_vec()]
    );
}

#[tokio::test]
async fn the_audit_chain_verifies_and_a_tampered_row_is_named() {
    let Some(store) = fresh_pg().await else {
        return;
    };
    let empty = store.verify_audit().await.unwrap();
    assert_eq!((empty.rows, empty.head), (0, [0; 32]));
    for i in 0..4 {
        store
            .audit(event("record_read", None, &i.to_string()))
            .await
            .unwrap();
    }
    store
        .audit_all(vec![
            event("signed_in", None, "a"),
            event("signed_in", None, "b"),
        ])
        .await
        .unwrap();
    let chain = store.verify_audit().await.unwrap();
    assert_eq!((chain.rows, chain.broken.is_none()), (6, true));

    sql(&store, "UPDATE audit SET detail = 'edited' WHERE id = 3").await;
    let chain = store.verify_audit().await.unwrap();
    let broken = chain.broken.expect("tampering is found");
    assert_eq!((broken.id, chain.rows), (3, 2));
    assert_eq!(broken.reason, "its content does not match its hash");

    // Put back, it verifies again; a deleted row breaks the link of the next.
    sql(&store, "UPDATE audit SET detail = '2' WHERE id = 3").await;
    assert!(store.verify_audit().await.unwrap().broken.is_none());
    sql(&store, "DELETE FROM audit WHERE id = 2").await;
    let chain = store.verify_audit().await.unwrap();
    assert_eq!(chain.broken.map(|b| b.id), Some(3));

    // A last row stripped of its hash: later rows are still written, and it is still named.
    let Some(store) = fresh_pg().await else {
        return;
    };
    for i in 0..3 {
        store
            .audit(event("record_read", None, &i.to_string()))
            .await
            .unwrap();
    }
    sql(&store, "UPDATE audit SET hash = NULL WHERE id = 3").await;
    store.audit(event("signed_in", None, "c")).await.unwrap();
    let chain = store.verify_audit().await.unwrap();
    assert_eq!((chain.broken.map(|b| b.id), chain.rows), (Some(3), 2));
}

#[tokio::test]
async fn a_trail_hashes_the_same_on_postgres_as_on_sqlite() {
    let Some(pg) = fresh_pg().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite =
        SqliteStore::open(&dir.path().join("hearth.sqlite3"), SqliteOptions::default()).unwrap();
    let events = vec![
        event("record_read", Some(DocumentId::from_bytes([7; 16])), ""),
        AuditEvent {
            at_ms: -5,
            user_id: None,
            action: "login_failed".into(),
            document_id: None,
            subject: Some("user-test-2".into()),
            detail: "wrong password ✓".into(),
        },
        event(
            "record_erased",
            Some(DocumentId::from_bytes([0; 16])),
            "retention:visitNote",
        ),
    ];
    sqlite.audit_all(events.clone()).await.unwrap();
    pg.audit_all(events).await.unwrap();
    let (on_sqlite, on_pg) = (
        sqlite.verify_audit().await.unwrap(),
        pg.verify_audit().await.unwrap(),
    );
    assert_eq!((on_pg.rows, on_pg.broken.is_none()), (3, true));
    assert_eq!(
        on_sqlite.head, on_pg.head,
        "the same events chain to the same head"
    );
}

#[tokio::test]
async fn the_audit_page_filters_as_on_sqlite() {
    let Some(store) = fresh_pg().await else {
        return;
    };
    let doc = DocumentId::random();
    store.audit(event("record_read", None, "1")).await.unwrap();
    store
        .audit(event("record_read", Some(doc), "mine"))
        .await
        .unwrap();
    store
        .audit(event("change_rejected", Some(doc), "forbidden"))
        .await
        .unwrap();
    let page = store
        .audit_page(AuditQuery {
            document_id: Some(doc),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.rows[0].event.action, "change_rejected");
    assert_eq!(page.rows[0].id, 3);
    let reads = store
        .audit_page(AuditQuery {
            document_id: Some(doc),
            reads_only: true,
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(reads.total, 1);
    assert_eq!(reads.rows[0].event.detail, "mine");
    let paged = store
        .audit_page(AuditQuery {
            action: Some("record_read".into()),
            from_ms: Some(0),
            offset: 1,
            limit: 1,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!((paged.total, paged.rows.len()), (2, 1));
    assert_eq!(paged.rows[0].event.detail, "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_share_commits_and_all_land() {
    let Some(url) = fresh_pg_url().await else {
        return;
    };
    let store = Arc::new(
        PgStore::connect_with(
            &url,
            PgOptions {
                group_wait: std::time::Duration::from_millis(5),
                ..PgOptions::default()
            },
        )
        .await
        .unwrap(),
    );
    let mut tasks = JoinSet::new();
    for i in 0..200_u32 {
        let store = Arc::clone(&store);
        tasks.spawn(async move {
            store
                .audit(event("record_read", None, &i.to_string()))
                .await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    let stats = store.write_stats();
    assert_eq!(stats.commands, 200);
    assert!(stats.groups < stats.commands, "{stats:?}");
    let chain = store.verify_audit().await.unwrap();
    assert_eq!((chain.rows, chain.broken.is_none()), (200, true));
}

#[tokio::test]
async fn every_connection_commits_synchronously() {
    let Some(store) = fresh_pg().await else {
        return;
    };
    let client = super::client(store.pool()).await.unwrap();
    let row = client
        .query_one("SHOW synchronous_commit", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "on");
}

#[tokio::test]
async fn a_second_start_migrates_nothing_and_a_newer_schema_is_refused() {
    let Some(url) = fresh_pg_url().await else {
        return;
    };
    let first = PgStore::connect(&url).await.unwrap();
    let id = DocumentId::random();
    first.commit_changes(commit(id, b"one", 1)).await.unwrap();
    let storage_id = first.storage_id().unwrap();
    let again = PgStore::connect(&url).await.unwrap();
    assert_eq!(again.storage_id().unwrap(), storage_id);
    assert!(again.load_document(id).await.unwrap().is_some());
    sql(&again, "UPDATE schema_version SET version = 99").await;
    let refused = PgStore::connect(&url).await;
    assert!(
        matches!(&refused, Err(StoreError::Unavailable(m)) if m.contains("newer")),
        "{:?}",
        refused.err()
    );
}

#[tokio::test]
async fn backup_points_the_operator_to_pg_dump() {
    let Some(store) = fresh_pg().await else {
        return;
    };
    let refused = store
        .backup(std::env::temp_dir().join("never-written"))
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Unsupported(m)) if m.contains("pg_dump")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn check_reports_a_document_without_chunks() {
    let Some(store) = fresh_pg().await else {
        return;
    };
    let id = DocumentId::random();
    store.commit_changes(commit(id, b"one", 1)).await.unwrap();
    assert!(store.check().await.unwrap().is_empty());
    sql(&store, "DELETE FROM document_chunks").await;
    let problems = store.check().await.unwrap();
    assert_eq!(problems, vec![format!("document {id} has no chunks")]);
}

#[tokio::test]
async fn errors_shown_to_users_carry_no_statement_or_password() {
    let refused = PgStore::connect("postgres://hearth:s3cret-test@127.0.0.1:1/hearth").await;
    let text = refused
        .err()
        .expect("nothing listens on port 1")
        .to_string();
    assert!(!text.contains("s3cret-test"), "{text}");
    let Some(store) = fresh_pg().await else {
        return;
    };
    let client = super::client(store.pool()).await.unwrap();
    let error = client
        .execute(
            "INSERT INTO cluster (storage_id) VALUES ('second-row-secret')",
            &[],
        )
        .await
        .unwrap_err();
    let text = StoreError::from(error).to_string();
    assert!(text.contains("23505"), "{text}");
    assert!(
        !text.contains("second-row-secret") && !text.contains("INSERT"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_server_hears_of_commits_compactions_and_erasures_after_they_commit() {
    use crate::store::remote::RemoteEvent;
    use std::time::Duration;
    let Some(url) = fresh_pg_url().await else {
        return;
    };
    let a = PgStore::connect(&url).await.unwrap();
    let b = PgStore::connect(&url).await.unwrap();
    let mut heard = b.remote_events().expect("a shared store announces");
    let mut own = a.remote_events().expect("a shared store announces");
    // The listener connects in the background: announce until it hears one.
    let id = DocumentId::random();
    let mut n = 0_u32;
    let first = loop {
        a.commit_changes(commit(id, &n.to_be_bytes(), 1))
            .await
            .unwrap();
        n += 1;
        if let Ok(Ok(event)) = tokio::time::timeout(Duration::from_millis(200), heard.recv()).await
        {
            break event;
        }
        assert!(n < 50, "no announcement heard");
    };
    assert_eq!(first, RemoteEvent::Document(id));
    let next = |rx: &mut tokio::sync::broadcast::Receiver<RemoteEvent>| {
        let mut rx = rx.resubscribe();
        async move {
            tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await
                .expect("heard in time")
                .unwrap()
        }
    };
    let compacted = next(&mut heard);
    a.compact(id, b"snapshot".to_vec(), 1).await.unwrap();
    assert_eq!(compacted.await, RemoteEvent::Document(id));
    let erased = next(&mut heard);
    a.erase_document(Erasure {
        id,
        cause: ErasureCause::Retention,
        at_ms: 9,
    })
    .await
    .unwrap();
    assert_eq!(erased.await, RemoteEvent::Erased(id));
    // A refused commit (the record is erased) announces nothing; a server ignores its own.
    let mut after = heard.resubscribe();
    assert!(a.commit_changes(commit(id, b"late", 10)).await.is_err());
    let quiet = tokio::time::timeout(Duration::from_millis(300), after.recv()).await;
    assert!(quiet.is_err(), "{quiet:?}");
    assert!(own.try_recv().is_err());
}

//! The reporting side of the store against real SQLite files: each record's facts kept with
//! every commit, the backfill of rows from before facts were kept, and reports' distribution.
//! All names are synthetic.

use std::sync::Arc;

use automerge::AutoCommit;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{DocMeta, Inspection, Record, RecordKind, WorkflowState};
use hearth_shared::permissions::Role;
use hearth_shared::reporting::{RecordFacts, facts_of};
use rusqlite::Connection;
use tempfile::TempDir;

use super::{SqliteOptions, SqliteStore, schema};
use crate::store::{NewDistribution, NewUser, Store, StoreError};

fn fresh() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("hearth.sqlite"), SqliteOptions::default())
        .expect("open the store");
    (dir, store)
}

/// A real inspection record (as a device would write it) and its document's bytes.
fn inspection(home: &str, visit_date: &str) -> (Record, Vec<u8>) {
    let mut inspection = Inspection::new("user-member-1", home, 1_790_000_000_000);
    inspection.visit_date = visit_date.into();
    let record = Record::Inspection(inspection);
    let mut doc = AutoCommit::new();
    record
        .write_to(&mut doc)
        .expect("a fresh document takes a record");
    (record, doc.save())
}

fn visit_note_meta() -> DocMeta {
    DocMeta {
        kind: RecordKind::VisitNote,
        home_id: Some("home-test-1".into()),
        created_by: "user-test-1".into(),
        state: WorkflowState::Draft,
        title: "Visit note (test)".into(),
        consultation_id: None,
    }
}

fn visit_date_of(facts: &Option<RecordFacts>) -> Option<&str> {
    match facts {
        Some(RecordFacts::Inspection(i)) => Some(&i.visit_date),
        _ => None,
    }
}

async fn officer(store: &SqliteStore) -> String {
    store
        .create_user(NewUser {
            username: "officer.one".into(),
            display_name: "Test Officer".into(),
            role: Role::Officer,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g".into(),
            must_change_password: false,
        })
        .await
        .unwrap()
        .id
}

fn sent(document_id: DocumentId, recipient: &str, sent_on: &str, by: &str) -> NewDistribution {
    NewDistribution {
        document_id,
        recipient: recipient.into(),
        sent_on: sent_on.into(),
        recorded_by: by.into(),
        recorded_at_ms: 5_000,
    }
}

// --- facts ---

#[tokio::test]
async fn every_commit_keeps_the_records_facts_as_it_now_stands() {
    let (_dir, store) = fresh();
    let id = DocumentId::random();
    let (first, bytes) = inspection("home-test-1", "2026-10-03");
    store
        .append_chunk(id, first.meta(), Some(facts_of(&first)), bytes, 1)
        .await
        .unwrap();
    let (second, bytes) = inspection("home-test-1", "2026-11-03");
    store
        .append_chunk(id, second.meta(), Some(facts_of(&second)), bytes, 2)
        .await
        .unwrap();

    let all = store.document_facts().await.unwrap();
    assert_eq!(all.len(), 1);
    let (found, meta, facts) = &all[0];
    assert_eq!((*found, meta.kind), (id, RecordKind::Inspection));
    assert_eq!(
        visit_date_of(facts),
        Some("2026-11-03"),
        "the latest commit's"
    );
}

#[tokio::test]
async fn facts_are_unknown_until_filled_and_a_fill_never_overwrites_a_commits_facts() {
    let (_dir, store) = fresh();
    let id = DocumentId::random();
    store
        .append_chunk(id, visit_note_meta(), None, b"c1".to_vec(), 1)
        .await
        .unwrap();
    assert_eq!(store.document_facts().await.unwrap()[0].2, None);
    assert_eq!(
        store.documents_without_facts(None, 10).await.unwrap(),
        vec![id]
    );

    let (newer, bytes) = inspection("home-test-1", "2026-11-03");
    store
        .append_chunk(id, newer.meta(), Some(facts_of(&newer)), bytes, 2)
        .await
        .unwrap();
    let (older, _) = inspection("home-test-1", "2026-01-01");
    assert!(
        !store.fill_facts(id, facts_of(&older)).await.unwrap(),
        "a backfill computed from an older version must not win"
    );
    let facts = &store.document_facts().await.unwrap()[0].2;
    assert_eq!(visit_date_of(facts), Some("2026-11-03"));
    assert!(
        store
            .documents_without_facts(None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn documents_without_facts_come_in_pages_in_id_order() {
    let (_dir, store) = fresh();
    let mut ids: Vec<DocumentId> = (0..5).map(|_| DocumentId::random()).collect();
    for id in &ids {
        store
            .append_chunk(*id, visit_note_meta(), None, b"c1".to_vec(), 1)
            .await
            .unwrap();
    }
    ids.sort_by_key(|id| *id.as_bytes());
    let first = store.documents_without_facts(None, 2).await.unwrap();
    assert_eq!(first, ids[..2]);
    let second = store
        .documents_without_facts(Some(ids[1]), 2)
        .await
        .unwrap();
    assert_eq!(second, ids[2..4]);
    let last = store
        .documents_without_facts(Some(ids[3]), 2)
        .await
        .unwrap();
    assert_eq!(last, ids[4..]);
    assert!(
        store
            .documents_without_facts(Some(ids[4]), 2)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_backfill_computes_facts_from_the_stored_document_and_passes_over_broken_ones() {
    let (_dir, store) = fresh();
    let store: Arc<dyn Store> = Arc::new(store);
    let good = DocumentId::random();
    let (record, bytes) = inspection("home-test-1", "2026-11-03");
    store
        .append_chunk(good, record.meta(), None, bytes, 1)
        .await
        .unwrap();
    let broken = DocumentId::random();
    store
        .append_chunk(
            broken,
            visit_note_meta(),
            None,
            b"not automerge".to_vec(),
            1,
        )
        .await
        .unwrap();

    assert_eq!(crate::app::backfill_facts(&store).await.unwrap(), 1);
    let all = store.document_facts().await.unwrap();
    let facts_of_doc = |id: DocumentId| {
        all.iter()
            .find(|(found, _, _)| *found == id)
            .map(|(_, _, f)| f.clone())
            .unwrap()
    };
    assert_eq!(facts_of_doc(good), Some(facts_of(&record)));
    assert_eq!(
        facts_of_doc(broken),
        None,
        "left unknown, and the backfill ended"
    );
    assert_eq!(
        crate::app::backfill_facts(&store).await.unwrap(),
        0,
        "nothing left to do"
    );
}

// --- distribution ---

#[tokio::test]
async fn a_reports_distribution_lists_by_date_sent_with_the_officers_name() {
    let (_dir, store) = fresh();
    let by = officer(&store).await;
    let id = DocumentId::random();
    let (record, bytes) = inspection("home-test-1", "2026-11-03");
    store
        .append_chunk(id, record.meta(), Some(facts_of(&record)), bytes, 1)
        .await
        .unwrap();
    store
        .add_distribution(sent(id, "registeredManager", "2026-11-20", &by))
        .await
        .unwrap();
    store
        .add_distribution(sent(id, "ofsted", "2026-11-10", &by))
        .await
        .unwrap();
    store
        .add_distribution(sent(id, "ofsted", "2026-11-10", "user-gone"))
        .await
        .unwrap();

    let list = store.distribution(id).await.unwrap();
    let seen: Vec<(&str, &str, Option<&str>)> = list
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
        vec![
            ("ofsted", "2026-11-10", Some("Test Officer")),
            ("ofsted", "2026-11-10", None),
            ("registeredManager", "2026-11-20", Some("Test Officer")),
        ]
    );
    assert!(
        store
            .distribution(DocumentId::random())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn distribution_of_an_unknown_document_or_to_an_unknown_recipient_is_refused() {
    let (_dir, store) = fresh();
    let id = DocumentId::random();
    assert!(matches!(
        store
            .add_distribution(sent(id, "ofsted", "2026-11-10", "user-1"))
            .await,
        Err(StoreError::NotFound("document"))
    ));
    let (record, bytes) = inspection("home-test-1", "2026-11-03");
    store
        .append_chunk(id, record.meta(), Some(facts_of(&record)), bytes, 1)
        .await
        .unwrap();
    assert!(matches!(
        store
            .add_distribution(sent(id, "the press", "2026-11-10", "user-1"))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(store.distribution(id).await.unwrap().is_empty());
}

// --- migration ---

#[tokio::test]
async fn documents_from_before_facts_survive_the_migration_with_facts_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hearth.sqlite");
    let id = DocumentId::random();
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
        for step in &schema::MIGRATIONS[..3] {
            conn.execute_batch(step).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        let meta = serde_json::to_string(&visit_note_meta()).unwrap();
        conn.execute(
            "INSERT INTO documents (id, kind, home_id, created_by, state, meta_json, updated_at)
             VALUES (?1, 'visitNote', 'home-test-1', 'user-test-1', 'draft', ?2, 1)",
            rusqlite::params![id.as_bytes(), meta],
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path, SqliteOptions::default()).unwrap();
    let all = store.document_facts().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].0, &all[0].2), (id, &None));
    assert_eq!(
        store.documents_without_facts(None, 10).await.unwrap(),
        vec![id]
    );
    store
        .add_distribution(sent(id, "ofsted", "2026-11-10", "user-1"))
        .await
        .unwrap();
    assert_eq!(store.distribution(id).await.unwrap().len(), 1);
}

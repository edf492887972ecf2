//! Erasure and retention against a real SQLite file: what is left afterwards, row by row and
//! byte by byte.

use std::path::Path;

use hearth_shared::ids::DocumentId;
use hearth_shared::model::{DocMeta, RecordKind, WorkflowState};
use hearth_shared::reporting::RecordFacts;
use rusqlite::Connection;

use super::{SqliteOptions, SqliteStore};
use crate::retention::policy::{Period, Policy, add_months};
use crate::store::erasure::{Erasure, ErasureCause};
use crate::store::{NewDistribution, Store, StoreError};

/// Text that appears only in the erased record's chunks and title.
const MARKER: &str = "SYNTHETIC-ERASE-ME-7f3a9c";

/// 2026-03-31 10:00 UTC.
const T0: i64 = 1_774_951_200_000;

fn meta(kind: RecordKind, state: WorkflowState, title: &str) -> DocMeta {
    DocMeta {
        kind,
        home_id: Some("home-test-1".into()),
        created_by: "user-test-1".into(),
        state,
        title: title.into(),
        consultation_id: None,
    }
}

fn facts() -> RecordFacts {
    RecordFacts::VisitNote {
        home_id: "home-test-1".into(),
        state: "submitted".into(),
    }
}

fn count(conn: &Connection, sql: &str, id: DocumentId) -> i64 {
    conn.query_row(sql, [id.as_bytes()], |row| row.get(0))
        .expect("count")
}

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, SqliteOptions::default()).expect("open the store")
}

#[tokio::test]
async fn erasure_leaves_no_chunk_and_no_index_row_only_the_audit_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hearth.sqlite3");
    let store = open(&path);
    let (erased, kept) = (DocumentId::random(), DocumentId::random());
    let title = format!("Visit note {MARKER}");
    for id in [erased, kept] {
        for n in 0..3 {
            let chunk = format!("{MARKER}-{id}-chunk-{n}").into_bytes();
            let m = meta(RecordKind::Inspection, WorkflowState::SignedOff, &title);
            store
                .append_chunk(id, m, Some(facts()), chunk, T0 + n)
                .await
                .unwrap();
        }
        store
            .add_distribution(NewDistribution {
                document_id: id,
                recipient: "ofsted".into(),
                sent_on: "2026-04-01".into(),
                recorded_by: "officer-1".into(),
                recorded_at_ms: T0,
            })
            .await
            .unwrap();
    }
    // A compacted one too: the snapshot row must go as well.
    store
        .compact(erased, format!("{MARKER}-snapshot").into_bytes(), 2)
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
    let listed: Vec<DocumentId> = store
        .list_documents()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(listed, vec![kept], "the other record is untouched");
    assert!(
        store
            .document_facts()
            .await
            .unwrap()
            .iter()
            .all(|(id, ..)| *id != erased)
    );
    assert_eq!(
        store
            .load_document(kept)
            .await
            .unwrap()
            .unwrap()
            .chunks
            .len(),
        3
    );

    let tombstone = store.tombstone(erased).await.unwrap().expect("a tombstone");
    assert_eq!(tombstone.access.title, "", "the tombstone keeps no title");
    assert_eq!(tombstone.access.kind, RecordKind::Inspection);
    assert_eq!(tombstone.cause, "admin");
    assert_eq!(store.erased_since(T0).await.unwrap(), vec![erased]);
    assert!(store.erased_since(T0 + 11).await.unwrap().is_empty());
    assert!(store.tombstone(kept).await.unwrap().is_none());
    store.close().await;

    let conn = Connection::open(&path).unwrap();
    for table in [
        "SELECT count(*) FROM document_chunks WHERE document_id = ?1",
        "SELECT count(*) FROM documents WHERE id = ?1",
        "SELECT count(*) FROM report_distribution WHERE document_id = ?1",
    ] {
        assert_eq!(count(&conn, table, erased), 0, "{table}");
    }
    // Exactly one audit row names the record: who, why, never content.
    let rows: Vec<(Option<String>, String, Option<String>, String)> = conn
        .prepare("SELECT user_id, action, subject, detail FROM audit WHERE document_id = ?1")
        .unwrap()
        .query_map([erased.as_bytes()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![(
            Some("admin-1".into()),
            "record_erased".into(),
            Some("admin".into()),
            "asked for by the young person".into()
        )]
    );
    // Nothing of the content is left in the file: the deleted pages were zeroed.
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .unwrap();
    drop(conn);
    let bytes = std::fs::read(&path).unwrap();
    let left = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(
        left(format!("{MARKER}-{kept}").as_bytes()),
        "the kept record's content is still there (the search works)"
    );
    assert!(
        !left(format!("{MARKER}-{erased}").as_bytes()),
        "no chunk of the erased record is left in the database file"
    );
    assert!(!left(format!("{MARKER}-snapshot").as_bytes()));
}

#[tokio::test]
async fn erasing_an_unknown_or_already_erased_record_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("hearth.sqlite3"));
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
    let m = meta(
        RecordKind::VisitNote,
        WorkflowState::Submitted,
        "Visit note",
    );
    store
        .append_chunk(id, m, None, b"chunk".to_vec(), T0)
        .await
        .unwrap();
    store.erase_document(erase()).await.unwrap();
    let audited = store.recent_audit(10).await.unwrap().len();
    assert!(matches!(
        store.erase_document(erase()).await,
        Err(StoreError::NotFound("document"))
    ));
    assert_eq!(store.recent_audit(10).await.unwrap().len(), audited);
}

#[tokio::test]
async fn retention_deletes_exactly_the_expired_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("hearth.sqlite3"));
    let policy = Policy {
        visit_notes: Period::Months(24),
        inspections: Period::Keep,
        consultations: Period::Keep,
        consultation_responses: Period::Months(12),
    };
    let (closed, open_one) = (DocumentId::random(), DocumentId::random());
    let consultation = |state| meta(RecordKind::Consultation, state, "Consultation");
    store
        .append_chunk(
            closed,
            consultation(WorkflowState::Closed),
            None,
            vec![1],
            T0,
        )
        .await
        .unwrap();
    store
        .append_chunk(
            open_one,
            consultation(WorkflowState::Open),
            None,
            vec![1],
            T0,
        )
        .await
        .unwrap();
    let response = |to: DocumentId| DocMeta {
        consultation_id: Some(format!("automerge:{to}")),
        home_id: None,
        ..meta(
            RecordKind::ConsultationResponse,
            WorkflowState::Submitted,
            "",
        )
    };
    let mut to_closed = Vec::new();
    for _ in 0..2 {
        let id = DocumentId::random();
        store
            .append_chunk(id, response(closed), None, vec![2], T0 - 1000)
            .await
            .unwrap();
        to_closed.push(id);
    }
    let to_open = DocumentId::random();
    store
        .append_chunk(to_open, response(open_one), None, vec![2], T0 - 1000)
        .await
        .unwrap();
    // A visit note handed in at T0 (24 months) and an inspection (kept).
    let note = DocumentId::random();
    let m = meta(
        RecordKind::VisitNote,
        WorkflowState::Submitted,
        "Visit note",
    );
    store
        .append_chunk(note, m, None, vec![3], T0)
        .await
        .unwrap();
    let inspection = DocumentId::random();
    let m = meta(RecordKind::Inspection, WorkflowState::Closed, "Inspection");
    store
        .append_chunk(inspection, m, None, vec![4], 0)
        .await
        .unwrap();

    let year = add_months(T0, 12);
    let run = |now| crate::retention::run(&store, None, &policy, now);
    assert!(
        run(year - 1).await.unwrap().is_empty(),
        "a millisecond early"
    );
    assert_eq!(
        crate::retention::due(&store, &policy, year)
            .await
            .unwrap()
            .len(),
        2,
        "the dry run lists them"
    );
    let mut erased: Vec<DocumentId> = run(year).await.unwrap().iter().map(|e| e.id).collect();
    erased.sort_by_key(|id| *id.as_bytes());
    to_closed.sort_by_key(|id| *id.as_bytes());
    assert_eq!(
        erased, to_closed,
        "exactly the responses to the closed consultation"
    );
    assert!(
        run(year).await.unwrap().is_empty(),
        "a second run finds nothing"
    );
    for id in &to_closed {
        assert!(store.load_document(*id).await.unwrap().is_none());
    }
    for id in [closed, open_one, to_open, note, inspection] {
        assert!(store.load_document(id).await.unwrap().is_some());
    }
    let two_years = add_months(T0, 24);
    let erased: Vec<DocumentId> = run(two_years).await.unwrap().iter().map(|e| e.id).collect();
    assert_eq!(erased, vec![note]);
    let retention_rows = store
        .recent_audit(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "record_erased")
        .map(|e| (e.document_id, e.user_id, e.detail))
        .collect::<Vec<_>>();
    assert_eq!(retention_rows.len(), 3);
    assert!(retention_rows.contains(&(Some(note), None, "retention:visitNote".into())));
}

#[tokio::test]
async fn a_commit_to_an_erased_record_is_refused_and_brings_nothing_back() {
    // As when `hearth retention run` erases a record a running server still holds loaded: the
    // server's next commit to it must not re-create the row.
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("hearth.sqlite3"));
    let id = DocumentId::random();
    let m = meta(
        RecordKind::VisitNote,
        WorkflowState::Submitted,
        "Visit note",
    );
    store
        .append_chunk(id, m.clone(), Some(facts()), b"first".to_vec(), T0)
        .await
        .unwrap();
    store
        .erase_document(Erasure {
            id,
            cause: ErasureCause::Retention,
            at_ms: T0 + 1,
        })
        .await
        .unwrap();

    let late = store
        .append_chunk(id, m, Some(facts()), b"late".to_vec(), T0 + 2)
        .await;
    assert!(matches!(late, Err(StoreError::NotFound(_))), "{late:?}");
    assert!(store.load_document(id).await.unwrap().is_none());
    assert!(store.tombstone(id).await.unwrap().is_some());
}

//! The hub's side of erasure over a real SQLite store: a copy loaded in memory goes with the
//! record, whether the erasure came through this server or from another process.

use std::sync::Arc;

use automerge::AutoCommit;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Record, VisitNote};

use crate::store::erasure::{Erasure, ErasureCause};
use crate::store::sqlite::{SqliteOptions, SqliteStore};
use crate::store::{Store, StoreError};
use crate::sync::hub::{Hub, HubEvent};

/// 2026-03-31 10:00 UTC.
const T0: i64 = 1_774_951_200_000;

/// A store and a hub over it, holding one loadable visit note.
async fn hub_with_note() -> (tempfile::TempDir, Arc<dyn Store>, Hub, DocumentId) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("hearth.sqlite3"), SqliteOptions::default()).unwrap(),
    );
    let record = Record::VisitNote(VisitNote::new("member-1", "home-1", T0));
    let mut doc = AutoCommit::new();
    record.write_to(&mut doc).unwrap();
    let id = DocumentId::random();
    store
        .append_chunk(id, record.meta(), None, doc.save(), T0)
        .await
        .unwrap();
    let hub = Hub::new(store.clone(), "test-storage".into(), 16, 64);
    (dir, store, hub, id)
}

fn retention(id: DocumentId) -> Erasure {
    Erasure {
        id,
        cause: ErasureCause::Retention,
        at_ms: T0,
    }
}

#[tokio::test]
async fn an_erasure_through_the_hub_drops_the_loaded_copy_and_tells_connections() {
    let (_dir, _store, hub, id) = hub_with_note().await;
    assert!(hub.meta(id).await.unwrap().is_some(), "loaded");
    let mut events = hub.subscribe();
    hub.erase(retention(id)).await.unwrap();
    assert!(matches!(events.recv().await, Ok(HubEvent::Erased { document }) if document == id));
    let guard = hub.open(id).await.unwrap();
    assert!(guard.get().meta.is_none(), "nothing of it is served");
    let tombstone = guard.get().erased.clone().expect("the tombstone is read");
    assert_eq!(tombstone.created_by, "member-1");
    assert_eq!(tombstone.title, "");
    drop(guard);
    assert!(matches!(
        hub.erase(retention(id)).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_running_server_drops_a_copy_erased_by_another_process() {
    let (_dir, store, hub, id) = hub_with_note().await;
    assert!(hub.meta(id).await.unwrap().is_some(), "loaded");
    // `hearth retention run` on the same folder: the store only.
    store.erase_document(retention(id)).await.unwrap();
    assert!(
        hub.meta(id).await.unwrap().is_some(),
        "the loaded copy is still there until the job looks"
    );
    let mut events = hub.subscribe();
    let erased = store.erased_since(T0).await.unwrap();
    hub.forget_erased(&erased).await;
    assert!(matches!(events.recv().await, Ok(HubEvent::Erased { document }) if document == id));
    let guard = hub.open(id).await.unwrap();
    assert!(guard.get().meta.is_none());
    assert!(guard.get().erased.is_some());
    drop(guard);
    // Not loaded any more (or never): nothing to tell.
    hub.forget_erased(&erased).await;
    assert!(events.try_recv().is_err());
}

//! The documents the server has loaded, shared by every connection.
//!
//! Memory is bounded: documents live in an LRU of at most `cap` entries; one that no connection is
//! using may be evicted at any time and is loaded again from the store on demand. Each document
//! has its own async lock, so changes to one document are applied one at a time while the store
//! groups commits across documents.

use crate::store::{Store, StoreError};
use automerge::Automerge;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{DocMeta, Record};
use lru::LruCache;
use std::sync::{Arc, Mutex};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, broadcast};

/// A document in memory: the Automerge document, its typed record and metadata as last committed.
#[derive(Debug)]
pub struct LoadedDoc {
    /// The document as committed (never holds uncommitted changes).
    pub doc: Automerge,
    /// The typed record, `None` while the document has never been stored.
    pub record: Option<Record>,
    /// The metadata, `None` while the document has never been stored.
    pub meta: Option<DocMeta>,
    /// How many chunks the store holds for it (to decide when to compact).
    pub chunk_count: usize,
}

/// A cache slot: loading happens under the slot's lock so that a document is read once.
#[derive(Debug)]
enum Slot {
    Unloaded,
    Loaded(Box<LoadedDoc>),
}

/// Exclusive access to one loaded document for the duration of one message.
pub struct DocGuard {
    guard: OwnedMutexGuard<Slot>,
}

impl DocGuard {
    /// The loaded document.
    pub fn get(&self) -> &LoadedDoc {
        match &*self.guard {
            Slot::Loaded(d) => d,
            Slot::Unloaded => unreachable!("a DocGuard is only handed out once loaded"),
        }
    }

    fn get_mut(&mut self) -> &mut LoadedDoc {
        match &mut *self.guard {
            Slot::Loaded(d) => d,
            Slot::Unloaded => unreachable!("a DocGuard is only handed out once loaded"),
        }
    }
}

/// Something other connections may need to act on.
#[derive(Debug, Clone)]
pub enum HubEvent {
    /// A document gained committed changes; connections syncing it send the new heads.
    Changed {
        /// Which document.
        document: DocumentId,
        /// The connection that made the change (it has already replied).
        by_connection: u64,
    },
    /// An ephemeral message to relay to other readers of the document.
    Ephemeral {
        /// Which document.
        document: DocumentId,
        /// The connection it came from (not relayed back).
        from_connection: u64,
        /// The original message.
        message: hearth_shared::protocol::Message,
    },
}

/// Loaded documents, the store behind them, and the event fan-out between connections.
pub struct Hub {
    store: Arc<dyn Store>,
    cache: Mutex<LruCache<DocumentId, Arc<AsyncMutex<Slot>>>>,
    cap: usize,
    compact_after: usize,
    events: broadcast::Sender<HubEvent>,
    /// The stable id of this server's storage, sent in `peer` so clients can track what is stored.
    pub storage_id: String,
    /// This server's peer id in the sync protocol.
    pub peer_id: String,
}

impl Hub {
    /// A hub over `store` keeping at most `cap` documents loaded, compacting a document once it
    /// has `compact_after` chunks.
    pub fn new(
        store: Arc<dyn Store>,
        storage_id: String,
        cap: usize,
        compact_after: usize,
    ) -> Self {
        let (events, _) = broadcast::channel(1024);
        Self {
            store,
            cache: Mutex::new(LruCache::unbounded()),
            cap: cap.max(1),
            compact_after: compact_after.max(2),
            events,
            peer_id: format!("hearth-server-{storage_id}"),
            storage_id,
        }
    }

    /// Subscribes to changes and ephemeral messages.
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.events.subscribe()
    }

    /// Tells every connection about an event. No receivers is fine.
    pub fn publish(&self, event: HubEvent) {
        let _ = self.events.send(event);
    }

    /// How many documents are loaded right now (for tests and metrics).
    pub fn loaded(&self) -> usize {
        self.cache
            .lock()
            .expect("cache lock is never poisoned")
            .len()
    }

    /// Locks a document, loading it from the store if needed. A document the store has never
    /// seen comes back empty, with `meta: None`.
    pub async fn open(&self, id: DocumentId) -> Result<DocGuard, StoreError> {
        let slot = self.slot(id);
        let mut guard = slot.lock_owned().await;
        if let Slot::Unloaded = &*guard {
            let loaded = match self.store.load_document(id).await? {
                Some(stored) => {
                    let doc = hearth_shared::sync::load_chunks(&stored.chunks).map_err(|e| {
                        tracing::error!(document = %id, error = %e, "stored document does not load");
                        StoreError::NotFound("loadable document")
                    })?;
                    let record = Record::from_doc(&doc).ok();
                    LoadedDoc {
                        doc,
                        record,
                        meta: Some(stored.meta),
                        chunk_count: stored.chunks.len(),
                    }
                }
                None => LoadedDoc {
                    doc: Automerge::new(),
                    record: None,
                    meta: None,
                    chunk_count: 0,
                },
            };
            *guard = Slot::Loaded(Box::new(loaded));
        }
        Ok(DocGuard { guard })
    }

    /// The metadata of a stored document (loading it if needed), `None` if never stored.
    pub async fn meta(&self, id: DocumentId) -> Result<Option<DocMeta>, StoreError> {
        Ok(self.open(id).await?.get().meta.clone())
    }

    /// Whether the home `home_id` is archived (takes no new records); an unknown home is not.
    pub async fn home_archived(&self, home_id: &str) -> Result<bool, StoreError> {
        Ok(self.store.home(home_id).await?.is_some_and(|h| h.archived))
    }

    /// Appends an audit row (for refused changes).
    pub async fn audit(&self, event: crate::store::AuditEvent) -> Result<(), StoreError> {
        self.store.audit(event).await
    }

    /// Makes checked changes durable, then replaces the in-memory document with them.
    /// On error nothing in memory changes.
    pub async fn commit(
        &self,
        id: DocumentId,
        guard: &mut DocGuard,
        doc: Automerge,
        chunk: Vec<u8>,
        record: Record,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let meta = record.meta();
        // The reporting facts come from the record already checked for this change, so the
        // overview stays in step with every commit without loading documents.
        let facts = hearth_shared::reporting::facts_of(&record);
        self.store
            .append_chunk(id, meta.clone(), Some(facts), chunk, now_ms)
            .await?;
        let loaded = guard.get_mut();
        loaded.doc = doc;
        loaded.record = Some(record);
        loaded.meta = Some(meta);
        loaded.chunk_count += 1;
        if loaded.chunk_count >= self.compact_after {
            // Compaction replaces exactly the chunks counted so far with one snapshot of the
            // same content; a failure leaves the chunks as they were, which still load.
            let snapshot = loaded.doc.save();
            match self.store.compact(id, snapshot, loaded.chunk_count).await {
                Ok(()) => loaded.chunk_count = 1,
                Err(e) => tracing::warn!(document = %id, error = %e, "compaction failed"),
            }
        }
        Ok(())
    }

    /// The cache slot for `id`, inserting an unloaded one. Evicts least-recently-used slots that
    /// no connection holds, so the cap is soft only while every cached document is in use.
    fn slot(&self, id: DocumentId) -> Arc<AsyncMutex<Slot>> {
        let mut cache = self.cache.lock().expect("cache lock is never poisoned");
        if let Some(slot) = cache.get(&id) {
            return slot.clone();
        }
        while cache.len() >= self.cap {
            let idle = cache
                .iter()
                .rev()
                .find(|(_, slot)| Arc::strong_count(slot) == 1)
                .map(|(k, _)| *k);
            match idle {
                Some(k) => {
                    cache.pop(&k);
                }
                None => break,
            }
        }
        let slot = Arc::new(AsyncMutex::new(Slot::Unloaded));
        cache.put(id, slot.clone());
        slot
    }
}

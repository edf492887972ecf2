//! The documents the server has loaded, shared by every connection.
//!
//! Memory is bounded: documents live in an LRU of at most `cap` entries; one that no connection is
//! using may be evicted at any time and is loaded again from the store on demand. Each document
//! has its own async lock, so changes to one document are applied one at a time while the store
//! groups commits across documents.

use crate::store::{ActorClaim, AuditEvent, ChangeCommit, ChunksAfter, Store, StoreError};
use automerge::{ActorId, Automerge, ReadDoc as _};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{DocMeta, Record};
use hearth_shared::rejection::Rejection;
use hearth_shared::rules;
use hearth_shared::sync::SyncError;
use hearth_shared::sync::typing::{Accepted, Typing};
use lru::LruCache;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, broadcast};

/// Pending typing applied to the document in one batch once this many changes wait, so that
/// whoever reads the document next never waits for a long batch.
const SETTLE_AFTER: usize = 256;

/// A document in memory: the Automerge document, its typed record and metadata as last committed.
#[derive(Debug)]
pub struct LoadedDoc {
    /// The document as committed (never holds uncommitted changes), except that typing
    /// committed through `typing` may not be applied yet: [`Hub::open`] applies it, and only the
    /// sync path opens a document without ([`Hub::open_unsettled`]).
    pub doc: Automerge,
    /// The typed record, `None` while the document has never been stored. While typing is
    /// pending, its freely edited texts are behind; nothing but those differs.
    pub record: Option<Record>,
    /// The metadata, `None` while the document has never been stored.
    pub meta: Option<DocMeta>,
    /// For an erased record (then `meta` is `None` and the document empty): the metadata its
    /// tombstone keeps, for the access check that decides who is told it was erased.
    pub erased: Option<DocMeta>,
    /// Who made its changes: each actor's user (see [`ActorClaim`]).
    authors: HashMap<ActorId, String>,
    /// How many chunks the store holds for it (to decide when to compact).
    pub chunk_count: usize,
    /// Bytes of the first stored chunk (the snapshot, once compacted).
    pub snapshot_bytes: usize,
    /// Bytes of the chunks stored after the first.
    pub incremental_bytes: usize,
    /// Every stored chunk numbered up to this is in the document (or pending as typing): a
    /// catch-up on another server's commits reads only the chunks after it
    /// ([`Hub::changed_elsewhere`]). Commits made here do not move it (the store numbers their
    /// chunks): a catch-up reads them again, and automerge passes over changes it has.
    through_seq: i64,
    /// What the fast path for typing knows about the document (built on first use, dropped
    /// whenever a change arrives the ordinary way), with the committed typing not yet applied.
    typing: Option<Typing>,
}

impl LoadedDoc {
    /// Whether to replace the stored chunks with one snapshot: at least `min_chunks` of them,
    /// and the incremental ones outweigh the snapshot (as automerge-repo decides). A snapshot
    /// costs time in proportion to the whole history, and this rule takes one only after
    /// as many bytes of new changes, so its cost per change stays the same however long the
    /// history grows, while loading never reads more than about twice the snapshot.
    pub fn compaction_due(&self, min_chunks: usize) -> bool {
        self.chunk_count >= min_chunks && self.incremental_bytes >= self.snapshot_bytes
    }

    /// Counts a chunk just appended to the store.
    fn count_chunk(&mut self, bytes: usize) {
        if self.chunk_count == 0 {
            self.snapshot_bytes = bytes;
        } else {
            self.incremental_bytes += bytes;
        }
        self.chunk_count += 1;
    }

    /// The claims `user_id` makes by committing changes from `actors` (those no one has
    /// claimed yet), or a refusal if another user's actor is among them: changes made under
    /// another's actor would put them in the record's history as that person's.
    pub fn claims_for(
        &self,
        user_id: &str,
        actors: &[ActorId],
        at_ms: i64,
    ) -> Result<Vec<ActorClaim>, Rejection> {
        let mut claims = Vec::new();
        for actor in actors {
            match self.authors.get(actor) {
                Some(owner) if owner == user_id => {}
                Some(_) => {
                    return Err(Rejection::ForgedAuthor(
                        "These changes carry another user's editing session.".into(),
                    ));
                }
                None => claims.push(ActorClaim {
                    actor: actor.to_bytes().to_vec(),
                    user_id: user_id.to_string(),
                    first_at_ms: at_ms,
                }),
            }
        }
        Ok(claims)
    }

    /// Records claims just committed.
    fn adopt_claims(&mut self, claims: Vec<ActorClaim>) {
        for claim in claims {
            self.authors
                .insert(ActorId::from(claim.actor), claim.user_id);
        }
    }

    /// How many committed changes of typing wait to be applied to the document.
    pub fn pending(&self) -> usize {
        self.typing.as_ref().map_or(0, Typing::pending)
    }

    /// Applies pending typing to the document in one batch and reads the record again. On
    /// error the document may hold part of it and must be discarded (the store has it all).
    fn settle(&mut self) -> Result<(), SyncError> {
        let Some(typing) = self.typing.as_mut().filter(|t| t.pending() > 0) else {
            return Ok(());
        };
        typing.settle(&mut self.doc)?;
        match rules::validate(&self.doc) {
            Ok(record) => self.record = Some(record),
            // Committed already: the check in `sync::typing` let through what the rules refuse.
            Err(e) => tracing::error!(error = %e, "settled typing does not validate"),
        }
        Ok(())
    }
}

/// What the store keeps with a message's changes about who sent them: the actors they claim
/// ([`LoadedDoc::claims_for`]) and the `change_accepted` audit row.
#[derive(Debug, Clone)]
pub struct Authorship {
    /// Actors whose first changes to the document these are.
    pub claims: Vec<ActorClaim>,
    /// Who, which document, which fields; never content.
    pub audit: AuditEvent,
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

    /// The document itself, to apply a peer's changes in place. Whoever changes it must either
    /// commit the changes ([`Hub::commit`]) or [`discard`](Self::discard) the document.
    pub fn doc_mut(&mut self) -> &mut Automerge {
        &mut self.get_mut().doc
    }

    /// Applies typing committed but not yet applied, so the document is exactly as committed.
    /// Call before anything but the typing fast path reads or changes the document. On error
    /// the document is discarded (it loads again, with everything committed, on the next open).
    pub fn settle(&mut self) -> Result<(), SyncError> {
        let settled = self.get_mut().settle();
        if settled.is_err() {
            self.discard();
        }
        settled
    }

    /// Checks a peer's message as typing into the `editable` texts (see `sync::typing`),
    /// building what the check needs on first use. Changes nothing.
    pub fn check_typing(
        &mut self,
        editable: &[&str],
        state: &automerge::sync::State,
        message: &automerge::sync::Message,
    ) -> Option<Accepted> {
        let loaded = self.get_mut();
        // Changes left waiting for their dependencies (kept only beside a commit) would change
        // what applying and acknowledging do: the ordinary path handles those.
        if !loaded.doc.get_missing_deps(&[]).is_empty() {
            return None;
        }
        let typing = loaded
            .typing
            .get_or_insert_with(|| Typing::new(&loaded.doc, editable));
        typing.check(&loaded.doc, editable, state, message)
    }

    /// Throws the in-memory document away, uncommitted changes and all: the next
    /// [`Hub::open`] loads it again from the store, which holds only committed chunks. The
    /// guard must not be read after this.
    pub fn discard(&mut self) {
        *self.guard = Slot::Unloaded;
    }
}

/// The `by_connection` of a change another server made: no connection here has its id
/// (connection ids start at 1), so every connection syncing the document acts on it.
pub const ANOTHER_SERVER: u64 = 0;

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
    /// A record was erased; connections syncing it tell their peer to drop it (if the peer
    /// could read it) and forget it.
    Erased {
        /// Which document.
        document: DocumentId,
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

/// How a hub has read documents from the store since it started ([`Hub::load_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadCounts {
    /// Documents read whole (every chunk), on first use or after being dropped.
    pub whole: u64,
    /// Loaded documents caught up on another server's commits by reading only the chunks
    /// appended after the ones held ([`Hub::changed_elsewhere`]).
    pub caught_up: u64,
    /// Chunks those catch-ups read.
    pub chunks_caught_up: u64,
}

#[derive(Default)]
struct Counts {
    whole: AtomicU64,
    caught_up: AtomicU64,
    chunks_caught_up: AtomicU64,
}

/// Loaded documents, the store behind them, and the event fan-out between connections.
pub struct Hub {
    store: Arc<dyn Store>,
    cache: Mutex<LruCache<DocumentId, Arc<AsyncMutex<Slot>>>>,
    cap: usize,
    compact_after: usize,
    events: broadcast::Sender<HubEvent>,
    counts: Counts,
    /// The stable id of this server's storage, sent in `peer` so clients can track what is stored.
    pub storage_id: String,
    /// This server's peer id in the sync protocol.
    pub peer_id: String,
}

impl Hub {
    /// A hub over `store` keeping at most `cap` documents loaded, compacting a document once it
    /// has at least `compact_after` chunks and its incremental chunks outweigh its snapshot
    /// ([`LoadedDoc::compaction_due`]).
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
            counts: Counts::default(),
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

    /// How documents have been read from the store so far (for tests and metrics).
    pub fn load_counts(&self) -> LoadCounts {
        LoadCounts {
            whole: self.counts.whole.load(Ordering::Relaxed),
            caught_up: self.counts.caught_up.load(Ordering::Relaxed),
            chunks_caught_up: self.counts.chunks_caught_up.load(Ordering::Relaxed),
        }
    }

    /// Locks a document, loading it from the store if needed, with every committed change
    /// applied. A document the store has never seen comes back empty, with `meta: None`.
    pub async fn open(&self, id: DocumentId) -> Result<DocGuard, StoreError> {
        let mut guard = self.open_unsettled(id).await?;
        if let Err(e) = guard.settle() {
            tracing::error!(document = %id, error = %e, "pending typing does not apply");
            return Err(StoreError::NotFound("loadable document"));
        }
        Ok(guard)
    }

    /// Like [`open`](Self::open), but leaving committed typing unapplied: for the sync path,
    /// which either takes more typing the same way or settles first ([`DocGuard::settle`]).
    pub async fn open_unsettled(&self, id: DocumentId) -> Result<DocGuard, StoreError> {
        let slot = self.slot(id);
        let mut guard = slot.lock_owned().await;
        if let Slot::Unloaded = &*guard {
            *guard = Slot::Loaded(Box::new(self.load(id).await?));
        }
        Ok(DocGuard { guard })
    }

    /// Loads a document as stored: exactly its committed changes.
    async fn load(&self, id: DocumentId) -> Result<LoadedDoc, StoreError> {
        self.counts.whole.fetch_add(1, Ordering::Relaxed);
        Ok(match self.store.load_document(id).await? {
            Some(stored) => {
                let doc = hearth_shared::sync::load_chunks(&stored.chunks).map_err(|e| {
                    tracing::error!(document = %id, error = %e, "stored document does not load");
                    StoreError::NotFound("loadable document")
                })?;
                let record = Record::from_doc(&doc).ok();
                let authors = self
                    .store
                    .document_actors(id)
                    .await?
                    .into_iter()
                    .map(|claim| (ActorId::from(claim.actor), claim.user_id))
                    .collect();
                let snapshot_bytes = stored.chunks.first().map_or(0, Vec::len);
                let incremental_bytes = stored.chunks.iter().skip(1).map(Vec::len).sum();
                LoadedDoc {
                    doc,
                    record,
                    meta: Some(stored.meta),
                    erased: None,
                    authors,
                    chunk_count: stored.chunks.len(),
                    snapshot_bytes,
                    incremental_bytes,
                    through_seq: stored.last_seq,
                    typing: None,
                }
            }
            None => LoadedDoc {
                doc: Automerge::new(),
                record: None,
                meta: None,
                // Only for ids the store does not hold: a new record's first message pays one
                // more read, a stored record's none.
                erased: self.store.tombstone(id).await?.map(|t| t.access),
                authors: HashMap::new(),
                chunk_count: 0,
                snapshot_bytes: 0,
                incremental_bytes: 0,
                through_seq: 0,
                typing: None,
            },
        })
    }

    /// Replaces the in-memory document with what the store holds, dropping whatever was
    /// applied to it and not committed (changes left waiting for their dependencies). On error
    /// the document is discarded and loads again on the next [`open`](Self::open).
    pub async fn reload(&self, id: DocumentId, guard: &mut DocGuard) -> Result<(), StoreError> {
        guard.discard();
        *guard.guard = Slot::Loaded(Box::new(self.load(id).await?));
        Ok(())
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

    /// Makes checked changes durable. The changes are already in the guard's document
    /// (applied in place); `chunk` is them in storage format and `record` the document read
    /// after them. On error the document is discarded, so memory holds only what was committed
    /// before. Returns whether the document is due for compaction ([`Hub::compact_if_due`],
    /// best run after the acknowledgement has been sent).
    pub async fn commit(
        &self,
        id: DocumentId,
        guard: &mut DocGuard,
        chunk: Vec<u8>,
        record: Record,
        now_ms: i64,
        authorship: Authorship,
    ) -> Result<bool, StoreError> {
        let meta = record.meta();
        // The reporting facts come from the record already checked for this change, so the
        // overview stays in step with every commit without loading documents.
        let facts = hearth_shared::reporting::facts_of(&record);
        let chunk_bytes = chunk.len();
        let commit = ChangeCommit {
            id,
            meta: meta.clone(),
            facts: Some(facts),
            chunk,
            at_ms: now_ms,
            claims: authorship.claims.clone(),
            audit: Some(authorship.audit),
        };
        if let Err(e) = self.store.commit_changes(commit).await {
            guard.discard();
            return Err(e);
        }
        let loaded = guard.get_mut();
        loaded.adopt_claims(authorship.claims);
        loaded.record = Some(record);
        loaded.meta = Some(meta);
        // Its heads, actors and texts changed behind the fast path's back: build it again when
        // typing next arrives.
        loaded.typing = None;
        loaded.count_chunk(chunk_bytes);
        Ok(loaded.compaction_due(self.compact_after))
    }

    /// Makes typing that `sync::typing` accepted durable, without applying it to the document:
    /// the changes are appended as one chunk with the metadata and reporting facts as last
    /// committed (typing into the freely edited texts changes neither), then kept as pending.
    /// On error nothing in memory has changed. Returns whether the document is due for
    /// settling or compaction ([`Hub::compact_if_due`] does both), best after the
    /// acknowledgement.
    pub async fn commit_typing(
        &self,
        id: DocumentId,
        guard: &mut DocGuard,
        mut accepted: Accepted,
        now_ms: i64,
        authorship: Authorship,
    ) -> Result<bool, StoreError> {
        let loaded = guard.get();
        let (Some(meta), Some(record)) = (loaded.meta.clone(), loaded.record.as_ref()) else {
            return Err(StoreError::NotFound("stored document"));
        };
        let facts = hearth_shared::reporting::facts_of(record);
        let chunk = std::mem::take(&mut accepted.chunk);
        let chunk_bytes = chunk.len();
        let commit = ChangeCommit {
            id,
            meta,
            facts: Some(facts),
            chunk,
            at_ms: now_ms,
            claims: authorship.claims.clone(),
            audit: Some(authorship.audit),
        };
        self.store.commit_changes(commit).await?;
        let loaded = guard.get_mut();
        loaded.adopt_claims(authorship.claims);
        let typing = loaded
            .typing
            .as_mut()
            .expect("typing is only accepted through DocGuard::check_typing");
        typing.adopt(accepted);
        let settle_due = typing.pending() >= SETTLE_AFTER;
        loaded.count_chunk(chunk_bytes);
        Ok(settle_due || loaded.compaction_due(self.compact_after))
    }

    /// Applies pending typing (opening the document does), then compacts the document if it
    /// is (still) due: its stored chunks are replaced by one snapshot of the same content. Run
    /// after a commit's acknowledgement has gone out, so that no change waits for it. The
    /// snapshot is made from what the store holds (one consistent read), not from memory: with
    /// several servers on one store, memory may lack a chunk another server appended, and a
    /// compaction must never replace a chunk its snapshot does not hold ([`Store::compact`]).
    /// A failure leaves the chunks as they were, which still load.
    pub async fn compact_if_due(&self, id: DocumentId) {
        let Ok(mut guard) = self.open(id).await else {
            return;
        };
        let loaded = guard.get_mut();
        if loaded.meta.is_none() || !loaded.compaction_due(self.compact_after) {
            return;
        }
        let stored = match self.store.load_document(id).await {
            Ok(Some(stored)) => stored,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(document = %id, error = %e, "compaction could not load");
                return;
            }
        };
        let doc = match hearth_shared::sync::load_chunks(&stored.chunks) {
            Ok(doc) => doc,
            Err(e) => {
                tracing::error!(document = %id, error = %e, "stored document does not load");
                return;
            }
        };
        let snapshot = hearth_shared::sync::snapshot(&doc);
        let snapshot_bytes = snapshot.len();
        match self.store.compact(id, snapshot, stored.last_seq).await {
            Ok(()) => {
                loaded.chunk_count = 1;
                loaded.snapshot_bytes = snapshot_bytes;
                loaded.incremental_bytes = 0;
                // The chunks this server committed are now inside the snapshot, where a
                // catch-up cannot read them alone: if memory holds exactly what the snapshot
                // does, it holds every chunk through it. Otherwise (another server's commit
                // not yet taken in) the next catch-up finds the snapshot and reads it whole.
                if loaded.doc.get_heads() == doc.get_heads() {
                    loaded.through_seq = stored.last_seq;
                }
            }
            Err(e) => tracing::warn!(document = %id, error = %e, "compaction failed"),
        }
    }

    /// Erases a stored record (see [`Store::erase_document`]) under its lock, so no message is
    /// being applied to it meanwhile, then drops the loaded copy: the next open reads the
    /// tombstone. Connections syncing it are told ([`HubEvent::Erased`]).
    pub async fn erase(&self, erasure: crate::store::erasure::Erasure) -> Result<(), StoreError> {
        let id = erasure.id;
        let mut guard = self.slot(id).lock_owned().await;
        let erased = self.store.erase_document(erasure).await;
        // Whatever the outcome, the copy in memory is no longer trusted: the next open reloads.
        *guard = Slot::Unloaded;
        drop(guard);
        erased?;
        self.publish(HubEvent::Erased { document: id });
        Ok(())
    }

    /// Drops the loaded copies of records erased by another process (`hearth retention run` on
    /// the same data folder), so this server stops serving them: the next open reads the
    /// tombstone. Waits for each document's lock.
    pub async fn forget_erased(&self, ids: &[DocumentId]) {
        for &id in ids {
            if let Some(slot) = self.cached(id) {
                let mut guard = slot.lock_owned().await;
                if matches!(&*guard, Slot::Loaded(d) if d.meta.is_some()) {
                    *guard = Slot::Unloaded;
                    drop(guard);
                    self.publish(HubEvent::Erased { document: id });
                }
            }
        }
    }

    /// Takes in changes another server committed to `id` ([`RemoteEvent::Document`]): under
    /// its lock, a loaded copy reads only the chunks appended after the ones it holds and applies
    /// them ([`Store::load_chunks_after`]); when that cannot be done exactly (a compaction took
    /// in chunks it lacks, a chunk does not apply, a read fails) the copy is dropped and the
    /// next open reads the store whole. Then connections syncing the document are told, so each
    /// sends its peer what it lacks after checking access on the metadata as now stored.
    ///
    /// [`RemoteEvent::Document`]: crate::store::remote::RemoteEvent::Document
    pub async fn changed_elsewhere(&self, id: DocumentId) {
        if let Some(slot) = self.cached(id) {
            let mut guard = slot.lock_owned().await;
            if let Slot::Loaded(loaded) = &mut *guard
                && !self.catch_up(id, loaded).await
            {
                *guard = Slot::Unloaded;
            }
        }
        self.publish(HubEvent::Changed {
            document: id,
            by_connection: ANOTHER_SERVER,
        });
    }

    /// Brings a loaded document up to date with the store by applying the chunks appended
    /// after `through_seq`, with the metadata, record and actor claims as now stored. `false`
    /// when it cannot be done exactly: the caller drops the copy (it may hold part of them).
    async fn catch_up(&self, id: DocumentId, loaded: &mut LoadedDoc) -> bool {
        // A record never stored (or erased) here has nothing to build on: read it whole.
        if loaded.meta.is_none() {
            return false;
        }
        // Committed typing first, so the document is exactly as committed here.
        if loaded.settle().is_err() {
            return false;
        }
        let (meta, chunks, last_seq) = match self
            .store
            .load_chunks_after(id, loaded.through_seq)
            .await
        {
            Ok(Some(ChunksAfter::Appended {
                meta,
                chunks,
                last_seq,
            })) => (meta, chunks, last_seq),
            // Compacted past what it holds, or erased: the whole read says which.
            Ok(Some(ChunksAfter::Compacted) | None) => return false,
            Err(e) => {
                tracing::warn!(document = %id, error = %e, "could not read another server's changes");
                return false;
            }
        };
        // Read after the chunks: the claims committed with them are among these.
        let authors = match self.store.document_actors(id).await {
            Ok(claims) => claims
                .into_iter()
                .map(|claim| (ActorId::from(claim.actor), claim.user_id))
                .collect(),
            Err(e) => {
                tracing::warn!(document = %id, error = %e, "could not read another server's changes");
                return false;
            }
        };
        let new_chunks = match hearth_shared::sync::apply_chunks(&mut loaded.doc, &chunks) {
            Ok(new_chunks) => new_chunks,
            Err(e) => {
                tracing::error!(document = %id, error = %e, "another server's changes do not apply");
                return false;
            }
        };
        loaded.record = Record::from_doc(&loaded.doc).ok();
        loaded.meta = Some(meta);
        loaded.authors = authors;
        // Its heads and texts changed behind the fast path's back.
        loaded.typing = None;
        for bytes in new_chunks {
            loaded.count_chunk(bytes);
        }
        loaded.through_seq = last_seq;
        self.counts.caught_up.fetch_add(1, Ordering::Relaxed);
        self.counts
            .chunks_caught_up
            .fetch_add(chunks.len() as u64, Ordering::Relaxed);
        true
    }

    /// Takes in an erasure another server committed ([`RemoteEvent::Erased`]): the loaded
    /// copy, if any, is dropped (the next open reads the tombstone) and connections syncing the
    /// record are told, as for an erasure made here.
    ///
    /// [`RemoteEvent::Erased`]: crate::store::remote::RemoteEvent::Erased
    pub async fn erased_elsewhere(&self, id: DocumentId) {
        if let Some(slot) = self.cached(id) {
            *slot.lock_owned().await = Slot::Unloaded;
        }
        self.publish(HubEvent::Erased { document: id });
    }

    /// After announcements from other servers may have been missed: every loaded document is
    /// treated as changed elsewhere, and (since what was missed is unknown, an erasure
    /// included) dropped, so its next open reads the store whole.
    pub async fn resync(&self) {
        let ids: Vec<DocumentId> = self
            .cache
            .lock()
            .expect("cache lock is never poisoned")
            .iter()
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            if let Some(slot) = self.cached(id) {
                *slot.lock_owned().await = Slot::Unloaded;
            }
            self.publish(HubEvent::Changed {
                document: id,
                by_connection: ANOTHER_SERVER,
            });
        }
    }

    /// The cache slot for `id` if there is one, without touching the LRU order.
    fn cached(&self, id: DocumentId) -> Option<Arc<AsyncMutex<Slot>>> {
        self.cache
            .lock()
            .expect("cache lock is never poisoned")
            .peek(&id)
            .cloned()
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

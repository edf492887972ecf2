//! The client's sync engine: local documents, what the server has acknowledged, and the
//! protocol conversation, as a plain Rust type with no IO.
//!
//! The platform layer feeds it events (the socket opened, a frame arrived, the socket closed, the
//! user edited a record) and carries out the [`Effect`]s it returns (send a frame, write a
//! document to IndexedDB, tell the views a record or the status changed). Time is passed in, so
//! every rule here is a native unit test.
//!
//! A change is *acknowledged* once the server's heads (the sync state's `their_heads`) cover it:
//! the server only advertises heads it has committed to SQLite, so an acknowledged change is on
//! the server's disk. Acknowledged heads are stored with the document, so "3 changes waiting"
//! survives a reload.

mod ack;
pub mod backoff;
mod rebase;
mod saved;
pub mod status;
pub mod text;
mod texts;

use std::collections::{BTreeMap, BTreeSet};

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash, LoadOptions, ObjType, ROOT, ReadDoc, TextEncoding, Value};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{DocMeta, Record, RecordKind, WorkflowState};
use hearth_shared::permissions::{Actor, access};
use hearth_shared::protocol::{ClientEvent, ClientHandshake, DocumentMessage, PeerMetadata};
use serde::{Deserialize, Serialize};

pub use status::SyncStatus;

use crate::index::IndexEntry;

/// How text positions are counted in every document the engine holds: UTF-8 bytes, because
/// autosurgeon's `Text` edits (used by the record editors) are byte offsets. With automerge's
/// default (code points) a typed-record edit after any non-ASCII character lands in the wrong
/// place or fails.
const ENCODING: TextEncoding = TextEncoding::Utf8CodeUnit;

fn empty_doc() -> AutoCommit {
    AutoCommit::new_with_encoding(ENCODING)
}

/// Commits a local edit with this device's clock as the change's time (seconds, as Automerge
/// documents it), so the record's history can say when each change was made, offline too
/// (`hearth_shared::history`). Automerge writes 0 unless told.
fn commit(doc: &mut AutoCommit) {
    let options = automerge::transaction::CommitOptions::default().with_time(now_seconds());
    doc.commit_with(options);
}

#[cfg(target_arch = "wasm32")]
fn now_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

#[cfg(not(target_arch = "wasm32"))]
fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Something the platform must do after an engine call, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send this binary frame on the sync socket.
    Send(Vec<u8>),
    /// Write this document ([`Engine::snapshot`]) to local storage.
    Persist(DocumentId),
    /// Remove this document from local storage (a discarded rejected copy).
    Forget(DocumentId),
    /// The document's content changed other than by a local edit (another device's change
    /// arrived): views showing it should read it again.
    Updated(DocumentId),
    /// The set of records changed (one created, fetched or removed): lists should refresh.
    ListChanged,
    /// The sync status changed.
    Status(SyncStatus),
    /// The server broke the protocol or refused the connection: close it and retry later.
    Close,
    /// This device's session was revoked (`device_revoked`, with the server's message): the
    /// runtime deletes the user's data from the device and shows the message. Comes with
    /// [`Effect::Close`].
    DeviceRevoked(String),
}

/// The sync socket's (and the API's) code for a session that was revoked from Devices.
pub const DEVICE_REVOKED: &str = "device_revoked";

/// The server's `error` code for a record that was erased (retention or an administrator):
/// the device drops its copy.
pub const RECORD_ERASED: &str = "record_erased";

/// Why the server refused a document's change, as it said in its `error` message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// The stable code, e.g. `record_locked`.
    pub code: String,
    /// The server's human message (never record content).
    pub message: String,
}

/// What is kept in local storage for one document besides its Automerge bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredInfo {
    /// The record's list metadata, when the document holds a readable record.
    pub meta: Option<DocMeta>,
    /// The server heads last seen, hex: what the server has acknowledged.
    pub acked_heads: Vec<String>,
    /// Set when the server refused a change: the copy is kept, but no longer synced.
    pub rejected: Option<Rejected>,
}

/// One document as written to local storage.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDoc {
    /// The document id.
    pub id: DocumentId,
    /// `AutoCommit::save()` output.
    pub bytes: Vec<u8>,
    /// Metadata, acknowledged heads and rejection.
    pub info: StoredInfo,
}

/// A record the server lists (`GET /api/documents`) that may not be on this device yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listed {
    /// The document id, base58check.
    pub id: String,
    /// `visitNote`, `inspection`, ...
    pub kind: String,
    /// A bland title (no child's details).
    pub title: String,
    /// The home, where the kind has one.
    pub home_id: Option<String>,
    /// The workflow state as stored (`draft`, `signedOff`, ...).
    pub state: String,
}

/// A row of the records list: a local document, or one the server listed that is on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The document.
    pub id: DocumentId,
    /// Which record kind, if known.
    pub kind: Option<RecordKind>,
    /// The list title.
    pub title: String,
    /// The home the record is about.
    pub home_id: Option<String>,
    /// The workflow state, if known.
    pub state: Option<WorkflowState>,
    /// Whether the document is on this device (can be opened offline).
    pub local: bool,
    /// Whether it has changes the server has not acknowledged.
    pub waiting: bool,
    /// Whether the server refused a change to it.
    pub rejected: bool,
}

/// Why a stored document could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("stored document does not load: {0}")]
pub struct LoadError(String);

/// Why an edit could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// No such local document.
    #[error("the record is not on this device")]
    Unknown,
    /// The server refused this copy; it is kept read-only until discarded.
    #[error("the server refused this record's changes; it can no longer be edited here")]
    Rejected,
    /// Writing the record into the document failed.
    #[error("could not write the record: {0}")]
    Write(String),
}

/// One local document and what the engine knows about its sync.
struct LocalDoc {
    doc: AutoCommit,
    meta: Option<DocMeta>,
    /// Sync state with the server for the current connection (fresh per connection).
    state: sync::State,
    /// The server's heads as last seen (persisted).
    acked: Vec<ChangeHash>,
    /// Whether some local change is not covered by `acked`.
    waiting: bool,
    rejected: Option<Rejected>,
    /// Asked for with `request` and no content has arrived yet.
    requested: bool,
    /// The first message on this connection has been sent (so `request` is used only once).
    opened: bool,
    /// Bumped when another device's change arrives.
    revision: u64,
    /// Changes made on this device since the document was opened (not persisted): lets
    /// [`Engine::write_record`] tell "the view is behind my own last keystrokes" from "another
    /// device's change arrived".
    own_changes: BTreeSet<ChangeHash>,
    /// What local storage holds, so a write appends only the changes since the last one.
    saved: saved::Saved,
    /// The texts last read, brought forward by the document's patches.
    texts: texts::TextCache,
}

impl LocalDoc {
    fn new(doc: AutoCommit) -> Self {
        Self {
            doc,
            meta: None,
            state: sync::State::new(),
            acked: Vec::new(),
            waiting: false,
            rejected: None,
            requested: false,
            opened: false,
            revision: 0,
            own_changes: BTreeSet::new(),
            saved: saved::Saved::default(),
            texts: texts::TextCache::default(),
        }
    }

    /// Whether the document has any local change the server's heads do not cover.
    fn compute_waiting(&mut self) -> bool {
        let heads = self.doc.get_heads();
        if heads.iter().all(|h| self.acked.contains(h)) {
            return false;
        }
        // Server heads we do not have yet are about to arrive; judge by the ones we know.
        let known: Vec<ChangeHash> = self
            .acked
            .iter()
            .filter(|h| self.doc.get_change_by_hash(h).is_some())
            .copied()
            .collect();
        !self.doc.get_changes_meta(&known).is_empty()
    }

    /// The typed record the document holds (long texts not read again: [`texts`]).
    fn read_record(&mut self) -> Result<Record, String> {
        let record = self.texts.record(&mut self.doc);
        #[cfg(test)]
        assert_eq!(
            record,
            Record::from_doc(self.doc.document()).map_err(|e| e.message().to_string()),
            "the text cache reads exactly what the document holds"
        );
        record
    }

    fn refresh_meta(&mut self) {
        if let Ok(record) = self.read_record() {
            self.meta = Some(record.meta());
        }
    }
}

/// How an edit brings a document's list metadata up to date.
enum MetaAfter {
    /// The edit cannot have changed it (a keystroke in a paragraph).
    Same,
    /// It is this (the record just written as it is).
    Known(DocMeta),
    /// Read it from the document again (hydrates the whole record).
    Reread,
}

/// When an edit's change is offered to the server.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Offer {
    /// With the edit.
    Now,
    /// When the runtime calls [`Engine::send_document`] (a keystroke: after its frame).
    Later,
}

/// Where the connection to the server is.
enum Link {
    /// No socket.
    Down,
    /// Socket open, `join` sent, waiting for `peer`.
    Joining(ClientHandshake),
    /// Joined: document messages flow.
    Up(ClientHandshake),
}

/// The sync engine. See the module docs.
pub struct Engine {
    peer_id: String,
    link: Link,
    docs: BTreeMap<DocumentId, LocalDoc>,
    /// Documents stored on this device but not loaded: their metadata index entry stands in
    /// for them in lists and the status until they are opened or have something to sync.
    shelved: BTreeMap<DocumentId, IndexEntry>,
    /// Shelved documents a view or the listing asked for: the runtime loads them
    /// ([`Engine::take_wanted`]).
    wanted: BTreeSet<DocumentId>,
    listing: BTreeMap<DocumentId, Listed>,
    /// Documents dropped with [`Engine::forget`]: late server messages about them are ignored.
    forgotten: BTreeSet<DocumentId>,
    signed_out: bool,
    saved_at: Option<i64>,
    reported: Option<SyncStatus>,
}

impl Engine {
    /// An engine with no documents that will join the server as `peer_id`.
    pub fn new(peer_id: String) -> Self {
        Self {
            peer_id,
            link: Link::Down,
            docs: BTreeMap::new(),
            shelved: BTreeMap::new(),
            wanted: BTreeSet::new(),
            listing: BTreeMap::new(),
            forgotten: BTreeSet::new(),
            signed_out: false,
            saved_at: None,
            reported: None,
        }
    }

    // ----- loading and storing -------------------------------------------------------------

    /// Adds a document read from local storage.
    pub fn load(&mut self, stored: StoredDoc) -> Result<(), LoadError> {
        let options = LoadOptions::new().text_encoding(ENCODING);
        let doc = AutoCommit::load_with_options(&stored.bytes, options)
            .map_err(|e| LoadError(e.to_string()))?;
        let mut local = LocalDoc::new(doc);
        local.saved = saved::Saved::loaded(&stored.bytes, &mut local.doc);
        if local.saved.needs_compaction() {
            // Off the typing path: opening already reads the whole history.
            local.saved.compact(&mut local.doc);
        }
        local.acked = stored
            .info
            .acked_heads
            .iter()
            .filter_map(|h| h.parse().ok())
            .collect();
        local.rejected = stored.info.rejected;
        local.meta = stored.info.meta;
        if local.meta.is_none() {
            local.refresh_meta();
        }
        local.waiting = local.compute_waiting();
        self.shelved.remove(&stored.id);
        self.wanted.remove(&stored.id);
        self.docs.insert(stored.id, local);
        Ok(())
    }

    /// Lists a stored document from its index entry without loading it.
    /// A document only requested from the server (no content yet) gives way to the stored one.
    pub fn shelve(&mut self, id: DocumentId, entry: IndexEntry) {
        if self.docs.get(&id).is_some_and(|d| d.requested) {
            self.docs.remove(&id);
        }
        if !self.docs.contains_key(&id) && !self.forgotten.contains(&id) {
            self.shelved.insert(id, entry);
        }
    }

    /// Loads a shelved (or new) stored document and starts syncing it. Its entry is written
    /// again (with the document) when the loaded document says something the entry did not: a
    /// stale entry is repaired the first time its document is read.
    pub fn open_stored(&mut self, stored: StoredDoc) -> Result<Vec<Effect>, LoadError> {
        let id = stored.id;
        if self.docs.contains_key(&id) {
            // Loaded meanwhile (created or fetched here): memory is newer than storage.
            self.shelved.remove(&id);
            return Ok(Vec::new());
        }
        let old = self.shelved.get(&id).cloned();
        self.load(stored)?;
        let mut effects = vec![Effect::Updated(id), Effect::ListChanged];
        let fresh = self.index_entry(id);
        if old.is_none_or(|old| fresh.is_none_or(|fresh| !fresh.same_as(&old))) {
            effects.push(Effect::Persist(id));
        }
        self.push_sync(id, &mut effects);
        Ok(self.finish(effects))
    }

    /// Shelved documents asked for since the last call, to be loaded.
    pub fn take_wanted(&mut self) -> Vec<DocumentId> {
        std::mem::take(&mut self.wanted)
            .into_iter()
            .filter(|id| self.shelved.contains_key(id))
            .collect()
    }

    /// The shelved documents and their entries.
    pub fn shelved(&self) -> impl Iterator<Item = (DocumentId, &IndexEntry)> {
        self.shelved.iter().map(|(id, e)| (*id, e))
    }

    /// Shelved documents that hold unsent changes: loaded right after start-up so they are sent.
    pub fn shelved_needing_sync(&self) -> Vec<DocumentId> {
        self.shelved
            .iter()
            .filter(|(_, e)| e.needs_sync())
            .map(|(id, _)| *id)
            .collect()
    }

    /// The index entry a loaded document would be stored with (its write time and envelope IV
    /// are the store's to fill in).
    pub fn index_entry(&mut self, id: DocumentId) -> Option<IndexEntry> {
        let local = self.docs.get_mut(&id).filter(|d| !d.requested)?;
        let heads = local.doc.get_heads();
        let unsent = if local.waiting {
            let known: Vec<ChangeHash> = local
                .acked
                .iter()
                .filter(|h| local.doc.get_change_by_hash(h).is_some())
                .copied()
                .collect();
            local.doc.get_changes_meta(&known).len().max(1)
        } else {
            0
        };
        Some(IndexEntry {
            meta: local.meta.clone(),
            heads: heads.iter().map(|h| h.to_string()).collect(),
            acked_heads: local.acked.iter().map(|h| h.to_string()).collect(),
            unsent,
            rejected: local.rejected.clone(),
            updated: 0,
            doc_iv: String::new(),
        })
    }

    /// The document as it should be written to local storage, if it holds anything worth keeping.
    pub fn snapshot(&mut self, id: DocumentId) -> Option<StoredDoc> {
        let local = self.docs.get_mut(&id)?;
        if local.requested {
            return None;
        }
        // No re-read of the metadata: every path that changes the document keeps it current.
        Some(StoredDoc {
            id,
            bytes: local.saved.bytes(&mut local.doc),
            info: StoredInfo {
                meta: local.meta.clone(),
                acked_heads: local.acked.iter().map(|h| h.to_string()).collect(),
                rejected: local.rejected.clone(),
            },
        })
    }

    /// Documents whose stored form has grown many appended chunks, compacted now into one full
    /// save each: for the runtime to call when no one is typing (a full save of a long
    /// history takes longer than a frame). The returned effects write them.
    pub fn compact_stored(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        for (id, local) in &mut self.docs {
            if !local.requested && local.saved.needs_compaction() {
                local.saved.compact(&mut local.doc);
                effects.push(Effect::Persist(*id));
            }
        }
        effects
    }

    // ----- reading ---------------------------------------------------------------------------

    /// The current sync status.
    pub fn status(&self) -> SyncStatus {
        if let Some((id, rejected)) = self
            .docs
            .iter()
            .find_map(|(id, d)| d.rejected.as_ref().map(|r| (*id, r)))
            .or_else(|| {
                self.shelved
                    .iter()
                    .find_map(|(id, e)| e.rejected.as_ref().map(|r| (*id, r)))
            })
        {
            return SyncStatus::Rejected {
                document: id,
                code: rejected.code.clone(),
                message: rejected.message.clone(),
            };
        }
        let waiting = self.waiting();
        if self.signed_out {
            return SyncStatus::SignedOut { waiting };
        }
        match (&self.link, self.saved_at) {
            (Link::Up(_), Some(at)) if waiting == 0 && !self.fetching() => SyncStatus::Saved { at },
            (Link::Up(_), _) => SyncStatus::Syncing,
            _ => SyncStatus::Offline { waiting },
        }
    }

    /// How many records hold changes the server has not acknowledged (refused ones excluded).
    pub fn waiting(&self) -> usize {
        self.docs
            .values()
            .filter(|d| d.waiting && d.rejected.is_none())
            .count()
            + self.shelved.values().filter(|e| e.needs_sync()).count()
    }

    fn fetching(&self) -> bool {
        self.docs.values().any(|d| d.requested)
    }

    /// Whether the engine is joined to the server.
    pub fn is_connected(&self) -> bool {
        matches!(self.link, Link::Up(_))
    }

    /// Whether the document is on this device with content.
    pub fn has(&self, id: DocumentId) -> bool {
        self.docs.get(&id).is_some_and(|d| !d.requested)
    }

    /// The typed record in a local document, or why it cannot be read.
    pub fn record(&mut self, id: DocumentId) -> Option<Result<Record, String>> {
        self.want(id);
        let local = self.docs.get_mut(&id).filter(|d| !d.requested)?;
        Some(local.read_record())
    }

    /// Which kind of record a local document holds, or why it cannot be read: from its list
    /// metadata when known (pages ask on every render; reading the record is not free).
    pub fn kind(&mut self, id: DocumentId) -> Option<Result<RecordKind, String>> {
        self.want(id);
        let local = self.docs.get_mut(&id).filter(|d| !d.requested)?;
        if let Some(meta) = &local.meta {
            return Some(Ok(meta.kind));
        }
        Some(local.read_record().map(|r| r.kind()))
    }

    /// The document's current heads (to pass back with an edit made on a hydrated record).
    pub fn heads(&mut self, id: DocumentId) -> Vec<ChangeHash> {
        self.docs
            .get_mut(&id)
            .map(|d| d.doc.get_heads())
            .unwrap_or_default()
    }

    /// A loaded document itself, read-only: the record's history reads its changes, and the
    /// actor this device's edits are made as (`hearth_shared::history`).
    pub fn document(&mut self, id: DocumentId) -> Option<(&automerge::Automerge, String)> {
        self.want(id);
        let local = self.docs.get_mut(&id).filter(|d| !d.requested)?;
        let actor = local.doc.get_actor().to_hex_string();
        Some((local.doc.document(), actor))
    }

    /// The text of a root-level Text (or string) field, without hydrating the whole record.
    pub fn text(&mut self, id: DocumentId, prop: &str) -> Option<String> {
        self.want(id);
        let doc = &self.docs.get(&id)?.doc;
        match doc.get(ROOT, prop).ok()?? {
            (Value::Object(ObjType::Text), obj) => doc.text(&obj).ok(),
            (Value::Scalar(s), _) => s.as_str().map(str::to_string),
            _ => None,
        }
    }

    /// Asks for a shelved document to be loaded (nothing if it is loaded or not stored here).
    /// Returns whether it is shelved, i.e. on this device but not loaded yet.
    pub fn want(&mut self, id: DocumentId) -> bool {
        let shelved = self.shelved.contains_key(&id);
        if shelved {
            self.wanted.insert(id);
        }
        shelved
    }

    /// How many times another device's changes have arrived for this document.
    pub fn revision(&self, id: DocumentId) -> u64 {
        self.docs.get(&id).map_or(0, |d| d.revision)
    }

    /// The server's refusal of this document's changes, if any.
    pub fn rejection(&self, id: DocumentId) -> Option<&Rejected> {
        match self.docs.get(&id) {
            Some(d) => d.rejected.as_ref(),
            None => self.shelved.get(&id)?.rejected.as_ref(),
        }
    }

    /// Whether this document has changes the server has not acknowledged.
    pub fn is_waiting(&self, id: DocumentId) -> bool {
        self.docs.get(&id).is_some_and(|d| d.waiting)
            || self.shelved.get(&id).is_some_and(|e| e.unsent > 0)
    }

    /// Every record this device knows of: local documents and the server's listing.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows: Vec<Row> = Vec::new();
        for (id, d) in &self.docs {
            if let Some(meta) = &d.meta {
                rows.push(Row {
                    id: *id,
                    kind: Some(meta.kind),
                    title: meta.title.clone(),
                    home_id: meta.home_id.clone(),
                    state: Some(meta.state),
                    local: !d.requested,
                    waiting: d.waiting,
                    rejected: d.rejected.is_some(),
                });
            }
        }
        for (id, e) in &self.shelved {
            if let Some(meta) = &e.meta {
                rows.push(Row {
                    id: *id,
                    kind: Some(meta.kind),
                    title: meta.title.clone(),
                    home_id: meta.home_id.clone(),
                    state: Some(meta.state),
                    local: true,
                    waiting: e.unsent > 0,
                    rejected: e.rejected.is_some(),
                });
            }
        }
        for (id, listed) in &self.listing {
            if self.forgotten.contains(id)
                || self.docs.get(id).is_some_and(|d| d.meta.is_some())
                || self.shelved.get(id).is_some_and(|e| e.meta.is_some())
            {
                continue;
            }
            rows.push(Row {
                id: *id,
                kind: RecordKind::parse(&listed.kind),
                title: listed.title.clone(),
                home_id: listed.home_id.clone(),
                state: WorkflowState::parse(&listed.state),
                local: false,
                waiting: false,
                rejected: false,
            });
        }
        rows
    }

    /// [`rows`](Self::rows) that `actor` may read: what every list shows. A young person's own
    /// unsent kiosk answers are write-only, so no list on the tablet ever shows them.
    pub fn readable_rows(&self, actor: &Actor) -> Vec<Row> {
        let mut rows = self.rows();
        rows.retain(|r| {
            self.docs
                .get(&r.id)
                .and_then(|d| d.meta.as_ref())
                .or_else(|| self.shelved.get(&r.id).and_then(|e| e.meta.as_ref()))
                .is_none_or(|m| access(actor, m).can_read())
        });
        rows
    }

    /// The local documents holding responses to the consultation `consultation_id` (fetched
    /// ones and any made here), for the results page.
    pub fn responses_to(&self, consultation_id: &str) -> Vec<DocumentId> {
        let answers = |m: &DocMeta| {
            m.kind == RecordKind::ConsultationResponse
                && m.consultation_id.as_deref() == Some(consultation_id)
        };
        let loaded = self
            .docs
            .iter()
            .filter(|(_, d)| !d.requested && d.meta.as_ref().is_some_and(answers))
            .map(|(id, _)| *id);
        let shelved = self
            .shelved
            .iter()
            .filter(|(_, e)| e.meta.as_ref().is_some_and(answers))
            .map(|(id, _)| *id);
        let mut ids: Vec<DocumentId> = loaded.chain(shelved).collect();
        ids.sort();
        ids
    }

    /// Whether the server has acknowledged every change to this local document.
    pub fn is_acknowledged(&self, id: DocumentId) -> bool {
        self.docs.get(&id).is_some_and(|d| {
            !d.requested && !d.acked.is_empty() && !d.waiting && d.rejected.is_none()
        })
    }

    // ----- local edits -----------------------------------------------------------------------

    /// Creates a new document holding `record` (created on this device, not yet on the server).
    pub fn create(&mut self, record: &Record) -> Result<(DocumentId, Vec<Effect>), EditError> {
        let id = DocumentId::random();
        let mut doc = empty_doc();
        record
            .write_to(&mut doc)
            .map_err(|e| EditError::Write(e.to_string()))?;
        commit(&mut doc);
        let mut local = LocalDoc::new(doc);
        local.meta = Some(record.meta());
        local.waiting = true;
        self.docs.insert(id, local);
        let mut effects = vec![Effect::Persist(id), Effect::ListChanged];
        self.push_sync(id, &mut effects);
        Ok((id, self.finish(effects)))
    }

    /// Applies an arbitrary edit to a local document and commits it.
    pub fn edit<R>(
        &mut self,
        id: DocumentId,
        f: impl FnOnce(&mut AutoCommit) -> Result<R, EditError>,
    ) -> Result<(R, Vec<Effect>), EditError> {
        self.edit_with(id, f, |_| MetaAfter::Reread, Offer::Now)
    }

    /// [`edit`](Self::edit), with `meta_after` saying how the list metadata is brought up to
    /// date (a keypress in a long text must not hydrate the whole record) and `send` when the
    /// change goes to the server.
    fn edit_with<R>(
        &mut self,
        id: DocumentId,
        f: impl FnOnce(&mut AutoCommit) -> Result<R, EditError>,
        meta_after: impl FnOnce(&R) -> MetaAfter,
        send: Offer,
    ) -> Result<(R, Vec<Effect>), EditError> {
        let local = self
            .docs
            .get_mut(&id)
            .filter(|d| !d.requested)
            .ok_or(EditError::Unknown)?;
        if local.rejected.is_some() {
            return Err(EditError::Rejected);
        }
        let before = local.doc.get_heads();
        let result = f(&mut local.doc);
        commit(&mut local.doc);
        let result = result?;
        let mut effects = Vec::new();
        if local.doc.get_heads() != before {
            if local.own_changes.len() > 50_000 {
                // Bounded memory; an empty set only means "not sure", which merges (safe).
                local.own_changes.clear();
            }
            // Hashes only: `get_changes` rebuilds whole changes from the op columns, which
            // grows with the document.
            let made: Vec<ChangeHash> = local
                .doc
                .get_changes_meta(&before)
                .iter()
                .map(|c| c.hash)
                .collect();
            local.own_changes.extend(made);
            local.waiting = true;
            let old_title = local.meta.as_ref().map(|m| (m.title.clone(), m.state));
            match meta_after(&result) {
                MetaAfter::Same => {}
                MetaAfter::Known(meta) => local.meta = Some(meta),
                MetaAfter::Reread => local.refresh_meta(),
            }
            if local.meta.as_ref().map(|m| (m.title.clone(), m.state)) != old_title {
                effects.push(Effect::ListChanged);
            }
            effects.push(Effect::Persist(id));
            if send == Offer::Now {
                self.push_sync(id, &mut effects);
            }
        }
        Ok((result, self.finish(effects)))
    }

    /// Types into a root-level Text field: the editor showed `old` at the document version
    /// `from` and now shows `new`. Written as the one splice between them: in place when the
    /// document is still at `from` (the usual keystroke); otherwise on a fork at `from`, merged
    /// back, so another device's change the editor has not shown yet is kept, character by
    /// character. Returns the heads the editor's text is now at, for its next keystroke.
    ///
    /// Nothing is read but the text's length and nothing is sent: the keystroke's frame only
    /// needs the splice. [`Engine::send_document`] sends it once the frame is drawn.
    pub fn type_text(
        &mut self,
        id: DocumentId,
        prop: &str,
        from: &[ChangeHash],
        old: &str,
        new: &str,
    ) -> Result<(Vec<ChangeHash>, Vec<Effect>), EditError> {
        let write = |e: automerge::AutomergeError| EditError::Write(e.to_string());
        let meta_after = |_: &Vec<ChangeHash>| match prop {
            "title" => MetaAfter::Reread,
            _ => MetaAfter::Same,
        };
        let typed = |doc: &mut AutoCommit| -> Result<(), EditError> {
            let obj = match doc.get(ROOT, prop).map_err(write)? {
                Some((Value::Object(ObjType::Text), obj)) => obj,
                _ => doc.put_object(ROOT, prop, ObjType::Text).map_err(write)?,
            };
            // The editor's `old` is the text at `from` (its length is cheap to check, the text
            // itself is not); if it is not, the splice is taken against what the text says.
            let splice = if doc.length(&obj) == old.len() {
                text::splice_between(old, new)
            } else {
                text::splice_between(&doc.text(&obj).map_err(write)?, new)
            };
            if let Some(s) = splice {
                doc.splice_text(&obj, s.pos, s.delete as isize, &s.insert)
                    .map_err(write)?;
            }
            Ok(())
        };
        self.edit_with(
            id,
            |doc| {
                if doc.get_heads() == from {
                    typed(doc)?;
                    commit(doc);
                    return Ok(doc.get_heads());
                }
                let mut fork = doc.fork_at(from).map_err(write)?;
                typed(&mut fork)?;
                commit(&mut fork);
                let shown = fork.get_heads();
                doc.merge(&mut fork).map_err(write)?;
                Ok(shown)
            },
            meta_after,
            Offer::Later,
        )
    }

    /// Sends the server what the document has that it lacks (after [`Engine::type_text`]).
    pub fn send_document(&mut self, id: DocumentId) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.push_sync(id, &mut effects);
        self.finish(effects)
    }

    /// Sets a root-level Text field to `new_value` with one splice at the point that changed, so
    /// another device's concurrent typing in the same field merges.
    pub fn set_text(
        &mut self,
        id: DocumentId,
        prop: &str,
        new_value: &str,
    ) -> Result<Vec<Effect>, EditError> {
        let write = |e: automerge::AutomergeError| EditError::Write(e.to_string());
        // Only a consultation's title feeds the list metadata; long texts never do.
        let meta_after = |_: &()| match prop {
            "title" => MetaAfter::Reread,
            _ => MetaAfter::Same,
        };
        self.edit_with(
            id,
            |doc| {
                let obj = match doc.get(ROOT, prop).map_err(write)? {
                    Some((Value::Object(ObjType::Text), obj)) => obj,
                    // A plain string (or nothing) becomes Text, the shape the schema asks for.
                    _ => doc.put_object(ROOT, prop, ObjType::Text).map_err(write)?,
                };
                let old = doc.text(&obj).map_err(write)?;
                if let Some(s) = text::splice_between(&old, new_value) {
                    doc.splice_text(&obj, s.pos, s.delete as isize, &s.insert)
                        .map_err(write)?;
                }
                Ok(())
            },
            meta_after,
            Offer::Now,
        )
        .map(|((), effects)| effects)
    }

    /// Writes an edited typed record back. `based_on` is the heads the record was read at.
    ///
    /// - The document has not moved: the record's own edits are applied as they are.
    /// - Only other devices' changes arrived since: the edit is applied to a fork at `based_on`
    ///   and merged, so both sides' typing survives character by character.
    /// - This device made changes since (two input events before the view re-rendered): the
    ///   form's value already includes those earlier keystrokes, so the edit is made relative
    ///   to `based_on` plus this device's changes since — the fields it changed take their new
    ///   value ([`rebase::rebase`]), diffed into minimal operations by automerge's
    ///   `update_object` — and then merged, so other devices' changes that arrived meanwhile
    ///   (which the form never showed) are merged, not overwritten.
    pub fn write_record(
        &mut self,
        id: DocumentId,
        record: &Record,
        based_on: &[ChangeHash],
    ) -> Result<Vec<Effect>, EditError> {
        let write = |e: String| EditError::Write(e);
        let mut own_since: Vec<ChangeHash> = Vec::new();
        if let Some(local) = self.docs.get_mut(&id) {
            // The usual keystroke: the form shows the latest version, nothing happened since.
            if local.doc.get_heads() != based_on {
                own_since = local
                    .doc
                    .get_changes_meta(based_on)
                    .iter()
                    .map(|c| c.hash)
                    .filter(|h| local.own_changes.contains(h))
                    .collect();
            }
        }
        // Written as it is (`true`), the document now holds exactly `record`, so its list
        // metadata is `record`'s: no need to hydrate the whole document again. Merged, it is read.
        let meta_after = |as_is: &bool| match as_is {
            true => MetaAfter::Known(record.meta()),
            false => MetaAfter::Reread,
        };
        self.edit_with(
            id,
            |doc| {
                if doc.get_heads() == based_on {
                    return record
                        .write_to(doc)
                        .map(|()| true)
                        .map_err(|e| write(e.to_string()));
                }
                let mut fork = doc.fork_at(based_on).map_err(|e| write(e.to_string()))?;
                record
                    .write_to(&mut fork)
                    .map_err(|e| write(e.to_string()))?;
                commit(&mut fork);
                if !own_since.is_empty() {
                    // What the form's value was typed over: the view plus this device's changes.
                    let typed_over: Vec<ChangeHash> =
                        based_on.iter().chain(&own_since).copied().collect();
                    let mut local = doc.fork_at(&typed_over).map_err(|e| write(e.to_string()))?;
                    let hydrate = |d: &AutoCommit, heads: Option<&[ChangeHash]>| {
                        d.hydrate(ROOT, heads).map_err(|e| write(e.to_string()))
                    };
                    let base = hydrate(doc, Some(based_on))?;
                    let mine = hydrate(&fork, None)?;
                    let target = rebase::rebase(&base, &mine, &hydrate(&local, None)?);
                    if local.update_object(ROOT, &target).is_ok() {
                        commit(&mut local);
                        return doc
                            .merge(&mut local)
                            .map(|_| false)
                            .map_err(|e| write(e.to_string()));
                    }
                    // A shape the diff cannot express: fall back to merging the edit as made.
                }
                doc.merge(&mut fork)
                    .map(|_| false)
                    .map_err(|e| write(e.to_string()))
            },
            meta_after,
            Offer::Now,
        )
        .map(|(_, effects)| effects)
    }

    /// Drops a refused local copy (after the user has copied their text) and fetches the
    /// server's version instead.
    pub fn discard_rejected(&mut self, id: DocumentId) -> Vec<Effect> {
        let Some(local) = self.docs.get_mut(&id) else {
            return Vec::new();
        };
        if local.rejected.is_none() {
            return Vec::new();
        }
        let mut fresh = LocalDoc::new(empty_doc());
        fresh.requested = true;
        fresh.meta = local.meta.clone();
        fresh.revision = local.revision + 1;
        *local = fresh;
        let mut effects = vec![Effect::Forget(id), Effect::Updated(id), Effect::ListChanged];
        // The server refuses this document for the rest of the connection, so the fresh copy is
        // requested on the next one.
        if matches!(self.link, Link::Up(_)) {
            effects.push(Effect::Close);
        }
        self.finish(effects)
    }

    /// Drops a document from memory and (through [`Effect::Forget`]) from local storage, and
    /// ignores anything the server says about it later on this device. For documents the user
    /// may write but never read back (a young person's kiosk response): once the server has
    /// them, the device keeps no copy.
    pub fn forget(&mut self, id: DocumentId) -> Vec<Effect> {
        let had = self.docs.remove(&id).is_some()
            | self.shelved.remove(&id).is_some()
            | self.listing.remove(&id).is_some();
        self.forgotten.insert(id);
        if !had {
            return self.finish(Vec::new());
        }
        self.finish(vec![Effect::Forget(id), Effect::ListChanged])
    }

    /// [`forget`](Self::forget)s every local document that `actor` may not read and whose
    /// changes the server has all acknowledged: write-only records leave the device as soon as
    /// they are safe on the server, and never before.
    pub fn forget_acknowledged_unreadable(&mut self, actor: &Actor) -> Vec<Effect> {
        let ids: Vec<DocumentId> = self
            .docs
            .iter()
            .filter(|(id, d)| {
                self.is_acknowledged(**id)
                    && d.meta
                        .as_ref()
                        .is_some_and(|m| !access(actor, m).can_read())
            })
            .map(|(id, _)| *id)
            .chain(
                self.shelved
                    .iter()
                    .filter(|(_, e)| {
                        e.is_acknowledged()
                            && e.meta
                                .as_ref()
                                .is_some_and(|m| !access(actor, m).can_read())
                    })
                    .map(|(id, _)| *id),
            )
            .collect();
        let mut effects = Vec::new();
        for id in ids {
            effects.extend(self.forget(id));
        }
        effects
    }

    // ----- the server's listing --------------------------------------------------------------

    /// Takes the server's list of readable records; those not on this device are requested.
    pub fn set_listing(&mut self, listed: Vec<Listed>) -> Vec<Effect> {
        self.listing = listed
            .into_iter()
            .filter_map(|l| Some((l.id.parse().ok()?, l)))
            .filter(|(id, _)| !self.forgotten.contains(id))
            .collect();
        let missing: Vec<DocumentId> = self
            .listing
            .keys()
            .filter(|id| !self.docs.contains_key(id) && !self.shelved.contains_key(id))
            .copied()
            .collect();
        // A shelved record the server lists with another title or state changed elsewhere:
        // it is loaded so it syncs, and its entry follows.
        let changed: Vec<DocumentId> = self
            .listing
            .iter()
            .filter(|(id, l)| {
                self.shelved
                    .get(id)
                    .and_then(|e| e.meta.as_ref())
                    .is_some_and(|m| m.title != l.title || m.state.as_str() != l.state)
            })
            .map(|(id, _)| *id)
            .collect();
        self.wanted.extend(changed);
        // A shelved record the server no longer lists (erased, or no longer readable) is loaded
        // so it syncs: the server's answer decides, and an erased one is then dropped.
        let unlisted: Vec<DocumentId> = self
            .shelved
            .keys()
            .filter(|id| !self.listing.contains_key(id))
            .copied()
            .collect();
        self.wanted.extend(unlisted);
        let mut effects = vec![Effect::ListChanged];
        for id in missing {
            let mut local = LocalDoc::new(empty_doc());
            local.requested = true;
            self.docs.insert(id, local);
            self.push_sync(id, &mut effects);
        }
        self.finish(effects)
    }

    // ----- the connection --------------------------------------------------------------------

    /// The socket opened: send `join`.
    pub fn on_open(&mut self) -> Vec<Effect> {
        let handshake = ClientHandshake::new(
            self.peer_id.clone(),
            PeerMetadata {
                storage_id: None,
                is_ephemeral: true,
            },
        );
        let join = handshake.join().encode();
        self.link = Link::Joining(handshake);
        self.finish(vec![Effect::Send(join)])
    }

    /// The socket closed (or never opened). Sync states start afresh on the next connection.
    pub fn on_closed(&mut self) -> Vec<Effect> {
        self.link = Link::Down;
        for local in self.docs.values_mut() {
            local.state = sync::State::new();
            local.opened = false;
        }
        self.finish(Vec::new())
    }

    /// Whether the user's session is gone (a 401): edits stay local until the next sign-in.
    pub fn set_signed_out(&mut self, signed_out: bool) -> Vec<Effect> {
        self.signed_out = signed_out;
        self.finish(Vec::new())
    }

    /// One binary frame from the server, received at `now` (unix ms).
    pub fn on_frame(&mut self, frame: &[u8], now: i64) -> Vec<Effect> {
        let event = match &mut self.link {
            Link::Down => return Vec::new(),
            Link::Joining(h) | Link::Up(h) => h.on_frame(frame),
        };
        let mut effects = Vec::new();
        match event {
            ClientEvent::Connected { .. } => {
                let Link::Joining(h) = std::mem::replace(&mut self.link, Link::Down) else {
                    return self.finish(vec![Effect::Close]);
                };
                self.link = Link::Up(h);
                let ids: Vec<DocumentId> = self.docs.keys().copied().collect();
                for id in ids {
                    self.push_sync(id, &mut effects);
                }
            }
            ClientEvent::Document(
                DocumentMessage::Sync { document_id, data }
                | DocumentMessage::Request { document_id, data },
            ) => self.receive(document_id, &data, &mut effects),
            ClientEvent::Document(DocumentMessage::Ephemeral { .. }) | ClientEvent::Ignored => {}
            ClientEvent::DocUnavailable { document_id } => {
                if self.docs.get(&document_id).is_some_and(|d| d.requested) {
                    self.docs.remove(&document_id);
                    self.listing.remove(&document_id);
                    effects.push(Effect::ListChanged);
                }
            }
            ClientEvent::ServerError {
                document_id: Some(raw),
                ..
            } if raw
                .parse::<DocumentId>()
                .is_ok_and(|id| self.forgotten.contains(&id)) => {}
            // The tombstone: the record was erased on the server (retention or an administrator),
            // which says so only to someone who could read it. The copy goes from memory and,
            // through `Effect::Forget`, from IndexedDB with its index entry, unsent changes and
            // all: there is no record left to send them to.
            ClientEvent::ServerError {
                document_id: Some(raw),
                code: Some(code),
                ..
            } if code == RECORD_ERASED && raw.parse::<DocumentId>().is_ok() => {
                if let Ok(id) = raw.parse::<DocumentId>() {
                    effects.extend(self.forget(id));
                }
            }
            ClientEvent::ServerError {
                message,
                code,
                document_id,
            } => {
                let local = document_id
                    .as_deref()
                    .and_then(|raw| raw.parse::<DocumentId>().ok())
                    .and_then(|id| Some(id).zip(self.docs.get_mut(&id)));
                match local {
                    Some((id, local)) if !local.requested => {
                        local.rejected = Some(Rejected {
                            code: code.unwrap_or_else(|| "rejected".into()),
                            message,
                        });
                        effects.extend([Effect::Persist(id), Effect::Updated(id)]);
                        effects.push(Effect::ListChanged);
                    }
                    Some((id, _)) => {
                        // A fetch the server refused: forget it like an unavailable one.
                        self.docs.remove(&id);
                        effects.push(Effect::ListChanged);
                    }
                    // A connection-level error: the server is closing or should be left.
                    None => {
                        if code.as_deref() == Some(DEVICE_REVOKED) {
                            effects.push(Effect::DeviceRevoked(message));
                        }
                        effects.push(Effect::Close);
                    }
                }
            }
            ClientEvent::Fatal(_) => effects.push(Effect::Close),
        }
        if self.waiting() == 0 && !self.fetching() && self.is_connected() {
            self.saved_at = Some(now);
        }
        self.finish(effects)
    }

    /// Applies the server's sync message for `id` and answers it.
    fn receive(&mut self, id: DocumentId, data: &[u8], effects: &mut Vec<Effect>) {
        let Some(local) = self.docs.get_mut(&id) else {
            return;
        };
        // A refused copy is kept as the user left it; the server will not take it anyway.
        if local.rejected.is_some() {
            return;
        }
        let Ok(message) = sync::Message::decode(data) else {
            effects.push(Effect::Close);
            return;
        };
        let before = local.doc.get_heads();
        if ack::is_acknowledgement(&message, &before) {
            ack::receive(&mut local.state, message);
        } else if local
            .doc
            .sync()
            .receive_sync_message(&mut local.state, message)
            .is_err()
        {
            effects.push(Effect::Close);
            return;
        }
        if let Some(theirs) = &local.state.their_heads {
            local.acked = theirs.clone();
        }
        let gained = local.doc.get_heads() != before;
        if gained {
            let was_requested = local.requested;
            local.requested = false;
            local.revision += 1;
            local.refresh_meta();
            effects.extend([Effect::Persist(id), Effect::Updated(id)]);
            if was_requested {
                effects.push(Effect::ListChanged);
            }
        }
        let was_waiting = local.waiting;
        local.waiting = local.compute_waiting();
        if was_waiting && !local.waiting && !gained {
            // Persist the acknowledgement too, so a reload does not count it as waiting.
            effects.push(Effect::Persist(id));
        }
        self.push_sync(id, effects);
    }

    /// Sends the next sync message for `id`, if joined and there is anything to say.
    fn push_sync(&mut self, id: DocumentId, effects: &mut Vec<Effect>) {
        let Link::Up(handshake) = &self.link else {
            return;
        };
        let Some(local) = self.docs.get_mut(&id) else {
            return;
        };
        if local.rejected.is_some() {
            return;
        }
        let Some(message) = local.doc.sync().generate_sync_message(&mut local.state) else {
            return;
        };
        let data = message.encode();
        let first = !local.opened;
        local.opened = true;
        let message = if local.requested && first {
            handshake.request(id, data)
        } else {
            handshake.sync(id, data)
        };
        match message {
            Ok(m) => effects.push(Effect::Send(m.encode())),
            Err(_) => effects.push(Effect::Close),
        }
    }

    /// Appends a status change, if there was one.
    fn finish(&mut self, mut effects: Vec<Effect>) -> Vec<Effect> {
        let status = self.status();
        if self.reported.as_ref() != Some(&status) {
            self.reported = Some(status.clone());
            effects.push(Effect::Status(status));
        }
        effects
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod typing_profile;

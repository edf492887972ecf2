//! Applying one peer's Automerge sync message to a document, as a proposal that is only kept
//! once it has been checked and stored.
//!
//! The server's durable acknowledgement rests on this order:
//!
//! 1. [`receive`] applies the peer's message to a *fork* of the document and a copy of the sync
//!    state. The real document and state are untouched.
//! 2. The caller checks the proposal (schema, workflow, permissions) and appends
//!    [`Proposal::new_chunk`] to storage, committing before going on.
//! 3. Only then does it replace its document and state with the proposal's and call
//!    [`outgoing`]. The reply carries the new heads, and a peer that sees its change among the
//!    server's heads knows the change is on the server's disk.
//!
//! If the check fails, the caller drops the proposal: nothing of the change is in memory or on
//! disk, and the old state is still valid for later messages.
//!
//! The server uses the equivalent in-place form, [`decode`] then [`receive_in_place`]: copying
//! the document costs time that grows with its history on every message, while applying to the
//! real document under its lock, and throwing that document away (to be loaded again from the
//! store, which holds only committed chunks) when the check or the commit fails, leaves the same
//! nothing behind. The peer, though, still holds the
//! refused change and believes it has sent it (automerge never sends a change twice in one sync
//! session), and any later change it makes depends on it. So after a refusal the server should
//! tell the peer (an `error` with the document id and a code) and stop syncing that document with
//! that peer for the rest of the connection; the peer must discard its local copy (reload from the
//! server) before syncing it again. Carrying on instead can make the two sides exchange empty
//! messages forever, each waiting for a change the other will never send.

pub mod changes;
pub mod typing;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash, ReadDoc};

/// Result of applying a peer's sync message to a fork of the document.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The fork with the peer's changes applied.
    pub doc: Automerge,
    /// The sync state after receiving the message. Adopt it together with `doc`: even without
    /// a `new_chunk`, `doc` may hold changes waiting for their dependencies, which the peer will
    /// not send again.
    pub state: sync::State,
    /// The new changes in storage format (`save_after` the old heads), if the document gained
    /// any; `None` when the message only carried heads, needs or haves.
    pub new_chunk: Option<Vec<u8>>,
}

impl Proposal {
    /// Whether the document gained changes, so there is something to check and store.
    pub fn changed(&self) -> bool {
        self.new_chunk.is_some()
    }
}

/// Why a sync message or a stored document could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The peer sent bytes that are not an Automerge sync message, or whose changes do not
    /// parse or apply.
    #[error("corrupt sync message: {0}")]
    CorruptMessage(String),
    /// Stored chunks that do not load as a document.
    #[error("stored document does not load: {0}")]
    CorruptDocument(String),
}

impl SyncError {
    /// The stable code sent to the peer (or logged) for this error.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::CorruptMessage(_) => "corrupt_sync_message",
            SyncError::CorruptDocument(_) => "corrupt_document",
        }
    }
}

/// Applies `message` from the peer whose sync state is `state` to a fork of `doc`.
///
/// Costs a copy of the document per message; Hearth's records are small, and the copy is what
/// makes a refused change leave nothing behind.
pub fn receive(
    doc: &Automerge,
    state: &sync::State,
    message: &[u8],
) -> Result<Proposal, SyncError> {
    let decoded = decode(message)?;
    let before = doc.get_heads();
    // A clone, not `fork()`: the server's actor id must stay the same, and the proposal must be
    // the document the caller keeps.
    let mut proposed = doc.clone();
    let mut proposed_state = state.clone();
    proposed
        .receive_sync_message(&mut proposed_state, decoded)
        .map_err(|e| SyncError::CorruptMessage(e.to_string()))?;
    let new_chunk = gained_changes(&before, &proposed).then(|| proposed.save_after(&before));
    Ok(Proposal {
        doc: proposed,
        state: proposed_state,
        new_chunk,
    })
}

/// What [`receive_in_place`] did to the document it was given.
#[derive(Debug, Clone)]
pub struct Received {
    /// The sync state after receiving the message; adopt it only once the changes are kept.
    pub state: sync::State,
    /// The new changes in storage format, if the document gained any (as [`Proposal::new_chunk`]).
    pub new_chunk: Option<Vec<u8>>,
    /// The same changes, parsed: whose they are and what they touch are kept with them.
    pub new_changes: Vec<automerge::Change>,
    /// Whether the document now holds changes waiting for dependencies that have not arrived.
    /// They are not part of the document's heads, but they are in it: a caller that keeps only
    /// committed changes in memory must throw the document away if there is nothing to commit.
    pub waiting: bool,
    /// The dependencies those waiting changes lack (empty when nothing waits): a caller that
    /// throws them away must ask the peer for these again ([`outgoing_after_dropping`]).
    pub missing: Vec<ChangeHash>,
}

/// Decodes a peer's sync message and checks that every change in it parses, without touching
/// any document: what is refused here leaves the document as it was.
pub fn decode(message: &[u8]) -> Result<sync::Message, SyncError> {
    // Automerge 0.12 panics on some malformed chunks (a bundle whose column ends inside a
    // number: `fuzz/`'s change_ingestion found it) instead of returning an error. They are the
    // peer's bytes: refuse them like any corrupt message rather than lose the connection's task.
    std::panic::catch_unwind(|| {
        let decoded =
            sync::Message::decode(message).map_err(|e| SyncError::CorruptMessage(e.to_string()))?;
        check_chunks(&decoded.changes)?;
        Ok(decoded)
    })
    .unwrap_or_else(|_| {
        Err(SyncError::CorruptMessage(
            "unreadable change: a chunk does not parse".into(),
        ))
    })
}

/// Applies a decoded message (from [`decode`]) to `doc` itself, with a copy of the peer's sync
/// state.
///
/// Unlike [`receive`] this costs nothing per message for the document's size beyond what
/// automerge's own apply costs. In exchange, the caller owns the undo: if this returns an error
/// (the document may hold part of the message), or the changes are refused, or they cannot be
/// committed, the caller must discard `doc` and load it again from what is stored.
pub fn receive_in_place(
    doc: &mut Automerge,
    state: &sync::State,
    message: sync::Message,
) -> Result<Received, SyncError> {
    let before = doc.get_heads();
    let mut state = state.clone();
    // Automerge 0.12 panics on some malformed changes (an insert after an element the text does
    // not have) instead of returning an error, part-way through applying them. Such a change is
    // the peer's fault: refuse it like any other corrupt message; the caller discards `doc`.
    let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        doc.receive_sync_message(&mut state, message)
    }));
    match applied {
        Ok(result) => result.map_err(|e| SyncError::CorruptMessage(e.to_string()))?,
        Err(_) => {
            return Err(SyncError::CorruptMessage(
                "a change refers to something the document does not have".into(),
            ));
        }
    }
    let gained = gained_changes(&before, doc);
    let new_chunk = gained.then(|| doc.save_after(&before));
    let new_changes = if gained {
        doc.get_changes(&before)
    } else {
        Vec::new()
    };
    // Changes whose dependencies are missing wait in automerge's queue; each has a missing
    // dependency of its own, so the queue is empty exactly when none is reported.
    let missing = doc.get_missing_deps(&[]);
    Ok(Received {
        state,
        new_chunk,
        new_changes,
        waiting: !missing.is_empty(),
        missing,
    })
}

/// Checks that every chunk of changes parses. Automerge itself skips chunks it cannot read and
/// applies the rest, which would leave the peer believing a change was delivered that the
/// server never saw; Hearth refuses the whole message instead, so the peer hears about it.
///
/// One entry of a v2 message may be a whole document, a change, a bundle, or several change
/// chunks back to back (automerge sends a short run of missing changes that way), so each entry
/// is split into its storage chunks and every chunk is parsed on its own. Changes whose
/// dependencies are elsewhere parse fine here; they are simply not applied yet.
fn check_chunks(chunks: &sync::ChunkList) -> Result<(), SyncError> {
    let corrupt = |why: String| SyncError::CorruptMessage(format!("unreadable change: {why}"));
    for entry in chunks.iter() {
        let mut rest: &[u8] = entry;
        if rest.is_empty() {
            return Err(corrupt("empty chunk".into()));
        }
        while !rest.is_empty() {
            let (chunk_type, chunk) =
                split_storage_chunk(rest).ok_or_else(|| corrupt("bad chunk header".into()))?;
            rest = &rest[chunk.len()..];
            match chunk_type {
                // A whole document: self-contained, so it must load on its own.
                0 => Automerge::load(chunk)
                    .map(drop)
                    .map_err(|e| corrupt(e.to_string()))?,
                1 | 2 => automerge::Change::try_from(chunk)
                    .map(drop)
                    .map_err(|e| corrupt(e.to_string()))?,
                // A bundle: automerge 0.12's sync never sends one (it sends changes or a whole
                // document), and its bundle parser trusts the lengths inside: 100 bytes from a
                // peer asked it for 4 GiB, which aborts the process (found by the fuzzer).
                3 => return Err(corrupt("bundles are not accepted in sync".into())),
                other => return Err(corrupt(format!("unknown chunk type {other}"))),
            }
        }
    }
    Ok(())
}

/// Splits the first automerge storage chunk off `bytes`: 4 magic bytes, a 4-byte checksum, a
/// type byte, a LEB128 length, then that many bytes. Returns the type and the whole chunk.
fn split_storage_chunk(bytes: &[u8]) -> Option<(u8, &[u8])> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    if bytes.len() < 9 || bytes[..4] != MAGIC {
        return None;
    }
    let chunk_type = bytes[8];
    let mut length: u64 = 0;
    let mut at = 9;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        length |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            let end = at.checked_add(usize::try_from(length).ok()?)?;
            return (end <= bytes.len()).then(|| (chunk_type, &bytes[..end]));
        }
    }
    None
}

/// Whether `after` has changes beyond `before`. Changes whose dependencies have not arrived are
/// queued inside automerge and do not move the heads, so they are not counted: they are checked
/// and stored with the message that completes them.
fn gained_changes(before: &[ChangeHash], after: &Automerge) -> bool {
    after.get_heads() != before
}

/// The next sync message for the peer whose state is `state`, encoded, if there is anything to
/// say. Call after adopting a proposal to acknowledge it, and after the document changes for
/// any other reason (another peer's change) to pass it on.
pub fn outgoing(doc: &Automerge, state: &mut sync::State) -> Option<Vec<u8>> {
    doc.generate_sync_message(state).map(sync::Message::encode)
}

/// The reply to a peer whose changes the caller threw away because they waited for
/// dependencies (the server keeps only what it can check and commit, [`Received::waiting`]).
///
/// The peer counts those changes as sent and automerge never sends a change twice in one sync
/// session, so the plain reply would leave both sides waiting for each other until the peer
/// reconnects. This happens in ordinary use: a peer leaves out a change its bloom filter says
/// the server has (a false positive, about one in a hundred) and sends the changes after it.
/// So the reply asks the peer to forget what it believes it sent (automerge's sync reset; a
/// peer without it is sent empty heads, which clears the same state) and names the `missing`
/// dependencies in its `need`, which a bloom filter cannot hide: the peer's next message
/// carries them and the changes that were thrown away, together.
pub fn outgoing_after_dropping(
    doc: &Automerge,
    state: &mut sync::State,
    missing: &[ChangeHash],
) -> Option<Vec<u8>> {
    state.needs_reset = true;
    let mut message = doc.generate_sync_message(state)?;
    for hash in missing {
        if !message.need.contains(hash) && doc.get_change_by_hash(hash).is_none() {
            message.need.push(*hash);
        }
    }
    // The wire format lists hashes in order (automerge asserts it).
    message.need.sort_unstable();
    Some(message.encode())
}

/// Like [`outgoing`], but never carrying content the peer does not already have: for
/// write-only peers (a kiosk submitting answers), which must learn that their changes are stored
/// but must not read anyone else's.
///
/// The message is generated from the document as the peer knows it (the server's document at the
/// peer's own heads, as far as the server has them), so it acknowledges exactly the peer's
/// changes, carries nothing else, and lets both sides settle. Simply dropping messages that
/// carry changes would leave the peer without an acknowledgement, and sending heads it cannot
/// reach would make it ask for them forever.
pub fn outgoing_without_content(doc: &Automerge, state: &mut sync::State) -> Option<Vec<u8>> {
    let known: Vec<ChangeHash> = state
        .their_heads
        .iter()
        .flatten()
        .filter(|hash| doc.get_change_by_hash(hash).is_some())
        .copied()
        .collect();
    let view = doc
        .fork_at(&known)
        .expect("forking at heads the document has cannot fail");
    // Not asserted to carry no changes: a peer whose bloom filter says it lacks its own
    // changes (a malformed or lying peer: `fuzz/`'s change_ingestion found one that panicked
    // the debug-built server here) is sent them back. Everything in `view` is in the history of
    // heads the peer itself named, so it is still nothing the peer did not have.
    outgoing(&view, state)
}

/// Whether an encoded sync message carries any changes, that is, document content. An
/// undecodable message counts as carrying changes: this guards what a write-only peer may
/// receive, so it fails closed.
pub fn carries_changes(message: &[u8]) -> bool {
    sync::Message::decode(message).map_or(true, |m| {
        // automerge's v2 answer to a peer holding nothing starts it off with an empty document
        // chunk, which is no content (`fuzz/`'s change_ingestion found the assertion above
        // failing on it).
        m.changes
            .iter()
            .any(|chunk| !Automerge::load(chunk).is_ok_and(|doc| doc.get_heads().is_empty()))
    })
}

/// Loads a document from its stored chunks (a snapshot and/or incremental changes, in the order
/// they were stored), the way automerge-repo loads the concatenation of its storage chunks.
///
/// Strict: a chunk that does not parse, or a change whose dependencies are missing, fails the
/// load rather than silently dropping part of a record.
pub fn load_chunks(chunks: &[Vec<u8>]) -> Result<Automerge, SyncError> {
    if chunks.is_empty() {
        return Ok(Automerge::new());
    }
    let all = chunks.concat();
    Automerge::load(&all).map_err(|e| SyncError::CorruptDocument(e.to_string()))
}

/// Applies stored chunks appended after what `doc` holds (a server catching up on another
/// server's commits: `Store::load_chunks_after`), in order and as strictly as [`load_chunks`]
/// loads: each chunk must be whole change chunks that parse, and every change's dependencies
/// must be in `doc` or in an earlier chunk. Changes `doc` already has are passed over. A
/// document chunk (a compaction's snapshot) is refused: it is a whole document, to be loaded as
/// one. Returns the sizes of the chunks that brought changes `doc` lacked. On error `doc` may
/// hold part of the changes: discard it.
pub fn apply_chunks(doc: &mut Automerge, chunks: &[Vec<u8>]) -> Result<Vec<usize>, SyncError> {
    let corrupt = |why: &str| SyncError::CorruptDocument(why.to_string());
    let mut new_chunks = Vec::new();
    for chunk in chunks {
        let mut changes = Vec::new();
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            let (storage, after) =
                crate::snapshot::next_chunk(rest).ok_or_else(|| corrupt("a chunk is cut short"))?;
            let crate::snapshot::StorageChunk::Change(bytes) = storage else {
                return Err(corrupt("not a change chunk"));
            };
            let change = automerge::Change::try_from(bytes)
                .map_err(|e| SyncError::CorruptDocument(e.to_string()))?;
            changes.push(change);
            rest = after;
        }
        let before = doc.stats().num_changes;
        // Stored changes were checked before they were committed, but automerge 0.12 panics
        // rather than erring on some inputs: a catch-up must not take the caller down with it.
        let applied =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| doc.apply_changes(changes)));
        match applied {
            Ok(result) => result.map_err(|e| SyncError::CorruptDocument(e.to_string()))?,
            Err(_) => return Err(corrupt("a stored change does not apply")),
        }
        if !doc.get_missing_deps(&[]).is_empty() {
            return Err(corrupt("a stored change depends on one not applied"));
        }
        if doc.stats().num_changes > before {
            new_chunks.push(chunk.len());
        }
    }
    Ok(new_chunks)
}

/// A compact snapshot of the whole document, to replace its accumulated chunks.
pub fn snapshot(doc: &Automerge) -> Vec<u8> {
    doc.save()
}

/// What automerge's `receive_sync_message` learns from a message's flags: the peer's
/// capabilities and whether it is read-only. For the two places that take in a message without
/// automerge (the server's typing fast path, the client's acknowledgement), so both follow
/// automerge-0.12.0/src/sync.rs the same way. (A `SYNC_RESET` flag clears `sent_hashes`; both
/// callers clear them anyway.)
pub fn take_peer_flags(state: &mut sync::State, flags: Option<sync::MessageFlags>) {
    let Some(flags) = flags else { return };
    let mut capabilities = vec![sync::Capability::MessageV2];
    if flags.contains(sync::MessageFlags::SUPPORTS_SYNC_RESET) {
        capabilities.push(sync::Capability::SyncReset);
    }
    state.their_capabilities = Some(capabilities);
    state.peer_read_only = flags.contains(sync::MessageFlags::READ_ONLY);
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable as _;
    use automerge::{AutoCommit, ROOT};

    /// The server: one stored document, its chunks, and a rule for which changes it accepts.
    struct Server {
        doc: Automerge,
        stored: Vec<Vec<u8>>,
        accept: fn(&Automerge) -> bool,
    }

    /// A device: its own copy of the document, its sync state with the server, and the server's
    /// sync state with it (which the server keeps per connection).
    struct Device {
        doc: Automerge,
        state: sync::State,
        on_server: sync::State,
        write_only: bool,
    }

    #[derive(Debug, PartialEq)]
    enum Outcome {
        Adopted,
        Refused,
    }

    impl Server {
        fn new() -> Self {
            Self {
                doc: Automerge::new(),
                stored: Vec::new(),
                accept: |_| true,
            }
        }

        fn refusing_forbidden() -> Self {
            Self {
                accept: |doc| title(doc).as_deref() != Some("forbidden"),
                ..Self::new()
            }
        }

        /// The server's loop for one message: propose, check, store, adopt. A refused proposal is
        /// simply dropped.
        fn on_sync(&mut self, device: &mut Device, message: &[u8]) -> Outcome {
            let proposal = receive(&self.doc, &device.on_server, message).unwrap();
            if proposal.changed() && !(self.accept)(&proposal.doc) {
                return Outcome::Refused;
            }
            if let Some(chunk) = proposal.new_chunk {
                self.stored.push(chunk);
            }
            self.doc = proposal.doc;
            device.on_server = proposal.state;
            Outcome::Adopted
        }

        /// What the server sends the device next (an acknowledgement, or news).
        fn reply(&self, device: &mut Device) -> Option<Vec<u8>> {
            if device.write_only {
                outgoing_without_content(&self.doc, &mut device.on_server)
            } else {
                outgoing(&self.doc, &mut device.on_server)
            }
        }
    }

    impl Device {
        fn new() -> Self {
            Self::with_doc(Automerge::new())
        }

        fn with_doc(doc: Automerge) -> Self {
            Self {
                doc,
                state: sync::State::new(),
                on_server: sync::State::new(),
                write_only: false,
            }
        }

        fn set(&mut self, key: &str, value: &str) {
            let mut tx = self.doc.transaction();
            tx.put(ROOT, key, value).unwrap();
            tx.commit();
        }

        fn send(&mut self) -> Option<Vec<u8>> {
            outgoing(&self.doc, &mut self.state)
        }

        fn receive(&mut self, message: &[u8]) {
            let message = sync::Message::decode(message).unwrap();
            self.doc
                .receive_sync_message(&mut self.state, message)
                .unwrap();
        }

        /// Runs the exchange until neither side has anything to say; returns the refusals.
        fn sync_with(&mut self, server: &mut Server) -> usize {
            let mut refused = 0;
            for _ in 0..50 {
                let mut said_something = false;
                if let Some(news) = server.reply(self) {
                    self.receive(&news);
                    said_something = true;
                }
                if let Some(message) = self.send() {
                    if server.on_sync(self, &message) == Outcome::Refused {
                        refused += 1;
                    }
                    said_something = true;
                }
                if !said_something {
                    return refused;
                }
            }
            panic!("the exchange never settles");
        }
    }

    fn get(doc: &Automerge, key: &str) -> Option<String> {
        doc.get(ROOT, key)
            .unwrap()
            .and_then(|(value, _)| value.into_string().ok())
    }

    fn title(doc: &Automerge) -> Option<String> {
        get(doc, "title")
    }

    #[test]
    fn two_devices_converge_through_the_server() {
        let mut server = Server::new();
        let mut laptop = Device::new();
        let mut phone = Device::new();
        laptop.set("title", "Visit to Home 1");
        laptop.sync_with(&mut server);
        phone.sync_with(&mut server);
        assert_eq!(title(&phone.doc).as_deref(), Some("Visit to Home 1"));
        phone.set("title", "Visit to Home 2");
        phone.sync_with(&mut server);
        laptop.sync_with(&mut server);
        assert_eq!(title(&laptop.doc).as_deref(), Some("Visit to Home 2"));
        assert_eq!(laptop.doc.get_heads(), phone.doc.get_heads());
        assert_eq!(server.doc.get_heads(), phone.doc.get_heads());
    }

    #[test]
    fn the_acknowledgement_tells_the_device_its_change_is_stored() {
        let mut server = Server::new();
        let mut laptop = Device::new();
        laptop.set("title", "Visit");
        laptop.sync_with(&mut server);
        let change = laptop.doc.get_heads();
        assert_eq!(laptop.state.their_heads.as_deref(), Some(&change[..]));
        // What was acknowledged is what was stored: the chunks alone rebuild it.
        let reloaded = load_chunks(&server.stored).unwrap();
        assert_eq!(reloaded.get_heads(), change);
        assert_eq!(title(&reloaded).as_deref(), Some("Visit"));
    }

    #[test]
    fn a_message_without_changes_proposes_no_chunk() {
        let server = Server::new();
        let mut laptop = Device::new();
        laptop.set("title", "Visit");
        let hello = laptop.send().unwrap();
        let proposal = receive(&server.doc, &laptop.on_server, &hello).unwrap();
        assert!(proposal.new_chunk.is_none());
        assert!(!proposal.changed());
    }

    #[test]
    fn a_corrupt_message_is_refused_and_leaves_the_state_untouched() {
        let mut server = Server::new();
        let mut laptop = Device::new();
        laptop.set("title", "Visit");
        laptop.sync_with(&mut server);
        laptop.set("title", "Visit, revised");
        let real = laptop.send().unwrap();
        assert!(carries_changes(&real));
        let state_before = laptop.on_server.clone();
        let heads_before = server.doc.get_heads();

        let mut truncated = real.clone();
        truncated.truncate(real.len() / 2);
        let mut bad_change = sync::Message::decode(&real).unwrap();
        let mut change = bad_change.changes.iter().next().unwrap().to_vec();
        let last = change.len() - 1;
        change[last] ^= 0xff;
        bad_change.changes = vec![change].into();
        for corrupt in [b"\x42garbage".to_vec(), truncated, bad_change.encode()] {
            let error = receive(&server.doc, &laptop.on_server, &corrupt).unwrap_err();
            assert_eq!(error.code(), "corrupt_sync_message");
        }
        assert_eq!(server.doc.get_heads(), heads_before);
        assert_eq!(laptop.on_server, state_before);
        // The intact message still goes through afterwards.
        assert_eq!(server.on_sync(&mut laptop, &real), Outcome::Adopted);
        assert_eq!(title(&server.doc).as_deref(), Some("Visit, revised"));
    }

    #[test]
    fn a_refused_change_leaves_nothing_and_the_old_state_keeps_working() {
        let mut server = Server::refusing_forbidden();
        let mut laptop = Device::new();
        laptop.set("title", "Visit");
        laptop.sync_with(&mut server);
        let stored_before = server.stored.len();
        let heads_before = server.doc.get_heads();

        laptop.set("title", "forbidden");
        assert_eq!(laptop.sync_with(&mut server), 1);
        assert_eq!(server.doc.get_heads(), heads_before);
        assert_eq!(server.stored.len(), stored_before);
        assert_eq!(title(&server.doc).as_deref(), Some("Visit"));

        // The device discards its copy and reloads what the server has, as a Hearth client does
        // after a refusal; the server's old sync state for it still works.
        laptop.doc = server.doc.fork();
        laptop.state = sync::State::new();
        laptop.set("title", "Visit, allowed");
        assert_eq!(laptop.sync_with(&mut server), 0);
        assert_eq!(title(&server.doc).as_deref(), Some("Visit, allowed"));
        assert_eq!(server.doc.get_heads(), laptop.doc.get_heads());
    }

    #[test]
    fn a_refused_change_does_not_hold_up_other_devices() {
        let mut server = Server::refusing_forbidden();
        let mut laptop = Device::new();
        laptop.set("title", "Visit");
        laptop.sync_with(&mut server);
        let mut phone = Device::new();
        phone.sync_with(&mut server);

        laptop.set("title", "forbidden");
        assert_eq!(laptop.sync_with(&mut server), 1);
        phone.set("summary", "All well");
        assert_eq!(phone.sync_with(&mut server), 0);
        assert_eq!(server.doc.get_heads(), phone.doc.get_heads());
        assert_eq!(get(&server.doc, "summary").as_deref(), Some("All well"));
    }

    #[test]
    fn a_device_holding_a_refused_change_never_settles_if_syncing_goes_on() {
        // The hazard the module docs warn about: automerge never resends a change within one
        // sync session, so a later change that depends on the refused one waits on the server
        // forever, and the two sides keep asking each other for it. The server must stop
        // syncing that document with that device after a refusal.
        let mut server = Server::refusing_forbidden();
        let mut laptop = Device::new();
        laptop.set("title", "Visit");
        laptop.sync_with(&mut server);
        let stored_heads = laptop.doc.get_heads();
        laptop.set("title", "forbidden");
        laptop.sync_with(&mut server);
        laptop.set("summary", "written after the refusal");
        let mut messages = 0;
        for _ in 0..20 {
            if let Some(message) = laptop.send() {
                messages += 1;
                server.on_sync(&mut laptop, &message);
            }
            if let Some(reply) = server.reply(&mut laptop) {
                messages += 1;
                laptop.receive(&reply);
            }
        }
        assert_eq!(messages, 40, "every round still has something to say");
        assert_eq!(get(&server.doc, "summary"), None);
        assert_eq!(
            load_chunks(&server.stored).unwrap().get_heads(),
            stored_heads
        );
    }

    #[test]
    fn changes_waiting_for_their_dependencies_are_stored_when_complete() {
        let mut laptop = Device::new();
        laptop.set("title", "first");
        let first = laptop.doc.get_last_local_change().unwrap();
        laptop.set("title", "second");
        let second = laptop.doc.get_last_local_change().unwrap();
        let message = |changes: Vec<Vec<u8>>| {
            sync::Message {
                heads: laptop.doc.get_heads(),
                need: vec![],
                have: vec![],
                changes: changes.into(),
                flags: None,
                version: sync::MessageVersion::V1,
            }
            .encode()
        };
        let server = Server::new();
        // The second change alone cannot be applied yet: nothing to check or store.
        let early = receive(
            &server.doc,
            &sync::State::new(),
            &message(vec![second.raw_bytes().to_vec()]),
        )
        .unwrap();
        assert!(early.new_chunk.is_none());
        // With the first, both are proposed together.
        let complete = receive(
            &early.doc,
            &early.state,
            &message(vec![first.raw_bytes().to_vec()]),
        )
        .unwrap();
        let stored = load_chunks(&[complete.new_chunk.unwrap()]).unwrap();
        assert_eq!(stored.get_heads(), laptop.doc.get_heads());
    }

    /// The server's in-place path keeps exactly what the copy would have: the same document,
    /// state and chunk, message after message.
    #[test]
    fn receiving_in_place_matches_receiving_into_a_copy() {
        let mut laptop = Device::new();
        let mut copied = Automerge::new();
        let mut copied_state = sync::State::new();
        let mut in_place = Automerge::new();
        let mut in_place_state = sync::State::new();
        for title in ["one", "two", "three"] {
            laptop.set("title", title);
            for _ in 0..4 {
                let Some(message) = laptop.send() else { break };
                let proposal = receive(&copied, &copied_state, &message).unwrap();
                let received =
                    receive_in_place(&mut in_place, &in_place_state, decode(&message).unwrap())
                        .unwrap();
                assert_eq!(received.new_chunk, proposal.new_chunk);
                assert_eq!(received.state, proposal.state);
                assert!(!received.waiting);
                copied = proposal.doc;
                copied_state = proposal.state;
                in_place_state = received.state;
                assert_eq!(in_place.save(), copied.save());
                if let Some(reply) = outgoing(&in_place, &mut in_place_state) {
                    outgoing(&copied, &mut copied_state);
                    laptop.receive(&reply);
                }
            }
        }
        assert_eq!(title(&in_place).as_deref(), Some("three"));
        assert_eq!(in_place.get_heads(), laptop.doc.get_heads());
    }

    #[test]
    fn a_corrupt_message_is_refused_before_it_touches_the_document() {
        assert_eq!(
            decode(b"\x42garbage").unwrap_err().code(),
            "corrupt_sync_message"
        );
    }

    /// A device that leaves out a change it wrongly believes the server has (a bloom filter's
    /// false positive, forced here through its sent hashes) and sends the change after it: the
    /// server drops the waiting change, and its reply must get both sent again.
    #[test]
    fn a_peer_whose_waiting_changes_were_dropped_sends_them_again_with_what_they_lack() {
        let mut laptop = Device::new();
        laptop.set("title", "zero");
        // What the server has stored: the record before this session's changes.
        let stored = laptop.doc.save();
        let mut server = Automerge::load(&stored).unwrap();
        let mut on_server = sync::State::new();
        laptop.set("title", "first");
        let first = laptop.doc.get_last_local_change().unwrap();
        laptop.set("title", "second");
        laptop.state.sent_hashes.insert(first.hash());
        let mut settled = false;
        for _ in 0..10 {
            let Some(message) = laptop.send() else {
                settled = true;
                break;
            };
            let received =
                receive_in_place(&mut server, &on_server, decode(&message).unwrap()).unwrap();
            on_server = received.state;
            let reply = if received.waiting {
                // As the server does: keep only what it can commit.
                server = Automerge::load(&stored).unwrap();
                outgoing_after_dropping(&server, &mut on_server, &received.missing)
            } else {
                outgoing(&server, &mut on_server)
            };
            if let Some(reply) = reply {
                laptop.receive(&reply);
            }
        }
        assert!(settled, "the exchange settles");
        assert_eq!(server.get_heads(), laptop.doc.get_heads());
        assert_eq!(title(&server).as_deref(), Some("second"));
    }

    #[test]
    fn receiving_in_place_reports_changes_left_waiting_for_their_dependencies() {
        let mut laptop = Device::new();
        laptop.set("title", "first");
        let first = laptop.doc.get_last_local_change().unwrap();
        laptop.set("title", "second");
        let second = laptop.doc.get_last_local_change().unwrap();
        let message = |changes: Vec<Vec<u8>>| sync::Message {
            heads: laptop.doc.get_heads(),
            need: vec![],
            have: vec![],
            changes: changes.into(),
            flags: None,
            version: sync::MessageVersion::V1,
        };
        let mut doc = Automerge::new();
        let early = receive_in_place(
            &mut doc,
            &sync::State::new(),
            message(vec![second.raw_bytes().to_vec()]),
        )
        .unwrap();
        assert!(early.new_chunk.is_none());
        assert!(early.waiting, "the second change waits inside the document");
        let complete = receive_in_place(
            &mut doc,
            &early.state,
            message(vec![first.raw_bytes().to_vec()]),
        )
        .unwrap();
        assert!(!complete.waiting);
        let stored = load_chunks(&[complete.new_chunk.unwrap()]).unwrap();
        assert_eq!(stored.get_heads(), laptop.doc.get_heads());
    }

    #[test]
    fn carries_changes_tells_content_from_bookkeeping() {
        let mut server = Server::new();
        let mut laptop = Device::new();
        laptop.set("title", "Visit");
        // First message: heads and a bloom filter only.
        let hello = laptop.send().unwrap();
        assert!(!carries_changes(&hello));
        server.on_sync(&mut laptop, &hello);
        let reply = server.reply(&mut laptop).unwrap();
        assert!(!carries_changes(&reply));
        laptop.receive(&reply);
        assert!(carries_changes(&laptop.send().unwrap()));
        // Undecodable bytes fail closed.
        assert!(carries_changes(b"not a sync message"));
    }

    #[test]
    fn a_write_only_device_is_acknowledged_without_seeing_content() {
        let mut server = Server::new();
        let mut author = Device::new();
        author.set("question", "How are you finding your placement?");
        author.sync_with(&mut server);

        // A kiosk that may write but not read, knowing nothing of the document.
        let mut kiosk = Device::new();
        kiosk.write_only = true;
        kiosk.set("answer", "Good");
        kiosk.sync_with(&mut server);
        assert_eq!(get(&server.doc, "answer").as_deref(), Some("Good"));
        assert_eq!(get(&kiosk.doc, "question"), None);
        // Acknowledged: the server reports exactly the kiosk's heads.
        assert_eq!(
            kiosk.state.their_heads.as_deref(),
            Some(&kiosk.doc.get_heads()[..])
        );

        // Later news on the server is not passed on either, and the kiosk can keep writing.
        author.set("question", "Edited question");
        author.sync_with(&mut server);
        kiosk.set("answer", "Very good");
        kiosk.sync_with(&mut server);
        assert_eq!(get(&server.doc, "answer").as_deref(), Some("Very good"));
        assert_eq!(get(&kiosk.doc, "question"), None);
        assert_eq!(
            kiosk.state.their_heads.as_deref(),
            Some(&kiosk.doc.get_heads()[..])
        );
    }

    /// One server catching up on chunks another appended: exactly the document the chunks load
    /// as, its own chunks passed over, and anything but appended change chunks refused.
    #[test]
    fn appended_chunks_bring_a_loaded_copy_to_what_the_store_holds() {
        let mut writer = AutoCommit::new();
        writer.put(ROOT, "title", "one").unwrap();
        let first = writer.save_after(&[]);
        let mut copy = load_chunks(std::slice::from_ref(&first)).unwrap();
        let mut stored = vec![first];
        for title in ["two", "three"] {
            let before = writer.get_heads();
            writer.put(ROOT, "title", title).unwrap();
            writer.commit();
            stored.push(writer.save_after(&before));
        }

        let new = apply_chunks(&mut copy, &stored[1..]).unwrap();
        assert_eq!(new, vec![stored[1].len(), stored[2].len()]);
        assert_eq!(copy.save(), load_chunks(&stored).unwrap().save());
        assert_eq!(title(&copy).as_deref(), Some("three"));
        assert_eq!(
            apply_chunks(&mut copy, &stored).unwrap(),
            Vec::<usize>::new(),
            "chunks it holds bring nothing new"
        );

        let mut behind = load_chunks(&stored[..1]).unwrap();
        assert!(
            apply_chunks(&mut behind, &stored[2..]).is_err(),
            "a chunk whose dependency was skipped"
        );
        let mut behind = load_chunks(&stored[..1]).unwrap();
        let snapshot = load_chunks(&stored).unwrap().save();
        assert!(
            apply_chunks(&mut behind, &[snapshot]).is_err(),
            "a snapshot"
        );
        let mut behind = load_chunks(&stored[..1]).unwrap();
        let cut = stored[1][..stored[1].len() - 1].to_vec();
        assert!(
            apply_chunks(&mut behind, &[cut]).is_err(),
            "a chunk cut short"
        );
    }

    #[test]
    fn stored_chunks_load_back_and_snapshots_replace_them() {
        let mut server = Server::new();
        let mut laptop = Device::new();
        for title in ["one", "two", "three"] {
            laptop.set("title", title);
            laptop.sync_with(&mut server);
        }
        assert_eq!(server.stored.len(), 3);
        let from_chunks = load_chunks(&server.stored).unwrap();
        assert_eq!(from_chunks.get_heads(), laptop.doc.get_heads());
        let compacted = load_chunks(&[snapshot(&from_chunks)]).unwrap();
        assert_eq!(compacted.get_heads(), laptop.doc.get_heads());
        // A snapshot followed by later incremental chunks also loads.
        laptop.set("title", "four");
        laptop.sync_with(&mut server);
        let later = server.stored.last().unwrap().clone();
        let mixed = load_chunks(&[snapshot(&from_chunks), later]).unwrap();
        assert_eq!(title(&mixed).as_deref(), Some("four"));
        assert!(load_chunks(&[]).unwrap().get_heads().is_empty());
    }

    #[test]
    fn damaged_storage_fails_to_load_instead_of_losing_changes() {
        let mut server = Server::new();
        let mut laptop = Device::new();
        laptop.set("title", "one");
        laptop.sync_with(&mut server);
        laptop.set("title", "two");
        laptop.sync_with(&mut server);
        // The second chunk without the first it depends on.
        let error = load_chunks(&server.stored[1..]).unwrap_err();
        assert_eq!(error.code(), "corrupt_document");
        let mut truncated = server.stored.concat();
        truncated.truncate(truncated.len() - 3);
        assert!(load_chunks(&[truncated]).is_err());
    }

    /// A device that was offline sends its few missing changes as one entry of change chunks
    /// back to back (automerge does this when they are a small part of the history); the server
    /// must accept it rather than call it corrupt.
    #[test]
    fn a_short_run_of_offline_changes_in_one_entry_is_accepted() {
        let mut device = AutoCommit::new();
        let text = device
            .put_object(ROOT, "body", automerge::ObjType::Text)
            .unwrap();
        for n in 0..40 {
            device
                .splice_text(&text, 0, 0, &format!("line {n}\n"))
                .unwrap();
            device.commit();
        }
        let mut server = device.document().clone();
        // Offline: three more changes; then a fresh connection, fresh sync states on both sides.
        for n in 0..3 {
            device
                .splice_text(&text, 0, 0, &format!("offline {n}\n"))
                .unwrap();
            device.commit();
        }
        let mut device_state = sync::State::new();
        let mut server_state = sync::State::new();
        let mut rounds = 0;
        loop {
            rounds += 1;
            assert!(rounds < 10, "sync settles");
            let to_server = device.sync().generate_sync_message(&mut device_state);
            if let Some(message) = &to_server {
                let proposal = receive(&server, &server_state, &message.clone().encode())
                    .expect("the server accepts the device's message");
                server = proposal.doc;
                server_state = proposal.state;
            }
            let to_device = outgoing(&server, &mut server_state);
            if let Some(bytes) = &to_device {
                let message = sync::Message::decode(bytes).unwrap();
                device
                    .sync()
                    .receive_sync_message(&mut device_state, message)
                    .unwrap();
            }
            if to_server.is_none() && to_device.is_none() {
                break;
            }
        }
        assert_eq!(server.get_heads(), device.get_heads());
    }
}

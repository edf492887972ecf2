//! Typing without applying: a peer's text-only changes checked, stored and acknowledged
//! without being applied to the server's document.
//!
//! Why: automerge 0.12 applies a remote change by walking every op of each object the change
//! touches, so applying one keystroke to a 10,000-character text costs about 5 ms, and the cost
//! grows with every key. A batch of changes to one object costs about one walk. So the server
//! decides about a keystroke from its ops alone, commits it, acknowledges it, and applies the
//! committed-but-unapplied ("pending") changes to the document in one batch when someone needs
//! the document ([`Typing::settle`]).
//!
//! What makes that sound:
//!
//! - **Applying would succeed.** Each change extends the document's heads (with the pending
//!   changes) as a chain (its dependencies are those heads and perhaps its actor's previous
//!   change), carries its actor's next `seq`, starts above every op counter seen,
//!   and every op is an insert of a string or a delete in a known text object, referring to an
//!   element that exists and is visible there. Automerge accepts exactly such changes; anything
//!   else goes the slow way, where automerge itself decides.
//! - **The record would pass the rules.** The caller names the text fields the author may rewrite
//!   freely in the record's current state (`rules::freely_edited_texts`): for those, any content
//!   within the schema's length limit passes `check_change`, and nothing the store keeps about
//!   the record (metadata, reporting facts) reads them. The length is tracked exactly here.
//! - **The acknowledgement is automerge's own.** The new sync state and reply are what
//!   `receive_sync_message` + `generate_sync_message` produce on the applied document; only the
//!   plain case (the peer's message names exactly the new heads and summarises exactly its new
//!   changes) is handled, and the tests compare both sides byte for byte.
//! - **A refusal leaves nothing.** [`Typing::check`] changes nothing; [`Typing::adopt`] is
//!   called only once the changes are committed.

use super::{SyncError, split_storage_chunk};
use crate::rules::schema::MAX_TEXT_CHARS;
use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::sync::{self, BloomFilter, Capability, Have, MessageFlags, MessageVersion};
use automerge::{
    ActorId, Automerge, Change, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue,
    ScalarValueRef, Value, ValueRef,
};
use std::collections::HashMap;

/// What the server knows of one document beyond the automerge document it has loaded: the
/// changes committed but not yet applied, and enough about the texts to check more.
#[derive(Debug, Clone)]
pub struct Typing {
    /// The document's heads with the pending changes applied (sorted).
    heads: Vec<ChangeHash>,
    /// Committed, not yet applied to the document, in order.
    pending: Vec<Change>,
    /// Each actor's highest `seq` and that change's hash, pending changes included.
    seqs: HashMap<ActorId, (u64, ChangeHash)>,
    /// The highest op counter in the document or the pending changes.
    max_op: u64,
    /// The text fields being tracked, by their text object's id.
    texts: HashMap<OpId, TextState>,
}

/// One tracked text field.
#[derive(Debug, Clone)]
struct TextState {
    /// The record field (a key of the document's root map).
    field: String,
    /// Characters visible now, pending changes included (what the schema's limit counts).
    chars: usize,
    /// The visible elements, by the id of the op that inserted them.
    elements: HashMap<OpId, Element>,
}

#[derive(Debug, Clone)]
struct Element {
    /// Characters of its string.
    chars: usize,
    /// For an element read from the document: its id as the document knows it, until it has
    /// been confirmed to be a plain inserted string (its visible op is its own insert, so a
    /// delete's `pred` is exactly its id). `None` once confirmed, or inserted by a pending change.
    unconfirmed: Option<ObjId>,
}

/// A message [`Typing::check`] accepted: what to commit, and the sync state and reply to adopt
/// once it is committed.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The changes, in order.
    changes: Vec<Change>,
    /// The record fields (root keys) the changes type into, sorted.
    pub fields: Vec<String>,
    /// The changes in storage format, to append as one chunk.
    pub chunk: Vec<u8>,
    /// The peer's sync state after the message and the reply.
    pub state: sync::State,
    /// The encoded reply (the acknowledgement), if automerge would send one.
    pub reply: Option<Vec<u8>>,
    /// What the changes do to each tracked text they touch.
    texts: Vec<(OpId, TextEdit)>,
}

impl Accepted {
    /// The changes, in order.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }
}

impl Typing {
    /// Starts tracking `fields` (root keys holding collaborative text) of `doc`, which must
    /// hold no changes waiting for dependencies. Costs one read of the fields and of the change
    /// metadata: build it once, keep it while only typing arrives.
    pub fn new(doc: &Automerge, fields: &[&str]) -> Self {
        let mut seqs: HashMap<ActorId, (u64, ChangeHash)> = HashMap::new();
        let mut max_op = 0;
        for meta in doc.get_changes_meta(&[]) {
            max_op = max_op.max(meta.max_op);
            let last = seqs
                .entry(meta.actor.into_owned())
                .or_insert((meta.seq, meta.hash));
            if meta.seq >= last.0 {
                *last = (meta.seq, meta.hash);
            }
        }
        let texts = fields
            .iter()
            .filter_map(|field| Some((*field, text_object(doc, field)?)))
            .filter_map(|(field, (obj, id))| Some((id, read_text(doc, field, &obj)?)))
            .collect();
        Self {
            heads: doc.get_heads(),
            pending: Vec::new(),
            seqs,
            max_op,
            texts,
        }
    }

    /// The document's heads once the pending changes are applied.
    pub fn heads(&self) -> &[ChangeHash] {
        &self.heads
    }

    /// How many committed changes wait to be applied to the document.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Decides whether `message`, from a peer whose sync state is `state`, is typing into the
    /// `editable` fields that can be committed and acknowledged without applying it to `doc`.
    /// `None`: take the ordinary path. Changes nothing.
    pub fn check(
        &self,
        doc: &Automerge,
        editable: &[&str],
        state: &sync::State,
        message: &sync::Message,
    ) -> Option<Accepted> {
        if state.read_only || state.needs_reset || !message.need.is_empty() {
            return None;
        }
        let changes = single_changes(&message.changes)?;
        let last = changes.last()?.hash();
        // The peer names exactly the new heads and summarises exactly its new changes since the
        // heads it last heard from us: then automerge has nothing to send back but its heads.
        if message.heads != [last] {
            return None;
        }
        let [have] = message.have.as_slice() else {
            return None;
        };
        if sorted(&have.last_sync) != self.heads
            || !changes.iter().all(|c| have.bloom.contains_hash(&c.hash()))
        {
            return None;
        }

        let mut seqs: HashMap<&ActorId, (u64, Option<ChangeHash>)> = HashMap::new();
        let mut max_op = self.max_op;
        let mut touched: HashMap<OpId, TextEdit> = HashMap::new();
        let mut heads = self.heads.clone();
        for change in &changes {
            let last = seqs.entry(change.actor_id()).or_insert_with(|| {
                match self.seqs.get(change.actor_id()) {
                    Some((seq, hash)) => (*seq, Some(*hash)),
                    None => (0, None),
                }
            });
            // On top of every head (so it becomes the only one), and depending on nothing else
            // but its actor's previous change (automerge names it even when it is not a head).
            let on_top = heads.iter().all(|h| change.deps().contains(h))
                && change
                    .deps()
                    .iter()
                    .all(|d| heads.contains(d) || Some(*d) == last.1);
            if !on_top
                || change.author().is_some()
                || change.seq() != last.0 + 1
                || change.start_op().get() <= max_op
            {
                return None;
            }
            *last = (change.seq(), Some(change.hash()));
            max_op = change.max_op();
            heads = vec![change.hash()];
            self.check_ops(doc, editable, change, &mut touched)?;
        }

        let (state, reply) = acknowledge(state, message);
        let mut fields: Vec<String> = touched
            .keys()
            .filter_map(|obj| self.texts.get(obj))
            .map(|text| text.field.clone())
            .collect();
        fields.sort_unstable();
        Some(Accepted {
            fields,
            chunk: changes
                .iter()
                .flat_map(|c| c.raw_bytes())
                .copied()
                .collect(),
            changes,
            state,
            reply,
            texts: touched.into_iter().collect(),
        })
    }

    /// Checks every op of `change` against the tracked texts, recording its effect in
    /// `touched` (what the message changes in each text, over the texts as they are).
    fn check_ops(
        &self,
        doc: &Automerge,
        editable: &[&str],
        change: &Change,
        touched: &mut HashMap<OpId, TextEdit>,
    ) -> Option<()> {
        let actor = change.actor_id();
        let expanded = change.decode();
        for (offset, op) in (0u64..).zip(&expanded.operations) {
            let ObjectId::Id(obj) = &op.obj else {
                return None;
            };
            let text = self.texts.get(obj)?;
            if !editable.contains(&text.field.as_str()) {
                return None;
            }
            let edit = touched.entry(obj.clone()).or_insert_with(|| TextEdit {
                chars: text.chars,
                ..TextEdit::default()
            });
            let Key::Seq(key) = &op.key else {
                return None;
            };
            match (&op.action, op.insert) {
                (OpType::Put(ScalarValue::Str(s)), true) => {
                    if !op.pred.is_empty() {
                        return None;
                    }
                    if let ElementId::Id(after) = key {
                        edit.visible(doc, obj, text, after)?;
                    }
                    let chars = s.chars().count();
                    edit.chars += chars;
                    if edit.chars > MAX_TEXT_CHARS {
                        return None;
                    }
                    let id = OpId(change.start_op().get() + offset, actor.clone());
                    if text.elements.contains_key(&id) || edit.inserted.insert(id, chars).is_some()
                    {
                        return None;
                    }
                }
                (OpType::Delete, false) => {
                    let ElementId::Id(target) = key else {
                        return None;
                    };
                    if op.pred.len() != 1 || op.pred.iter().next() != Some(target) {
                        return None;
                    }
                    edit.chars -= edit.visible(doc, obj, text, target)?;
                    if edit.inserted.remove(target).is_none() {
                        edit.deleted.push(target.clone());
                    }
                }
                _ => return None,
            }
        }
        Some(())
    }

    /// Takes in changes [`check`](Self::check) accepted, once they are committed.
    pub fn adopt(&mut self, accepted: Accepted) {
        for change in &accepted.changes {
            self.seqs
                .insert(change.actor_id().clone(), (change.seq(), change.hash()));
            self.max_op = self.max_op.max(change.max_op());
        }
        if let Some(last) = accepted.changes.last() {
            self.heads = vec![last.hash()];
        }
        self.pending.extend(accepted.changes);
        for (obj, edit) in accepted.texts {
            let text = self
                .texts
                .get_mut(&obj)
                .expect("only tracked texts are edited");
            text.chars = edit.chars;
            for id in edit.confirmed {
                if let Some(element) = text.elements.get_mut(&id) {
                    element.unconfirmed = None;
                }
            }
            for id in edit.deleted {
                text.elements.remove(&id);
            }
            text.elements
                .extend(edit.inserted.into_iter().map(|(id, chars)| {
                    let element = Element {
                        chars,
                        unconfirmed: None,
                    };
                    (id, element)
                }));
        }
    }

    /// Applies the pending changes to `doc` in one batch, so that it is the document as
    /// committed. An error means the document may hold part of them: discard it and load it
    /// again from the store (which has them all).
    pub fn settle(&mut self, doc: &mut Automerge) -> Result<(), SyncError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        doc.apply_changes(pending)
            .map_err(|e| SyncError::CorruptDocument(e.to_string()))?;
        if doc.get_heads() != self.heads {
            return Err(SyncError::CorruptDocument(
                "pending changes did not apply".into(),
            ));
        }
        Ok(())
    }
}

/// What one message does to one tracked text, kept apart from the text until it is committed
/// (copying a long text's elements per keystroke would cost what this module saves).
#[derive(Debug, Clone, Default)]
struct TextEdit {
    /// Characters visible after the message.
    chars: usize,
    /// Elements the message inserts (and does not delete again), with their characters.
    inserted: HashMap<OpId, usize>,
    /// Elements of the text the message deletes.
    deleted: Vec<OpId>,
    /// Elements of the document confirmed on the way (see [`Element::unconfirmed`]).
    confirmed: Vec<OpId>,
}

impl TextEdit {
    /// The characters of `id` if it is a visible element that ops may refer to: inserted earlier
    /// in this message or by a pending change, or read from the document and confirmed to be a
    /// plain inserted string.
    fn visible(
        &mut self,
        doc: &Automerge,
        obj: &OpId,
        text: &TextState,
        id: &OpId,
    ) -> Option<usize> {
        if let Some(chars) = self.inserted.get(id) {
            return Some(*chars);
        }
        if self.deleted.contains(id) {
            return None;
        }
        let element = text.elements.get(id)?;
        if let Some(exid) = &element.unconfirmed
            && !self.confirmed.contains(id)
        {
            if !inserted_string(doc, obj, id, exid) {
                return None;
            }
            self.confirmed.push(id.clone());
        }
        Some(element.chars)
    }
}

/// Whether the document's op `id` (known to the document as `exid`) is an insert of a string
/// into the text object `obj`: then the element it made is its own visible value.
fn inserted_string(doc: &Automerge, obj: &OpId, id: &OpId, exid: &ObjId) -> bool {
    let Some(change) = doc
        .hash_for_opid(exid)
        .and_then(|hash| doc.get_change_by_hash(&hash))
    else {
        return false;
    };
    if change.actor_id() != id.actor() || id.counter() < change.start_op().get() {
        return false;
    }
    let index = usize::try_from(id.counter() - change.start_op().get()).ok();
    let expanded = change.decode();
    index
        .and_then(|i| expanded.operations.get(i))
        .is_some_and(|op| {
            op.insert
                && op.obj == ObjectId::Id(obj.clone())
                && matches!(op.action, OpType::Put(ScalarValue::Str(_)))
        })
}

/// The text object at root key `field`, if there is exactly one and it is a text.
fn text_object(doc: &Automerge, field: &str) -> Option<(ObjId, OpId)> {
    let values = doc.get_all(ROOT, field).ok()?;
    let [(Value::Object(ObjType::Text), obj)] = values.as_slice() else {
        return None;
    };
    let ObjId::Id(counter, actor, _) = obj else {
        return None;
    };
    Some((obj.clone(), OpId(*counter, actor.clone())))
}

/// Reads a text's visible elements; `None` (not tracked) if any is not a plain string.
fn read_text(doc: &Automerge, field: &str, obj: &ObjId) -> Option<TextState> {
    let mut elements = HashMap::new();
    let mut chars = 0;
    for item in doc.list_range(obj, ..) {
        let ValueRef::Scalar(ScalarValueRef::Str(s)) = &item.value else {
            return None;
        };
        if item.conflict {
            return None;
        }
        let exid = item.id();
        let ObjId::Id(counter, actor, _) = &exid else {
            return None;
        };
        let n = s.chars().count();
        chars += n;
        let id = OpId(*counter, actor.clone());
        elements.insert(
            id,
            Element {
                chars: n,
                unconfirmed: Some(exid),
            },
        );
    }
    Some(TextState {
        field: field.to_string(),
        chars,
        elements,
    })
}

/// The changes of a message, if every entry is one or more single changes (no whole document,
/// no bundle). Unparseable chunks were refused earlier ([`super::decode`]); here they just mean
/// "not typing".
fn single_changes(chunks: &sync::ChunkList) -> Option<Vec<Change>> {
    let mut changes = Vec::new();
    for entry in chunks.iter() {
        let mut rest = entry;
        while !rest.is_empty() {
            let (kind, chunk) = split_storage_chunk(rest)?;
            rest = &rest[chunk.len()..];
            if !matches!(kind, 1 | 2) {
                return None;
            }
            changes.push(Change::try_from(chunk).ok()?);
        }
    }
    Some(changes)
}

fn sorted(hashes: &[ChangeHash]) -> Vec<ChangeHash> {
    let mut hashes = hashes.to_vec();
    hashes.sort_unstable();
    hashes
}

/// What automerge's `receive_sync_message` then `generate_sync_message` do to `state` and
/// send, for a message [`Typing::check`] accepted: its changes extend our heads, its heads are
/// exactly the new heads (so we hold every head it names and every change we ever sent it is
/// an ancestor of them), its one `have` summarises exactly the new changes since our old heads,
/// and it needs nothing. Follows automerge-0.12.0/src/sync.rs step by step.
fn acknowledge(state: &sync::State, message: &sync::Message) -> (sync::State, Option<Vec<u8>>) {
    let mut state = state.clone();
    // receive_sync_message
    state.in_flight = false;
    super::take_peer_flags(&mut state, message.flags);
    // `filter_changes`: everything we sent is an ancestor of the new heads.
    state.sent_hashes.clear();
    // All the message's heads are known: they become the shared heads.
    state.shared_heads = message.heads.clone();
    state.their_have = Some(message.have.clone());
    state.their_heads = Some(message.heads.clone());
    state.their_need = Some(message.need.clone());

    // generate_sync_message: we need nothing, the peer lacks nothing (every change since its
    // last sync is in its bloom filter), so the message is heads and an empty summary.
    let our_heads = message.heads.clone();
    if state.last_sent_heads == our_heads && state.have_responded {
        return (state, None);
    }
    state.have_responded = true;
    state.last_sent_heads = our_heads.clone();
    let mut flags = MessageFlags::new();
    flags.set(MessageFlags::SUPPORTS_SYNC_RESET);
    let supports_v2 = state
        .their_capabilities
        .as_ref()
        .is_some_and(|c| c.contains(&Capability::MessageV2));
    let reply = sync::Message {
        heads: our_heads,
        need: Vec::new(),
        have: vec![Have {
            last_sync: state.shared_heads.clone(),
            bloom: BloomFilter::from_hashes(std::iter::empty::<ChangeHash>()),
        }],
        changes: sync::ChunkList::empty(),
        flags: Some(flags),
        version: if supports_v2 {
            MessageVersion::V2
        } else {
            MessageVersion::V1
        },
    };
    state.in_flight = true;
    (state, Some(reply.encode()))
}

#[cfg(test)]
mod tests;

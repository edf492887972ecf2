//! A record's history: who changed which field, when, and what it said before and after; and
//! the record as it was at any point of that history.
//!
//! Everything comes from the document itself (its Automerge changes, which every device and the
//! server hold) plus one thing only the server knows: which signed-in user sent each actor's
//! changes ([`ActorAuthor`], from `GET /api/documents/{id}/actors`). Clients take a random
//! actor each time they load a document, so an actor is one person's session on one record.
//!
//! Typing makes one change per keystroke, so consecutive changes by one person to the same
//! fields are one [`Entry`] (a run), cut where more than [`RUN_GAP_MS`] passed between two of
//! them. Before and after are rendered as readable text ([`render`]) and compared word by word
//! ([`diff`]). Only the last entries asked for are rendered, so a long history costs one pass
//! over its changes plus two readings of a field per entry shown.

pub mod diff;
pub mod render;

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::{ActorId, Automerge, ChangeHash, legacy};
use serde::{Deserialize, Serialize};

use crate::model::Record;
use crate::rejection::Rejection;

pub use render::{FieldValue, fields_at};

/// Two changes by one person to the same fields further apart than this (by the time their
/// devices wrote on them) are two entries.
pub const RUN_GAP_MS: i64 = 10 * 60 * 1000;

/// Words of unchanged text kept either side of a change in [`FieldChange::diff`].
pub const DIFF_CONTEXT_WORDS: usize = 8;

/// Whose an actor's changes to one document are, as the server recorded it: the wire shape of
/// the actors endpoint and of the copy a device keeps for offline use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorAuthor {
    /// The Automerge actor id, hex.
    pub actor: String,
    /// The signed-in user who sent the actor's first change.
    pub user_id: String,
    /// Their name, only when the reader may see it (`permissions::sees_name_of`).
    pub display_name: Option<String>,
    /// When the server committed the actor's first change (Unix ms, the server's clock).
    pub first_at_ms: i64,
}

/// Who made an entry's changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// A signed-in user, by id, with their name when the reader may see it.
    User {
        /// Their user id.
        user_id: String,
        /// Their name, if the reader may see it.
        name: Option<String>,
    },
    /// An actor the server has no record of: changes not synced yet, or made before Hearth
    /// kept authors (the demo's records, for one).
    Unknown,
}

/// When an entry's changes were made, and by whose clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// The time the device wrote on its last change (Unix ms): the device's own clock.
    Device(i64),
    /// The change carries no time: when the server first committed a change of this actor's
    /// (Unix ms). The change was made at or before then.
    Server(i64),
    /// Neither is known.
    Unknown,
}

impl When {
    /// The time, whichever clock gave it.
    pub fn ms(self) -> Option<i64> {
        match self {
            When::Device(ms) | When::Server(ms) => Some(ms),
            When::Unknown => None,
        }
    }
}

/// One field's before and after in an [`Entry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The document's key for the field (`body`, `visitDate`).
    pub key: String,
    /// The field's name as the screens call it.
    pub label: String,
    /// The field as it read before the entry's changes ([`render`]; empty when it was absent).
    pub before: String,
    /// The field as it read after them.
    pub after: String,
    /// The word diff from `before` to `after`, long unchanged runs cut short.
    pub diff: Vec<diff::Segment>,
}

/// A run of consecutive changes by one person to the same fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Who made them.
    pub who: Who,
    /// When the last of them was made.
    pub when: When,
    /// How many Automerge changes the run holds (one per keystroke while typing).
    pub changes: usize,
    /// The fields changed, in key order, with before and after.
    pub fields: Vec<FieldChange>,
    /// The document's heads right after the run: "the record as it was then".
    pub heads: Vec<ChangeHash>,
}

/// Keys that are written once when a record is made and mean nothing to a reader.
const UNSHOWN: [&str; 7] = [
    "schemaVersion",
    "kind",
    "createdBy",
    "createdAt",
    "homeId",
    "consultationId",
    "seriesId",
];

/// Whether the history and "as it was" show the field `key`.
pub fn shown(key: &str) -> bool {
    !UNSHOWN.contains(&key)
}

/// One change as the history walks it.
struct Step {
    who: Who,
    /// The actor's hex id, to tell two unknown actors apart.
    actor: String,
    when: When,
    fields: BTreeSet<String>,
    /// Heads after this change.
    heads: Vec<ChangeHash>,
    /// For each field this change touches: the index of the last earlier step that touched it.
    before: Vec<(String, Option<usize>)>,
}

/// The latest entries of a record's history ([`history`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// The last entries asked for, oldest first.
    pub entries: Vec<Entry>,
    /// How many earlier entries there are, not rendered.
    pub earlier: usize,
}

/// The last `limit` entries of `doc`'s history, oldest first; `authors` maps actors to users,
/// `people` user ids in the record's values to names (see [`render::Names`]).
pub fn history(
    doc: &Automerge,
    authors: &[ActorAuthor],
    people: &render::Names,
    limit: usize,
) -> History {
    let steps = walk(doc, authors);
    let runs = runs(&steps);
    let earlier = runs.len().saturating_sub(limit);
    History {
        entries: runs[earlier..]
            .iter()
            .map(|run| entry(doc, &steps, run.clone(), people))
            .collect(),
        earlier,
    }
}

/// The heads of the record as it was at `cut_ms` (Unix ms; the end of a day, for "the record
/// as it was on <date>"): every change made by then by the times [`history`] shows, with the
/// changes those depend on (a device whose clock was behind cannot cut a change from under a
/// later one). Empty when nothing had been made by then.
pub fn heads_at_time(doc: &Automerge, authors: &[ActorAuthor], cut_ms: i64) -> Vec<ChangeHash> {
    let first_at = first_at_by_actor(authors);
    let changes = doc.get_changes(&[]);
    let mut needed: HashSet<ChangeHash> = HashSet::new();
    let mut kept: Vec<ChangeHash> = Vec::new();
    let mut depended: HashSet<ChangeHash> = HashSet::new();
    for change in changes.iter().rev() {
        let when = when_of(
            change.timestamp(),
            first_at.get(&change.actor_id().to_hex_string()),
        );
        let by_then = when.ms().is_some_and(|ms| ms <= cut_ms);
        if by_then || needed.contains(&change.hash()) {
            if !depended.contains(&change.hash()) {
                kept.push(change.hash());
            }
            for dep in change.deps() {
                needed.insert(*dep);
                depended.insert(*dep);
            }
        }
    }
    kept.sort();
    kept
}

/// The typed record as it was at `heads` (read-only: a fork, never written back).
pub fn record_at(doc: &Automerge, heads: &[ChangeHash]) -> Result<Record, Rejection> {
    let fork = doc
        .fork_at(heads)
        .map_err(|_| Rejection::InvalidRecord("history: unknown heads".into()))?;
    Record::from_doc(&fork)
}

fn first_at_by_actor(authors: &[ActorAuthor]) -> HashMap<String, i64> {
    authors
        .iter()
        .map(|a| (a.actor.to_ascii_lowercase(), a.first_at_ms))
        .collect()
}

/// A change's time: its own (seconds, as Automerge documents it; a value too large for
/// seconds is taken as milliseconds, which some clients write), else the actor's first commit.
fn when_of(timestamp: i64, first_at: Option<&i64>) -> When {
    match (timestamp, first_at) {
        (t, _) if t > 100_000_000_000 => When::Device(t),
        (t, _) if t > 0 => When::Device(t * 1000),
        (_, Some(&ms)) => When::Server(ms),
        _ => When::Unknown,
    }
}

/// Every change in history order, with the fields it touched and the heads after it.
fn walk(doc: &Automerge, authors: &[ActorAuthor]) -> Vec<Step> {
    let by_actor: HashMap<String, &ActorAuthor> = authors
        .iter()
        .map(|a| (a.actor.to_ascii_lowercase(), a))
        .collect();
    // Which root field each object hangs under, learnt from the ops that made the objects:
    // every object is made before anything is done to it, so walking in order places all,
    // those deleted since included.
    let mut placed: HashMap<legacy::OpId, String> = HashMap::new();
    let mut last_touch: HashMap<String, usize> = HashMap::new();
    let mut heads: BTreeSet<ChangeHash> = BTreeSet::new();
    let mut steps = Vec::new();
    for change in doc.get_changes(&[]) {
        let actor: &ActorId = change.actor_id();
        let actor_hex = actor.to_hex_string();
        let known = by_actor.get(&actor_hex);
        let expanded = change.decode();
        let mut fields = BTreeSet::new();
        for (offset, op) in (0u64..).zip(&expanded.operations) {
            let field = match (&op.obj, &op.key) {
                (legacy::ObjectId::Root, legacy::Key::Map(key)) => Some(key.to_string()),
                (legacy::ObjectId::Id(obj), _) => placed.get(obj).cloned(),
                (legacy::ObjectId::Root, legacy::Key::Seq(_)) => None,
            };
            let Some(field) = field else { continue };
            if matches!(op.action, legacy::OpType::Make(_)) {
                let id = legacy::OpId::new(expanded.start_op.get() + offset, actor);
                placed.insert(id, field.clone());
            }
            fields.insert(field);
        }
        for dep in change.deps() {
            heads.remove(dep);
        }
        heads.insert(change.hash());
        let index = steps.len();
        let before = fields
            .iter()
            .map(|f| (f.clone(), last_touch.insert(f.clone(), index)))
            .collect();
        steps.push(Step {
            who: match known {
                Some(a) => Who::User {
                    user_id: a.user_id.clone(),
                    name: a.display_name.clone(),
                },
                None => Who::Unknown,
            },
            actor: actor_hex,
            when: when_of(change.timestamp(), known.map(|a| &a.first_at_ms)),
            fields,
            heads: heads.iter().copied().collect(),
            before,
        });
    }
    steps
}

/// The steps grouped into runs (ranges of step indices), steps that touch no shown field
/// left out.
fn runs(steps: &[Step]) -> Vec<std::ops::Range<usize>> {
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        if !step.fields.iter().any(|f| shown(f)) {
            continue;
        }
        let joins = runs.last().is_some_and(|run| {
            let last = &steps[run.end - 1];
            run.end == i
                && same_person(last, step)
                && last.fields == step.fields
                && match (last.when, step.when) {
                    (When::Device(a), When::Device(b)) => (b - a).abs() <= RUN_GAP_MS,
                    _ => true,
                }
        });
        match runs.last_mut() {
            Some(run) if joins => run.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    runs
}

fn same_person(a: &Step, b: &Step) -> bool {
    match (&a.who, &b.who) {
        (Who::User { user_id: x, .. }, Who::User { user_id: y, .. }) => x == y,
        (Who::Unknown, Who::Unknown) => a.actor == b.actor,
        _ => false,
    }
}

/// A run rendered: each shown field before the run's first step and after its last.
fn entry(
    doc: &Automerge,
    steps: &[Step],
    run: std::ops::Range<usize>,
    people: &render::Names,
) -> Entry {
    let first = &steps[run.start];
    let last = &steps[run.end - 1];
    let fields = first
        .before
        .iter()
        .filter(|(key, _)| shown(key))
        .map(|(key, earlier)| {
            let before = earlier
                .map(|i| render::field_at(doc, key, &steps[i].heads, people))
                .unwrap_or_default();
            let after = render::field_at(doc, key, &last.heads, people);
            let diff = diff::with_context(&diff::words(&before, &after), DIFF_CONTEXT_WORDS);
            FieldChange {
                key: key.clone(),
                label: render::label(key).to_string(),
                before,
                after,
                diff,
            }
        })
        .collect();
    Entry {
        who: last.who.clone(),
        when: last.when,
        changes: run.len(),
        fields,
        heads: last.heads.clone(),
    }
}

#[cfg(test)]
mod tests;

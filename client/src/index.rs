//! The metadata index: one small entry per stored document (title, kind, state, home, when it
//! was last written, unsent changes, any refusal), so the lists and the sync status come from
//! the entries at start-up and a document's Automerge bytes are decrypted and loaded only when
//! it is opened or has something to sync. Pure: the IndexedDB side is `platform::store`.
//!
//! Consistency: an entry is written in the same IndexedDB transaction as its document and names
//! the document version it describes twice over: the document's heads, and the random IV of the
//! document's encrypted envelope written with it ([`IndexEntry::doc_iv`]). A missing entry, one
//! that does not decrypt, or one whose `doc_iv` is not the stored document's is rebuilt from the
//! document ([`Repair`]); an entry whose heads differ from the document's when it is loaded is
//! rewritten then.

use hearth_shared::ids::DocumentId;
use hearth_shared::model::DocMeta;
use serde::{Deserialize, Serialize};

use crate::engine::Rejected;

/// What the device keeps about one stored document without loading it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexEntry {
    /// The record's list metadata (title, kind, state, home, author), when the document holds a
    /// readable record.
    pub meta: Option<DocMeta>,
    /// The document's heads (hex) when this entry was written: the version it describes.
    pub heads: Vec<String>,
    /// The server's heads as last seen (hex), as stored with the document.
    pub acked_heads: Vec<String>,
    /// Local changes the server has not acknowledged. More than zero: the document is loaded
    /// right after start-up so they are sent without the user opening it.
    pub unsent: usize,
    /// The server's refusal, if it refused this copy.
    pub rejected: Option<Rejected>,
    /// When this device last wrote the document (unix ms).
    pub updated: i64,
    /// The IV (hex) of the document's encrypted envelope written in the same transaction: a
    /// document rewritten without its entry (a crash between two writes, an older version of
    /// the app) is found by comparing it, without decrypting the document. Set by the store.
    #[serde(default)]
    pub doc_iv: String,
}

impl IndexEntry {
    /// The entry for a document downloaded from the server and not changed here since: every
    /// change acknowledged, so `heads` are also the acknowledged heads.
    pub fn downloaded(meta: Option<DocMeta>, heads: Vec<String>, now: i64) -> IndexEntry {
        IndexEntry {
            meta,
            acked_heads: heads.clone(),
            heads,
            unsent: 0,
            rejected: None,
            updated: now,
            doc_iv: String::new(),
        }
    }

    /// Whether the server has every change of this document (what a write-only record waits
    /// for before it leaves the device).
    pub fn is_acknowledged(&self) -> bool {
        !self.acked_heads.is_empty() && self.unsent == 0 && self.rejected.is_none()
    }

    /// Whether the document must be loaded for sync even if nobody opens it: it holds changes
    /// the server has not acknowledged (a refused copy is not synced, so it waits to be opened).
    pub fn needs_sync(&self) -> bool {
        self.unsent > 0 && self.rejected.is_none()
    }

    /// Whether this entry describes the same list row, unsent count and refusal as `other`
    /// (the write time and envelope IV aside): whether a loaded document's fresh entry says
    /// anything the stored one does not.
    pub fn same_as(&self, other: &IndexEntry) -> bool {
        self.meta == other.meta
            && self.heads == other.heads
            && self.acked_heads == other.acked_heads
            && self.unsent == other.unsent
            && self.rejected == other.rejected
    }

    /// The entry as stored (JSON; the store encrypts it).
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("IndexEntry always serializes")
    }

    /// Reads [`encode`](Self::encode)'s output; `None` if it is not an entry.
    pub fn decode(bytes: &[u8]) -> Option<IndexEntry> {
        serde_json::from_slice(bytes).ok()
    }
}

/// The IV of an encrypted envelope (`[version][12-byte IV][ciphertext]`), hex, or empty if the
/// value is too short to be one.
pub fn envelope_iv(sealed: &[u8]) -> String {
    sealed
        .get(1..13)
        .map(|iv| iv.iter().map(|b| format!("{b:02x}")).collect())
        .unwrap_or_default()
}

/// Every entry as last read, each with the IV of the sealed entry it was read from: one
/// encrypted value (decrypted once at unlock instead of one decryption per record). Never
/// authoritative: an entry is taken from it only while the stored entry still has the same
/// IV, i.e. is the very ciphertext the checkpoint was made from; any entry written since is
/// decrypted on its own.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Document id (text) → (sealed entry's IV, hex; the entry).
    pub entries: std::collections::BTreeMap<String, (String, IndexEntry)>,
}

impl Checkpoint {
    /// The entry stored for `id` if the stored value sealed with `iv` is the one checkpointed.
    pub fn entry(&self, id: DocumentId, iv: &str) -> Option<&IndexEntry> {
        self.entries
            .get(&id.to_string())
            .filter(|(at, _)| !iv.is_empty() && at == iv)
            .map(|(_, e)| e)
    }

    /// As stored (JSON; the store encrypts it).
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("Checkpoint always serializes")
    }

    /// Reads [`encode`](Self::encode)'s output; an unreadable one is an empty checkpoint.
    pub fn decode(bytes: &[u8]) -> Checkpoint {
        serde_json::from_slice(bytes).unwrap_or_default()
    }
}

/// What start-up found when it compared the stored documents with their entries.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Repair {
    /// Documents with a usable entry: listed from it, loaded later.
    pub indexed: Vec<(DocumentId, IndexEntry)>,
    /// Documents without a usable entry (none, one that did not decrypt, or one written for
    /// another version of the document): loaded now so their entry is rebuilt.
    pub rebuild: Vec<DocumentId>,
    /// Entries whose document is gone: deleted.
    pub orphans: Vec<DocumentId>,
}

/// Matches the stored documents (`documents`: id and, when it was read, the envelope IV of the
/// stored value) with the decoded entries (`None`: the entry is there but unusable).
pub fn reconcile(
    documents: &[(DocumentId, Option<String>)],
    entries: Vec<(DocumentId, Option<IndexEntry>)>,
) -> Repair {
    use std::collections::BTreeMap;
    let mut entries: BTreeMap<DocumentId, Option<IndexEntry>> = entries.into_iter().collect();
    let mut repair = Repair::default();
    for (id, iv) in documents {
        match entries.remove(id) {
            Some(Some(entry)) if iv.as_ref().is_none_or(|iv| *iv == entry.doc_iv) => {
                repair.indexed.push((*id, entry));
            }
            _ => repair.rebuild.push(*id),
        }
    }
    repair.orphans = entries.into_keys().collect();
    repair
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_shared::model::{RecordKind, WorkflowState};

    fn entry(title: &str, iv: &str) -> IndexEntry {
        IndexEntry {
            doc_iv: iv.into(),
            ..IndexEntry::downloaded(
                Some(DocMeta {
                    kind: RecordKind::VisitNote,
                    home_id: Some("home-1".into()),
                    created_by: "u-1".into(),
                    state: WorkflowState::Draft,
                    title: title.into(),
                    consultation_id: None,
                }),
                vec!["ab".into()],
                1,
            )
        }
    }

    #[test]
    fn an_entry_reads_back_as_written() {
        let written = entry("Visit note 1 May 2026", "0011");
        assert_eq!(IndexEntry::decode(&written.encode()), Some(written));
        assert_eq!(IndexEntry::decode(b"not an entry"), None);
    }

    #[test]
    fn a_downloaded_record_is_acknowledged_and_needs_no_sync() {
        let e = entry("t", "");
        assert!(e.is_acknowledged() && !e.needs_sync());
        let unsent = IndexEntry { unsent: 2, ..e };
        assert!(!unsent.is_acknowledged() && unsent.needs_sync());
        let refused = IndexEntry {
            rejected: Some(Rejected {
                code: "record_locked".into(),
                message: "m".into(),
            }),
            ..unsent
        };
        assert!(!refused.needs_sync(), "a refused copy waits to be opened");
    }

    #[test]
    fn the_envelope_iv_is_the_twelve_bytes_after_the_version() {
        let mut sealed = vec![1u8];
        sealed.extend(1..=12u8);
        sealed.extend([0xff; 20]);
        assert_eq!(envelope_iv(&sealed), "0102030405060708090a0b0c");
        assert_eq!(envelope_iv(&[1, 2]), "");
    }

    #[test]
    fn a_document_without_a_usable_or_matching_entry_is_rebuilt_and_orphans_are_dropped() {
        let ids: Vec<DocumentId> = (0..5).map(|_| DocumentId::random()).collect();
        let documents = vec![
            (ids[0], Some("aa".to_string())), // entry matches
            (ids[1], Some("bb".to_string())), // no entry: a crash between the writes
            (ids[2], Some("cc".to_string())), // entry for another version of the document
            (ids[3], None),                   // IV not read: the entry is trusted for now
            (ids[4], Some("ee".to_string())), // entry does not decrypt
        ];
        let entries = vec![
            (ids[0], Some(entry("a", "aa"))),
            (ids[2], Some(entry("c", "c0"))),
            (ids[3], Some(entry("d", "dd"))),
            (ids[4], None),
        ];
        let orphan = DocumentId::random();
        let mut with_orphan = entries.clone();
        with_orphan.push((orphan, Some(entry("gone", "ff"))));
        let repair = reconcile(&documents, with_orphan);
        let indexed: Vec<DocumentId> = repair.indexed.iter().map(|(id, _)| *id).collect();
        assert_eq!(indexed, vec![ids[0], ids[3]]);
        assert_eq!(repair.rebuild, vec![ids[1], ids[2], ids[4]]);
        assert_eq!(repair.orphans, vec![orphan]);
    }

    #[test]
    fn a_checkpointed_entry_is_used_only_for_the_very_value_it_was_made_from() {
        let id = DocumentId::random();
        let mut checkpoint = Checkpoint::default();
        checkpoint
            .entries
            .insert(id.to_string(), ("0a0b".into(), entry("a", "aa")));
        let read = Checkpoint::decode(&checkpoint.encode());
        assert_eq!(read.entry(id, "0a0b"), Some(&entry("a", "aa")));
        assert_eq!(read.entry(id, "0c0d"), None, "rewritten since: decrypt it");
        assert_eq!(read.entry(id, ""), None);
        assert_eq!(read.entry(DocumentId::random(), "0a0b"), None);
        assert_eq!(Checkpoint::decode(b"garbage"), Checkpoint::default());
    }

    #[test]
    fn same_as_ignores_only_the_write_time_and_iv() {
        let a = entry("a", "aa");
        let later = IndexEntry {
            updated: 99,
            doc_iv: "zz".into(),
            ..a.clone()
        };
        assert!(a.same_as(&later));
        let moved = IndexEntry {
            heads: vec!["cd".into()],
            ..a.clone()
        };
        assert!(!a.same_as(&moved));
    }
}

/// The engine's side of the index: documents listed from their entries (shelved), loaded when
/// asked for, and entries that follow the documents.
#[cfg(test)]
mod shelf_tests {
    use super::*;
    use crate::engine::{Effect, Engine, Listed, SyncStatus};
    use hearth_shared::model::{Record, VisitNote, WorkflowState};
    use hearth_shared::permissions::{Actor, Role};

    const NOW: i64 = 1_780_000_000_000;

    fn member() -> Actor {
        Actor {
            user_id: "u-member".into(),
            role: Role::Member,
            homes: vec!["home-1".into()],
        }
    }

    /// A note created on one device and what that device would store: document and entry.
    fn stored_note(home: &str) -> (crate::engine::StoredDoc, IndexEntry) {
        stored_note_by("u-member", home)
    }

    fn stored_note_by(author: &str, home: &str) -> (crate::engine::StoredDoc, IndexEntry) {
        let mut engine = Engine::new("writer".into());
        let (id, _) = engine
            .create(&Record::VisitNote(VisitNote::new(author, home, NOW)))
            .unwrap();
        (
            engine.snapshot(id).unwrap(),
            engine.index_entry(id).unwrap(),
        )
    }

    #[test]
    fn a_shelved_record_is_listed_from_its_entry_and_loaded_only_when_read() {
        let (doc, entry) = stored_note("home-1");
        let id = doc.id;
        assert_eq!(entry.unsent, 1, "a new note's one change is unsent");
        let mut engine = Engine::new("device".into());
        engine.shelve(id, entry.clone());

        let rows = engine.readable_rows(&member());
        assert_eq!(rows.len(), 1);
        assert!(rows[0].local && rows[0].waiting && !rows[0].rejected);
        assert_eq!(rows[0].title, entry.meta.as_ref().unwrap().title);
        assert_eq!(engine.status(), SyncStatus::Offline { waiting: 1 });
        assert_eq!(engine.shelved_needing_sync(), vec![id]);
        assert!(!engine.has(id));
        assert!(engine.take_wanted().is_empty(), "listing loads nothing");

        assert!(engine.record(id).is_none(), "not loaded yet");
        assert_eq!(engine.take_wanted(), vec![id]);
        let effects = engine.open_stored(doc).unwrap();
        assert!(
            !effects.contains(&Effect::Persist(id)),
            "an entry that matches its document is not written again"
        );
        assert!(matches!(engine.record(id), Some(Ok(Record::VisitNote(_)))));
        assert_eq!(
            engine.rows().len(),
            1,
            "one row, now from the loaded document"
        );
        assert!(engine.index_entry(id).unwrap().same_as(&entry));
        assert!(engine.take_wanted().is_empty());
    }

    #[test]
    fn a_stale_entry_is_rewritten_when_its_document_loads() {
        let (doc, entry) = stored_note("home-1");
        let id = doc.id;
        let stale = IndexEntry {
            heads: vec![],
            meta: entry.meta.clone().map(|m| DocMeta {
                state: WorkflowState::Submitted,
                title: "An older title".into(),
                ..m
            }),
            ..entry.clone()
        };
        let mut engine = Engine::new("device".into());
        engine.shelve(id, stale);
        let effects = engine.open_stored(doc).unwrap();
        assert!(effects.contains(&Effect::Persist(id)));
        let row = engine.rows().pop().unwrap();
        assert_eq!(row.state, Some(WorkflowState::Draft));
        assert_eq!(row.title, entry.meta.unwrap().title);
    }

    #[test]
    fn the_listing_neither_requests_shelved_records_nor_hides_their_changes() {
        let (doc, entry) = stored_note("home-1");
        let (other, other_entry) = stored_note("home-1");
        let mut engine = Engine::new("device".into());
        engine.shelve(doc.id, entry.clone());
        engine.shelve(other.id, other_entry.clone());
        let listed = |id: DocumentId, e: &IndexEntry, state: &str| Listed {
            id: id.to_string(),
            kind: "visitNote".into(),
            title: e.meta.as_ref().unwrap().title.clone(),
            home_id: Some("home-1".into()),
            state: state.into(),
        };
        let effects = engine.set_listing(vec![
            listed(doc.id, &entry, "draft"),
            listed(other.id, &other_entry, "submitted"),
        ]);
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Send(_))),
            "nothing is requested: both are on the device"
        );
        assert_eq!(engine.rows().len(), 2, "no duplicate rows from the listing");
        assert_eq!(
            engine.take_wanted(),
            vec![other.id],
            "the one submitted elsewhere is loaded to sync"
        );
    }

    #[test]
    fn a_refused_shelved_copy_shows_in_the_status_and_is_not_loaded_for_sync() {
        let (doc, entry) = stored_note("home-1");
        let refused = IndexEntry {
            rejected: Some(Rejected {
                code: "record_locked".into(),
                message: "Signed off".into(),
            }),
            ..entry
        };
        let mut engine = Engine::new("device".into());
        engine.shelve(doc.id, refused);
        assert!(
            matches!(engine.status(), SyncStatus::Rejected { document, .. } if document == doc.id)
        );
        assert!(engine.shelved_needing_sync().is_empty());
        assert!(engine.rejection(doc.id).is_some());
    }

    #[test]
    fn a_shelved_record_of_another_home_is_not_readable_and_forget_drops_it() {
        let (doc, entry) = stored_note_by("u-another-member", "home-2");
        let mut engine = Engine::new("device".into());
        engine.shelve(doc.id, entry);
        assert!(engine.readable_rows(&member()).is_empty());
        let effects = engine.forget(doc.id);
        assert!(effects.contains(&Effect::Forget(doc.id)));
        assert!(engine.rows().is_empty());
    }

    #[test]
    fn a_stored_copy_replaces_an_empty_requested_placeholder() {
        let (doc, entry) = stored_note("home-1");
        let mut engine = Engine::new("device".into());
        let mut listed_entry = entry.clone();
        listed_entry.unsent = 0;
        let _ = engine.set_listing(vec![Listed {
            id: doc.id.to_string(),
            kind: "visitNote".into(),
            title: "t".into(),
            home_id: Some("home-1".into()),
            state: "draft".into(),
        }]);
        assert!(!engine.rows()[0].local, "requested, downloading");
        engine.shelve(doc.id, listed_entry);
        assert!(engine.rows().iter().all(|r| r.local));
    }
}

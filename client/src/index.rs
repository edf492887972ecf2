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
use hearth_shared::model::{DocMeta, RecordKind, WorkflowState};
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
    /// (the write time and envelope IVs aside): whether a loaded document's fresh entry says
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

/// An entry as read from storage: the IV (hex) of its own envelope, and the entry.
pub type StoredEntry = (String, IndexEntry);

/// Every entry as stored, in one encrypted value: what unlock reads instead of one value per
/// record. A write leaves a cleartext *mark* (the document's key and the IV of the envelope it
/// wrote, empty for a deletion; no content) in the same IndexedDB transaction as the document
/// and its entry, so unlock reads the checkpoint and only the entries marked since
/// ([`Checkpoint::catch_up`]); a rewritten checkpoint clears, in its own transaction, only the
/// marks it covers ([`Checkpoint::covers`]), so a write that lands meanwhile stays marked.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Checkpoint {
    /// Each stored document's entry (its `doc_iv` names the document version it describes),
    /// after the IV (hex) of the entry's own envelope as stored: after start-up, a stored entry
    /// lost or put back from an earlier version is found by comparing it.
    pub entries: std::collections::BTreeMap<DocumentId, StoredEntry>,
}

impl Checkpoint {
    /// As stored (the store encrypts it): a version byte, then per entry its fields in order,
    /// strings length-prefixed. Not JSON: unlock decodes every entry of it, and with 5,000
    /// records JSON took 70-125 ms of the unlock in Chromium (base58 ids, field names,
    /// escapes), twice the size to decrypt.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![CHECKPOINT_FORMAT];
        put_u32(&mut out, self.entries.len());
        for (id, (entry_iv, e)) in &self.entries {
            out.extend_from_slice(id.as_bytes());
            put_str(&mut out, entry_iv);
            put_str(&mut out, &e.doc_iv);
            put_strs(&mut out, &e.heads);
            put_strs(&mut out, &e.acked_heads);
            put_u64(&mut out, e.unsent as u64);
            put_u64(&mut out, e.updated as u64);
            match &e.rejected {
                Some(r) => {
                    out.push(1);
                    put_str(&mut out, &r.code);
                    put_str(&mut out, &r.message);
                }
                None => out.push(0),
            }
            match &e.meta {
                Some(m) => {
                    out.push(1);
                    put_str(&mut out, m.kind.as_str());
                    put_str(&mut out, m.state.as_str());
                    put_opt_str(&mut out, m.home_id.as_deref());
                    put_str(&mut out, &m.created_by);
                    put_str(&mut out, &m.title);
                    put_opt_str(&mut out, m.consultation_id.as_deref());
                }
                None => out.push(0),
            }
        }
        out
    }

    /// Reads [`encode`](Self::encode)'s output; `None` if it is not a checkpoint (one written
    /// by an earlier version, say): unlock then reads every entry.
    pub fn decode(bytes: &[u8]) -> Option<Checkpoint> {
        let (&format, mut r) = bytes.split_first()?;
        if format != CHECKPOINT_FORMAT {
            return None;
        }
        let count = take_u32(&mut r)?;
        let mut entries = std::collections::BTreeMap::new();
        for _ in 0..count {
            let id = DocumentId::from_bytes(take(&mut r, 16)?.try_into().ok()?);
            let entry_iv = take_str(&mut r)?;
            let doc_iv = take_str(&mut r)?;
            let heads = take_strs(&mut r)?;
            let acked_heads = take_strs(&mut r)?;
            let unsent = usize::try_from(take_u64(&mut r)?).ok()?;
            let updated = take_u64(&mut r)? as i64;
            let rejected = match take(&mut r, 1)?[0] {
                0 => None,
                _ => Some(Rejected {
                    code: take_str(&mut r)?,
                    message: take_str(&mut r)?,
                }),
            };
            let meta = match take(&mut r, 1)?[0] {
                0 => None,
                _ => Some(DocMeta {
                    kind: RecordKind::parse(&take_str(&mut r)?)?,
                    state: WorkflowState::parse(&take_str(&mut r)?)?,
                    home_id: take_opt_str(&mut r)?,
                    created_by: take_str(&mut r)?,
                    title: take_str(&mut r)?,
                    consultation_id: take_opt_str(&mut r)?,
                }),
            };
            let entry = IndexEntry {
                meta,
                heads,
                acked_heads,
                unsent,
                rejected,
                updated,
                doc_iv,
            };
            entries.insert(id, (entry_iv, entry));
        }
        r.is_empty().then_some(Checkpoint { entries })
    }

    /// Whether the mark a write of `id` left (`written`: the document envelope's IV, empty for
    /// a deletion) is reflected here, so the mark may go.
    pub fn covers(&self, id: DocumentId, written: &str) -> bool {
        self.entries.get(&id).map_or("", |(_, e)| e.doc_iv.as_str()) == written
    }

    /// Brings the checkpoint up to date with the writes marked since it was stored: each
    /// `(id, written, entry)` is a mark (`written` as in [`covers`](Self::covers)) with the
    /// entry stored now and its envelope IV (`None`: missing or unreadable). Returns the documents whose entry is
    /// not the one their last write left (lost, or put back from an earlier version): to load,
    /// so it is rebuilt.
    pub fn catch_up(
        &mut self,
        marked: Vec<(DocumentId, String, Option<StoredEntry>)>,
    ) -> Vec<DocumentId> {
        let mut rebuild = Vec::new();
        for (id, written, entry) in marked {
            self.entries.remove(&id);
            match entry {
                _ if written.is_empty() => {}
                Some(entry) if entry.1.doc_iv == written => {
                    self.entries.insert(id, entry);
                }
                _ => rebuild.push(id),
            }
        }
        rebuild
    }
}

/// The first byte of an encoded [`Checkpoint`]: a checkpoint in any other format (the previous
/// version's JSON starts with `{`) is not read.
const CHECKPOINT_FORMAT: u8 = 2;

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).expect("under 4 GiB").to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
        None => out.push(0),
    }
}

fn put_strs(out: &mut Vec<u8>, strs: &[String]) {
    put_u32(out, strs.len());
    for s in strs {
        put_str(out, s);
    }
}

fn take<'a>(r: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    let (head, rest) = r.split_at_checked(n)?;
    *r = rest;
    Some(head)
}

fn take_u64(r: &mut &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(take(r, 8)?.try_into().ok()?))
}

fn take_u32(r: &mut &[u8]) -> Option<usize> {
    Some(u32::from_le_bytes(take(r, 4)?.try_into().ok()?) as usize)
}

fn take_str(r: &mut &[u8]) -> Option<String> {
    let n = take_u32(r)?;
    String::from_utf8(take(r, n)?.to_vec()).ok()
}

fn take_opt_str(r: &mut &[u8]) -> Option<Option<String>> {
    match take(r, 1)?[0] {
        0 => Some(None),
        _ => take_str(r).map(Some),
    }
}

fn take_strs(r: &mut &[u8]) -> Option<Vec<String>> {
    let n = take_u32(r)?;
    // Bounded by what is left, so a corrupt count cannot reserve gigabytes.
    let mut strs = Vec::with_capacity(n.min(r.len() / 4));
    for _ in 0..n {
        strs.push(take_str(r)?);
    }
    Some(strs)
}

/// What start-up found when it compared the stored documents with their entries.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Repair {
    /// Documents without a usable entry (none, one that did not decrypt, or one written for
    /// another version of the document): loaded now so their entry is rebuilt.
    pub rebuild: Vec<DocumentId>,
    /// Entries whose document is gone: deleted.
    pub orphans: Vec<DocumentId>,
}

/// Matches the stored documents (`documents`: id and, when it was read, the envelope IV of the
/// stored value) with the decoded entries and their envelope IVs (`None`: the entry is there
/// but unusable): the usable entries, and what to repair.
pub fn reconcile(
    documents: &[(DocumentId, Option<String>)],
    entries: Vec<(DocumentId, Option<StoredEntry>)>,
) -> (Checkpoint, Repair) {
    let mut entries: std::collections::BTreeMap<DocumentId, Option<StoredEntry>> =
        entries.into_iter().collect();
    let mut usable = Checkpoint::default();
    let mut repair = Repair::default();
    for (id, iv) in documents {
        match entries.remove(id) {
            Some(Some(entry)) if iv.as_ref().is_none_or(|iv| *iv == entry.1.doc_iv) => {
                usable.entries.insert(*id, entry);
            }
            _ => repair.rebuild.push(*id),
        }
    }
    repair.orphans = entries.into_keys().collect();
    (usable, repair)
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

    /// An entry as read from storage: its envelope's IV (made up from the document's) and it.
    fn sealed(title: &str, doc_iv: &str) -> StoredEntry {
        (format!("e{doc_iv}"), entry(title, doc_iv))
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
            (ids[0], Some(sealed("a", "aa"))),
            (ids[2], Some(sealed("c", "c0"))),
            (ids[3], Some(sealed("d", "dd"))),
            (ids[4], None),
        ];
        let orphan = DocumentId::random();
        let mut with_orphan = entries.clone();
        with_orphan.push((orphan, Some(sealed("gone", "ff"))));
        let (usable, repair) = reconcile(&documents, with_orphan);
        let mut expected = vec![ids[0], ids[3]];
        expected.sort();
        assert_eq!(usable.entries.keys().copied().collect::<Vec<_>>(), expected);
        assert_eq!(repair.rebuild, vec![ids[1], ids[2], ids[4]]);
        assert_eq!(repair.orphans, vec![orphan]);
    }

    #[test]
    fn a_checkpoint_reads_back_as_written_and_an_earlier_format_is_not_one() {
        let mut checkpoint = Checkpoint::default();
        checkpoint
            .entries
            .insert(DocumentId::random(), sealed("a", "aa"));
        let (refused, unlisted) = (DocumentId::random(), DocumentId::random());
        let mut consultation = entry("Consultation", "bb");
        if let Some(meta) = consultation.meta.as_mut() {
            meta.kind = RecordKind::ConsultationResponse;
            meta.consultation_id = Some("c-1".into());
        }
        consultation.heads.push("cd".into());
        consultation.unsent = 3;
        consultation.rejected = Some(Rejected {
            code: "record_locked".into(),
            message: "Signed off — “quoted”".into(),
        });
        checkpoint
            .entries
            .insert(refused, ("0b".into(), consultation));
        let no_meta = IndexEntry {
            meta: None,
            ..entry("", "cc")
        };
        checkpoint.entries.insert(unlisted, ("0c".into(), no_meta));
        let bytes = checkpoint.encode();
        assert_eq!(Checkpoint::decode(&bytes), Some(checkpoint));
        assert_eq!(
            Checkpoint::decode(&bytes[..bytes.len() - 1]),
            None,
            "cut short"
        );
        assert_eq!(Checkpoint::decode(b"garbage"), None);
        assert_eq!(Checkpoint::decode(&[]), None);
        // The previous round's checkpoint: ids as text mapped to (entry IV, entry).
        assert_eq!(
            Checkpoint::decode(br#"{"entries":{"x":["0a",{"meta":null}]}}"#),
            None
        );
    }

    #[test]
    fn marked_writes_bring_the_checkpoint_up_to_date_and_a_mismatch_is_rebuilt() {
        let ids: Vec<DocumentId> = (0..5).map(|_| DocumentId::random()).collect();
        let mut checkpoint = Checkpoint::default();
        for (id, iv) in ids.iter().zip(["a0", "b0", "c0", "d0", "e0"]) {
            checkpoint.entries.insert(*id, sealed("old", iv));
        }
        let untouched = ids[4];
        let fresh = DocumentId::random();
        let rebuild = checkpoint.catch_up(vec![
            (ids[0], "a1".into(), Some(sealed("edited", "a1"))), // written since
            (ids[1], String::new(), None),                       // deleted since
            (ids[2], "c1".into(), None),                         // entry lost
            (ids[3], "d1".into(), Some(sealed("older", "d0"))),  // entry put back stale
            (fresh, "f1".into(), Some(sealed("new", "f1"))),     // new since
        ]);
        assert_eq!(rebuild, vec![ids[2], ids[3]]);
        assert_eq!(checkpoint.entries[&ids[0]], sealed("edited", "a1"));
        assert_eq!(checkpoint.entries[&fresh], sealed("new", "f1"));
        assert_eq!(checkpoint.entries[&untouched], sealed("old", "e0"));
        for gone in &ids[1..4] {
            assert!(!checkpoint.entries.contains_key(gone));
        }
        // The marks this checkpoint covers may go; any other stays.
        assert!(checkpoint.covers(ids[0], "a1"));
        assert!(!checkpoint.covers(ids[0], "a2"), "written again meanwhile");
        assert!(checkpoint.covers(ids[1], ""), "a deletion it reflects");
        assert!(!checkpoint.covers(fresh, ""), "deleted after it was made");
        assert!(!checkpoint.covers(ids[2], "c1"), "not rebuilt yet");
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

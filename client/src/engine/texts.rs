//! Reading a typed record again after a keystroke without reading its long texts again.
//!
//! Views re-read the record whenever the document changes, so every keystroke hydrated the whole
//! record, and a Text's value is rebuilt from every character op it ever had: for a Regulation
//! 33 premises text of 75,000 characters after 10,000 edits, most of a frame. Instead the texts
//! read last time are kept and brought forward with the document's own patches (automerge's patch
//! log, active from the first read: `diff_incremental` yields only what changed since), and the
//! record is hydrated through [`Cached`], which answers `text` from them. Anything the cache
//! cannot follow exactly (any other patch to a kept text, an index that does not fit) drops that
//! text, which is then read from the document as before.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::RangeBounds;

use automerge::{AutoCommit, AutomergeError, ObjId, PatchAction, Prop, Value};
use autosurgeon::ReadDoc;
use hearth_shared::model::Record;

/// The texts last read from one document, by object id, as of the patch log's cursor.
#[derive(Debug, Default)]
pub struct TextCache {
    texts: HashMap<ObjId, String>,
}

impl TextCache {
    /// The typed record in `doc`, reading only the texts that changed since the last call.
    pub fn record(&mut self, doc: &mut AutoCommit) -> Result<Record, String> {
        self.catch_up(doc);
        let reader = Cached {
            doc: &*doc,
            texts: RefCell::new(std::mem::take(&mut self.texts)),
            read: RefCell::new(HashSet::new()),
        };
        // The shared model's own reading, through the cache: the same checks and error wording
        // as reading the document itself, and the only copy of the hydrate code in the wasm
        // (a second reader type would compile every record's hydrate twice).
        let record = Record::from_doc(&reader).map_err(|e| e.message().to_string());
        let Cached { texts, read, .. } = reader;
        let read = read.into_inner();
        // Only what this record still holds: a replaced text's old object is gone for good.
        self.texts = texts.into_inner();
        self.texts.retain(|obj, _| read.contains(obj));
        record
    }

    /// Applies the document's patches since the last read to the kept texts.
    fn catch_up(&mut self, doc: &mut AutoCommit) {
        if doc.diff_cursor().is_empty() {
            // The log is not running yet (first read, or a document that was empty): start it
            // here, and read every text from the document this time.
            self.texts.clear();
            doc.update_diff_cursor();
            return;
        }
        for patch in doc.diff_incremental() {
            let Some(text) = self.texts.get_mut(&patch.obj) else {
                continue;
            };
            // Indexes are UTF-8 bytes: the engine's documents count text that way.
            let followed = match &patch.action {
                PatchAction::SpliceText { index, value, .. } => {
                    text.is_char_boundary(*index) && {
                        text.insert_str(*index, &value.make_string());
                        true
                    }
                }
                PatchAction::DeleteSeq { index, length } => {
                    let end = index.saturating_add(*length);
                    end <= text.len()
                        && text.is_char_boundary(*index)
                        && text.is_char_boundary(end)
                        && {
                            text.replace_range(*index..end, "");
                            true
                        }
                }
                _ => false,
            };
            if !followed {
                self.texts.remove(&patch.obj);
            }
        }
    }
}

/// `doc` as autosurgeon reads it, with texts from the cache where it has them.
struct Cached<'a> {
    doc: &'a AutoCommit,
    texts: RefCell<HashMap<ObjId, String>>,
    /// The texts this read asked for.
    read: RefCell<HashSet<ObjId>>,
}

impl ReadDoc for Cached<'_> {
    type Parents<'b>
        = automerge::Parents<'b>
    where
        Self: 'b;

    fn get_heads(&self) -> Vec<automerge::ChangeHash> {
        ReadDoc::get_heads(self.doc)
    }

    fn get<P: Into<Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        ReadDoc::get(self.doc, obj, prop)
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<automerge::ObjType> {
        ReadDoc::object_type(self.doc, obj)
    }

    fn map_range<'b, O, R>(&'b self, obj: O, range: R) -> automerge::iter::MapRange<'b>
    where
        R: RangeBounds<String> + 'b,
        O: AsRef<ObjId>,
        R: RangeBounds<String>,
    {
        ReadDoc::map_range(self.doc, obj, range)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> automerge::iter::ListRange<'_> {
        ReadDoc::list_range(self.doc, obj, range)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        ReadDoc::length(self.doc, obj)
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        let obj = obj.as_ref();
        self.read.borrow_mut().insert(obj.clone());
        if let Some(text) = self.texts.borrow().get(obj) {
            return Ok(text.clone());
        }
        let text = ReadDoc::text(self.doc, obj)?;
        self.texts.borrow_mut().insert(obj.clone(), text.clone());
        Ok(text)
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        ReadDoc::parents(self.doc, obj)
    }

    fn is_empty(&self) -> bool {
        ReadDoc::is_empty(self.doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{ROOT, TextEncoding};
    use hearth_shared::model::Inspection;

    fn premises(doc: &mut AutoCommit) -> ObjId {
        match automerge::ReadDoc::get(doc, ROOT, "premises").unwrap() {
            Some((_, obj)) => obj,
            None => unreachable!("an inspection has premises"),
        }
    }

    fn read(cache: &mut TextCache, doc: &mut AutoCommit) -> Inspection {
        let Ok(Record::Inspection(i)) = cache.record(doc) else {
            panic!("reads as an inspection")
        };
        let Ok(Record::Inspection(full)) = Record::from_doc(doc.document()) else {
            panic!("reads as an inspection")
        };
        assert_eq!(i, full, "the cache reads what the document holds");
        i
    }

    #[test]
    fn kept_texts_follow_local_and_remote_edits_exactly() {
        let mut doc = AutoCommit::new_with_encoding(TextEncoding::Utf8CodeUnit);
        Record::Inspection(Inspection::new("u-member", "home-1", 1_780_000_000_000))
            .write_to(&mut doc)
            .unwrap();
        doc.commit();
        let obj = premises(&mut doc);
        doc.splice_text(&obj, 0, 0, "Café kitchen").unwrap();
        doc.commit();
        let mut cache = TextCache::default();
        read(&mut cache, &mut doc);
        // A keystroke after a two-byte character, through the typed record as the editors do.
        let mut edited = read(&mut cache, &mut doc);
        crate::engine::text::replace(&mut edited.premises, "Café, kitchen");
        Record::Inspection(edited).write_to(&mut doc).unwrap();
        doc.commit();
        assert_eq!(
            read(&mut cache, &mut doc).premises.as_str(),
            "Café, kitchen"
        );
        // Another device deletes across the 'é' and types at the start; merged here.
        let mut other = doc.fork();
        let obj = premises(&mut other);
        other.splice_text(&obj, 2, 4, "").unwrap();
        other.splice_text(&obj, 0, 0, "Ça: ").unwrap();
        other.commit();
        let obj = premises(&mut doc);
        doc.splice_text(&obj, 14, 0, " clean").unwrap();
        doc.commit();
        doc.merge(&mut other).unwrap();
        assert_eq!(
            read(&mut cache, &mut doc).premises.as_str(),
            "Ça: Ca kitchen clean"
        );
        // The text replaced by a new object: read from the document, not the old entry.
        doc.put_object(ROOT, "premises", automerge::ObjType::Text)
            .unwrap();
        let fresh = premises(&mut doc);
        doc.splice_text(&fresh, 0, 0, "New").unwrap();
        doc.commit();
        assert_eq!(read(&mut cache, &mut doc).premises.as_str(), "New");
    }
}

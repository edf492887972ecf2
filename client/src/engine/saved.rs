//! What local storage holds for one document, kept in memory so that each write appends only
//! the changes made since the last one.
//!
//! A full `save()` re-encodes and compresses the whole history: about a frame's time and more
//! for a Regulation 33 record with 10,000 edits, and the debounced write ran one every 250 ms
//! while someone typed. Automerge loads a full save followed by change chunks (`save_after`) as
//! one document, so the stored bytes are the last full save with each write's new changes
//! appended, and a full save is made again only when the appended chunks have grown many
//! (on load, or when the runtime finds the page idle: [`Saved::needs_compaction`]).

use automerge::{AutoCommit, ChangeHash};

/// Appended change chunks (one per change, so about one per keystroke) after which a document
/// is compacted when loaded or when the page is idle: loading applies each chunk's change one by
/// one, which is slower than loading a full save.
pub const COMPACT_AFTER: usize = 256;

/// Appended change chunks after which the next write is a full save whatever the runtime does
/// (a bound on what a reload must replay).
const COMPACT_ALWAYS: usize = 4_096;

/// The bytes last handed to storage for one document.
#[derive(Debug, Default)]
pub struct Saved {
    /// A full save, then change chunks.
    bytes: Vec<u8>,
    /// The document's heads when `bytes` was made.
    heads: Vec<ChangeHash>,
    /// Change chunks after the full save in `bytes` (`save_after` makes one per change).
    appended: usize,
}

impl Saved {
    /// What storage gave `doc` to load from (`bytes`).
    pub fn loaded(bytes: &[u8], doc: &mut AutoCommit) -> Self {
        Saved {
            bytes: bytes.to_vec(),
            heads: doc.get_heads(),
            appended: chunk_count(bytes).map_or(0, |n| n.saturating_sub(1)),
        }
    }

    /// The bytes to store for `doc` now: the previous bytes plus the changes since (or a full
    /// save when there is nothing to append to, or too much appended already).
    pub fn bytes(&mut self, doc: &mut AutoCommit) -> Vec<u8> {
        let heads = doc.get_heads();
        if self.bytes.is_empty() || self.appended >= COMPACT_ALWAYS {
            self.compact(doc);
        } else if heads != self.heads {
            let chunk = doc.save_after(&self.heads);
            self.bytes.extend_from_slice(&chunk);
            self.appended += chunk_count(&chunk).unwrap_or(1);
            self.heads = heads;
        }
        self.bytes.clone()
    }

    /// Replaces the stored form by one full save of `doc`.
    pub fn compact(&mut self, doc: &mut AutoCommit) {
        self.bytes = doc.save();
        self.heads = doc.get_heads();
        self.appended = 0;
    }

    /// Whether enough chunks were appended that the next quiet moment should compact.
    pub fn needs_compaction(&self) -> bool {
        self.appended >= COMPACT_AFTER
    }
}

/// How many chunks `bytes` holds (automerge's storage format: each chunk is 4 magic bytes, a
/// 4-byte checksum, a type byte and a LEB128 length, then that many bytes), or `None` when it
/// does not parse as chunks.
fn chunk_count(bytes: &[u8]) -> Option<usize> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let mut rest = bytes;
    let mut count = 0;
    while !rest.is_empty() {
        if rest.len() < 9 || rest[..4] != MAGIC {
            return None;
        }
        rest = &rest[9..];
        let (mut len, mut shift) = (0usize, 0u32);
        loop {
            let (&byte, tail) = rest.split_first()?;
            rest = tail;
            len |= usize::from(byte & 0x7f).checked_shl(shift)?;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        rest = rest.get(len..)?;
        count += 1;
    }
    Some(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{LoadOptions, ObjType, ROOT, ReadDoc, TextEncoding};

    fn typed(doc: &mut AutoCommit, text: &str) {
        let obj = match doc.get(ROOT, "premises").unwrap() {
            Some((_, obj)) => obj,
            None => doc.put_object(ROOT, "premises", ObjType::Text).unwrap(),
        };
        let end = doc.length(&obj);
        doc.splice_text(&obj, end, 0, text).unwrap();
        doc.commit();
    }

    fn reload(bytes: &[u8]) -> AutoCommit {
        let options = LoadOptions::new().text_encoding(TextEncoding::Utf8CodeUnit);
        AutoCommit::load_with_options(bytes, options).unwrap()
    }

    fn premises(doc: &AutoCommit) -> String {
        let obj = doc.get(ROOT, "premises").unwrap().unwrap().1;
        doc.text(&obj).unwrap()
    }

    #[test]
    fn each_write_appends_only_the_new_changes_and_reloads_whole() {
        let mut doc = AutoCommit::new_with_encoding(TextEncoding::Utf8CodeUnit);
        typed(&mut doc, "Boiler ");
        let mut saved = Saved::default();
        let first = saved.bytes(&mut doc);
        assert_eq!(
            chunk_count(&first),
            Some(1),
            "the first write is a full save"
        );
        typed(&mut doc, "serviced");
        typed(&mut doc, " in May.");
        let second = saved.bytes(&mut doc);
        assert!(
            second.starts_with(&first),
            "the earlier bytes are kept as they were"
        );
        assert_eq!(chunk_count(&second), Some(3), "a chunk per change");
        let mut reloaded = reload(&second);
        assert_eq!(premises(&reloaded), "Boiler serviced in May.");
        assert_eq!(reloaded.get_heads(), doc.get_heads());
        // Nothing new: the same bytes, nothing appended.
        assert_eq!(saved.bytes(&mut doc), second);
    }

    #[test]
    fn a_loaded_document_appends_to_what_storage_gave_and_compacts_when_long() {
        let mut doc = AutoCommit::new_with_encoding(TextEncoding::Utf8CodeUnit);
        typed(&mut doc, "a");
        let mut saved = Saved::default();
        let mut bytes = saved.bytes(&mut doc);
        for _ in 0..COMPACT_AFTER {
            typed(&mut doc, "b");
            bytes = saved.bytes(&mut doc);
        }
        let mut loaded = reload(&bytes);
        let mut from_storage = Saved::loaded(&bytes, &mut loaded);
        assert!(from_storage.needs_compaction());
        typed(&mut loaded, "c");
        let appended = from_storage.bytes(&mut loaded);
        assert!(appended.starts_with(&bytes));
        from_storage.compact(&mut loaded);
        assert!(!from_storage.needs_compaction());
        let compacted = from_storage.bytes(&mut loaded);
        assert_eq!(chunk_count(&compacted), Some(1));
        let expected = format!("a{}c", "b".repeat(COMPACT_AFTER));
        assert_eq!(premises(&reload(&appended)), expected);
        assert_eq!(premises(&reload(&compacted)), expected);
    }

    #[test]
    fn bytes_that_are_not_chunks_count_as_none() {
        assert_eq!(chunk_count(&[]), Some(0));
        assert_eq!(chunk_count(b"not automerge"), None);
    }
}

//! Turning "the textarea now says this" into one splice, so concurrent edits merge.
//!
//! Replacing a whole Automerge Text on each keypress would make two devices' edits conflict as a
//! whole; a splice at the point of change merges character by character. Positions are UTF-8
//! byte offsets (always on character boundaries): the engine opens documents with
//! `TextEncoding::Utf8CodeUnit` because autosurgeon's `Text::splice`/`update`, which the record
//! editors use, count in bytes too.

/// One edit: at byte `pos`, delete `delete` bytes and insert `insert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    /// Where the edit starts, in UTF-8 bytes.
    pub pos: usize,
    /// How many bytes to remove.
    pub delete: usize,
    /// What to insert in their place.
    pub insert: String,
}

/// The smallest single splice that turns `old` into `new`, or `None` if they are equal.
///
/// Keeps the longest common prefix and then the longest common suffix of what is left, which is
/// exactly one typing, deleting or pasting action.
pub fn splice_between(old: &str, new: &str) -> Option<Splice> {
    if old == new {
        return None;
    }
    // Compare bytes (a 75,000-character paragraph per keystroke: decoding characters cost
    // more), then step back to a character boundary in both, never splitting one.
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let mut prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
        .min(max_suffix);
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    Some(Splice {
        pos: prefix,
        delete: old.len() - prefix - suffix,
        insert: new[prefix..new.len() - suffix].to_string(),
    })
}

/// Sets a record's collaborative `Text` field to what its text box now says, as the one splice
/// [`splice_between`] finds, recorded for the next reconcile.
///
/// Not autosurgeon's `Text::update`: that diffs old and new grapheme by grapheme, which on a
/// long paragraph (a Regulation 33 premises text of 75,000 characters after 10,000 edits) took
/// longer than a frame per keystroke; a keystroke, a deletion or a paste is one splice anyway.
pub fn replace(text: &mut autosurgeon::Text, new_value: &str) {
    if let Some(s) = splice_between(text.as_str(), new_value) {
        // Byte offsets, as `Text::splice` and the engine's documents (UTF-8 indexing) count.
        text.splice(s.pos, s.delete as isize, s.insert);
    }
}

/// Where a caret at UTF-16 offset `caret` in `old` (a textarea's `selectionStart`) belongs once
/// the text has become `new` through another device's edit: it stays next to the same
/// characters, moving right when the edit was before it.
pub fn map_caret(old: &str, new: &str, caret: u32) -> u32 {
    let Some(edit) = splice_between(old, new) else {
        return caret;
    };
    let byte = utf16_to_byte(old, caret as usize);
    let moved = if byte <= edit.pos {
        byte
    } else if byte >= edit.pos + edit.delete {
        byte - edit.delete + edit.insert.len()
    } else {
        // Inside text another device removed: after what replaced it.
        edit.pos + edit.insert.len()
    };
    new[..moved.min(new.len())].encode_utf16().count() as u32
}

/// The byte offset of UTF-16 offset `units` in `s` (clamped to the end, never mid-character).
fn utf16_to_byte(s: &str, units: usize) -> usize {
    let mut seen = 0;
    for (byte, c) in s.char_indices() {
        if seen >= units {
            return byte;
        }
        seen += c.len_utf16();
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;

    fn apply(old: &str, s: &Splice) -> String {
        let mut out = old.to_string();
        out.replace_range(s.pos..s.pos + s.delete, &s.insert);
        out
    }

    #[test]
    fn typing_in_the_middle_is_one_insert() {
        let s = splice_between("Visited the garden", "Visited the new garden").unwrap();
        assert_eq!(
            s,
            Splice {
                pos: 12,
                delete: 0,
                insert: "new ".into()
            }
        );
    }

    #[test]
    fn deleting_and_replacing_a_selection() {
        let s = splice_between("aaa bbb ccc", "aaa X ccc").unwrap();
        assert_eq!(apply("aaa bbb ccc", &s), "aaa X ccc");
        assert_eq!((s.pos, s.delete), (4, 3));
    }

    #[test]
    fn repeated_letters_do_not_overlap_prefix_and_suffix() {
        let s = splice_between("aa", "aaa").unwrap();
        assert_eq!(apply("aa", &s), "aaa");
        let s = splice_between("aaa", "a").unwrap();
        assert_eq!(apply("aaa", &s), "a");
    }

    #[test]
    fn positions_are_bytes_on_character_boundaries() {
        let s = splice_between("café ok", "café très ok").unwrap();
        assert_eq!(s.pos, 6);
        assert_eq!(apply("café ok", &s), "café très ok");
        let s = splice_between("👍🏽 yes", "👍🏽 no").unwrap();
        assert_eq!(apply("👍🏽 yes", &s), "👍🏽 no");
        // Two characters sharing a leading byte are not split.
        let s = splice_between("é", "è").unwrap();
        assert_eq!((s.pos, s.delete, s.insert.as_str()), (0, 2, "è"));
    }

    #[test]
    fn the_caret_stays_by_the_same_words_when_another_device_types() {
        // Typed before the caret: it moves right by what was typed.
        assert_eq!(map_caret("world", "hello world", 5), 11);
        // Typed after the caret: it stays.
        assert_eq!(map_caret("hello", "hello world", 2), 2);
        // UTF-16 offsets (as textareas count) around an emoji typed earlier.
        assert_eq!(map_caret("ab", "👍ab", 1), 3);
    }

    #[test]
    fn replacing_a_hydrated_text_writes_only_the_keystroke() {
        let mut doc =
            automerge::AutoCommit::new_with_encoding(automerge::TextEncoding::Utf8CodeUnit);
        let start = autosurgeon::Text::with_value("café garden");
        autosurgeon::reconcile_prop(&mut doc, automerge::ROOT, "t", &start).unwrap();
        doc.commit();
        let mut other = doc.fork();
        let mut text: autosurgeon::Text =
            autosurgeon::hydrate_prop(&doc, &automerge::ROOT, "t").unwrap();
        replace(&mut text, "café new garden");
        assert_eq!(text.as_str(), "café new garden");
        autosurgeon::reconcile_prop(&mut doc, automerge::ROOT, "t", &text).unwrap();
        doc.commit();
        // Another device's words at the end merge with the insert in the middle.
        let end = other.length(&other.get(automerge::ROOT, "t").unwrap().unwrap().1);
        let obj = other.get(automerge::ROOT, "t").unwrap().unwrap().1;
        other.splice_text(&obj, end, 0, " today").unwrap();
        doc.merge(&mut other).unwrap();
        let merged: autosurgeon::Text =
            autosurgeon::hydrate_prop(&doc, &automerge::ROOT, "t").unwrap();
        assert_eq!(merged.as_str(), "café new garden today");
    }

    #[test]
    fn equal_text_needs_no_splice() {
        assert_eq!(splice_between("same", "same"), None);
    }
}

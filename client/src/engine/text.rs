//! Turning "the textarea now says this" into one splice, so concurrent edits merge.
//!
//! Replacing a whole Automerge Text on each keypress would make two devices' edits conflict as a
//! whole; a splice at the point of change merges character by character. Positions are Unicode
//! code points, automerge's default text index.

/// One edit: at code point `pos`, delete `delete` code points and insert `insert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    /// Where the edit starts, in code points.
    pub pos: usize,
    /// How many code points to remove.
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
    let old_chars: Vec<char> = old.chars().collect();
    let new_chars: Vec<char> = new.chars().collect();
    let prefix = old_chars
        .iter()
        .zip(&new_chars)
        .take_while(|(a, b)| a == b)
        .count();
    let max_suffix = old_chars.len().min(new_chars.len()) - prefix;
    let suffix = old_chars
        .iter()
        .rev()
        .zip(new_chars.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    Some(Splice {
        pos: prefix,
        delete: old_chars.len() - prefix - suffix,
        insert: new_chars[prefix..new_chars.len() - suffix].iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(old: &str, s: &Splice) -> String {
        let chars: Vec<char> = old.chars().collect();
        let mut out: String = chars[..s.pos].iter().collect();
        out.push_str(&s.insert);
        out.extend(&chars[s.pos + s.delete..]);
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
    fn positions_count_code_points_not_bytes() {
        let s = splice_between("café ok", "café très ok").unwrap();
        assert_eq!(s.pos, 5);
        assert_eq!(apply("café ok", &s), "café très ok");
        let s = splice_between("👍🏽 yes", "👍🏽 no").unwrap();
        assert_eq!(apply("👍🏽 yes", &s), "👍🏽 no");
    }

    #[test]
    fn equal_text_needs_no_splice() {
        assert_eq!(splice_between("same", "same"), None);
    }
}

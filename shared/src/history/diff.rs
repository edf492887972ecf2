//! A readable word diff of two texts, for the record history's "before and after".
//!
//! Written here rather than taken from a crate: the client's wasm has a size budget, and the
//! history needs only this. The texts are cut into words and the spaces between them; the
//! common beginning and end are set aside (typing changes a few words in the middle of a
//! paragraph, so what is left is small), and the rest is compared with a longest common
//! subsequence table. The table is bounded ([`MAX_CELLS`]): beyond it the middle is shown as
//! all removed and all added, which is still true, only coarser.

use serde::{Deserialize, Serialize};

/// The largest comparison table built, in cells (2 bytes each): 2 MiB at most, for a middle
/// of about a thousand words on each side.
pub const MAX_CELLS: usize = 1 << 20;

/// What a piece of the diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    /// In both texts.
    Same,
    /// Only in the text before.
    Removed,
    /// Only in the text after.
    Added,
}

/// A run of text with the same [`Change`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// Whether the run was kept, removed or added.
    pub change: Change,
    /// The text of the run, spaces and line breaks included.
    pub text: String,
}

/// The word diff from `before` to `after`: segments that, read without the added ones, give
/// `before`, and without the removed ones, give `after`.
pub fn words(before: &str, after: &str) -> Vec<Segment> {
    let a = tokens(before);
    let b = tokens(after);
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut out = Out::default();
    for t in &a[..prefix] {
        out.push(Change::Same, t);
    }
    middle(
        &a[prefix..a.len() - suffix],
        &b[prefix..b.len() - suffix],
        &mut out,
    );
    for t in &a[a.len() - suffix..] {
        out.push(Change::Same, t);
    }
    out.0
}

/// Shortens long unchanged runs to their first and last `context` words around " … ", so a
/// change of one word in a long paragraph reads as that word with a little either side. The
/// first and last runs keep only the side next to a change.
pub fn with_context(segments: &[Segment], context: usize) -> Vec<Segment> {
    let last = segments.len().saturating_sub(1);
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if s.change != Change::Same || segments.len() == 1 {
                return s.clone();
            }
            let words: Vec<&str> = tokens(&s.text);
            let keep = 2 * context; // a word and the space after it
            if words.len() <= 2 * keep + 1 {
                return s.clone();
            }
            let head: String = words[..keep].concat();
            let tail: String = words[words.len() - keep..].concat();
            let text = match i {
                0 => format!("… {}", tail.trim_start()),
                i if i == last => format!("{} …", head.trim_end()),
                _ => format!("{} … {}", head.trim_end(), tail.trim_start()),
            };
            Segment {
                change: Change::Same,
                text,
            }
        })
        .collect()
}

/// Segments being built: neighbours of one kind are joined.
#[derive(Default)]
struct Out(Vec<Segment>);

impl Out {
    fn push(&mut self, change: Change, text: &str) {
        match self.0.last_mut() {
            Some(last) if last.change == change => last.text.push_str(text),
            _ => self.0.push(Segment {
                change,
                text: text.to_string(),
            }),
        }
    }
}

/// The differing middle: a longest common subsequence when the table is small enough, else
/// all of `a` removed and all of `b` added.
fn middle(a: &[&str], b: &[&str], out: &mut Out) {
    let cells = (a.len() + 1).saturating_mul(b.len() + 1);
    if a.is_empty() || b.is_empty() || cells > MAX_CELLS {
        for t in a {
            out.push(Change::Removed, t);
        }
        for t in b {
            out.push(Change::Added, t);
        }
        return;
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..]. Under MAX_CELLS either
    // side is at most about a thousand tokens long, so it fits in a u16.
    let width = b.len() + 1;
    let mut lcs = vec![0u16; cells];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * width + j] = if a[i] == b[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(Change::Same, a[i]);
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
            out.push(Change::Removed, a[i]);
            i += 1;
        } else {
            out.push(Change::Added, b[j]);
            j += 1;
        }
    }
    for t in &a[i..] {
        out.push(Change::Removed, t);
    }
    for t in &b[j..] {
        out.push(Change::Added, t);
    }
}

/// `s` cut into words, the runs of spaces (line breaks included) between them, and single
/// punctuation marks (so "clean." → "clean and tidy." is two words added, not one replaced),
/// such that the pieces joined give `s` back.
fn tokens(s: &str) -> Vec<&str> {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Word,
        Space,
        Mark,
    }
    let class = |c: char| {
        if c.is_alphanumeric() || c == '\'' || c == '’' {
            Class::Word
        } else if c.is_whitespace() {
            Class::Space
        } else {
            Class::Mark
        }
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut previous = None;
    for (i, c) in s.char_indices() {
        let now = class(c);
        if previous.is_some_and(|was| was != now || now == Class::Mark) {
            out.push(&s[start..i]);
            start = i;
        }
        previous = Some(now);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(segments: &[Segment], skip: Change) -> String {
        segments
            .iter()
            .filter(|s| s.change != skip)
            .map(|s| s.text.as_str())
            .collect()
    }

    fn marked(segments: &[Segment]) -> String {
        segments
            .iter()
            .map(|s| match s.change {
                Change::Same => s.text.clone(),
                Change::Removed => format!("[-{}-]", s.text),
                Change::Added => format!("{{+{}+}}", s.text),
            })
            .collect()
    }

    #[test]
    fn a_changed_word_in_a_sentence_is_shown_as_that_word_removed_and_added() {
        let d = words(
            "The kitchen was clean and tidy.",
            "The kitchen was dirty and tidy.",
        );
        assert_eq!(marked(&d), "The kitchen was [-clean-]{+dirty+} and tidy.");
    }

    #[test]
    fn either_side_can_be_read_back_from_the_diff() {
        let cases = [
            ("", "New words"),
            ("Old words", ""),
            ("one two three four", "zero one three five four six"),
            ("line one\nline two\n", "line one\nline 2\nline three\n"),
            ("  spaced   out  ", "spaced out"),
            ("same", "same"),
        ];
        for (before, after) in cases {
            let d = words(before, after);
            assert_eq!(side(&d, Change::Added), before, "{before:?} → {after:?}");
            assert_eq!(side(&d, Change::Removed), after, "{before:?} → {after:?}");
        }
    }

    #[test]
    fn words_moved_about_keep_the_longest_common_run() {
        let d = words("a b c d e", "a c d b e");
        assert_eq!(side(&d, Change::Added), "a b c d e");
        assert_eq!(side(&d, Change::Removed), "a c d b e");
        let kept: usize = d
            .iter()
            .filter(|s| s.change == Change::Same)
            .map(|s| s.text.split_whitespace().count())
            .sum();
        assert_eq!(kept, 4, "a, c, d and e are kept: {}", marked(&d));
    }

    #[test]
    fn a_middle_too_big_for_the_table_is_shown_whole_and_still_true() {
        let before: String = (0..1500).map(|i| format!("w{i} ")).collect();
        let after: String = (0..1500).map(|i| format!("v{i} ")).collect();
        let d = words(&before, &after);
        assert!(
            d.iter()
                .all(|s| s.change != Change::Same || s.text.trim().is_empty()),
            "all removed and all added, but for the spaces they share"
        );
        assert_eq!(side(&d, Change::Added), before);
        assert_eq!(side(&d, Change::Removed), after);
    }

    #[test]
    fn long_unchanged_runs_are_cut_down_to_the_words_around_a_change() {
        let before = "one two three four five six seven eight nine ten eleven twelve";
        let after = "one two three four five six SEVEN eight nine ten eleven twelve";
        let short = with_context(&words(before, after), 2);
        assert_eq!(marked(&short), "… five six [-seven-]{+SEVEN+} eight nine …");
    }
}

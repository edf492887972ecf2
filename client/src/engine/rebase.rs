//! Bringing an edit made on a view that had fallen behind this device's own last keystrokes
//! onto what the person was actually typing over: the view plus those keystrokes.
//!
//! A record editor emits the whole edited record, derived from the record it last rendered.
//! Two input events can arrive before the next render, so the second one is derived from the
//! same old record and repeats the first one's text. Writing both as edits of that old version
//! would insert the first keystrokes twice. Instead: the fields this edit changed (compared
//! with what the view showed) take the edited value, every other field keeps its value in
//! `current`, and automerge's diffing `update_object` turns the result into minimal operations
//! (text by a character diff). `Engine::write_record` passes the view plus this device's own
//! changes as `current` and merges the result, so another device's changes that arrived
//! meanwhile are merged rather than diffed away.

use std::collections::{BTreeSet, HashMap};

use automerge::hydrate::{List, Value};

/// Three-way: `base` is the document as the view showed it, `mine` the view's edited record
/// written at `base`, `current` what the edit lands on. The edit's changes win where it made
/// them; everything else keeps `current`.
pub fn rebase(base: &Value, mine: &Value, current: &Value) -> Value {
    if mine == base {
        return current.clone();
    }
    match (base, mine, current) {
        (Value::Map(b), Value::Map(m), Value::Map(c)) => {
            let keys: BTreeSet<&String> = b.keys().chain(m.keys()).chain(c.keys()).collect();
            let mut out: HashMap<String, Value> = HashMap::new();
            for key in keys {
                let merged = match (b.get(key), m.get(key), c.get(key)) {
                    // Untouched by this edit: whatever the document holds now.
                    (bv, mv, cv) if mv == bv => cv.cloned(),
                    // Removed by this edit.
                    (Some(_), None, _) => None,
                    // Added or changed by this edit.
                    (Some(bv), Some(mv), Some(cv)) => Some(rebase(bv, mv, cv)),
                    (_, Some(mv), _) => Some(mv.clone()),
                    (None, None, cv) => cv.cloned(),
                };
                if let Some(value) = merged {
                    out.insert(key.clone(), value);
                }
            }
            Value::Map(out.into())
        }
        (Value::List(b), Value::List(m), Value::List(c))
            if b.len() == m.len() && m.len() == c.len() =>
        {
            let items: Vec<Value> = values(b)
                .zip(values(m))
                .zip(values(c))
                .map(|((bv, mv), cv)| rebase(bv, mv, cv))
                .collect();
            Value::List(List::from(items))
        }
        // Text, scalars, and lists whose length the edit changed: the edited value.
        _ => mine.clone(),
    }
}

fn values(list: &List) -> impl Iterator<Item = &Value> {
    list.iter().map(|item| &item.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::TextEncoding;

    fn text(s: &str) -> Value {
        Value::text(TextEncoding::UnicodeCodePoint, s)
    }

    fn map(pairs: &[(&str, Value)]) -> Value {
        let m: HashMap<String, Value> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        Value::Map(m.into())
    }

    #[test]
    fn a_second_keystroke_from_a_stale_view_is_not_inserted_twice() {
        let base = map(&[("premises", text("a")), ("state", "draft".into())]);
        let current = map(&[("premises", text("ab")), ("state", "draft".into())]);
        let mine = map(&[("premises", text("abc")), ("state", "draft".into())]);
        assert_eq!(
            rebase(&base, &mine, &current),
            map(&[("premises", text("abc")), ("state", "draft".into())])
        );
    }

    #[test]
    fn fields_the_edit_did_not_touch_keep_their_current_value() {
        let base = map(&[
            ("body", text("")),
            ("attendees", Value::List(List::from(vec![]))),
        ]);
        let current = map(&[
            ("body", text("typed meanwhile")),
            ("attendees", Value::List(List::from(vec![]))),
        ]);
        let mine = map(&[
            ("body", text("")),
            (
                "attendees",
                Value::List(List::from(vec!["Deputy manager".into()])),
            ),
        ]);
        assert_eq!(
            rebase(&base, &mine, &current),
            map(&[
                ("body", text("typed meanwhile")),
                (
                    "attendees",
                    Value::List(List::from(vec!["Deputy manager".into()]))
                ),
            ])
        );
    }

    #[test]
    fn nested_list_items_merge_field_by_field() {
        let item = |t: &str, s: &str| map(&[("text", text(t)), ("status", s.into())]);
        let list = |items: Vec<Value>| Value::List(List::from(items));
        let base = map(&[("recommendations", list(vec![item("Fix", "open")]))]);
        let current = map(&[("recommendations", list(vec![item("Fix the", "open")]))]);
        let mine = map(&[("recommendations", list(vec![item("Fix", "done")]))]);
        assert_eq!(
            rebase(&base, &mine, &current),
            map(&[("recommendations", list(vec![item("Fix the", "done")]))])
        );
    }
}

//! A record's fields as readable text at any point of its history, whatever the record's kind:
//! one rendering for the history's before and after and for "the record as it was", so the
//! word diff compares what the reader sees.
//!
//! Read straight from the document at the given heads (`get_at`, `hydrate` at heads), not
//! through the typed model: a field a newer or older version wrote in another shape is still
//! shown, and nothing needs a fork of the document.

use std::collections::BTreeMap;

use automerge::{Automerge, ChangeHash, ROOT, ReadDoc, ScalarValue, Value, hydrate};

use crate::dates::long_date;
use crate::model::WorkflowState;

/// Names for the user ids a record's values hold (visiting members, who signed off), as the
/// reader may see them; an id without a name is shown as it is.
pub type Names = BTreeMap<String, String>;

/// One field of the record as it was at some heads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldValue {
    /// The document's key.
    pub key: String,
    /// The field's name as the screens call it.
    pub label: String,
    /// The value as readable text ([`field_at`]).
    pub text: String,
}

/// Every shown field of the record as it was at `heads`, in key order.
pub fn fields_at(doc: &Automerge, heads: &[ChangeHash], people: &Names) -> Vec<FieldValue> {
    doc.keys_at(ROOT, heads)
        .filter(|key| super::shown(key))
        .map(|key| FieldValue {
            label: label(&key).to_string(),
            text: field_at(doc, &key, heads, people),
            key,
        })
        .collect()
}

/// The root field `key` as readable text at `heads`: a text or string as it is (a date as
/// "3 November 2026"), yes/no, a list one item a line, a map one `name: value` a line; empty
/// when the field is absent.
pub fn field_at(doc: &Automerge, key: &str, heads: &[ChangeHash], people: &Names) -> String {
    let Ok(Some((value, id))) = doc.get_at(ROOT, key, heads) else {
        return String::new();
    };
    let value = match value {
        Value::Scalar(s) => hydrate::Value::Scalar(s.into_owned()),
        Value::Object(_) => match ReadDoc::hydrate(doc, &id, Some(heads)) {
            Ok(v) => v,
            Err(_) => return String::new(),
        },
    };
    if key == "state"
        && let Some(state) = as_str(&value).as_deref().and_then(WorkflowState::parse)
    {
        return crate::labels::state(state).to_string();
    }
    match &value {
        hydrate::Value::List(list) => list
            .iter()
            .map(|item| inline(&item.value, people))
            .collect::<Vec<_>>()
            .join("\n"),
        hydrate::Value::Map(map) => pairs(map, people).join("\n"),
        other => inline(other, people),
    }
}

/// The screens' name for a root field; the key in words for one this table lacks.
pub fn label(key: &str) -> &str {
    match key {
        "visitDate" => "Date of visit",
        "attendees" => "Who attended",
        "body" => "Notes",
        "actions" => "Actions",
        "state" => "Status",
        "timeIn" => "Time in",
        "timeOut" => "Time out",
        "announced" => "Announced",
        "visitingMembers" => "Visiting members",
        "spokeWith" => "Who the members spoke with",
        "recordsChecked" => "Records checked",
        "premises" => "Premises",
        "childrenViews" => "Children's views",
        "safeguardingOpinion" => "Safeguarding",
        "wellbeingOpinion" => "Wellbeing",
        "recommendations" => "Recommendations",
        "previousRecommendations" => "Previous recommendations",
        "signOff" => "Sign-off",
        "title" => "Title",
        "purpose" => "Purpose",
        "audience" => "Who it is for",
        "questions" => "Questions",
        "roundLabel" => "Round",
        "youSaidWeDid" => "You said, we did",
        "answers" => "Answers",
        "ageBand" => "Age band",
        "anonymous" => "Anonymous",
        "consentGiven" => "Consent given",
        "talkToSomeone" => "Asked to talk to someone",
        "submittedAt" => "Handed in",
        "followUp" => "Follow-up",
        other => other,
    }
}

/// A value inside a field on one line: lists joined with commas, maps as `name: value` pairs
/// joined with semicolons.
fn inline(value: &hydrate::Value, people: &Names) -> String {
    match value {
        hydrate::Value::Scalar(s) => scalar(s, people),
        hydrate::Value::Text(t) => t.to_string(),
        hydrate::Value::List(list) => list
            .iter()
            .map(|item| inline(&item.value, people))
            .collect::<Vec<_>>()
            .join(", "),
        hydrate::Value::Map(map) => pairs(map, people).join("; "),
    }
}

fn scalar(s: &ScalarValue, people: &Names) -> String {
    match s {
        ScalarValue::Str(s) => match (people.get(s.as_str()), code_label(s)) {
            (Some(name), _) => name.clone(),
            (None, Some(label)) => label.to_string(),
            (None, None) => long_date(s),
        },
        ScalarValue::Boolean(true) => "Yes".into(),
        ScalarValue::Boolean(false) => "No".into(),
        ScalarValue::Int(n) => n.to_string(),
        ScalarValue::Uint(n) => n.to_string(),
        ScalarValue::F64(n) => n.to_string(),
        ScalarValue::Null => String::new(),
        _ => String::new(),
    }
}

/// A stored code (a records area, an outcome, an opinion, a priority, a recommendation's status,
/// an age band) in the screens' words.
fn code_label(s: &str) -> Option<&'static str> {
    use crate::labels;
    use crate::model::{
        AgeBand, CheckArea, CheckOutcome, OpinionChoice, Priority, RecommendationStatus,
    };
    CheckArea::parse(s)
        .map(labels::area)
        .or_else(|| CheckOutcome::parse(s).map(labels::outcome))
        .or_else(|| OpinionChoice::parse(s).map(labels::opinion))
        .or_else(|| Priority::parse(s).map(labels::priority))
        .or_else(|| RecommendationStatus::parse(s).map(labels::status))
        .or_else(|| AgeBand::parse(s).map(labels::age_band))
}

fn as_str(value: &hydrate::Value) -> Option<String> {
    match value {
        hydrate::Value::Scalar(ScalarValue::Str(s)) => Some(s.to_string()),
        hydrate::Value::Text(t) => Some(t.to_string()),
        _ => None,
    }
}

/// A map's entries as `name: value` in key order (Automerge's hydrated map is unordered),
/// empty values left out.
fn pairs(map: &hydrate::Map, people: &Names) -> Vec<String> {
    let mut entries: Vec<(&str, String)> = map
        .iter()
        .map(|(k, v)| (k.as_str(), inline(&v.value, people)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    entries
        .into_iter()
        .map(|(k, v)| format!("{}: {v}", words(k)))
        .collect()
}

/// A camelCase key in lower-case words: `dueDate` → "due date".
fn words(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

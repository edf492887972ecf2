//! A consultation: a short form a participation worker builds for young people to answer on a
//! shared tablet.

use autosurgeon::{Hydrate, Reconcile, Text};

use super::field::{self, string_enum};
use super::{SCHEMA_VERSION, WorkflowState};
use crate::ids::DocumentId;

/// A document id as a bare id string, whether given bare or as an `automerge:` URL; anything
/// that is not an id is kept as it is.
pub(crate) fn bare_document_id(id: &str) -> String {
    DocumentId::from_url(id).map_or_else(|_| id.to_string(), |d| d.to_string())
}

/// A consultation form. `draft` while being built, `open` while taking answers, then `closed`.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Consultation {
    /// Always [`SCHEMA_VERSION`] for documents this code writes.
    #[autosurgeon(
        rename = "schemaVersion",
        hydrate = "field::uint",
        reconcile = "field::uint_as_int"
    )]
    pub schema_version: u64,
    /// The participation worker who created it; never changes.
    #[autosurgeon(rename = "createdBy", hydrate = "field::string")]
    pub created_by: String,
    /// When it was first created, unix milliseconds; never changes.
    #[autosurgeon(rename = "createdAt", hydrate = "field::int")]
    pub created_at: i64,
    /// draft ↔ open → closed.
    #[autosurgeon(hydrate = "field::nested")]
    pub state: WorkflowState,
    /// Shown to young people and in lists (so: no child's details).
    #[autosurgeon(hydrate = "field::string")]
    pub title: String,
    /// Why we are asking, in words for the audience.
    #[autosurgeon(hydrate = "field::text")]
    pub purpose: Text,
    /// Which young people it is written for.
    #[autosurgeon(hydrate = "field::nested")]
    pub audience: Audience,
    /// The questions, in order.
    #[autosurgeon(hydrate = "field::list")]
    pub questions: Vec<Question>,
    /// For a later round of a consultation run again: the first round's document id (bare, not
    /// a URL). Absent on the first round. Rounds with the same series are compared side by side.
    #[autosurgeon(
        rename = "seriesId",
        hydrate = "field::opt_string",
        missing = "Option::default"
    )]
    pub series_id: Option<String>,
    /// What tells this round apart from the others in its series, e.g. "Spring 2026".
    #[autosurgeon(
        rename = "roundLabel",
        hydrate = "field::opt_string",
        missing = "Option::default"
    )]
    pub round_label: Option<String>,
    /// What young people said and what was done about it, written by the participation worker
    /// for the Panel summary. Missing in older documents, read as empty.
    #[autosurgeon(rename = "youSaidWeDid", hydrate = "field::list", missing = "Vec::new")]
    pub you_said_we_did: Vec<YouSaidWeDid>,
}

/// One "You said, we did" entry. `id` is the list key, so entries added on two devices merge.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct YouSaidWeDid {
    /// Unique within the consultation; never shown.
    #[key]
    #[autosurgeon(hydrate = "field::string")]
    pub id: String,
    /// What young people told us, in the worker's words (never a quotation that identifies).
    #[autosurgeon(rename = "youSaid", hydrate = "field::text")]
    pub you_said: Text,
    /// What was done about it.
    #[autosurgeon(rename = "weDid", hydrate = "field::text")]
    pub we_did: Text,
}

impl YouSaidWeDid {
    /// An entry with the given id and words.
    pub fn new(id: &str, you_said: &str, we_did: &str) -> YouSaidWeDid {
        YouSaidWeDid {
            id: id.to_string(),
            you_said: Text::with_value(you_said),
            we_did: Text::with_value(we_did),
        }
    }
}

/// A published figure to set beside our result for a question, e.g. the national survey's.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct Comparison {
    /// Where the figure comes from, e.g. "Bright Spots national survey 2025".
    #[autosurgeon(hydrate = "field::string")]
    pub source: String,
    /// The answer value the figure is for: "yes", a scale value such as "5", or an option text.
    #[autosurgeon(hydrate = "field::string")]
    pub option: String,
    /// The published percentage choosing `option`, 0 to 100.
    #[autosurgeon(hydrate = "field::uint32", reconcile = "field::uint32_as_int")]
    pub percent: u32,
}

string_enum! {
    /// The age band a consultation is written for.
    pub enum Audience {
        /// Ages 8 to 12.
        Ages8To12 = "8-12",
        /// Ages 13 to 15.
        Ages13To15 = "13-15",
        /// Ages 16 to 18.
        Ages16To18 = "16-18",
        /// Everyone.
        All = "all",
    }
}

string_enum! {
    /// A young person's own age band, optionally given with a response.
    pub enum AgeBand {
        /// Ages 8 to 12.
        Ages8To12 = "8-12",
        /// Ages 13 to 15.
        Ages13To15 = "13-15",
        /// Ages 16 to 18.
        Ages16To18 = "16-18",
    }
}

string_enum! {
    /// How a question is answered; decides which field of an answer carries the value.
    pub enum QuestionType {
        /// Five faces, answered with `scale` 1 (saddest) to 5 (happiest).
        EmojiScale = "emojiScale",
        /// Answered with `choice` "yes", "no" or "notSure".
        YesNoNotSure = "yesNoNotSure",
        /// Answered with `choice`: one of the question's options.
        SingleChoice = "singleChoice",
        /// Answered with `choices`: any of the question's options.
        MultipleChoice = "multipleChoice",
        /// Answered with `text`.
        FreeText = "freeText",
    }
}

/// One question. `id` is the list key and what answers refer to, so it never changes.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Question {
    /// Unique within the consultation; answers point at it.
    #[key]
    #[autosurgeon(hydrate = "field::string")]
    pub id: String,
    /// How it is answered (stored as `type`).
    #[autosurgeon(rename = "type", hydrate = "field::nested")]
    pub question_type: QuestionType,
    /// The question as shown.
    #[autosurgeon(hydrate = "field::string")]
    pub prompt: String,
    /// The options for `singleChoice`/`multipleChoice`; empty for other types.
    #[autosurgeon(hydrate = "field::string_list")]
    pub options: Vec<String>,
    /// The Pledge promise this question measures (e.g. "We will listen to you"); results group
    /// by it. Absent: not tagged.
    #[autosurgeon(hydrate = "field::opt_string", missing = "Option::default")]
    pub pledge: Option<String>,
    /// A published figure to show beside ours; absent: none.
    #[autosurgeon(hydrate = "field::opt_nested", missing = "Option::default")]
    pub comparison: Option<Comparison>,
}

impl Question {
    /// A question with no options (add them for the choice types).
    pub fn new(id: &str, question_type: QuestionType, prompt: &str) -> Question {
        Question {
            id: id.to_string(),
            question_type,
            prompt: prompt.to_string(),
            options: Vec::new(),
            pledge: None,
            comparison: None,
        }
    }
}

impl Consultation {
    /// A new draft consultation by `created_by`, for everyone, with no questions yet.
    pub fn new(created_by: &str, title: &str, created_at_ms: i64) -> Consultation {
        Consultation {
            schema_version: SCHEMA_VERSION,
            created_by: created_by.to_string(),
            created_at: created_at_ms,
            state: WorkflowState::Draft,
            title: title.to_string(),
            purpose: Text::with_value(""),
            audience: Audience::All,
            questions: Vec::new(),
            series_id: None,
            round_label: None,
            you_said_we_did: Vec::new(),
        }
    }

    /// The next round of this consultation, to run the same questions again (e.g. in autumn
    /// after spring): same title, purpose, audience and questions (same ids, so rounds compare
    /// question by question), a draft, no round label and no "You said, we did" yet.
    ///
    /// `source_id` is this consultation's document id; the new round's `seriesId` is this
    /// round's own `seriesId` if it has one (all rounds point at the first), else `source_id`.
    /// `createdBy` and `createdAt` are copied: the caller sets them to whoever creates the new
    /// round and when, as for any new record.
    pub fn new_round(&self, source_id: &str) -> Consultation {
        let series = self
            .series_id
            .clone()
            .unwrap_or_else(|| bare_document_id(source_id));
        Consultation {
            state: WorkflowState::Draft,
            series_id: Some(series),
            round_label: None,
            you_said_we_did: Vec::new(),
            // A fresh Text: one hydrated from this round's document remembers that document's
            // heads, and writing it into the new round's document would fail as stale.
            purpose: Text::with_value(self.purpose.as_str()),
            ..self.clone()
        }
    }

    /// The document id of the series this consultation belongs to: its `seriesId`, or for a
    /// first round its own id (`own_id`), bare.
    pub fn series_of(&self, own_id: &str) -> String {
        self.series_id
            .clone()
            .unwrap_or_else(|| bare_document_id(own_id))
    }

    /// The question with this id, if any.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

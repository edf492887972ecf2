//! A consultation: a short form a participation worker builds for young people to answer on a
//! shared tablet.

use autosurgeon::{Hydrate, Reconcile, Text};

use super::field::{self, string_enum};
use super::{SCHEMA_VERSION, WorkflowState};

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
}

impl Question {
    /// A question with no options (add them for the choice types).
    pub fn new(id: &str, question_type: QuestionType, prompt: &str) -> Question {
        Question {
            id: id.to_string(),
            question_type,
            prompt: prompt.to_string(),
            options: Vec::new(),
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
        }
    }

    /// The question with this id, if any.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

//! One young person's answers to a consultation.
//!
//! Written on a shared tablet: the young person can write it but never read it back once it
//! leaves the tablet (see [`crate::permissions`]); a participation worker reads it and records
//! any follow-up.

use autosurgeon::{Hydrate, Reconcile, Text};

use super::consultation::AgeBand;
use super::{SCHEMA_VERSION, WorkflowState, field};

/// A response to a consultation: `draft` while being filled in, `submitted`, then `closed` by a
/// participation worker.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct ConsultationResponse {
    /// Always [`SCHEMA_VERSION`] for documents this code writes.
    #[autosurgeon(
        rename = "schemaVersion",
        hydrate = "field::uint",
        reconcile = "field::uint_as_int"
    )]
    pub schema_version: u64,
    /// The consultation's document id; never changes.
    #[autosurgeon(rename = "consultationId", hydrate = "field::string")]
    pub consultation_id: String,
    /// The (kiosk) account that created it; never changes.
    #[autosurgeon(rename = "createdBy", hydrate = "field::string")]
    pub created_by: String,
    /// When it was first created, unix milliseconds; never changes.
    #[autosurgeon(rename = "createdAt", hydrate = "field::int")]
    pub created_at: i64,
    /// draft → submitted → closed.
    #[autosurgeon(hydrate = "field::nested")]
    pub state: WorkflowState,
    /// The answers given, at most one per question.
    #[autosurgeon(hydrate = "field::list")]
    pub answers: Vec<Answer>,
    /// The young person's age band, if they chose to give it.
    #[autosurgeon(
        rename = "ageBand",
        hydrate = "field::opt_nested",
        missing = "Option::default"
    )]
    pub age_band: Option<AgeBand>,
    /// The home the tablet is at, if recorded; never changes after creation.
    #[autosurgeon(
        rename = "homeId",
        hydrate = "field::opt_string",
        missing = "Option::default"
    )]
    pub home_id: Option<String>,
    /// Whether the young person asked for their answers not to be linked to them.
    #[autosurgeon(hydrate = "field::boolean")]
    pub anonymous: bool,
    /// Whether they agreed to their answers being used; required to submit.
    #[autosurgeon(rename = "consentGiven", hydrate = "field::boolean")]
    pub consent_given: bool,
    /// Whether they asked to talk to someone: a participation worker must follow up.
    #[autosurgeon(rename = "talkToSomeone", hydrate = "field::boolean")]
    pub talk_to_someone: bool,
    /// When it was submitted, unix milliseconds; `null` while a draft.
    #[autosurgeon(
        rename = "submittedAt",
        hydrate = "field::opt_int",
        missing = "Option::default"
    )]
    pub submitted_at: Option<i64>,
    /// The participation worker's follow-up; `null` until they record one.
    #[autosurgeon(
        rename = "followUp",
        hydrate = "field::opt_nested",
        missing = "Option::default"
    )]
    pub follow_up: Option<FollowUp>,
}

/// One answer. Exactly one of `scale`, `choice`, `choices`, `text` is set (none: skipped);
/// which one depends on the question's type (see [`super::consultation::QuestionType`]).
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Answer {
    /// The question's id; unique within the response.
    #[key]
    #[autosurgeon(rename = "questionId", hydrate = "field::string")]
    pub question_id: String,
    /// `emojiScale`: 1 (saddest) to 5 (happiest).
    #[autosurgeon(hydrate = "field::opt_int", missing = "Option::default")]
    pub scale: Option<i64>,
    /// `yesNoNotSure`: "yes" | "no" | "notSure"; `singleChoice`: the chosen option.
    #[autosurgeon(hydrate = "field::opt_string", missing = "Option::default")]
    pub choice: Option<String>,
    /// `multipleChoice`: the chosen options.
    #[autosurgeon(hydrate = "field::opt_string_list", missing = "Option::default")]
    pub choices: Option<Vec<String>>,
    /// `freeText`: what they wrote.
    #[autosurgeon(hydrate = "field::opt_text", missing = "Option::default")]
    pub text: Option<Text>,
}

impl Answer {
    /// An answer on the emoji scale (1–5).
    pub fn scale(question_id: &str, value: i64) -> Answer {
        Answer {
            question_id: question_id.to_string(),
            scale: Some(value),
            ..Answer::default()
        }
    }

    /// A single choice: "yes"/"no"/"notSure", or one option of a `singleChoice` question.
    pub fn choice(question_id: &str, value: &str) -> Answer {
        Answer {
            question_id: question_id.to_string(),
            choice: Some(value.to_string()),
            ..Answer::default()
        }
    }

    /// Several options of a `multipleChoice` question.
    pub fn choices(question_id: &str, values: &[&str]) -> Answer {
        Answer {
            question_id: question_id.to_string(),
            choices: Some(values.iter().map(|v| v.to_string()).collect()),
            ..Answer::default()
        }
    }

    /// A free-text answer.
    pub fn text(question_id: &str, value: &str) -> Answer {
        Answer {
            question_id: question_id.to_string(),
            text: Some(Text::with_value(value)),
            ..Answer::default()
        }
    }

    /// How many of the value fields are set (a valid answer has at most one).
    pub fn values_set(&self) -> usize {
        usize::from(self.scale.is_some())
            + usize::from(self.choice.is_some())
            + usize::from(self.choices.is_some())
            + usize::from(self.text.is_some())
    }
}

/// The participation worker's follow-up on a response (e.g. after "talk to someone").
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct FollowUp {
    /// Whether the follow-up is complete.
    #[autosurgeon(hydrate = "field::boolean")]
    pub done: bool,
    /// The participation worker's user id (must be whoever last wrote it).
    #[autosurgeon(hydrate = "field::string")]
    pub by: String,
    /// When, unix milliseconds.
    #[autosurgeon(hydrate = "field::int")]
    pub at: i64,
    /// What was done (never shown to young people).
    #[autosurgeon(hydrate = "field::text")]
    pub note: Text,
}

impl ConsultationResponse {
    /// A new, empty draft response by `created_by` to the consultation `consultation_id`.
    pub fn new(
        created_by: &str,
        consultation_id: &str,
        created_at_ms: i64,
    ) -> ConsultationResponse {
        ConsultationResponse {
            schema_version: SCHEMA_VERSION,
            consultation_id: consultation_id.to_string(),
            created_by: created_by.to_string(),
            created_at: created_at_ms,
            state: WorkflowState::Draft,
            answers: Vec::new(),
            age_band: None,
            home_id: None,
            anonymous: false,
            consent_given: false,
            talk_to_someone: false,
            submitted_at: None,
            follow_up: None,
        }
    }
}

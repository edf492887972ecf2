//! An elected member's own notes from a visit to a children's home.

use autosurgeon::{Hydrate, Reconcile, Text};

use super::{SCHEMA_VERSION, WorkflowState, date_from_unix_ms, field};

/// A member's visit note: who attended, what they saw, what they will follow up.
///
/// Private to its author (and readable by officers); `body` is collaborative Text so edits made
/// offline on two devices merge character by character.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct VisitNote {
    /// Always [`SCHEMA_VERSION`] for documents this code writes.
    #[autosurgeon(
        rename = "schemaVersion",
        hydrate = "field::uint",
        reconcile = "field::uint_as_int"
    )]
    pub schema_version: u64,
    /// The children's home visited.
    #[autosurgeon(rename = "homeId", hydrate = "field::string")]
    pub home_id: String,
    /// The author's user id; never changes after creation.
    #[autosurgeon(rename = "createdBy", hydrate = "field::string")]
    pub created_by: String,
    /// When the note was first created, unix milliseconds; never changes.
    #[autosurgeon(rename = "createdAt", hydrate = "field::int")]
    pub created_at: i64,
    /// `draft` while being written, `closed` once the author has finished with it.
    #[autosurgeon(hydrate = "field::nested")]
    pub state: WorkflowState,
    /// The day of the visit, `YYYY-MM-DD`.
    #[autosurgeon(rename = "visitDate", hydrate = "field::string")]
    pub visit_date: String,
    /// Who attended (free-form short entries, e.g. "Cllr Test Member", "Deputy manager").
    #[autosurgeon(hydrate = "field::string_list")]
    pub attendees: Vec<String>,
    /// The notes themselves.
    #[autosurgeon(hydrate = "field::text")]
    pub body: Text,
    /// Things to follow up after the visit.
    #[autosurgeon(hydrate = "field::list")]
    pub actions: Vec<VisitAction>,
}

/// One follow-up from a visit.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct VisitAction {
    /// What is to be done (one line).
    #[autosurgeon(hydrate = "field::string")]
    pub text: String,
    /// Who will do it (a name or role, as the member wrote it).
    #[autosurgeon(hydrate = "field::string")]
    pub owner: String,
    /// When it is due, `YYYY-MM-DD`, or empty for no date.
    #[autosurgeon(rename = "dueDate", hydrate = "field::string")]
    pub due_date: String,
    /// Whether it has been done.
    #[autosurgeon(hydrate = "field::boolean")]
    pub done: bool,
}

impl VisitNote {
    /// A new, empty draft note by `created_by` for `home_id`, dated the (UTC) day of `created_at_ms`.
    pub fn new(created_by: &str, home_id: &str, created_at_ms: i64) -> VisitNote {
        VisitNote {
            schema_version: SCHEMA_VERSION,
            home_id: home_id.to_string(),
            created_by: created_by.to_string(),
            created_at: created_at_ms,
            state: WorkflowState::Draft,
            visit_date: date_from_unix_ms(created_at_ms),
            attendees: Vec::new(),
            body: Text::with_value(""),
            actions: Vec::new(),
        }
    }
}

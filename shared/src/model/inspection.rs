//! The Regulation 33 monthly inspection record (Children's Homes (England) Regulations 2015).
//!
//! Members write it together while `draft`, its creator signs it off, the home's manager responds
//! to the recommendations. Every paragraph is collaborative Text so concurrent edits merge.

use autosurgeon::{Hydrate, Reconcile, Text};

use super::field::{self, string_enum};
use super::{SCHEMA_VERSION, WorkflowState, date_from_unix_ms};

/// A Regulation 33 inspection record for one visit to one home.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Inspection {
    /// Always [`SCHEMA_VERSION`] for documents this code writes.
    #[autosurgeon(
        rename = "schemaVersion",
        hydrate = "field::uint",
        reconcile = "field::uint_as_int"
    )]
    pub schema_version: u64,
    /// The children's home inspected; never changes after creation.
    #[autosurgeon(rename = "homeId", hydrate = "field::string")]
    pub home_id: String,
    /// The member who started the record; never changes after creation.
    #[autosurgeon(rename = "createdBy", hydrate = "field::string")]
    pub created_by: String,
    /// When the record was first created, unix milliseconds; never changes.
    #[autosurgeon(rename = "createdAt", hydrate = "field::int")]
    pub created_at: i64,
    /// draft → submitted → signedOff → responded → closed.
    #[autosurgeon(hydrate = "field::nested")]
    pub state: WorkflowState,
    /// The day of the visit, `YYYY-MM-DD`.
    #[autosurgeon(rename = "visitDate", hydrate = "field::string")]
    pub visit_date: String,
    /// Arrival time, `HH:MM` (24-hour), or empty while a draft.
    #[autosurgeon(rename = "timeIn", hydrate = "field::string")]
    pub time_in: String,
    /// Departure time, `HH:MM` (24-hour), or empty while a draft.
    #[autosurgeon(rename = "timeOut", hydrate = "field::string")]
    pub time_out: String,
    /// Whether the home knew about the visit in advance.
    #[autosurgeon(hydrate = "field::boolean")]
    pub announced: bool,
    /// User ids of the members who visited.
    #[autosurgeon(rename = "visitingMembers", hydrate = "field::string_list")]
    pub visiting_members: Vec<String>,
    /// Who the members spoke with.
    #[autosurgeon(rename = "spokeWith", hydrate = "field::nested")]
    pub spoke_with: SpokeWith,
    /// The home's records the members looked at, one entry per area.
    #[autosurgeon(rename = "recordsChecked", hydrate = "field::list")]
    pub records_checked: Vec<RecordCheck>,
    /// Observations on the premises.
    #[autosurgeon(hydrate = "field::text")]
    pub premises: Text,
    /// The children's views, as the members heard them (no names: initials only elsewhere).
    #[autosurgeon(rename = "childrenViews", hydrate = "field::text")]
    pub children_views: Text,
    /// Are children effectively safeguarded?
    #[autosurgeon(rename = "safeguardingOpinion", hydrate = "field::nested")]
    pub safeguarding_opinion: Opinion,
    /// Does the home's conduct promote children's wellbeing?
    #[autosurgeon(rename = "wellbeingOpinion", hydrate = "field::nested")]
    pub wellbeing_opinion: Opinion,
    /// What the members recommend, each with the manager's response.
    #[autosurgeon(hydrate = "field::list")]
    pub recommendations: Vec<Recommendation>,
    /// Progress on the recommendations of earlier visits.
    #[autosurgeon(rename = "previousRecommendations", hydrate = "field::list")]
    pub previous_recommendations: Vec<PreviousRecommendation>,
    /// Set when the creator signs the record off; `null` before.
    #[autosurgeon(
        rename = "signOff",
        hydrate = "field::opt_nested",
        missing = "Option::default"
    )]
    pub sign_off: Option<SignOff>,
}

/// Who the visiting members spoke with.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct SpokeWith {
    /// Children spoken with: a count, and initials only for those who agreed to be recorded.
    #[autosurgeon(hydrate = "field::nested")]
    pub children: ChildrenSpokenWith,
    /// Staff spoken with, by role (e.g. "Registered manager"), never by name.
    #[autosurgeon(hydrate = "field::string_list")]
    pub staff: Vec<String>,
    /// Parents or relatives spoken with, by relationship (e.g. "Parent"), never by name.
    #[autosurgeon(rename = "parentsRelatives", hydrate = "field::string_list")]
    pub parents_relatives: Vec<String>,
}

/// The children spoken with. `count` may exceed `entries` (not every child is recorded).
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct ChildrenSpokenWith {
    /// How many children the members spoke with.
    #[autosurgeon(hydrate = "field::uint", reconcile = "field::uint_as_int")]
    pub count: u64,
    /// One entry per recorded child.
    #[autosurgeon(hydrate = "field::list")]
    pub entries: Vec<ChildSpokenWith>,
}

/// One child spoken with: initials (1–3 capital letters) and whether they consented to their
/// views being recorded. Never a name.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct ChildSpokenWith {
    /// 1–3 capital letters A–Z, e.g. "AB".
    #[autosurgeon(hydrate = "field::string")]
    pub initials: String,
    /// Whether the child agreed to their views being recorded.
    #[autosurgeon(hydrate = "field::boolean")]
    pub consent: bool,
}

string_enum! {
    /// An area of the home's records that Regulation 33 visitors check.
    pub enum CheckArea {
        /// The complaints log.
        Complaints = "complaints",
        /// Records of restraint and sanctions.
        RestraintAndSanctions = "restraintAndSanctions",
        /// Episodes of children missing from care.
        MissingFromCare = "missingFromCare",
        /// Incidents and Regulation 40 notifications.
        IncidentsAndNotifications = "incidentsAndNotifications",
        /// Medication records.
        Medication = "medication",
        /// Daily logs.
        DailyLogs = "dailyLogs",
        /// The staff rota.
        StaffRota = "staffRota",
        /// Fire safety checks.
        FireSafety = "fireSafety",
        /// Education and health records.
        EducationAndHealth = "educationAndHealth",
    }
}

string_enum! {
    /// What the members found when checking one area of records.
    pub enum CheckOutcome {
        /// Nothing of concern.
        Satisfactory = "satisfactory",
        /// Something the home must look at (say what in the comment).
        Concern = "concern",
        /// Not looked at on this visit.
        NotSeen = "notSeen",
    }
}

/// The outcome of checking one area of the home's records.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct RecordCheck {
    /// Which records.
    #[autosurgeon(hydrate = "field::nested")]
    pub area: CheckArea,
    /// What was found.
    #[autosurgeon(hydrate = "field::nested")]
    pub outcome: CheckOutcome,
    /// Detail, especially for a concern.
    #[autosurgeon(hydrate = "field::text")]
    pub comment: Text,
}

string_enum! {
    /// The members' overall judgement on safeguarding or on wellbeing.
    pub enum OpinionChoice {
        /// Children are effectively safeguarded / their wellbeing is promoted.
        Effective = "effective",
        /// Broadly so, but with things to improve.
        RequiresImprovement = "requiresImprovement",
        /// Not so: a serious concern to escalate.
        Ineffective = "ineffective",
        /// The members could not form a view on this visit.
        NotAssessed = "notAssessed",
    }
}

/// A judgement with the reasons for it.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Opinion {
    /// The judgement.
    #[autosurgeon(hydrate = "field::nested")]
    pub choice: OpinionChoice,
    /// Why.
    #[autosurgeon(hydrate = "field::text")]
    pub text: Text,
}

impl Default for Opinion {
    fn default() -> Self {
        Opinion {
            choice: OpinionChoice::NotAssessed,
            text: Text::with_value(""),
        }
    }
}

string_enum! {
    /// How urgent a recommendation is.
    pub enum Priority {
        /// Act now.
        High = "high",
        /// Act within the month.
        Medium = "medium",
        /// Act when possible.
        Low = "low",
    }
}

string_enum! {
    /// Where the home is with a recommendation; set by the home's manager.
    pub enum RecommendationStatus {
        /// Not yet responded to.
        Open = "open",
        /// The manager accepts it.
        Accepted = "accepted",
        /// Work has started.
        InProgress = "inProgress",
        /// Done.
        Done = "done",
        /// The manager declines it (say why in the response).
        Declined = "declined",
    }
}

/// One recommendation and the manager's response to it.
///
/// `id` is the list key: concurrent insertions on two devices merge as two recommendations
/// instead of one overwriting the other.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Recommendation {
    /// Unique within the record (e.g. a random id); never shown.
    #[key]
    #[autosurgeon(hydrate = "field::string")]
    pub id: String,
    /// The recommendation.
    #[autosurgeon(hydrate = "field::text")]
    pub text: Text,
    /// How urgent it is.
    #[autosurgeon(hydrate = "field::nested")]
    pub priority: Priority,
    /// The home manager's response; the only text a manager may write.
    #[autosurgeon(rename = "managerResponse", hydrate = "field::text")]
    pub manager_response: Text,
    /// Where the home is with it; set by the manager.
    #[autosurgeon(hydrate = "field::nested")]
    pub status: RecommendationStatus,
    /// The timescale: the day by which the home should have acted, `YYYY-MM-DD`; absent for
    /// none. Written by the members like the text; the overview counts recommendations past it.
    #[autosurgeon(
        rename = "dueBy",
        hydrate = "field::opt_string",
        missing = "Option::default"
    )]
    pub due_by: Option<String>,
}

impl Recommendation {
    /// A new open recommendation with an empty manager response.
    pub fn new(id: &str, text: &str, priority: Priority) -> Recommendation {
        Recommendation {
            id: id.to_string(),
            text: Text::with_value(text),
            priority,
            manager_response: Text::with_value(""),
            status: RecommendationStatus::Open,
            due_by: None,
        }
    }
}

/// A recommendation from an earlier visit and the progress the members saw on it.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct PreviousRecommendation {
    /// The earlier recommendation, as it was written.
    #[autosurgeon(hydrate = "field::text")]
    pub text: Text,
    /// What the members found has been done about it.
    #[autosurgeon(hydrate = "field::text")]
    pub progress: Text,
}

/// Who signed the record off and when.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct SignOff {
    /// The signing member's user id (must be the record's creator).
    #[autosurgeon(hydrate = "field::string")]
    pub by: String,
    /// When, unix milliseconds.
    #[autosurgeon(hydrate = "field::int")]
    pub at: i64,
}

impl Inspection {
    /// A new draft by `created_by` for `home_id`: dated the (UTC) day of `created_at_ms`, the
    /// creator as the visiting member, all nine record areas `notSeen`, opinions `notAssessed`.
    pub fn new(created_by: &str, home_id: &str, created_at_ms: i64) -> Inspection {
        Inspection {
            schema_version: SCHEMA_VERSION,
            home_id: home_id.to_string(),
            created_by: created_by.to_string(),
            created_at: created_at_ms,
            state: WorkflowState::Draft,
            visit_date: date_from_unix_ms(created_at_ms),
            time_in: String::new(),
            time_out: String::new(),
            announced: false,
            visiting_members: vec![created_by.to_string()],
            spoke_with: SpokeWith::default(),
            records_checked: CheckArea::ALL
                .iter()
                .map(|&area| RecordCheck {
                    area,
                    outcome: CheckOutcome::NotSeen,
                    comment: Text::with_value(""),
                })
                .collect(),
            premises: Text::with_value(""),
            children_views: Text::with_value(""),
            safeguarding_opinion: Opinion::default(),
            wellbeing_opinion: Opinion::default(),
            recommendations: Vec::new(),
            previous_recommendations: Vec::new(),
            sign_off: None,
        }
    }
}

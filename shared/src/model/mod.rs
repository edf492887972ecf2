//! The four record kinds as typed Rust structs mapped to Automerge documents with autosurgeon.
//!
//! The exact document shapes are written down in `docs/schema.md`; keep the two in step.
//!
//! Why autosurgeon: it maps a plain struct to an Automerge document and, on write, diffs the
//! struct against the document so only what changed becomes an Automerge op. Two devices that
//! edited different fields offline therefore merge cleanly, and [`autosurgeon::Text`] fields merge
//! character by character. Reading goes through [`field`], which also accepts what JavaScript
//! clients write (Text for every string, doubles for numbers).

pub mod consultation;
mod field;
pub mod inspection;
pub mod response;
#[cfg(test)]
mod tests;
pub mod visit_note;

use automerge::{ObjType, ScalarValue, Value};
use autosurgeon::{Hydrate, HydrateError, ReadDoc, Reconcile, ReconcileError, Reconciler};
use serde::{Deserialize, Serialize};

pub use consultation::{
    AgeBand, Audience, Comparison, Consultation, Question, QuestionType, YouSaidWeDid,
};
pub use inspection::{
    CheckArea, CheckOutcome, ChildSpokenWith, ChildrenSpokenWith, Inspection, Opinion,
    OpinionChoice, PreviousRecommendation, Priority, Recommendation, RecommendationStatus,
    RecordCheck, SignOff, SpokeWith,
};
pub use response::{Answer, ConsultationResponse, FollowUp};
pub use visit_note::{VisitAction, VisitNote};

use crate::dates::long_date;
use crate::rejection::Rejection;

/// The version of the document shapes in this module; written to every root as `schemaVersion`.
pub const SCHEMA_VERSION: u64 = 1;

/// Which record a document holds; stored at the root as `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RecordKind {
    /// An elected member's own notes from a visit: `"visitNote"`.
    VisitNote,
    /// A Regulation 33 monthly inspection record: `"inspection"`.
    Inspection,
    /// A consultation form built by a participation worker: `"consultation"`.
    Consultation,
    /// One young person's answers to a consultation: `"consultationResponse"`.
    ConsultationResponse,
}

impl RecordKind {
    /// The value stored in the document's `kind` field.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::VisitNote => "visitNote",
            RecordKind::Inspection => "inspection",
            RecordKind::Consultation => "consultation",
            RecordKind::ConsultationResponse => "consultationResponse",
        }
    }

    /// The kind named by a document's `kind` field, if it is one of ours.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "visitNote" => RecordKind::VisitNote,
            "inspection" => RecordKind::Inspection,
            "consultation" => RecordKind::Consultation,
            "consultationResponse" => RecordKind::ConsultationResponse,
            _ => return None,
        })
    }
}

/// Where a record is in its workflow; stored at the root as `state`.
///
/// Not every kind uses every state: see [`crate::rules::workflow`] for which moves each kind allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WorkflowState {
    /// Being written; only its author(s) see it (`"draft"`).
    Draft,
    /// Handed in for sign-off; a home's manager may now read it (`"submitted"`).
    Submitted,
    /// Signed off: content locked, only managers' responses may change (`"signedOff"`).
    SignedOff,
    /// The home's manager has responded to the recommendations (`"responded"`).
    Responded,
    /// Finished; nothing changes any more (`"closed"`).
    Closed,
    /// A consultation that is taking answers (`"open"`).
    Open,
}

impl WorkflowState {
    /// The value stored in the document's `state` field.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowState::Draft => "draft",
            WorkflowState::Submitted => "submitted",
            WorkflowState::SignedOff => "signedOff",
            WorkflowState::Responded => "responded",
            WorkflowState::Closed => "closed",
            WorkflowState::Open => "open",
        }
    }

    /// The state named by a document's `state` field.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => WorkflowState::Draft,
            "submitted" => WorkflowState::Submitted,
            "signedOff" => WorkflowState::SignedOff,
            "responded" => WorkflowState::Responded,
            "closed" => WorkflowState::Closed,
            "open" => WorkflowState::Open,
            _ => return None,
        })
    }
}

/// What the server needs to know about a document to list it and decide who may touch it,
/// without loading the whole document. Derived from the document by `Record::meta`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocMeta {
    /// The record kind.
    pub kind: RecordKind,
    /// The children's home the record is about, where the kind has one.
    pub home_id: Option<String>,
    /// The user id of the record's creator (never a name).
    pub created_by: String,
    /// The workflow state.
    pub state: WorkflowState,
    /// A short title for lists (e.g. "Visit note 3 November 2026"); never a child's details.
    pub title: String,
    /// For a consultation response: the consultation it answers (a document id string).
    pub consultation_id: Option<String>,
}

// `WorkflowState` is stored as its `as_str` string; read from Text too (JS writes Text).
impl Reconcile for WorkflowState {
    type Key<'a> = autosurgeon::reconcile::NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(self.as_str())
    }
}

impl Hydrate for WorkflowState {
    fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
        WorkflowState::parse(s).ok_or_else(|| {
            HydrateError::unexpected("a workflow state", "a value outside the list".to_string())
        })
    }

    fn hydrate_text<D: ReadDoc>(doc: &D, obj: &automerge::ObjId) -> Result<Self, HydrateError> {
        Self::hydrate_string(&doc.text(obj)?)
    }
}

/// Any Hearth record, as read from (or about to be written to) an Automerge document.
// Unboxed on purpose: callers match `Record::Inspection(i)` directly, and records are handled
// one at a time, so the larger enum costs nothing worth the indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A member's own visit note.
    VisitNote(VisitNote),
    /// A Regulation 33 inspection record.
    Inspection(Inspection),
    /// A consultation form.
    Consultation(Consultation),
    /// A young person's answers to a consultation.
    ConsultationResponse(ConsultationResponse),
}

impl Record {
    /// Reads the typed record out of a document (dispatching on root `kind`).
    ///
    /// Checks shape only (fields present, of the right type, enum values known); the semantic
    /// checks (dates, sizes, versions) are [`crate::rules::validate`]. The error message names
    /// the failing field path, never its content.
    ///
    /// Generic over the reader so that a client reading through a cache of its texts (see
    /// `hearth_client::engine::texts`) uses this very function: one copy of the hydrate code in
    /// the wasm, whatever reads the document.
    pub fn from_doc<D: ReadDoc>(doc: &D) -> Result<Record, Rejection> {
        let kind = read_kind(doc)?;
        let shape = |e: HydrateError| {
            Rejection::InvalidRecord(format!("{} {}", kind.as_str(), field::describe(&e)))
        };
        Ok(match kind {
            RecordKind::VisitNote => Record::VisitNote(autosurgeon::hydrate(doc).map_err(shape)?),
            RecordKind::Inspection => Record::Inspection(autosurgeon::hydrate(doc).map_err(shape)?),
            RecordKind::Consultation => {
                Record::Consultation(autosurgeon::hydrate(doc).map_err(shape)?)
            }
            RecordKind::ConsultationResponse => {
                Record::ConsultationResponse(autosurgeon::hydrate(doc).map_err(shape)?)
            }
        })
    }

    /// Writes the record into a document (autosurgeon reconcile at the root, plus `kind`).
    ///
    /// Only differences become ops. Text fields hydrated from `doc` apply their recorded edits;
    /// if `doc` has changed since they were read this fails with `StaleHeads`: read again and
    /// redo the edit.
    pub fn write_to(&self, doc: &mut automerge::AutoCommit) -> Result<(), ReconcileError> {
        match self {
            Record::VisitNote(r) => autosurgeon::reconcile(doc, r)?,
            Record::Inspection(r) => autosurgeon::reconcile(doc, r)?,
            Record::Consultation(r) => autosurgeon::reconcile(doc, r)?,
            Record::ConsultationResponse(r) => autosurgeon::reconcile(doc, r)?,
        }
        autosurgeon::reconcile_prop(doc, automerge::ROOT, "kind", self.kind().as_str())
    }

    /// What the server stores alongside the document to list it and check permissions.
    ///
    /// The title is deliberately bland (a date, or the consultation's own title): lists are
    /// shown on shared screens, so no child's details may appear in them.
    pub fn meta(&self) -> DocMeta {
        let title = match self {
            Record::VisitNote(r) => format!("Visit note {}", long_date(&r.visit_date)),
            Record::Inspection(r) => {
                format!("Regulation 33 visit {}", long_date(&r.visit_date))
            }
            Record::Consultation(r) if r.title.trim().is_empty() => "Consultation".to_string(),
            Record::Consultation(r) => r.title.chars().take(TITLE_MAX_CHARS).collect(),
            Record::ConsultationResponse(_) => "Response".to_string(),
        };
        DocMeta {
            kind: self.kind(),
            home_id: self.home_id().map(str::to_string),
            created_by: self.created_by().to_string(),
            state: self.state(),
            title,
            consultation_id: match self {
                Record::ConsultationResponse(r) => Some(r.consultation_id.clone()),
                _ => None,
            },
        }
    }

    /// Which kind of record this is.
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::VisitNote(_) => RecordKind::VisitNote,
            Record::Inspection(_) => RecordKind::Inspection,
            Record::Consultation(_) => RecordKind::Consultation,
            Record::ConsultationResponse(_) => RecordKind::ConsultationResponse,
        }
    }

    /// The record's workflow state.
    pub fn state(&self) -> WorkflowState {
        match self {
            Record::VisitNote(r) => r.state,
            Record::Inspection(r) => r.state,
            Record::Consultation(r) => r.state,
            Record::ConsultationResponse(r) => r.state,
        }
    }

    /// The creator's user id.
    pub fn created_by(&self) -> &str {
        match self {
            Record::VisitNote(r) => &r.created_by,
            Record::Inspection(r) => &r.created_by,
            Record::Consultation(r) => &r.created_by,
            Record::ConsultationResponse(r) => &r.created_by,
        }
    }

    /// When the record was created, unix milliseconds.
    pub fn created_at(&self) -> i64 {
        match self {
            Record::VisitNote(r) => r.created_at,
            Record::Inspection(r) => r.created_at,
            Record::Consultation(r) => r.created_at,
            Record::ConsultationResponse(r) => r.created_at,
        }
    }

    /// The home the record is about, where the kind has one.
    pub fn home_id(&self) -> Option<&str> {
        match self {
            Record::VisitNote(r) => Some(&r.home_id),
            Record::Inspection(r) => Some(&r.home_id),
            Record::Consultation(_) => None,
            Record::ConsultationResponse(r) => r.home_id.as_deref(),
        }
    }

    /// The `schemaVersion` the document declares.
    pub fn schema_version(&self) -> u64 {
        match self {
            Record::VisitNote(r) => r.schema_version,
            Record::Inspection(r) => r.schema_version,
            Record::Consultation(r) => r.schema_version,
            Record::ConsultationResponse(r) => r.schema_version,
        }
    }
}

/// Longest title [`Record::meta`] returns, in characters.
const TITLE_MAX_CHARS: usize = 120;

/// Reads the root `kind` (a scalar string or, from JS, Text).
fn read_kind<D: ReadDoc>(doc: &D) -> Result<RecordKind, Rejection> {
    let unreadable = || Rejection::InvalidRecord("kind: the document could not be read".into());
    let kind = match ReadDoc::get(doc, &automerge::ROOT, "kind").map_err(|_| unreadable())? {
        Some((Value::Object(ObjType::Text), id)) => {
            ReadDoc::text(doc, &id).map_err(|_| unreadable())?
        }
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            _ => return Err(Rejection::InvalidRecord("kind: expected a string".into())),
        },
        Some(_) => return Err(Rejection::InvalidRecord("kind: expected a string".into())),
        None => return Err(Rejection::InvalidRecord("kind: missing".into())),
    };
    RecordKind::parse(&kind)
        .ok_or_else(|| Rejection::InvalidRecord("kind: not a known record kind".into()))
}

/// The UTC calendar day of a unix-milliseconds instant, as `YYYY-MM-DD`.
///
/// UTC, not UK time: a pure core has no time-zone data. Only used to pre-fill a visit date,
/// which the member can change.
pub(crate) fn date_from_unix_ms(ms: i64) -> String {
    crate::calendar::Day::from_unix_ms(ms).to_string()
}

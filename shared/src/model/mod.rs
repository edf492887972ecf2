//! The four record kinds as typed Rust structs mapped to Automerge documents with autosurgeon.
//!
//! The exact document shapes are written down in `docs/schema.md`; keep the two in step.

use serde::{Deserialize, Serialize};

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
    /// A short title for lists (e.g. "Visit note 2026-11-03"); never a child's details.
    pub title: String,
    /// For a consultation response: the consultation it answers (a document id string).
    pub consultation_id: Option<String>,
}

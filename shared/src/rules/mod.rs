//! Schema validation and workflow rules: what a record must look like, and who may change it how.
//!
//! [`validate`] answers "is this document a well-formed Hearth record?"; [`check_change`]
//! answers "may this person make this change?". The server runs both on every incoming change
//! before it commits anything; clients run them to grey out what would be refused.

pub mod schema;
#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
pub mod workflow;

pub use schema::validate_record;
pub use workflow::{check_change, check_response_fits};

use crate::model::Record;

/// Why a document or a change was refused.
///
/// Each variant carries a short human message naming the field or rule at fault. Messages never
/// contain record content: they are logged and sent back over the sync socket, and records hold
/// children's details.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The document is not a well-formed record (shape, version, formats, sizes).
    #[error("invalid record: {0}")]
    InvalidRecord(String),
    /// The author may not make this change (not their record, not their role).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The record's state does not allow this edit (submitted, signed off, closed...).
    #[error("record locked: {0}")]
    RecordLocked(String),
    /// The state move is not one the record's kind allows.
    #[error("invalid transition: {0}")]
    InvalidTransition(String),
    /// The change claims someone else as author (`createdBy`, `signOff.by`, `followUp.by`).
    #[error("forged author: {0}")]
    ForgedAuthor(String),
    /// A response to a consultation that is not open.
    #[error("consultation closed: {0}")]
    ConsultationClosed(String),
    /// A new record in a home that has been archived (it takes no new records).
    #[error("home archived: {0}")]
    HomeArchived(String),
}

impl Rejection {
    /// The stable machine-readable code, shared with the HTTP API and the sync protocol.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::InvalidRecord(_) => "invalid_record",
            Rejection::Forbidden(_) => "forbidden",
            Rejection::RecordLocked(_) => "record_locked",
            Rejection::InvalidTransition(_) => "invalid_transition",
            Rejection::ForgedAuthor(_) => "forged_author",
            Rejection::ConsultationClosed(_) => "consultation_closed",
            Rejection::HomeArchived(_) => "home_archived",
        }
    }

    /// The human message, without the code prefix.
    pub fn message(&self) -> &str {
        match self {
            Rejection::InvalidRecord(m)
            | Rejection::Forbidden(m)
            | Rejection::RecordLocked(m)
            | Rejection::InvalidTransition(m)
            | Rejection::ForgedAuthor(m)
            | Rejection::ConsultationClosed(m)
            | Rejection::HomeArchived(m) => m,
        }
    }
}

/// An archived home takes no new records: a record *created* naming it is refused, while the
/// records it already has stay readable and keep their workflow (a manager can still respond).
/// `home_archived` is the caller's lookup of the new record's `homeId`.
pub fn check_home_takes_records(creating: bool, home_archived: bool) -> Result<(), Rejection> {
    if creating && home_archived {
        return Err(Rejection::HomeArchived(
            "That home has been archived and takes no new records.".into(),
        ));
    }
    Ok(())
}

/// Reads a document as a record and checks it is well-formed: shape ([`Record::from_doc`])
/// plus the semantic rules in [`schema`].
pub fn validate(doc: &automerge::Automerge) -> Result<Record, Rejection> {
    let record = Record::from_doc(doc)?;
    validate_record(&record)?;
    Ok(record)
}

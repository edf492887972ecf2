//! Why a record or a change was refused: one type for the model (a document that does not read
//! as a record), the rules, the server's replies and the client's messages. Below `model` and
//! `rules` so that neither needs the other for it.

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

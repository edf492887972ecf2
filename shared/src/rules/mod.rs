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

pub use crate::rejection::Rejection;
pub use schema::validate_record;
pub use workflow::{check_change, check_response_fits};

use crate::model::Record;

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

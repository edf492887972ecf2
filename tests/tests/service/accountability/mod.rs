//! Issue 11's end-to-end tests against the real server: the audit trail, retention and erasure,
//! a record's history.

mod audit_trail;
mod record_history;
mod retention;

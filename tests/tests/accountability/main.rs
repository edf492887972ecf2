//! Issue 11's end-to-end tests against the real server: the audit trail, retention and erasure,
//! a record's history. One test binary rather than one per file: every binary links the whole
//! server, and linking is much of a cold CI run's test build.

mod audit_trail;
mod record_history;
mod retention;

//! Issue 11's browser tests (headless Chromium against the real server): the audit screens,
//! a device dropping an erased record, a record's history. One test binary rather than one per
//! file, for the same reason as `tests/accountability`: each binary links the whole server.

mod audit;
mod history;
mod retention;

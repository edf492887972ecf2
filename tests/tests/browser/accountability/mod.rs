//! Issue 11's browser tests (headless Chromium against the real server): the audit screens,
//! a device dropping an erased record, a record's history.

mod audit;
mod history;
mod retention;

//! Hearth's shared core: the record model (Automerge documents mapped with autosurgeon), the
//! schema and workflow rules, the permission check and the sync protocol.
//!
//! Everything here is pure: no sockets, no files, no clock. The server and the client feed it
//! values and act on what it returns, so every rule is a plain unit test.

pub mod calendar;
pub mod dates;
pub mod history;
pub mod ids;
pub mod labels;
pub mod model;
pub mod permissions;
pub mod protocol;
pub mod rejection;
pub mod reporting;
pub mod rules;
pub mod snapshot;
pub mod sync;

//! The browser edges (wasm32 only): IndexedDB, HTTP, the WebSocket and timers, driving the
//! sans-IO [`crate::engine`]. Nothing here decides anything the engine could.

pub mod api;
mod idb;
pub mod runtime;
pub mod store;

pub use runtime::{LocalSave, Runtime};

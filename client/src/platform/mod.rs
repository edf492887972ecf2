//! The browser edges (wasm32): IndexedDB, HTTP, the WebSocket, timers and WebCrypto, driving the
//! sans-IO [`crate::engine`]. Nothing here decides anything the engine could.
//!
//! Natively only [`vault`]'s pure part (formats and lock policy) is built, for its unit tests.

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
mod idb;
#[cfg(target_arch = "wasm32")]
pub mod runtime;
#[cfg(target_arch = "wasm32")]
pub mod store;
// Natively nothing calls the vault outside its tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub mod vault;

#[cfg(target_arch = "wasm32")]
pub use runtime::{LocalSave, Runtime};

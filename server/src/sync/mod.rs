//! The sync endpoint: a [`hub::Hub`] of loaded documents shared by all connections, the
//! per-connection protocol logic in [`connection`], the WebSocket loop in [`socket`], and the
//! [`registry`] of open connections that signing a device out closes.
//!
//! The order that makes acknowledgements durable: a peer's changes are applied to the document
//! under its lock, checked (schema, workflow, role), appended to the store (committed and
//! fsync'd), and only then does the connection's sync state, and so the next message the peer
//! sees, include the new heads. A refusal or a failed commit discards the in-memory document, so
//! it loads again from the store, which holds only committed changes.

pub mod connection;
pub mod hub;
pub mod registry;
pub mod socket;
#[cfg(test)]
mod tests;

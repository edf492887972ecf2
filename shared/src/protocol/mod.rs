//! The automerge-repo WebSocket sync protocol, version "1", as pure encode/decode and a
//! connection handshake state machine.
//!
//! Hearth speaks the protocol of `@automerge/automerge-repo-network-websocket` byte for byte, so
//! the browser client can use automerge-repo unchanged and the server can be tested with it. What
//! a connection looks like on the wire (taken from automerge-repo 2.5):
//!
//! ```text
//! client → join {senderId, peerMetadata: {storageId, isEphemeral}, supportedProtocolVersions: ["1"]}
//! server → peer {senderId, peerMetadata, selectedProtocolVersion: "1", targetId}
//! client → request {documentId, data}   // find(): the client has no copy yet
//! client → sync {documentId, data}      // create() or a change: the client has a copy
//! server → sync {documentId, data}      // or doc-unavailable, if it has no such document
//! ```
//!
//! Nothing here touches a socket: [`Message`] turns frames into values and back, and
//! [`ServerHandshake`] / [`ClientHandshake`] turn incoming messages into events and replies.

mod handshake;
mod message;

pub use handshake::{
    ClientEvent, ClientHandshake, DocumentMessage, HandshakeEvent, ServerHandshake,
};
pub use message::{Message, PeerMetadata, RemoteHeads};

/// The only protocol version automerge-repo has defined, and the one Hearth speaks.
pub const PROTOCOL_VERSION: &str = "1";

/// Why a frame or a message could not be used. Each has a stable [`code`](Self::code) that is
/// sent to the peer in the protocol's `error` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// Not CBOR, not a map, or a field missing or of the wrong type.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A `type` this implementation does not know. Newer peers may send these, so a connection
    /// should usually survive one.
    #[error("unknown message type `{0}`")]
    UnknownType(String),
    /// The peer offered (or selected) no protocol version that Hearth speaks.
    #[error("unsupported protocol version (offered {offered:?}, this server speaks \"1\")")]
    UnsupportedVersion { offered: Vec<String> },
    /// A document message arrived before the `join`/`peer` exchange finished.
    #[error("a `{0}` message arrived before the handshake finished")]
    NotJoined(String),
    /// A second `join` on a connection that has already joined.
    #[error("this connection has already joined")]
    AlreadyJoined,
    /// A message's `senderId` is not the peer id this connection joined as.
    #[error("message sent as `{claimed}` on a connection that joined as `{joined}`")]
    WrongSender { claimed: String, joined: String },
    /// A `documentId` that is not base58check of 16 bytes.
    #[error("`{0}` is not a valid document id")]
    InvalidDocumentId(String),
}

impl ProtocolError {
    /// The stable machine-readable code sent in the protocol's `error` message.
    pub fn code(&self) -> &'static str {
        match self {
            ProtocolError::Malformed(_) => "malformed_message",
            ProtocolError::UnknownType(_) => "unknown_message_type",
            ProtocolError::UnsupportedVersion { .. } => "unsupported_protocol_version",
            ProtocolError::NotJoined(_) => "not_joined",
            ProtocolError::AlreadyJoined => "already_joined",
            ProtocolError::WrongSender { .. } => "wrong_sender",
            ProtocolError::InvalidDocumentId(_) => "invalid_document_id",
        }
    }
}

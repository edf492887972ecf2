//! The `join`/`peer` handshake and per-message routing, for both ends of a connection.
//!
//! Sans-IO: the caller decodes a frame (or hands over the bytes), feeds the message in, and acts
//! on the returned event — send the reply, close the socket, or pass a document message on to the
//! sync engine. All protocol rules about *who may say what when* live here.

use std::str::FromStr;

use crate::ids::DocumentId;

use super::{Message, PROTOCOL_VERSION, PeerMetadata, ProtocolError};

/// A message about one document, with its id already checked.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentMessage {
    /// The peer has no copy of the document and asks for it; `data` is its first sync message.
    Request {
        document_id: DocumentId,
        data: Vec<u8>,
    },
    /// An Automerge sync message for a document the peer has.
    Sync {
        document_id: DocumentId,
        data: Vec<u8>,
    },
    /// Data to relay to the document's other peers without storing it.
    Ephemeral {
        document_id: DocumentId,
        session_id: String,
        count: u64,
        data: Vec<u8>,
    },
}

impl DocumentMessage {
    /// The document this message is about.
    pub fn document_id(&self) -> DocumentId {
        match self {
            DocumentMessage::Request { document_id, .. }
            | DocumentMessage::Sync { document_id, .. }
            | DocumentMessage::Ephemeral { document_id, .. } => *document_id,
        }
    }
}

/// What the server should do with one incoming message.
#[derive(Debug, Clone, PartialEq)]
pub enum HandshakeEvent {
    /// The client joined: send `reply` (the `peer` message); the connection is now open for
    /// document messages from `remote_peer_id`.
    Joined {
        reply: Message,
        remote_peer_id: String,
    },
    /// A document message for the sync engine.
    Document(DocumentMessage),
    /// Nothing to do (gossip Hearth does not take part in, a client's `doc-unavailable`, an
    /// unknown message type from a newer client).
    Ignored,
    /// This one message is refused: send `reply` (an `error` message) and keep the connection.
    Reject { reply: Message },
    /// The connection cannot continue: send `reply` (an `error` message), then close.
    Fatal { reply: Message },
}

/// The server's side of one WebSocket connection: waits for `join`, answers with `peer`, then
/// routes document messages.
#[derive(Debug, Clone)]
pub struct ServerHandshake {
    server_peer_id: String,
    storage_id: String,
    remote: Option<(String, Option<PeerMetadata>)>,
}

impl ServerHandshake {
    /// A connection that has not joined yet. `storage_id` is advertised in the `peer` message:
    /// automerge-repo clients persist their sync state per storage id, so it must stay the same
    /// across server restarts for a reconnecting client to resume rather than start over.
    pub fn new(server_peer_id: String, storage_id: String) -> Self {
        Self {
            server_peer_id,
            storage_id,
            remote: None,
        }
    }

    /// The client's peer id, once it has joined.
    pub fn remote_peer_id(&self) -> Option<&str> {
        self.remote.as_ref().map(|(id, _)| id.as_str())
    }

    /// What the client said about itself when joining (absent if it sent none).
    pub fn remote_metadata(&self) -> Option<&PeerMetadata> {
        self.remote
            .as_ref()
            .and_then(|(_, metadata)| metadata.as_ref())
    }

    /// The server's own peer id, the `senderId` of everything it sends.
    pub fn server_peer_id(&self) -> &str {
        &self.server_peer_id
    }

    /// Decodes one frame and handles it. A frame that is not a message at all is fatal, as in the
    /// JavaScript server, which closes the socket; an unknown `type` is ignored so that a newer
    /// client's additions do not cut it off.
    pub fn on_frame(&mut self, frame: &[u8]) -> HandshakeEvent {
        match Message::decode(frame) {
            Ok(message) => self.on_message(message),
            Err(ProtocolError::UnknownType(_)) => HandshakeEvent::Ignored,
            Err(error) => HandshakeEvent::Fatal {
                reply: self.error(&error, None),
            },
        }
    }

    /// Handles one decoded message.
    pub fn on_message(&mut self, message: Message) -> HandshakeEvent {
        let Some((joined_as, _)) = &self.remote else {
            return self.before_join(message);
        };
        let joined_as = joined_as.clone();
        let (sender_id, document) = match message {
            Message::Join { .. } => {
                return HandshakeEvent::Reject {
                    reply: self.error(&ProtocolError::AlreadyJoined, None),
                };
            }
            Message::Request {
                sender_id,
                document_id,
                data,
                ..
            } => (sender_id, Routed::Request(document_id, data)),
            Message::Sync {
                sender_id,
                document_id,
                data,
                ..
            } => (sender_id, Routed::Sync(document_id, data)),
            Message::Ephemeral {
                sender_id,
                document_id,
                session_id,
                count,
                data,
                ..
            } => (
                sender_id,
                Routed::Ephemeral(document_id, session_id, count, data),
            ),
            Message::Peer { .. }
            | Message::Error { .. }
            | Message::DocUnavailable { .. }
            | Message::RemoteHeadsChanged { .. }
            | Message::RemoteSubscriptionChange { .. } => return HandshakeEvent::Ignored,
        };
        // The JavaScript server silently drops frames whose senderId is not the socket's peer;
        // Hearth says so, because the sender id is what a reply is addressed to.
        if sender_id != joined_as {
            let error = ProtocolError::WrongSender {
                claimed: sender_id,
                joined: joined_as,
            };
            return HandshakeEvent::Reject {
                reply: self.error(&error, Some(document.raw_id())),
            };
        }
        match document.parse() {
            Ok(document) => HandshakeEvent::Document(document),
            Err(error) => {
                let raw = match &error {
                    ProtocolError::InvalidDocumentId(raw) => raw.clone(),
                    _ => String::new(),
                };
                HandshakeEvent::Reject {
                    reply: self.error(&error, Some(&raw)),
                }
            }
        }
    }

    fn before_join(&mut self, message: Message) -> HandshakeEvent {
        let Message::Join {
            sender_id,
            peer_metadata,
            supported_protocol_versions,
        } = message
        else {
            let error = ProtocolError::NotJoined(message.type_name().to_owned());
            return HandshakeEvent::Fatal {
                reply: self.error(&error, None),
            };
        };
        if !supported_protocol_versions
            .iter()
            .any(|v| v == PROTOCOL_VERSION)
        {
            let error = ProtocolError::UnsupportedVersion {
                offered: supported_protocol_versions,
            };
            // Addressed to the would-be peer, as the JavaScript server does, without joining it.
            let mut reply = self.error(&error, None);
            if let Message::Error { target_id, .. } = &mut reply {
                *target_id = Some(sender_id);
            }
            return HandshakeEvent::Fatal { reply };
        }
        let reply = Message::Peer {
            sender_id: self.server_peer_id.clone(),
            target_id: sender_id.clone(),
            peer_metadata: PeerMetadata {
                storage_id: Some(self.storage_id.clone()),
                is_ephemeral: false,
            },
            selected_protocol_version: PROTOCOL_VERSION.to_owned(),
        };
        self.remote = Some((sender_id.clone(), peer_metadata));
        HandshakeEvent::Joined {
            reply,
            remote_peer_id: sender_id,
        }
    }

    /// An `error` message to the client about `error`, optionally naming a document.
    pub fn error(&self, error: &ProtocolError, document_id: Option<&str>) -> Message {
        self.error_with_code(error.code(), &error.to_string(), document_id)
    }

    /// An `error` message with one of Hearth's own codes (such as `record_locked` or
    /// `forbidden`), for refusals decided outside the protocol layer.
    pub fn error_with_code(&self, code: &str, message: &str, document_id: Option<&str>) -> Message {
        Message::Error {
            sender_id: Some(self.server_peer_id.clone()),
            target_id: self.remote_peer_id().map(str::to_owned),
            message: message.to_owned(),
            document_id: document_id.map(str::to_owned),
            code: Some(code.to_owned()),
        }
    }

    /// A `sync` message to the client. Before the client has joined there is no one to address,
    /// so this is `None`.
    pub fn sync(&self, document_id: DocumentId, data: Vec<u8>) -> Option<Message> {
        Some(Message::Sync {
            sender_id: self.server_peer_id.clone(),
            target_id: self.remote_peer_id()?.to_owned(),
            document_id: document_id.to_string(),
            data,
        })
    }

    /// A `doc-unavailable` message: what automerge-repo's `find()` waits for to give up. Hearth
    /// also sends it for documents the user may not see, so the two are indistinguishable.
    pub fn doc_unavailable(&self, document_id: DocumentId) -> Option<Message> {
        Some(Message::DocUnavailable {
            sender_id: self.server_peer_id.clone(),
            target_id: self.remote_peer_id()?.to_owned(),
            document_id: document_id.to_string(),
        })
    }

    /// Re-addresses another peer's `ephemeral` message to this connection's client, keeping the
    /// original sender, session and count as automerge-repo's relay does (receivers drop
    /// duplicates by session and count).
    pub fn relay_ephemeral(
        &self,
        original_sender_id: &str,
        document_id: DocumentId,
        session_id: &str,
        count: u64,
        data: Vec<u8>,
    ) -> Option<Message> {
        Some(Message::Ephemeral {
            sender_id: original_sender_id.to_owned(),
            target_id: self.remote_peer_id()?.to_owned(),
            document_id: document_id.to_string(),
            session_id: session_id.to_owned(),
            count,
            data,
        })
    }
}

/// A document message whose id has not been checked yet.
enum Routed {
    Request(String, Vec<u8>),
    Sync(String, Vec<u8>),
    Ephemeral(String, String, u64, Vec<u8>),
}

impl Routed {
    fn raw_id(&self) -> &str {
        match self {
            Routed::Request(id, _) | Routed::Sync(id, _) | Routed::Ephemeral(id, ..) => id,
        }
    }

    fn parse(self) -> Result<DocumentMessage, ProtocolError> {
        let parse = |raw: String| {
            DocumentId::from_str(&raw).map_err(|_| ProtocolError::InvalidDocumentId(raw))
        };
        Ok(match self {
            Routed::Request(id, data) => DocumentMessage::Request {
                document_id: parse(id)?,
                data,
            },
            Routed::Sync(id, data) => DocumentMessage::Sync {
                document_id: parse(id)?,
                data,
            },
            Routed::Ephemeral(id, session_id, count, data) => DocumentMessage::Ephemeral {
                document_id: parse(id)?,
                session_id,
                count,
                data,
            },
        })
    }
}

/// What a client should do with one message from the server.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// The server accepted the join; document messages may now be sent to `server_peer_id`.
    Connected {
        server_peer_id: String,
        peer_metadata: PeerMetadata,
    },
    /// A document message from the server.
    Document(DocumentMessage),
    /// The server has no such document (or will not admit to having it).
    DocUnavailable { document_id: DocumentId },
    /// The server refused something. `code` is Hearth's stable code; plain automerge-repo
    /// servers send none, and close the connection after an error.
    ServerError {
        message: String,
        code: Option<String>,
        document_id: Option<String>,
    },
    /// Nothing to do.
    Ignored,
    /// The server broke the protocol; the client should close the connection.
    Fatal(ProtocolError),
}

/// The client's side of one connection: makes the `join`, accepts the `peer`, and addresses
/// document messages to the server. Used by Hearth's Rust client and its tests.
#[derive(Debug, Clone)]
pub struct ClientHandshake {
    peer_id: String,
    peer_metadata: PeerMetadata,
    server_peer_id: Option<String>,
}

impl ClientHandshake {
    /// A client that will join as `peer_id`, describing itself with `peer_metadata`.
    pub fn new(peer_id: String, peer_metadata: PeerMetadata) -> Self {
        Self {
            peer_id,
            peer_metadata,
            server_peer_id: None,
        }
    }

    /// The first message to send once the socket is open.
    pub fn join(&self) -> Message {
        Message::Join {
            sender_id: self.peer_id.clone(),
            peer_metadata: Some(self.peer_metadata.clone()),
            supported_protocol_versions: vec![PROTOCOL_VERSION.to_owned()],
        }
    }

    /// The server's peer id, once it has answered the join.
    pub fn server_peer_id(&self) -> Option<&str> {
        self.server_peer_id.as_deref()
    }

    /// Decodes one frame from the server and handles it.
    pub fn on_frame(&mut self, frame: &[u8]) -> ClientEvent {
        match Message::decode(frame) {
            Ok(message) => self.on_message(message),
            Err(ProtocolError::UnknownType(_)) => ClientEvent::Ignored,
            Err(error) => ClientEvent::Fatal(error),
        }
    }

    /// Handles one message from the server.
    pub fn on_message(&mut self, message: Message) -> ClientEvent {
        if let Message::Error {
            message,
            code,
            document_id,
            ..
        } = message
        {
            return ClientEvent::ServerError {
                message,
                code,
                document_id,
            };
        }
        if self.server_peer_id.is_none() {
            return match message {
                Message::Peer {
                    sender_id,
                    peer_metadata,
                    selected_protocol_version,
                    ..
                } if selected_protocol_version == PROTOCOL_VERSION => {
                    self.server_peer_id = Some(sender_id.clone());
                    ClientEvent::Connected {
                        server_peer_id: sender_id,
                        peer_metadata,
                    }
                }
                Message::Peer {
                    selected_protocol_version,
                    ..
                } => ClientEvent::Fatal(ProtocolError::UnsupportedVersion {
                    offered: vec![selected_protocol_version],
                }),
                other => ClientEvent::Fatal(ProtocolError::NotJoined(other.type_name().to_owned())),
            };
        }
        let parse = |raw: String| {
            DocumentId::from_str(&raw).map_err(|_| ProtocolError::InvalidDocumentId(raw))
        };
        let event = match message {
            Message::Sync {
                document_id, data, ..
            } => parse(document_id).map(|document_id| {
                ClientEvent::Document(DocumentMessage::Sync { document_id, data })
            }),
            Message::Request {
                document_id, data, ..
            } => parse(document_id).map(|document_id| {
                ClientEvent::Document(DocumentMessage::Request { document_id, data })
            }),
            Message::Ephemeral {
                document_id,
                session_id,
                count,
                data,
                ..
            } => parse(document_id).map(|document_id| {
                ClientEvent::Document(DocumentMessage::Ephemeral {
                    document_id,
                    session_id,
                    count,
                    data,
                })
            }),
            Message::DocUnavailable { document_id, .. } => {
                parse(document_id).map(|document_id| ClientEvent::DocUnavailable { document_id })
            }
            _ => Ok(ClientEvent::Ignored),
        };
        event.unwrap_or_else(ClientEvent::Fatal)
    }

    /// A `sync` message to the server; `NotJoined` until the server has answered the join.
    pub fn sync(&self, document_id: DocumentId, data: Vec<u8>) -> Result<Message, ProtocolError> {
        Ok(Message::Sync {
            sender_id: self.peer_id.clone(),
            target_id: self.connected_to("sync")?,
            document_id: document_id.to_string(),
            data,
        })
    }

    /// A `request` message: asks the server for a document this client has no copy of.
    pub fn request(
        &self,
        document_id: DocumentId,
        data: Vec<u8>,
    ) -> Result<Message, ProtocolError> {
        Ok(Message::Request {
            sender_id: self.peer_id.clone(),
            target_id: self.connected_to("request")?,
            document_id: document_id.to_string(),
            data,
        })
    }

    /// An `ephemeral` message to the server, which relays it to the document's other peers.
    pub fn ephemeral(
        &self,
        document_id: DocumentId,
        session_id: &str,
        count: u64,
        data: Vec<u8>,
    ) -> Result<Message, ProtocolError> {
        Ok(Message::Ephemeral {
            sender_id: self.peer_id.clone(),
            target_id: self.connected_to("ephemeral")?,
            document_id: document_id.to_string(),
            session_id: session_id.to_owned(),
            count,
            data,
        })
    }

    fn connected_to(&self, kind: &str) -> Result<String, ProtocolError> {
        self.server_peer_id
            .clone()
            .ok_or_else(|| ProtocolError::NotJoined(kind.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> ServerHandshake {
        ServerHandshake::new("hearth-server".into(), "hearth-storage".into())
    }

    fn join(sender: &str, versions: &[&str]) -> Message {
        Message::Join {
            sender_id: sender.into(),
            peer_metadata: Some(PeerMetadata {
                storage_id: Some("browser-storage".into()),
                is_ephemeral: false,
            }),
            supported_protocol_versions: versions.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn sync_from(sender: &str, document_id: &str) -> Message {
        Message::Sync {
            sender_id: sender.into(),
            target_id: "hearth-server".into(),
            document_id: document_id.into(),
            data: vec![0x42],
        }
    }

    fn joined_server() -> ServerHandshake {
        let mut server = server();
        assert!(matches!(
            server.on_message(join("browser", &["1"])),
            HandshakeEvent::Joined { .. }
        ));
        server
    }

    fn error_code(message: &Message) -> Option<&str> {
        match message {
            Message::Error { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    #[test]
    fn join_is_answered_with_the_servers_peer_message() {
        let mut server = server();
        let event = server.on_message(join("browser", &["1"]));
        assert_eq!(
            event,
            HandshakeEvent::Joined {
                reply: Message::Peer {
                    sender_id: "hearth-server".into(),
                    target_id: "browser".into(),
                    peer_metadata: PeerMetadata {
                        storage_id: Some("hearth-storage".into()),
                        is_ephemeral: false,
                    },
                    selected_protocol_version: "1".into(),
                },
                remote_peer_id: "browser".into(),
            }
        );
        assert_eq!(server.remote_peer_id(), Some("browser"));
        assert_eq!(
            server
                .remote_metadata()
                .and_then(|m| m.storage_id.as_deref()),
            Some("browser-storage")
        );
    }

    #[test]
    fn join_is_accepted_when_version_1_is_among_several() {
        let mut server = server();
        assert!(matches!(
            server.on_message(join("browser", &["2", "1"])),
            HandshakeEvent::Joined { .. }
        ));
    }

    #[test]
    fn join_without_version_1_is_fatal() {
        let mut server = server();
        let HandshakeEvent::Fatal { reply } = server.on_message(join("future", &["2"])) else {
            panic!("expected a fatal event");
        };
        assert_eq!(error_code(&reply), Some("unsupported_protocol_version"));
        let Message::Error { target_id, .. } = &reply else {
            unreachable!()
        };
        assert_eq!(target_id.as_deref(), Some("future"));
        assert_eq!(server.remote_peer_id(), None);
    }

    #[test]
    fn document_messages_before_join_are_fatal() {
        let mut server = server();
        let id = DocumentId::random().to_string();
        let HandshakeEvent::Fatal { reply } = server.on_message(sync_from("browser", &id)) else {
            panic!("expected a fatal event");
        };
        assert_eq!(error_code(&reply), Some("not_joined"));
        assert_eq!(server.remote_peer_id(), None);
    }

    #[test]
    fn document_messages_after_join_reach_the_sync_engine() {
        let mut server = joined_server();
        let id = DocumentId::random();
        assert_eq!(
            server.on_message(sync_from("browser", &id.to_string())),
            HandshakeEvent::Document(DocumentMessage::Sync {
                document_id: id,
                data: vec![0x42],
            })
        );
        let request = Message::Request {
            sender_id: "browser".into(),
            target_id: "hearth-server".into(),
            document_id: id.to_string(),
            data: vec![0x42, 1],
        };
        assert_eq!(
            server.on_message(request),
            HandshakeEvent::Document(DocumentMessage::Request {
                document_id: id,
                data: vec![0x42, 1],
            })
        );
        let ephemeral = Message::Ephemeral {
            sender_id: "browser".into(),
            target_id: "hearth-server".into(),
            document_id: id.to_string(),
            session_id: "session".into(),
            count: 3,
            data: vec![0xa0],
        };
        let HandshakeEvent::Document(message) = server.on_message(ephemeral) else {
            panic!("expected a document message");
        };
        assert_eq!(message.document_id(), id);
    }

    #[test]
    fn an_invalid_document_id_is_refused_without_closing() {
        let mut server = joined_server();
        let HandshakeEvent::Reject { reply } = server.on_message(sync_from("browser", "nonsense"))
        else {
            panic!("expected a rejection");
        };
        assert_eq!(error_code(&reply), Some("invalid_document_id"));
        let Message::Error { document_id, .. } = &reply else {
            unreachable!()
        };
        assert_eq!(document_id.as_deref(), Some("nonsense"));
        // The connection is still usable.
        let id = DocumentId::random();
        assert!(matches!(
            server.on_message(sync_from("browser", &id.to_string())),
            HandshakeEvent::Document(_)
        ));
    }

    #[test]
    fn a_second_join_is_refused_and_keeps_the_first_identity() {
        let mut server = joined_server();
        let HandshakeEvent::Reject { reply } = server.on_message(join("someone-else", &["1"]))
        else {
            panic!("expected a rejection");
        };
        assert_eq!(error_code(&reply), Some("already_joined"));
        assert_eq!(server.remote_peer_id(), Some("browser"));
    }

    #[test]
    fn messages_claiming_another_sender_are_refused() {
        let mut server = joined_server();
        let id = DocumentId::random().to_string();
        let HandshakeEvent::Reject { reply } = server.on_message(sync_from("impostor", &id)) else {
            panic!("expected a rejection");
        };
        assert_eq!(error_code(&reply), Some("wrong_sender"));
    }

    #[test]
    fn gossip_and_unavailable_notices_are_ignored() {
        let mut server = joined_server();
        let id = DocumentId::random().to_string();
        for message in [
            Message::DocUnavailable {
                sender_id: "browser".into(),
                target_id: "hearth-server".into(),
                document_id: id.clone(),
            },
            Message::RemoteSubscriptionChange {
                sender_id: "browser".into(),
                target_id: "hearth-server".into(),
                add: vec!["x".into()],
                remove: vec![],
            },
            Message::RemoteHeadsChanged {
                sender_id: "browser".into(),
                target_id: "hearth-server".into(),
                document_id: id,
                new_heads: Default::default(),
            },
        ] {
            assert_eq!(server.on_message(message), HandshakeEvent::Ignored);
        }
    }

    #[test]
    fn frames_are_decoded_and_unknown_types_survive() {
        let mut server = server();
        assert!(matches!(
            server.on_frame(&join("browser", &["1"]).encode()),
            HandshakeEvent::Joined { .. }
        ));
        let mut unknown = Vec::new();
        ciborium::into_writer(
            &ciborium::Value::Map(vec![
                ("type".into(), "presence-v9".into()),
                ("senderId".into(), "browser".into()),
            ]),
            &mut unknown,
        )
        .unwrap();
        assert_eq!(server.on_frame(&unknown), HandshakeEvent::Ignored);
        let HandshakeEvent::Fatal { reply } = server.on_frame(b"not cbor at all") else {
            panic!("expected a fatal event");
        };
        assert_eq!(error_code(&reply), Some("malformed_message"));
    }

    #[test]
    fn replies_are_addressed_to_the_joined_peer() {
        let server = joined_server();
        let id = DocumentId::random();
        assert_eq!(
            server.sync(id, vec![1]),
            Some(Message::Sync {
                sender_id: "hearth-server".into(),
                target_id: "browser".into(),
                document_id: id.to_string(),
                data: vec![1],
            })
        );
        assert!(matches!(
            server.doc_unavailable(id),
            Some(Message::DocUnavailable { .. })
        ));
        let locked = server.error_with_code("record_locked", "locked", Some(&id.to_string()));
        assert_eq!(error_code(&locked), Some("record_locked"));
        let Some(Message::Ephemeral {
            sender_id,
            target_id,
            ..
        }) = server.relay_ephemeral("other-browser", id, "s", 1, vec![])
        else {
            panic!("expected an ephemeral message");
        };
        assert_eq!(
            (sender_id.as_str(), target_id.as_str()),
            ("other-browser", "browser")
        );
        assert_eq!(self::server().sync(id, vec![1]), None);
    }

    #[test]
    fn client_and_server_complete_the_handshake() {
        let mut client = ClientHandshake::new(
            "rust-client".into(),
            PeerMetadata {
                storage_id: None,
                is_ephemeral: true,
            },
        );
        let mut server = server();
        let id = DocumentId::random();
        assert_eq!(client.sync(id, vec![1]).unwrap_err().code(), "not_joined");
        let HandshakeEvent::Joined { reply, .. } = server.on_frame(&client.join().encode()) else {
            panic!("server did not accept the join");
        };
        assert_eq!(
            client.on_frame(&reply.encode()),
            ClientEvent::Connected {
                server_peer_id: "hearth-server".into(),
                peer_metadata: PeerMetadata {
                    storage_id: Some("hearth-storage".into()),
                    is_ephemeral: false,
                },
            }
        );
        assert_eq!(client.server_peer_id(), Some("hearth-server"));
        let request = client.request(id, vec![0x42]).unwrap();
        assert_eq!(
            server.on_frame(&request.encode()),
            HandshakeEvent::Document(DocumentMessage::Request {
                document_id: id,
                data: vec![0x42],
            })
        );
        let unavailable = server.doc_unavailable(id).unwrap();
        assert_eq!(
            client.on_frame(&unavailable.encode()),
            ClientEvent::DocUnavailable { document_id: id }
        );
        let sync = server.sync(id, vec![0x43]).unwrap();
        assert_eq!(
            client.on_message(sync),
            ClientEvent::Document(DocumentMessage::Sync {
                document_id: id,
                data: vec![0x43],
            })
        );
    }

    #[test]
    fn client_reports_server_errors_with_their_code() {
        let mut client = ClientHandshake::new("c".into(), PeerMetadata::default());
        let server = joined_server();
        let error = server.error_with_code("forbidden", "not yours", None);
        assert_eq!(
            client.on_message(error),
            ClientEvent::ServerError {
                message: "not yours".into(),
                code: Some("forbidden".into()),
                document_id: None,
            }
        );
    }

    #[test]
    fn client_refuses_a_peer_with_another_version_or_early_documents() {
        let mut client = ClientHandshake::new("c".into(), PeerMetadata::default());
        let peer_v2 = Message::Peer {
            sender_id: "s".into(),
            target_id: "c".into(),
            peer_metadata: PeerMetadata::default(),
            selected_protocol_version: "2".into(),
        };
        assert!(matches!(
            client.on_message(peer_v2),
            ClientEvent::Fatal(ProtocolError::UnsupportedVersion { .. })
        ));
        let early = Message::Sync {
            sender_id: "s".into(),
            target_id: "c".into(),
            document_id: DocumentId::random().to_string(),
            data: vec![],
        };
        assert!(matches!(
            client.on_message(early),
            ClientEvent::Fatal(ProtocolError::NotJoined(_))
        ));
    }
}

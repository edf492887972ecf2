//! A Rust sync client over a real WebSocket, built on the shared protocol module. It plays the
//! part of a device: it holds documents, edits them, and syncs them with the server.

use automerge::sync::{Message as AmMessage, State as SyncState, SyncDoc};
use automerge::{AutoCommit, ChangeHash};
use futures_util::{SinkExt, StreamExt};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::Record;
use hearth_shared::protocol::{
    ClientEvent, ClientHandshake, DocumentMessage, Message, PeerMetadata,
};
use std::collections::{HashMap, VecDeque};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A raw WebSocket to the server.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Why a sync did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server refused the change (`code` is the stable error code).
    #[error("rejected: {code}: {message}")]
    Rejected {
        /// Stable code, e.g. `record_locked`.
        code: String,
        /// The human message.
        message: String,
    },
    /// The server says it has no such document (or will not admit to it).
    #[error("document unavailable")]
    Unavailable,
    /// The connection closed.
    #[error("connection closed")]
    Closed,
    /// The upgrade or protocol failed.
    #[error("protocol: {0}")]
    Protocol(String),
    /// Nothing arrived in time.
    #[error("timed out")]
    Timeout,
}

struct Local {
    doc: AutoCommit,
    state: SyncState,
}

/// A joined sync connection holding local copies of documents.
pub struct SyncClient {
    socket: Socket,
    handshake: ClientHandshake,
    peer_id: String,
    /// The server's storage id from its `peer` message.
    pub storage_id: Option<String>,
    docs: HashMap<DocumentId, Local>,
    /// Events that arrived while waiting for something else.
    backlog: VecDeque<ClientEvent>,
    /// When the last frame was read off the socket.
    last_frame_at: Option<std::time::Instant>,
    /// When the last frame was handed to the socket.
    last_send_at: Option<std::time::Instant>,
}

/// The most a socket reads from the network at once (see [`open_socket`]).
const READ_BUFFER_BYTES: usize = 8 * 1024;

/// The WebSocket URL for a server base URL and a ticket.
pub fn sync_url(base: &str, ticket: Option<&str>) -> String {
    let ws = base.replacen("http", "ws", 1);
    match ticket {
        Some(t) => format!("{ws}/sync?ticket={t}"),
        None => format!("{ws}/sync"),
    }
}

/// Opens a WebSocket to `/sync`; the HTTP status on failure.
pub async fn open_socket(base: &str, ticket: Option<&str>) -> Result<Socket, u16> {
    // tungstenite zeroes its whole read buffer (128 KiB by default) before every read; sync
    // frames are small, and the sync benchmark's clients share the server's cores, where that
    // zeroing was a tenth of their CPU. Larger frames still arrive whole (the buffer grows).
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER_BYTES);
    match tokio_tungstenite::connect_async_with_config(sync_url(base, ticket), Some(config), true)
        .await
    {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("unexpected WebSocket failure: {e}"),
    }
}

impl SyncClient {
    /// Connects with a ticket and completes the join.
    pub async fn connect(base: &str, ticket: &str) -> Result<Self, SyncError> {
        let socket = open_socket(base, Some(ticket))
            .await
            .map_err(|s| SyncError::Protocol(format!("upgrade refused with {s}")))?;
        let peer_id = format!("test-peer-{}", DocumentId::random());
        let handshake = ClientHandshake::new(
            peer_id.clone(),
            PeerMetadata {
                storage_id: None,
                is_ephemeral: true,
            },
        );
        let mut client = Self {
            socket,
            handshake,
            peer_id,
            storage_id: None,
            docs: HashMap::new(),
            backlog: VecDeque::new(),
            last_frame_at: None,
            last_send_at: None,
        };
        let join = client.handshake.join();
        client.send(&join).await?;
        match client.next_event().await? {
            ClientEvent::Connected { peer_metadata, .. } => {
                client.storage_id = peer_metadata.storage_id;
                Ok(client)
            }
            other => Err(SyncError::Protocol(format!("expected peer, got {other:?}"))),
        }
    }

    /// The server's peer id (from its `peer` message).
    pub fn server_peer(&self) -> &str {
        self.handshake.server_peer_id().expect("joined")
    }

    /// This client's peer id.
    pub fn peer_id(&self) -> &str {
        &self.peer_id
    }

    /// Sends one protocol message.
    pub async fn send(&mut self, message: &Message) -> Result<(), SyncError> {
        self.send_frame(message.encode()).await
    }

    /// Sends raw bytes as one binary frame (for malformed-input tests).
    pub async fn send_frame(&mut self, bytes: Vec<u8>) -> Result<(), SyncError> {
        self.last_send_at = Some(std::time::Instant::now());
        self.socket
            .send(WsMessage::binary(bytes))
            .await
            .map_err(|_| SyncError::Closed)
    }

    /// The next binary frame from the server, raw.
    pub async fn next_frame(&mut self) -> Result<Vec<u8>, SyncError> {
        loop {
            let frame = tokio::time::timeout(crate::WAIT, self.socket.next())
                .await
                .map_err(|_| SyncError::Timeout)?;
            match frame {
                Some(Ok(WsMessage::Binary(b))) => return Ok(b.to_vec()),
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => {
                    return Err(SyncError::Closed);
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The next decoded message from the server.
    pub async fn next_message(&mut self) -> Result<Message, SyncError> {
        let frame = self.next_frame().await?;
        Message::decode(&frame).map_err(|e| SyncError::Protocol(e.to_string()))
    }

    async fn next_event(&mut self) -> Result<ClientEvent, SyncError> {
        if let Some(e) = self.backlog.pop_front() {
            return Ok(e);
        }
        let frame = self.next_frame().await?;
        self.last_frame_at = Some(std::time::Instant::now());
        Ok(self.handshake.on_frame(&frame))
    }

    /// When the last frame from the server was read off the socket, before this client
    /// processed it: after [`sync_doc`](Self::sync_doc), the server's acknowledgement.
    pub fn last_frame_at(&self) -> Option<std::time::Instant> {
        self.last_frame_at
    }

    /// When the last frame was handed to the socket, after this client had built it.
    pub fn last_send_at(&self) -> Option<std::time::Instant> {
        self.last_send_at
    }

    /// Creates a new document holding `record`, locally only (call [`sync_doc`](Self::sync_doc)).
    pub fn create(&mut self, record: &Record) -> DocumentId {
        let id = DocumentId::random();
        let mut doc = AutoCommit::new();
        record
            .write_to(&mut doc)
            .expect("a model record reconciles");
        doc.commit();
        self.docs.insert(
            id,
            Local {
                doc,
                state: SyncState::new(),
            },
        );
        id
    }

    /// Adds a local copy of a document (e.g. forked from another client's copy).
    pub fn insert(&mut self, id: DocumentId, doc: AutoCommit) {
        self.docs.insert(
            id,
            Local {
                doc,
                state: SyncState::new(),
            },
        );
    }

    /// The local copy of a document.
    pub fn doc(&mut self, id: DocumentId) -> &mut AutoCommit {
        &mut self
            .docs
            .get_mut(&id)
            .expect("the document is held locally")
            .doc
    }

    /// The local copy as a typed record.
    pub fn record(&mut self, id: DocumentId) -> Record {
        let doc = self.doc(id).document().clone();
        Record::from_doc(&doc).expect("the local copy is a valid record")
    }

    /// Replaces the record in a local document (an edit through the model).
    pub fn edit(&mut self, id: DocumentId, f: impl FnOnce(&mut Record)) {
        let mut record = self.record(id);
        f(&mut record);
        let doc = self.doc(id);
        record.write_to(doc).expect("a model record reconciles");
        doc.commit();
    }

    /// The local heads of a document.
    pub fn heads(&mut self, id: DocumentId) -> Vec<ChangeHash> {
        self.doc(id).get_heads()
    }

    /// Syncs one document until the server has acknowledged all local heads.
    pub async fn sync_doc(&mut self, id: DocumentId) -> Result<(), SyncError> {
        self.run_sync(id, false).await
    }

    /// Asks the server for a document this client has no copy of, and syncs it down.
    pub async fn fetch(&mut self, id: DocumentId) -> Result<Record, SyncError> {
        self.docs.insert(
            id,
            Local {
                doc: AutoCommit::new(),
                state: SyncState::new(),
            },
        );
        let result = self.run_sync(id, true).await;
        if result.is_err() {
            self.docs.remove(&id);
        }
        result?;
        Ok(self.record(id))
    }

    /// Waits until the server has pushed changes giving this document exactly `heads`.
    pub async fn wait_for_heads(
        &mut self,
        id: DocumentId,
        heads: &[ChangeHash],
    ) -> Result<(), SyncError> {
        let mut want = heads.to_vec();
        want.sort();
        loop {
            let mut have = self.heads(id);
            have.sort();
            if have == want {
                return Ok(());
            }
            let event = self.next_event().await?;
            self.handle_background(event).await?;
        }
    }

    /// Waits for the server's next message and applies it as [`wait_for_heads`] does (answering
    /// if the protocol wants it): how a device that only reads takes in what the server pushes.
    /// Returns the document it was about, if any; [`last_frame_at`] says when it was read off
    /// the socket. A refusal from the server is an error here, not ignored.
    ///
    /// [`wait_for_heads`]: Self::wait_for_heads
    /// [`last_frame_at`]: Self::last_frame_at
    pub async fn receive(&mut self) -> Result<Option<DocumentId>, SyncError> {
        let event = self.next_event().await?;
        let about = match &event {
            ClientEvent::Document(DocumentMessage::Sync { document_id, .. })
            | ClientEvent::Document(DocumentMessage::Request { document_id, .. }) => {
                Some(*document_id)
            }
            ClientEvent::ServerError { code, message, .. } => {
                return Err(SyncError::Rejected {
                    code: code.clone().unwrap_or_default(),
                    message: message.clone(),
                });
            }
            ClientEvent::DocUnavailable { .. } => return Err(SyncError::Unavailable),
            _ => None,
        };
        self.handle_background(event).await?;
        Ok(about)
    }

    async fn run_sync(&mut self, id: DocumentId, as_request: bool) -> Result<(), SyncError> {
        let mut first = true;
        loop {
            let local = self
                .docs
                .get_mut(&id)
                .expect("the document is held locally");
            let outgoing = local.doc.sync().generate_sync_message(&mut local.state);
            let acked = local.state.their_heads.as_deref() == Some(&local.doc.get_heads()[..]);
            if let Some(msg) = outgoing {
                let data = msg.encode();
                let message = if as_request && first {
                    self.handshake.request(id, data)
                } else {
                    self.handshake.sync(id, data)
                }
                .map_err(|e| SyncError::Protocol(e.to_string()))?;
                first = false;
                self.send(&message).await?;
            } else if acked {
                return Ok(());
            }
            let event = self.next_event().await?;
            match &event {
                ClientEvent::ServerError {
                    code,
                    message,
                    document_id,
                } if document_id.as_deref() == Some(&id.to_string()) || document_id.is_none() => {
                    return Err(SyncError::Rejected {
                        code: code.clone().unwrap_or_default(),
                        message: message.clone(),
                    });
                }
                ClientEvent::DocUnavailable { document_id } if *document_id == id => {
                    return Err(SyncError::Unavailable);
                }
                _ => self.handle_background(event).await?,
            }
        }
    }

    /// Applies a server message about any document we hold; answers if the protocol wants it.
    async fn handle_background(&mut self, event: ClientEvent) -> Result<(), SyncError> {
        match event {
            ClientEvent::Document(DocumentMessage::Sync { document_id, data })
            | ClientEvent::Document(DocumentMessage::Request { document_id, data }) => {
                let Some(local) = self.docs.get_mut(&document_id) else {
                    return Ok(());
                };
                let msg =
                    AmMessage::decode(&data).map_err(|e| SyncError::Protocol(e.to_string()))?;
                local
                    .doc
                    .sync()
                    .receive_sync_message(&mut local.state, msg)
                    .map_err(|e| SyncError::Protocol(e.to_string()))?;
                let reply = local.doc.sync().generate_sync_message(&mut local.state);
                if let Some(reply) = reply {
                    let message = self
                        .handshake
                        .sync(document_id, reply.encode())
                        .map_err(|e| SyncError::Protocol(e.to_string()))?;
                    self.send(&message).await?;
                }
                Ok(())
            }
            ClientEvent::Fatal(e) => Err(SyncError::Protocol(e.to_string())),
            _ => Ok(()),
        }
    }

    /// Closes the connection politely.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

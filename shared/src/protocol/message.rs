//! The wire messages of the automerge-repo WebSocket protocol and their CBOR encoding.
//!
//! automerge-repo encodes every message as a CBOR map with camelCase text keys, using cbor-x with
//! `tagUint8Array: false`, so binary payloads are plain byte strings. Decoding is deliberately
//! lenient where the JavaScript side is (unknown fields, `undefined` for absent optional values, a
//! tag 64 around byte strings, floats for numbers) and strict where a wrong shape would otherwise
//! be silently misread (a missing `senderId` or `data`).

use std::collections::BTreeMap;

use ciborium::Value;

use super::{PROTOCOL_VERSION, ProtocolError};

/// One message of the automerge-repo network protocol, in either direction.
///
/// Document ids are kept as the strings that came over the wire: whether one is valid is the
/// handshake's business ([`super::ServerHandshake`]), so that a bad id can be answered per
/// document rather than failing the whole frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// The first message a client sends: who it is and which protocol versions it speaks.
    Join {
        sender_id: String,
        peer_metadata: Option<PeerMetadata>,
        /// An absent field decodes as `["1"]`: clients from before protocol versioning spoke
        /// version 1, and the JavaScript server assumes the same.
        supported_protocol_versions: Vec<String>,
    },
    /// The server's answer to `join`: its own peer id and the version it chose.
    Peer {
        sender_id: String,
        target_id: String,
        peer_metadata: PeerMetadata,
        selected_protocol_version: String,
    },
    /// Something went wrong. Plain automerge-repo treats it as the end of the connection;
    /// Hearth adds `documentId` and a stable `code` so a client can tell which document was
    /// refused and why (for example `record_locked`).
    Error {
        sender_id: Option<String>,
        target_id: Option<String>,
        message: String,
        document_id: Option<String>,
        code: Option<String>,
    },
    /// "I do not have this document yet; here is my first sync message for it."
    Request {
        sender_id: String,
        target_id: String,
        document_id: String,
        data: Vec<u8>,
    },
    /// An Automerge sync message for one document.
    Sync {
        sender_id: String,
        target_id: String,
        document_id: String,
        data: Vec<u8>,
    },
    /// "Neither I nor anyone I know has this document."
    DocUnavailable {
        sender_id: String,
        target_id: String,
        document_id: String,
    },
    /// Application data that is relayed but never stored (presence, cursors). `session_id` and
    /// `count` let receivers drop the copies that gossip brings back around.
    Ephemeral {
        sender_id: String,
        target_id: String,
        document_id: String,
        session_id: String,
        count: u64,
        data: Vec<u8>,
    },
    /// automerge-repo 2.x gossip: a peer's view of another storage's heads for a document. Only
    /// sent by repos with `enableRemoteHeadsGossiping`; Hearth ignores it.
    RemoteHeadsChanged {
        sender_id: String,
        target_id: String,
        document_id: String,
        /// Keyed by storage id.
        new_heads: BTreeMap<String, RemoteHeads>,
    },
    /// automerge-repo 2.x gossip: subscribe to or unsubscribe from remote-heads news for some
    /// storage ids. Absent lists decode as empty. Hearth ignores it.
    RemoteSubscriptionChange {
        sender_id: String,
        target_id: String,
        add: Vec<String>,
        remove: Vec<String>,
    },
}

/// What a peer says about itself in `join` and `peer`: automerge-repo uses it to decide whether
/// to persist the sync state it keeps for that peer (only for non-ephemeral peers with storage).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    pub storage_id: Option<String>,
    pub is_ephemeral: bool,
}

/// The heads of one document in one storage, as gossiped in `remote-heads-changed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteHeads {
    /// automerge-repo's encoded change hashes (base58check strings).
    pub heads: Vec<String>,
    /// Milliseconds since the Unix epoch, as the sender's `Date.now()`.
    pub timestamp: u64,
}

impl Message {
    /// The protocol's `type` string for this message.
    pub fn type_name(&self) -> &'static str {
        match self {
            Message::Join { .. } => "join",
            Message::Peer { .. } => "peer",
            Message::Error { .. } => "error",
            Message::Request { .. } => "request",
            Message::Sync { .. } => "sync",
            Message::DocUnavailable { .. } => "doc-unavailable",
            Message::Ephemeral { .. } => "ephemeral",
            Message::RemoteHeadsChanged { .. } => "remote-heads-changed",
            Message::RemoteSubscriptionChange { .. } => "remote-subscription-change",
        }
    }

    /// The CBOR bytes automerge-repo expects for this message.
    pub fn encode(&self) -> Vec<u8> {
        let mut map = MapBuilder::new(self.type_name());
        match self {
            Message::Join {
                sender_id,
                peer_metadata,
                supported_protocol_versions,
            } => {
                map.text("senderId", sender_id);
                if let Some(metadata) = peer_metadata {
                    map.value("peerMetadata", metadata.to_value());
                }
                map.value(
                    "supportedProtocolVersions",
                    text_array(supported_protocol_versions),
                );
            }
            Message::Peer {
                sender_id,
                target_id,
                peer_metadata,
                selected_protocol_version,
            } => {
                map.text("senderId", sender_id);
                map.value("peerMetadata", peer_metadata.to_value());
                map.text("selectedProtocolVersion", selected_protocol_version);
                map.text("targetId", target_id);
            }
            Message::Error {
                sender_id,
                target_id,
                message,
                document_id,
                code,
            } => {
                map.opt_text("senderId", sender_id.as_deref());
                map.text("message", message);
                map.opt_text("targetId", target_id.as_deref());
                map.opt_text("documentId", document_id.as_deref());
                map.opt_text("code", code.as_deref());
            }
            Message::Request {
                sender_id,
                target_id,
                document_id,
                data,
            }
            | Message::Sync {
                sender_id,
                target_id,
                document_id,
                data,
            } => {
                map.text("senderId", sender_id);
                map.text("targetId", target_id);
                map.text("documentId", document_id);
                map.value("data", Value::Bytes(data.clone()));
            }
            Message::DocUnavailable {
                sender_id,
                target_id,
                document_id,
            } => {
                map.text("senderId", sender_id);
                map.text("targetId", target_id);
                map.text("documentId", document_id);
            }
            Message::Ephemeral {
                sender_id,
                target_id,
                document_id,
                session_id,
                count,
                data,
            } => {
                map.text("senderId", sender_id);
                map.text("targetId", target_id);
                map.text("documentId", document_id);
                map.text("sessionId", session_id);
                map.value("count", Value::Integer((*count).into()));
                map.value("data", Value::Bytes(data.clone()));
            }
            Message::RemoteHeadsChanged {
                sender_id,
                target_id,
                document_id,
                new_heads,
            } => {
                map.text("senderId", sender_id);
                map.text("targetId", target_id);
                map.text("documentId", document_id);
                let heads = new_heads
                    .iter()
                    .map(|(storage_id, heads)| (Value::Text(storage_id.clone()), heads.to_value()))
                    .collect();
                map.value("newHeads", Value::Map(heads));
            }
            Message::RemoteSubscriptionChange {
                sender_id,
                target_id,
                add,
                remove,
            } => {
                map.text("senderId", sender_id);
                map.text("targetId", target_id);
                if !add.is_empty() {
                    map.value("add", text_array(add));
                }
                if !remove.is_empty() {
                    map.value("remove", text_array(remove));
                }
            }
        }
        map.encode()
    }

    /// Reads one whole WebSocket frame. Trailing bytes are an error, as they are for cbor-x.
    pub fn decode(bytes: &[u8]) -> Result<Message, ProtocolError> {
        let mut reader = bytes;
        let value: Value = ciborium::from_reader(&mut reader)
            .map_err(|e| ProtocolError::Malformed(format!("not CBOR: {e}")))?;
        if !reader.is_empty() {
            return Err(ProtocolError::Malformed(format!(
                "{} bytes after the end of the message",
                reader.len()
            )));
        }
        let fields = Fields::new(value)?;
        let kind = fields.required_text("type")?;
        let message = match kind.as_str() {
            "join" => Message::Join {
                sender_id: fields.required_text("senderId")?,
                peer_metadata: fields.peer_metadata()?,
                supported_protocol_versions: fields
                    .optional_text_array("supportedProtocolVersions")?
                    .unwrap_or_else(|| vec![PROTOCOL_VERSION.to_owned()]),
            },
            "peer" => Message::Peer {
                sender_id: fields.required_text("senderId")?,
                target_id: fields.required_text("targetId")?,
                peer_metadata: fields.peer_metadata()?.unwrap_or_default(),
                selected_protocol_version: fields.required_text("selectedProtocolVersion")?,
            },
            "error" => Message::Error {
                sender_id: fields.optional_text("senderId")?,
                target_id: fields.optional_text("targetId")?,
                message: fields.optional_text("message")?.unwrap_or_default(),
                document_id: fields.optional_text("documentId")?,
                code: fields.optional_text("code")?,
            },
            "request" => Message::Request {
                sender_id: fields.required_text("senderId")?,
                target_id: fields.required_text("targetId")?,
                document_id: fields.required_text("documentId")?,
                data: fields.required_bytes("data")?,
            },
            "sync" => Message::Sync {
                sender_id: fields.required_text("senderId")?,
                target_id: fields.required_text("targetId")?,
                document_id: fields.required_text("documentId")?,
                data: fields.required_bytes("data")?,
            },
            "doc-unavailable" => Message::DocUnavailable {
                sender_id: fields.required_text("senderId")?,
                target_id: fields.required_text("targetId")?,
                document_id: fields.required_text("documentId")?,
            },
            "ephemeral" => Message::Ephemeral {
                sender_id: fields.required_text("senderId")?,
                target_id: fields.required_text("targetId")?,
                document_id: fields.required_text("documentId")?,
                session_id: fields.required_text("sessionId")?,
                count: fields.required_count("count")?,
                data: fields.required_bytes("data")?,
            },
            "remote-heads-changed" => Message::RemoteHeadsChanged {
                sender_id: fields.required_text("senderId")?,
                target_id: fields.required_text("targetId")?,
                document_id: fields.required_text("documentId")?,
                new_heads: fields.remote_heads("newHeads"),
            },
            "remote-subscription-change" => Message::RemoteSubscriptionChange {
                sender_id: fields.required_text("senderId")?,
                target_id: fields.required_text("targetId")?,
                add: fields.lenient_text_array("add"),
                remove: fields.lenient_text_array("remove"),
            },
            _ => return Err(ProtocolError::UnknownType(kind)),
        };
        Ok(message)
    }
}

impl PeerMetadata {
    fn to_value(&self) -> Value {
        let mut entries = Vec::with_capacity(2);
        if let Some(storage_id) = &self.storage_id {
            entries.push((
                Value::Text("storageId".into()),
                Value::Text(storage_id.clone()),
            ));
        }
        entries.push((
            Value::Text("isEphemeral".into()),
            Value::Bool(self.is_ephemeral),
        ));
        Value::Map(entries)
    }
}

impl RemoteHeads {
    fn to_value(&self) -> Value {
        Value::Map(vec![
            (Value::Text("heads".into()), text_array(&self.heads)),
            (
                Value::Text("timestamp".into()),
                Value::Integer(self.timestamp.into()),
            ),
        ])
    }

    /// Lenient: gossip the server ignores must not fail a frame, so bad parts become defaults.
    fn from_value(value: Value) -> Option<Self> {
        let fields = Fields::new(value).ok()?;
        Some(Self {
            heads: fields.lenient_text_array("heads"),
            timestamp: fields.get("timestamp").and_then(as_count).unwrap_or(0),
        })
    }
}

/// Builds a CBOR map in insertion order, `type` first as automerge-repo writes it.
struct MapBuilder(Vec<(Value, Value)>);

impl MapBuilder {
    fn new(kind: &str) -> Self {
        Self(vec![(Value::Text("type".into()), Value::Text(kind.into()))])
    }

    fn value(&mut self, key: &str, value: Value) {
        self.0.push((Value::Text(key.into()), value));
    }

    fn text(&mut self, key: &str, text: &str) {
        self.value(key, Value::Text(text.into()));
    }

    /// Absent rather than null: JavaScript reads a missing key as `undefined`, which is what
    /// automerge-repo's optional fields mean.
    fn opt_text(&mut self, key: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text(key, text);
        }
    }

    fn encode(self) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(&Value::Map(self.0), &mut out)
            .expect("writing an in-memory CBOR value to a Vec cannot fail");
        out
    }
}

fn text_array(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::Text).collect())
}

/// The text-keyed entries of a decoded CBOR map.
struct Fields(Vec<(String, Value)>);

impl Fields {
    fn new(value: Value) -> Result<Self, ProtocolError> {
        match untag(value) {
            Value::Map(entries) => Ok(Self(
                entries
                    .into_iter()
                    .filter_map(|(key, value)| match untag(key) {
                        Value::Text(key) => Some((key, untag(value))),
                        _ => None,
                    })
                    .collect(),
            )),
            _ => Err(ProtocolError::Malformed("not a CBOR map".into())),
        }
    }

    /// The value for `key`, treating CBOR null and undefined as absent. The last duplicate wins,
    /// as it does when JavaScript builds an object from the map.
    fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    fn optional_text(&self, key: &str) -> Result<Option<String>, ProtocolError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Text(text)) => Ok(Some(text.clone())),
            Some(_) => Err(wrong_shape(key, "a string")),
        }
    }

    fn required_text(&self, key: &str) -> Result<String, ProtocolError> {
        self.optional_text(key)?.ok_or_else(|| missing(key))
    }

    fn required_bytes(&self, key: &str) -> Result<Vec<u8>, ProtocolError> {
        match self.get(key) {
            None => Err(missing(key)),
            Some(Value::Bytes(bytes)) => Ok(bytes.clone()),
            Some(_) => Err(wrong_shape(key, "a byte string")),
        }
    }

    fn required_count(&self, key: &str) -> Result<u64, ProtocolError> {
        match self.get(key) {
            None => Err(missing(key)),
            Some(value) => {
                as_count(value).ok_or_else(|| wrong_shape(key, "a non-negative whole number"))
            }
        }
    }

    fn optional_text_array(&self, key: &str) -> Result<Option<Vec<String>>, ProtocolError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match untag_ref(item) {
                    Value::Text(text) => Ok(text.clone()),
                    _ => Err(wrong_shape(key, "an array of strings")),
                })
                .collect::<Result<_, _>>()
                .map(Some),
            Some(_) => Err(wrong_shape(key, "an array of strings")),
        }
    }

    /// For fields of messages the server ignores: whatever is not a string is dropped.
    fn lenient_text_array(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|item| match untag_ref(item) {
                    Value::Text(text) => Some(text.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn peer_metadata(&self) -> Result<Option<PeerMetadata>, ProtocolError> {
        let Some(value) = self.get("peerMetadata") else {
            return Ok(None);
        };
        let fields =
            Fields::new(value.clone()).map_err(|_| wrong_shape("peerMetadata", "a map"))?;
        Ok(Some(PeerMetadata {
            storage_id: fields.optional_text("storageId")?,
            // JavaScript treats a missing flag as false; so do we.
            is_ephemeral: match fields.get("isEphemeral") {
                None => false,
                Some(Value::Bool(flag)) => *flag,
                Some(_) => return Err(wrong_shape("isEphemeral", "a boolean")),
            },
        }))
    }

    fn remote_heads(&self, key: &str) -> BTreeMap<String, RemoteHeads> {
        let Some(Value::Map(entries)) = self.get(key) else {
            return BTreeMap::new();
        };
        entries
            .iter()
            .filter_map(|(storage_id, heads)| match untag_ref(storage_id) {
                Value::Text(storage_id) => {
                    Some((storage_id.clone(), RemoteHeads::from_value(heads.clone())?))
                }
                _ => None,
            })
            .collect()
    }
}

/// A JavaScript number used as a count or timestamp: cbor-x writes whole numbers beyond 32 bits
/// (such as `Date.now()`) as float64, so integral floats are accepted.
fn as_count(value: &Value) -> Option<u64> {
    match untag_ref(value) {
        Value::Integer(n) => u64::try_from(*n).ok(),
        Value::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64 => {
            Some(*f as u64)
        }
        _ => None,
    }
}

/// Strips CBOR tags: cbor-x with default options writes tag 64 around `Uint8Array`s, and a tag
/// never changes what automerge-repo means by a field.
fn untag(mut value: Value) -> Value {
    while let Value::Tag(_, inner) = value {
        value = *inner;
    }
    value
}

fn untag_ref(mut value: &Value) -> &Value {
    while let Value::Tag(_, inner) = value {
        value = inner;
    }
    value
}

fn missing(key: &str) -> ProtocolError {
    ProtocolError::Malformed(format!("missing field `{key}`"))
}

fn wrong_shape(key: &str, expected: &str) -> ProtocolError {
    ProtocolError::Malformed(format!("field `{key}` is not {expected}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Frames written by automerge-repo 2.5 (cbor-x, as `src/helpers/cbor.ts` configures it),
    // produced by `shared/tests/fixtures/automerge_repo_frames.cjs`.
    const JOIN_WITH_STORAGE: &str = "b900046474797065646a6f696e6873656e646572496468636c69656e742d616c706565724d65746164617461b900026973746f726167654964782436623563393034312d356466312d343136612d393965612d3664313033343433646434626b6973457068656d6572616cf47819737570706f7274656450726f746f636f6c56657273696f6e73816131";
    const JOIN_EPHEMERAL: &str = "b900046474797065646a6f696e6873656e646572496468636c69656e742d626c706565724d65746164617461b900026973746f726167654964f76b6973457068656d6572616cf57819737570706f7274656450726f746f636f6c56657273696f6e73816131";
    const PEER: &str = "b90005647479706564706565726873656e64657249646b7365727665722d706565726c706565724d65746164617461b900026973746f726167654964782434363936613465312d626161652d346361342d613339332d6361313637383132333336616b6973457068656d6572616cf47773656c656374656450726f746f636f6c56657273696f6e613168746172676574496468636c69656e742d61";
    const REQUEST: &str = "b90005647479706567726571756573746874617267657449646b7365727665722d706565726a646f63756d656e744964781c326155335864627a48376979667669383343467277754c514a43397364646174614a420000010000000202846873656e646572496468636c69656e742d62";
    const SYNC: &str = "b9000564747970656473796e6368746172676574496468636c69656e742d62646461746158d44301c6ca05cc5c70d1f8788c9b718dcb86ab026263f40b37bd960bc26520e7d2fb9c00010005010a07440001a301856f4a8332e2a8c10098010110aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01c6ca05cc5c70d1f8788c9b718dcb86ab026263f40b37bd960bc26520e7d2fb9c060102030213022302400256020c010402041104130715092102230234024204560457058001027f007f017f067f007f007f0700010500000105010002040000017e000203017f057469746c6500050600060101057f0405017f00051668656c6c6f0600000202846a646f63756d656e744964781c326155335864627a48376979667669383343467277754c514a4339736873656e64657249646b7365727665722d70656572";
    const DOC_UNAVAILABLE: &str = "b9000464747970656f646f632d756e617661696c61626c656a646f63756d656e744964781c326155335864627a48376979667669383343467277754c514a43397368746172676574496468636c69656e742d626873656e64657249646b7365727665722d70656572";
    const EPHEMERAL: &str = "b90007647479706569657068656d6572616c6874617267657449646b7365727665722d706565726a646f63756d656e744964781c326155335864627a48376979667669383343467277754c514a43397364646174614bb9000166637572736f720165636f756e74016973657373696f6e49646b6a636f67637a32747433386873656e646572496468636c69656e742d62";
    const ERROR: &str = "b900046474797065656572726f726873656e64657249646b7365727665722d70656572676d657373616765781c756e737570706f727465642070726f746f636f6c2076657273696f6e68746172676574496468636c69656e742d63";
    const REMOTE_HEADS_CHANGED: &str = "b9000564747970657472656d6f74652d68656164732d6368616e6765646874617267657449646b7365727665722d706565726a646f63756d656e744964781c326155335864627a48376979667669383343467277754c514a433973686e65774865616473b90001782434363936613465312d626161652d346361342d613339332d636131363738313233333661b90002656865616473816a336671315371376e41706974696d657374616d70fb4279abd75b87b0006873656e646572496468636c69656e742d61";
    const REMOTE_SUBSCRIPTION_CHANGE: &str = "b900046474797065781a72656d6f74652d737562736372697074696f6e2d6368616e67656874617267657449646b7365727665722d706565726361646481782434363936613465312d626161652d346361342d613339332d6361313637383132333336616873656e646572496468636c69656e742d61";
    const SYNC_TAGGED: &str = "b9000564747970656473796e6368746172676574496468636c69656e742d626464617461d84058d44301c6ca05cc5c70d1f8788c9b718dcb86ab026263f40b37bd960bc26520e7d2fb9c00010005010a07440001a301856f4a8332e2a8c10098010110aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01c6ca05cc5c70d1f8788c9b718dcb86ab026263f40b37bd960bc26520e7d2fb9c060102030213022302400256020c010402041104130715092102230234024204560457058001027f007f017f067f007f007f0700010500000105010002040000017e000203017f057469746c6500050600060101057f0405017f00051668656c6c6f0600000202846a646f63756d656e744964781c326155335864627a48376979667669383343467277754c514a4339736873656e64657249646b7365727665722d70656572";

    const DOCUMENT_ID: &str = "2aU3XdbzH7iyfvi83CFrwuLQJC9s";

    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn decode_hex(hex: &str) -> Message {
        Message::decode(&unhex(hex)).unwrap()
    }

    fn every_message_type() -> Vec<Message> {
        vec![
            Message::Join {
                sender_id: "client-a".into(),
                peer_metadata: Some(PeerMetadata {
                    storage_id: Some("storage-a".into()),
                    is_ephemeral: false,
                }),
                supported_protocol_versions: vec!["1".into()],
            },
            Message::Join {
                sender_id: "client-b".into(),
                peer_metadata: None,
                supported_protocol_versions: vec!["2".into()],
            },
            Message::Peer {
                sender_id: "server".into(),
                target_id: "client-a".into(),
                peer_metadata: PeerMetadata {
                    storage_id: None,
                    is_ephemeral: true,
                },
                selected_protocol_version: "1".into(),
            },
            Message::Error {
                sender_id: Some("server".into()),
                target_id: Some("client-a".into()),
                message: "this visit note is locked".into(),
                document_id: Some(DOCUMENT_ID.into()),
                code: Some("record_locked".into()),
            },
            Message::Error {
                sender_id: None,
                target_id: None,
                message: "bad".into(),
                document_id: None,
                code: None,
            },
            Message::Request {
                sender_id: "client-a".into(),
                target_id: "server".into(),
                document_id: DOCUMENT_ID.into(),
                data: vec![0x42, 0, 0, 1, 0],
            },
            Message::Sync {
                sender_id: "server".into(),
                target_id: "client-a".into(),
                document_id: DOCUMENT_ID.into(),
                data: vec![0x43, 1, 2, 3],
            },
            Message::DocUnavailable {
                sender_id: "server".into(),
                target_id: "client-a".into(),
                document_id: DOCUMENT_ID.into(),
            },
            Message::Ephemeral {
                sender_id: "client-a".into(),
                target_id: "server".into(),
                document_id: DOCUMENT_ID.into(),
                session_id: "s1".into(),
                count: u64::from(u32::MAX) + 7,
                data: vec![0xa0],
            },
            Message::RemoteHeadsChanged {
                sender_id: "client-a".into(),
                target_id: "server".into(),
                document_id: DOCUMENT_ID.into(),
                new_heads: BTreeMap::from([(
                    "storage-a".into(),
                    RemoteHeads {
                        heads: vec!["3fq1Sq7nAp".into()],
                        timestamp: 1_764_115_200_123,
                    },
                )]),
            },
            Message::RemoteSubscriptionChange {
                sender_id: "client-a".into(),
                target_id: "server".into(),
                add: vec!["storage-a".into()],
                remove: vec!["storage-b".into(), "storage-c".into()],
            },
        ]
    }

    #[test]
    fn every_message_type_round_trips() {
        for message in every_message_type() {
            assert_eq!(Message::decode(&message.encode()).unwrap(), message);
        }
    }

    #[test]
    fn reads_the_join_of_a_repo_with_storage() {
        assert_eq!(
            decode_hex(JOIN_WITH_STORAGE),
            Message::Join {
                sender_id: "client-a".into(),
                peer_metadata: Some(PeerMetadata {
                    storage_id: Some("6b5c9041-5df1-416a-99ea-6d103443dd4b".into()),
                    is_ephemeral: false,
                }),
                supported_protocol_versions: vec!["1".into()],
            }
        );
    }

    #[test]
    fn reads_undefined_storage_id_as_absent() {
        assert_eq!(
            decode_hex(JOIN_EPHEMERAL),
            Message::Join {
                sender_id: "client-b".into(),
                peer_metadata: Some(PeerMetadata {
                    storage_id: None,
                    is_ephemeral: true,
                }),
                supported_protocol_versions: vec!["1".into()],
            }
        );
    }

    #[test]
    fn reads_automerge_repo_peer_request_unavailable_and_error() {
        assert_eq!(
            decode_hex(PEER),
            Message::Peer {
                sender_id: "server-peer".into(),
                target_id: "client-a".into(),
                peer_metadata: PeerMetadata {
                    storage_id: Some("4696a4e1-baae-4ca4-a393-ca167812336a".into()),
                    is_ephemeral: false,
                },
                selected_protocol_version: "1".into(),
            }
        );
        let Message::Request {
            sender_id,
            target_id,
            document_id,
            data,
        } = decode_hex(REQUEST)
        else {
            panic!("not a request");
        };
        assert_eq!(
            (sender_id.as_str(), target_id.as_str()),
            ("client-b", "server-peer")
        );
        assert_eq!(document_id, DOCUMENT_ID);
        assert!(automerge::sync::Message::decode(&data).is_ok());
        assert_eq!(
            decode_hex(DOC_UNAVAILABLE),
            Message::DocUnavailable {
                sender_id: "server-peer".into(),
                target_id: "client-b".into(),
                document_id: DOCUMENT_ID.into(),
            }
        );
        assert_eq!(
            decode_hex(ERROR),
            Message::Error {
                sender_id: Some("server-peer".into()),
                target_id: Some("client-c".into()),
                message: "unsupported protocol version".into(),
                document_id: None,
                code: None,
            }
        );
    }

    #[test]
    fn reads_an_automerge_js_sync_message_inside_a_repo_frame() {
        let Message::Sync { data, .. } = decode_hex(SYNC) else {
            panic!("not a sync message");
        };
        let proposal =
            crate::sync::receive(&automerge::Automerge::new(), &Default::default(), &data).unwrap();
        use automerge::ReadDoc;
        // automerge-js 3 stores strings as text objects.
        let (_, title) = proposal.doc.get(automerge::ROOT, "title").unwrap().unwrap();
        assert_eq!(proposal.doc.text(&title).unwrap(), "hello");
    }

    #[test]
    fn tolerates_tag_64_around_byte_strings() {
        assert_eq!(decode_hex(SYNC_TAGGED), decode_hex(SYNC));
    }

    #[test]
    fn reads_ephemeral_and_gossip_messages() {
        assert_eq!(
            decode_hex(EPHEMERAL),
            Message::Ephemeral {
                sender_id: "client-b".into(),
                target_id: "server-peer".into(),
                document_id: DOCUMENT_ID.into(),
                session_id: "jcogcz2tt38".into(),
                count: 1,
                data: unhex("b9000166637572736f7201"),
            }
        );
        // The timestamp is `Date.now()`, which cbor-x writes as a float64.
        assert_eq!(
            decode_hex(REMOTE_HEADS_CHANGED),
            Message::RemoteHeadsChanged {
                sender_id: "client-a".into(),
                target_id: "server-peer".into(),
                document_id: DOCUMENT_ID.into(),
                new_heads: BTreeMap::from([(
                    "4696a4e1-baae-4ca4-a393-ca167812336a".into(),
                    RemoteHeads {
                        heads: vec!["3fq1Sq7nAp".into()],
                        timestamp: 1_764_115_200_123,
                    },
                )]),
            }
        );
        assert_eq!(
            decode_hex(REMOTE_SUBSCRIPTION_CHANGE),
            Message::RemoteSubscriptionChange {
                sender_id: "client-a".into(),
                target_id: "server-peer".into(),
                add: vec!["4696a4e1-baae-4ca4-a393-ca167812336a".into()],
                remove: vec![],
            }
        );
    }

    /// Pins what Hearth writes; `automerge_repo_frames.cjs` checks that cbor-x reads these
    /// exact bytes back as the same object.
    #[test]
    fn rust_encoding_is_pinned() {
        let peer = Message::Peer {
            sender_id: "server-peer".into(),
            target_id: "client-a".into(),
            peer_metadata: PeerMetadata {
                storage_id: Some("storage-1".into()),
                is_ephemeral: false,
            },
            selected_protocol_version: "1".into(),
        };
        let sync = Message::Sync {
            sender_id: "server-peer".into(),
            target_id: "client-a".into(),
            document_id: DOCUMENT_ID.into(),
            data: vec![0x43, 0, 1],
        };
        let error = Message::Error {
            sender_id: Some("server-peer".into()),
            target_id: Some("client-a".into()),
            message: "locked".into(),
            document_id: Some(DOCUMENT_ID.into()),
            code: Some("record_locked".into()),
        };
        let unavailable = Message::DocUnavailable {
            sender_id: "server-peer".into(),
            target_id: "client-a".into(),
            document_id: DOCUMENT_ID.into(),
        };
        let written: Vec<String> = [peer, sync, error, unavailable]
            .iter()
            .map(|message| hex(&message.encode()))
            .collect();
        assert_eq!(
            written,
            [
                PINNED_PEER,
                PINNED_SYNC,
                PINNED_ERROR,
                PINNED_DOC_UNAVAILABLE
            ]
        );
    }

    const PINNED_PEER: &str = "a5647479706564706565726873656e64657249646b7365727665722d706565726c706565724d65746164617461a26973746f7261676549646973746f726167652d316b6973457068656d6572616cf47773656c656374656450726f746f636f6c56657273696f6e613168746172676574496468636c69656e742d61";
    const PINNED_SYNC: &str = "a564747970656473796e636873656e64657249646b7365727665722d7065657268746172676574496468636c69656e742d616a646f63756d656e744964781c326155335864627a48376979667669383343467277754c514a433973646461746143430001";
    const PINNED_ERROR: &str = "a66474797065656572726f726873656e64657249646b7365727665722d70656572676d657373616765666c6f636b656468746172676574496468636c69656e742d616a646f63756d656e744964781c326155335864627a48376979667669383343467277754c514a43397364636f64656d7265636f72645f6c6f636b6564";
    const PINNED_DOC_UNAVAILABLE: &str = "a464747970656f646f632d756e617661696c61626c656873656e64657249646b7365727665722d7065657268746172676574496468636c69656e742d616a646f63756d656e744964781c326155335864627a48376979667669383343467277754c514a433973";

    #[test]
    fn ignores_unknown_fields() {
        let frame = cbor(vec![
            ("type", Value::Text("doc-unavailable".into())),
            ("senderId", Value::Text("s".into())),
            ("targetId", Value::Text("t".into())),
            ("documentId", Value::Text(DOCUMENT_ID.into())),
            ("futureField", Value::Array(vec![Value::Bool(true)])),
        ]);
        assert!(matches!(
            Message::decode(&frame),
            Ok(Message::DocUnavailable { .. })
        ));
    }

    #[test]
    fn a_join_without_versions_is_a_version_1_join() {
        let frame = cbor(vec![
            ("type", Value::Text("join".into())),
            ("senderId", Value::Text("old-client".into())),
        ]);
        assert_eq!(
            Message::decode(&frame).unwrap(),
            Message::Join {
                sender_id: "old-client".into(),
                peer_metadata: None,
                supported_protocol_versions: vec!["1".into()],
            }
        );
    }

    #[test]
    fn rejects_frames_that_are_not_messages() {
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xff, 0x00],
            unhex("83010203"), // an array
            cbor(vec![("senderId", Value::Text("s".into()))]),
            cbor(vec![
                ("type", Value::Text("sync".into())),
                ("senderId", Value::Text("s".into())),
                ("targetId", Value::Text("t".into())),
                ("documentId", Value::Text(DOCUMENT_ID.into())),
            ]),
            cbor(vec![
                ("type", Value::Text("sync".into())),
                ("senderId", Value::Text("s".into())),
                ("targetId", Value::Text("t".into())),
                ("documentId", Value::Text(DOCUMENT_ID.into())),
                ("data", Value::Text("not bytes".into())),
            ]),
            cbor(vec![
                ("type", Value::Text("ephemeral".into())),
                ("senderId", Value::Text("s".into())),
                ("targetId", Value::Text("t".into())),
                ("documentId", Value::Text(DOCUMENT_ID.into())),
                ("sessionId", Value::Text("x".into())),
                ("count", Value::Integer((-1).into())),
                ("data", Value::Bytes(vec![])),
            ]),
        ];
        for frame in cases {
            let error = Message::decode(&frame).unwrap_err();
            assert_eq!(error.code(), "malformed_message", "{frame:02x?}: {error}");
        }
    }

    #[test]
    fn rejects_trailing_bytes_as_cbor_x_does() {
        let mut frame = decode_hex(PEER).encode();
        frame.push(0);
        assert_eq!(
            Message::decode(&frame).unwrap_err().code(),
            "malformed_message"
        );
    }

    #[test]
    fn names_an_unknown_type() {
        let frame = cbor(vec![
            ("type", Value::Text("presence".into())),
            ("senderId", Value::Text("s".into())),
        ]);
        assert_eq!(
            Message::decode(&frame),
            Err(ProtocolError::UnknownType("presence".into()))
        );
    }

    fn cbor(entries: Vec<(&str, Value)>) -> Vec<u8> {
        let map = Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Value::Text(k.into()), v))
                .collect(),
        );
        let mut out = Vec::new();
        ciborium::into_writer(&map, &mut out).unwrap();
        out
    }
}

//! Any sequence of frames to the server's handshake (and the same frames to the client's):
//! nothing panics, a `join` is answered with a `peer` the client accepts, every refusal is an
//! `error` the client reads as one, and document messages only flow after the join.
//!
//! Input: frames, each a 2-byte big-endian length then that many bytes (a short last frame is
//! taken as it is).

#![no_main]

use hearth_shared::protocol::{
    ClientEvent, ClientHandshake, HandshakeEvent, Message, PeerMetadata, ServerHandshake,
};
use libfuzzer_sys::fuzz_target;

fn fresh_client() -> ClientHandshake {
    ClientHandshake::new(
        "fuzz-client".into(),
        PeerMetadata {
            storage_id: None,
            is_ephemeral: true,
        },
    )
}

/// A reply the server sends must decode as itself and mean to a client what the server meant.
fn sent(reply: &Message) -> ClientEvent {
    let bytes = reply.encode();
    assert_eq!(
        Message::decode(&bytes).as_ref(),
        Ok(reply),
        "a reply survives the wire"
    );
    fresh_client().on_frame(&bytes)
}

fuzz_target!(|input: &[u8]| hearth_fuzz::run(|| {
    let mut server = ServerHandshake::new("server-peer".into(), "storage-fuzz".into());
    let mut client = fresh_client();
    for frame in hearth_fuzz::frames(input) {
        let joined_before = server.remote_peer_id().is_some();
        match server.on_frame(frame) {
            HandshakeEvent::Joined {
                reply,
                remote_peer_id,
            } => {
                assert!(!joined_before, "a second join is refused, not accepted");
                assert_eq!(server.remote_peer_id(), Some(remote_peer_id.as_str()));
                assert!(
                    matches!(sent(&reply), ClientEvent::Connected { .. }),
                    "the client accepts the server's peer message"
                );
            }
            HandshakeEvent::Document(message) => {
                assert!(joined_before, "no document message before the join");
                let id = message.document_id();
                assert_eq!(id.to_string().parse().ok(), Some(id));
            }
            HandshakeEvent::Reject { reply } | HandshakeEvent::Fatal { reply } => {
                assert!(
                    matches!(sent(&reply), ClientEvent::ServerError { .. }),
                    "a refusal reaches the client as an error"
                );
            }
            HandshakeEvent::Ignored => {}
        }
        let _ = client.on_frame(frame);
    }
}));

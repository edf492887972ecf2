//! Inputs the fuzzers (`fuzz/`) found that once made the shared core panic. Each is what a peer
//! could send over `/sync`; each must now be refused with an error the server can answer, not
//! a panic in the connection's task.

use automerge::Automerge;
use automerge::sync::{self, ChunkList, SyncDoc};
use hearth_shared::sync::{decode, receive};

/// A bundle chunk (type 3) whose id-counter column ends half-way through a LEB128 number.
/// Found by `change_ingestion` in its first minute: automerge 0.12's parser unwraps it (in
/// `hexane`) and panics.
const TRUNCATED_BUNDLE: &[u8] = &[
    0x85, 0x6f, 0x4a, 0x83, 0xfb, 0xcf, 0x0a, 0x5c, 0x03, 0x31, 0x01, 0x00, 0x25, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x03, 0x00, 0x95, 0x00, 0x00, 0x0b, 0x00,
    0x01, 0x01, 0x26, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x23, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0xff, 0xff, 0x00, 0xf6, 0xa6, 0xa7,
    0xff,
];

/// A sync message from an empty peer carrying `chunk` as its changes.
fn message_carrying(chunk: &[u8]) -> Vec<u8> {
    let mut state = sync::State::new();
    let mut message = Automerge::new()
        .generate_sync_message(&mut state)
        .expect("an empty document starts a sync");
    message.changes = ChunkList::from(vec![chunk.to_vec()]);
    message.encode()
}

#[test]
fn a_sync_message_carrying_a_truncated_bundle_is_refused_as_corrupt() {
    let message = message_carrying(TRUNCATED_BUNDLE);
    let refused = decode(&message).expect_err("the chunk does not parse");
    assert_eq!(refused.code(), "corrupt_sync_message");
    let refused = receive(&Automerge::new(), &sync::State::new(), &message)
        .expect_err("the stand-in path refuses it too");
    assert_eq!(refused.code(), "corrupt_sync_message");
}

/// A bundle chunk whose delta-encoded column claims about 2^29 values: automerge 0.12's bundle
/// parser allocates for them up front (4 GiB) and the allocation failure aborts the process, so
/// one small sync message from any signed-in peer could stop the server. Found by
/// `change_ingestion` (`fuzz/findings/change_ingestion-oom-automerge-load`, from byte 3); sync
/// now refuses bundles outright, before automerge parses them.
#[test]
fn a_sync_message_carrying_a_bundle_is_refused_before_automerge_parses_it() {
    let finding = include_bytes!("../../fuzz/findings/change_ingestion-oom-automerge-load");
    let bundle = &finding[3..3 + 11 + 0x43];
    assert_eq!(bundle[8], 3, "a bundle chunk");
    let message = message_carrying(bundle);
    let refused = decode(&message).expect_err("bundles are refused");
    assert_eq!(refused.code(), "corrupt_sync_message");
    let refused = receive(&Automerge::new(), &sync::State::new(), &message)
        .expect_err("the stand-in path refuses it too");
    assert_eq!(refused.code(), "corrupt_sync_message");
}

/// A peer that holds nothing of a document it may only write (a kiosk's tablet after its
/// answers were acknowledged and deleted) and speaks automerge's v2 messages is answered with
/// an *empty* document chunk: no content, though `changes` is not empty. Found by
/// `change_ingestion`: `carries_changes` counted it as content, so the debug assertion in
/// `outgoing_without_content` panicked (in the debug-built server the end-to-end tests run).
#[test]
fn a_write_only_peer_holding_nothing_is_answered_without_content_or_panic() {
    let mut stored = automerge::AutoCommit::new();
    automerge::transaction::Transactable::put(&mut stored, automerge::ROOT, "kind", "response")
        .expect("a put");
    stored.commit();
    let stored = stored.document().clone();

    let mut peer_state = sync::State::new();
    let hello = Automerge::new()
        .generate_sync_message(&mut peer_state)
        .expect("an empty peer says hello");
    let mut server = stored.clone();
    let mut server_state = sync::State::new();
    server
        .receive_sync_message(&mut server_state, hello)
        .expect("the server reads it");

    let reply = hearth_shared::sync::outgoing_without_content(&server, &mut server_state);
    assert!(
        reply
            .as_deref()
            .is_none_or(|reply| !hearth_shared::sync::carries_changes(reply)),
        "the reply carries nothing of the stored document"
    );
}

/// A write-only peer whose bloom filter claims it lacks its own change is sent that change back:
/// nothing it did not have, but the message carries changes, which the debug assertion once in
/// `outgoing_without_content` took for content and panicked on (found by `change_ingestion`).
#[test]
fn a_write_only_peer_lying_about_its_own_changes_gets_only_its_own_history_back() {
    use automerge::transaction::Transactable;

    let mut server_doc = automerge::AutoCommit::new();
    server_doc
        .put(automerge::ROOT, "kind", "response")
        .expect("a put");
    server_doc.commit();
    let stored = server_doc.document().clone();

    // The peer has the stored change and one of its own.
    let mut peer = automerge::AutoCommit::load(&stored.save()).expect("loads");
    peer.put(automerge::ROOT, "state", "submitted")
        .expect("a put");
    peer.commit();
    let own = peer.get_heads();
    let mut message = sync::Message {
        heads: own.clone(),
        need: Vec::new(),
        have: vec![sync::Have {
            last_sync: stored.get_heads(),
            bloom: sync::BloomFilter::default(),
        }],
        changes: ChunkList::from(vec![peer.save_after(&stored.get_heads())]),
        flags: None,
        version: sync::MessageVersion::V2,
    };
    // As the fuzzer's input: the peer advertises v2 support.
    message.flags = Automerge::new()
        .generate_sync_message(&mut sync::State::new())
        .expect("a hello")
        .flags;

    let mut server = stored.clone();
    let received = hearth_shared::sync::receive_in_place(
        &mut server,
        &sync::State::new(),
        hearth_shared::sync::decode(&message.encode()).expect("a well-formed message"),
    )
    .expect("the change applies");
    let mut state = received.state;
    let reply = hearth_shared::sync::outgoing_without_content(&server, &mut state)
        .expect("the server answers");
    let reply = sync::Message::decode(&reply).expect("the reply decodes");
    let mut sent_back = Automerge::new();
    sent_back
        .load_incremental(&stored.save())
        .expect("the stored document");
    for chunk in reply.changes.iter() {
        sent_back
            .load_incremental(chunk)
            .expect("the reply's changes load");
    }
    assert_eq!(
        sent_back.get_heads(),
        own,
        "only the peer's own history came back"
    );
}

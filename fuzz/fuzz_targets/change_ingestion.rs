//! An arbitrary stored document and an arbitrary sync message from a peer, through what the
//! server does with them: `sync::receive` (the copy, used for stand-ins), `sync::decode` +
//! `sync::receive_in_place` (the real path), then `rules::validate` and `rules::check_change`
//! as each role. Nothing panics; both paths agree on whether the document gained changes; and
//! the chunk the server would store, appended to the document's bytes, loads as the document.
//!
//! Input: one byte choosing the author, a 2-byte big-endian length, that many bytes of stored
//! document (none: a new, empty document), then the sync message.

#![no_main]

use automerge::ReadDoc;
use automerge::sync::State;
use hearth_shared::permissions::{Actor, Role};
use hearth_shared::{rules, sync};
use libfuzzer_sys::fuzz_target;

const ROLES: [Role; 6] = [
    Role::Member,
    Role::Manager,
    Role::Officer,
    Role::ParticipationWorker,
    Role::YoungPerson,
    Role::Admin,
];

/// The author: a role, and a user id the seeds' records name (`m1`, `mgr1`, `pw1`, `yp1`) or not.
fn actor(choice: u8) -> Actor {
    let role = ROLES[usize::from(choice) % ROLES.len()];
    let user_id = match (role, choice / 6 % 2) {
        (_, 1) => "someone-else",
        (Role::Member, _) => "m1",
        (Role::Manager, _) => "mgr1",
        (Role::ParticipationWorker, _) => "pw1",
        (Role::YoungPerson, _) => "yp1",
        (Role::Officer, _) => "officer-1",
        (Role::Admin, _) => "admin-1",
    };
    Actor {
        user_id: user_id.into(),
        role,
        homes: vec!["home-1".into()],
    }
}

fuzz_target!(|input: &[u8]| hearth_fuzz::run(|| {
    if input.len() < 3 {
        return;
    }
    let author = actor(input[0]);
    let length = usize::from(u16::from_be_bytes([input[1], input[2]]));
    let rest = &input[3..];
    let (stored, message) = rest.split_at(length.min(rest.len()));
    let stored = if stored.is_empty() {
        Vec::new()
    } else {
        stored.to_vec()
    };
    // Stored bytes are what the server itself wrote, not a peer's: automerge 0.12 panics on
    // some corrupt documents, and such an input says nothing about the server's receive path.
    let Ok(Ok(doc)) = std::panic::catch_unwind(|| sync::load_chunks(&[stored])) else {
        return;
    };
    let before = rules::validate(&doc).ok();
    let state = State::new();

    // The copy (`receive`): what the server does for a document the peer may not read.
    let copied = sync::receive(&doc, &state, message);

    // In place, as the server's ordinary path does it.
    let mut in_place = doc.clone();
    let received =
        sync::decode(message).and_then(|m| sync::receive_in_place(&mut in_place, &state, m));

    let (copied, received) = match (copied, received) {
        (Ok(copied), Ok(received)) => (copied, received),
        // Refused either way: the server discards its document, nothing is stored.
        (Err(_), Err(_)) => return,
        (copied, received) => panic!(
            "the two paths disagree on accepting the message: copy {:?}, in place {:?}",
            copied.err(),
            received.err()
        ),
    };
    assert_eq!(copied.new_chunk.is_some(), received.new_chunk.is_some());
    assert_eq!(copied.doc.get_heads(), in_place.get_heads());

    if let Some(chunk) = &received.new_chunk {
        let stored = sync::load_chunks(&[doc.save(), chunk.clone()])
            .expect("what the server appends loads with what it had");
        assert_eq!(stored.get_heads(), in_place.get_heads());
        if let Ok(after) = rules::validate(&in_place) {
            let _ = rules::check_change(before.as_ref(), &after, &author);
            let _ = rules::check_change(None, &after, &author);
            let _ = after.meta();
        }
    }
    let mut reply_state = received.state.clone();
    let _ = sync::outgoing(&in_place, &mut reply_state);
    let mut write_only_state = received.state.clone();
    if let Some(reply) = sync::outgoing_without_content(&in_place, &mut write_only_state) {
        // A write-only peer (a kiosk) is sent nothing beyond the history of the heads it named
        // itself: load the reply onto that history and nothing may be added.
        let named: Vec<_> = received
            .state
            .their_heads
            .iter()
            .flatten()
            .filter(|hash| in_place.get_change_by_hash(hash).is_some())
            .copied()
            .collect();
        let mut peer_history = in_place.fork_at(&named).expect("heads the document has");
        let before = peer_history.get_heads();
        let reply = automerge::sync::Message::decode(&reply).expect("the server's reply decodes");
        for chunk in reply.changes.iter() {
            let _ = peer_history.load_incremental(chunk);
        }
        assert_eq!(
            peer_history.get_heads(),
            before,
            "a write-only peer is sent nothing beyond its own history"
        );
    }
}));

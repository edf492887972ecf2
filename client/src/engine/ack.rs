//! The server's acknowledgement of a keystroke, taken without walking the history.
//!
//! automerge's `receive_sync_message` trims the hashes sent this session with
//! `filter_changes`, which visits every ancestor of the sender's heads whatever is left to trim:
//! with a 10,000-change record that was 5 ms natively, and more in the browser, for every reply
//! the server sends while someone types. When the reply carries no changes and the server's heads
//! are exactly ours, the outcome is known without the walk: everything we sent is an ancestor of
//! our own heads, so nothing sent is left to trim. [`receive`] sets the sync state to exactly
//! what automerge would (a unit test compares the two); anything else goes through automerge.

use automerge::ChangeHash;
use automerge::sync::{Message, State};

/// Whether `message` only says the peer has everything we have (`ours`: our heads).
pub(super) fn is_acknowledgement(message: &Message, ours: &[ChangeHash]) -> bool {
    message.changes.is_empty() && message.heads == ours
}

/// What automerge's `receive_sync_message` does with an [`is_acknowledgement`] message.
pub(super) fn receive(state: &mut State, message: Message) {
    state.in_flight = false;
    hearth_shared::sync::take_peer_flags(state, message.flags);
    // Every hash sent is one of our changes, hence an ancestor of (or one of) their heads.
    state.sent_hashes.clear();
    state.last_sent_heads.clone_from(&message.heads);
    state.shared_heads.clone_from(&message.heads);
    state.their_have = Some(message.have);
    state.their_heads = Some(message.heads);
    state.their_need = Some(message.need);
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};

    /// Two peers synced, then `ours` types a character and sends it: the peer's reply is the
    /// acknowledgement, with our sync state as it was before receiving it.
    fn typed_and_acknowledged() -> (AutoCommit, State, Message) {
        let mut ours = AutoCommit::new();
        let text = ours.put_object(ROOT, "premises", ObjType::Text).unwrap();
        for n in 0..50 {
            ours.splice_text(&text, 0, 0, &format!("room {n} "))
                .unwrap();
            ours.commit();
        }
        let mut theirs = AutoCommit::new();
        let (mut our_state, mut their_state) = (State::new(), State::new());
        let mut exchange = |ours: &mut AutoCommit, our_state: &mut State| {
            for _ in 0..10 {
                if let Some(m) = ours.sync().generate_sync_message(our_state) {
                    theirs
                        .sync()
                        .receive_sync_message(&mut their_state, m)
                        .unwrap();
                }
                if let Some(m) = theirs.sync().generate_sync_message(&mut their_state) {
                    ours.sync().receive_sync_message(our_state, m).unwrap();
                }
            }
        };
        exchange(&mut ours, &mut our_state);
        ours.splice_text(&text, 3, 0, "x").unwrap();
        ours.commit();
        let sent = ours.sync().generate_sync_message(&mut our_state).unwrap();
        theirs
            .sync()
            .receive_sync_message(&mut their_state, sent)
            .unwrap();
        let reply = theirs
            .sync()
            .generate_sync_message(&mut their_state)
            .unwrap();
        (ours, our_state, reply)
    }

    #[test]
    fn an_acknowledgement_leaves_the_sync_state_exactly_as_automerge_would() {
        let (mut ours, state, reply) = typed_and_acknowledged();
        assert!(is_acknowledgement(&reply, &ours.get_heads()));
        assert!(!state.sent_hashes.is_empty(), "the keystroke was in flight");
        let mut fast = state.clone();
        receive(&mut fast, reply.clone());
        let mut slow = state;
        ours.sync().receive_sync_message(&mut slow, reply).unwrap();
        assert_eq!(fast, slow);
        // And both say there is nothing more to send.
        assert!(ours.sync().generate_sync_message(&mut fast).is_none());
    }

    #[test]
    fn a_reply_with_changes_or_other_heads_is_not_an_acknowledgement() {
        let (mut ours, _, reply) = typed_and_acknowledged();
        let text = ours.get(ROOT, "premises").unwrap().unwrap().1;
        ours.splice_text(&text, 0, 0, "y").unwrap();
        ours.commit();
        assert!(!is_acknowledgement(&reply, &ours.get_heads()));
    }
}

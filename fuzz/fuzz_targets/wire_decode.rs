//! Any bytes as one WebSocket frame: `Message::decode` never panics, and whatever it accepts
//! survives Hearth's own encoder unchanged (so a message relayed or answered is the one received).

#![no_main]

use hearth_shared::protocol::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|frame: &[u8]| hearth_fuzz::run(|| {
    let Ok(message) = Message::decode(frame) else {
        return;
    };
    let encoded = message.encode();
    let again = Message::decode(&encoded).expect("what Hearth encodes, Hearth decodes");
    assert_eq!(again, message, "decode(encode(m)) == m");
}));

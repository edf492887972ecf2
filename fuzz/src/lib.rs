//! What the fuzz targets share: a panic policy that matches the server's.
//!
//! libfuzzer-sys installs a panic hook that aborts at once, so a panic the code under test
//! catches on purpose (`sync::receive_in_place` refuses a change automerge panics on, as the
//! server relies on) would be reported as a crash. [`run`] instead keeps each panic's message
//! and backtrace aside and aborts only when the panic escapes the target: exactly the panics
//! that would reach a server task.

use std::backtrace::Backtrace;
use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs one input through `target`; aborts (libFuzzer's crash) with the panic's message and
/// backtrace if a panic escapes it.
pub fn run(target: impl FnOnce()) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        panic::set_hook(Box::new(|info| {
            let report = format!("{info}\n{}", Backtrace::force_capture());
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(report));
        }));
    });
    if panic::catch_unwind(AssertUnwindSafe(target)).is_err() {
        let report = LAST_PANIC.with(|last| last.borrow_mut().take());
        eprintln!(
            "panic escaped the target: {}",
            report.as_deref().unwrap_or("(no message)")
        );
        std::process::abort();
    }
}

/// Splits `input` into frames, each a 2-byte big-endian length then that many bytes (a short
/// last frame is taken as it is): the layout of the `handshake` target's inputs.
pub fn frames(mut input: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if input.len() < 2 {
            return None;
        }
        let length = usize::from(u16::from_be_bytes([input[0], input[1]]));
        let rest = &input[2..];
        let (frame, after) = rest.split_at(length.min(rest.len()));
        input = after;
        Some(frame)
    })
}

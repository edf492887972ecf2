//! When to try the server again after a connection failed: 1 s, 2 s, 4 s … at most 30 s.
//!
//! Pure: the platform asks for the next delay and sets its own timer, so the schedule is a unit
//! test rather than a wait.

/// The first retry delay, milliseconds.
const FIRST_MS: u32 = 1_000;
/// The longest delay, milliseconds: a councillor walking back into signal waits at most this.
const MAX_MS: u32 = 30_000;

/// Exponential reconnect backoff, reset once a connection has joined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// A backoff that has seen no failures.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a failed or lost connection and returns how long to wait before the next attempt.
    pub fn next_delay_ms(&mut self) -> u32 {
        let delay = FIRST_MS
            .checked_shl(self.failures)
            .unwrap_or(MAX_MS)
            .min(MAX_MS);
        self.failures = self.failures.saturating_add(1);
        delay
    }

    /// A connection joined: the next failure starts again at one second.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_one_second_up_to_thirty() {
        let mut backoff = Backoff::new();
        let delays: Vec<u32> = (0..8).map(|_| backoff.next_delay_ms()).collect();
        assert_eq!(
            delays,
            [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
    }

    #[test]
    fn many_failures_never_overflow_past_the_cap() {
        let mut backoff = Backoff::new();
        for _ in 0..100 {
            assert!(backoff.next_delay_ms() <= 30_000);
        }
    }

    #[test]
    fn a_successful_connection_resets_the_delay() {
        let mut backoff = Backoff::new();
        backoff.next_delay_ms();
        backoff.next_delay_ms();
        backoff.reset();
        assert_eq!(backoff.next_delay_ms(), 1_000);
    }
}

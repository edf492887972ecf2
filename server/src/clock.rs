//! The server's one source of "now" for what depends on the calendar (the officers' overview,
//! a report's distribution date, the times of reporting audit rows), so tests can fix the date.
//!
//! Production always runs on [`SystemClock`]; only the end-to-end test server binary sets a
//! [`FixedClock`], from `HEARTH_E2E_NOW_MS`, to test "overdue" around month ends.

/// Where the current time comes from.
pub trait Clock: Send + Sync {
    /// Unix milliseconds now.
    fn now_ms(&self) -> i64;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::auth::now_ms()
    }
}

/// A clock stopped at one instant (Unix milliseconds), for tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_does_not_move_and_the_system_clock_does_not_go_back() {
        let fixed = FixedClock(1_790_000_000_000);
        assert_eq!(fixed.now_ms(), fixed.now_ms());
        assert_eq!(fixed.now_ms(), 1_790_000_000_000);
        let first = SystemClock.now_ms();
        assert!(SystemClock.now_ms() >= first);
        assert!(first > 1_700_000_000_000, "a real date, not zero");
    }
}

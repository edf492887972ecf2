//! When a group-commit writer should wait for more writes before committing: shared by the
//! SQLite and PostgreSQL writers, so both group under load and neither holds up a lone writer.
//!
//! Under load, commands often arrive just after a group started, so taking only what is queued
//! would commit groups of one, one fsync each. So when the last wait paid off, the writer waits
//! up to its `group_wait` for company before it commits; when it did not (a lone writer, one
//! change at a time) it stops waiting, and only tries again now and then, so a lone write is
//! never held up more than once in [`GroupWait::PROBE_EVERY`] groups.

use std::time::Duration;

/// Whether the writer should wait for more commands before committing the ones it has taken:
/// a plain state machine fed with what happened, so the policy is unit-tested without a clock.
///
/// The signal that others are in flight is that waiting last time gained commands. A group
/// that formed by itself (more than one command already queued) needs no wait, but says the
/// server is busy, so the next small group waits.
#[derive(Debug, Clone)]
pub(crate) struct GroupWait {
    /// The longest wait; zero never waits.
    max_wait: Duration,
    /// The last wait (or a group that formed by itself) showed other writers in flight.
    busy: bool,
    /// Small groups committed without waiting since the last probe.
    since_probe: u32,
}

impl GroupWait {
    /// While idle (the last wait gained nothing), every this-many small groups still wait once,
    /// to notice load that builds up slowly. A lone writer pays the wait once in this many.
    pub(crate) const PROBE_EVERY: u32 = 32;

    pub(crate) fn new(max_wait: Duration) -> Self {
        Self {
            max_wait,
            busy: false,
            since_probe: 0,
        }
    }

    /// How long to wait for more commands, having taken `taken` without waiting; `None`
    /// commits at once.
    pub(crate) fn plan(&mut self, taken: usize) -> Option<Duration> {
        if self.max_wait.is_zero() {
            return None;
        }
        if taken > 1 {
            // Commands queued while the last group committed: the group formed by itself.
            self.busy = true;
            return None;
        }
        if self.busy {
            return Some(self.max_wait);
        }
        self.since_probe += 1;
        if self.since_probe >= Self::PROBE_EVERY {
            self.since_probe = 0;
            Some(self.max_wait)
        } else {
            None
        }
    }

    /// What a wait brought: `gained` more commands.
    pub(crate) fn waited(&mut self, gained: usize) {
        self.busy = gained > 0;
        if self.busy {
            self.since_probe = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::GroupWait;
    use std::time::Duration;

    const WAIT: Duration = Duration::from_millis(2);

    #[test]
    fn a_lone_writer_waits_only_once_in_probe_every_writes() {
        let mut wait = GroupWait::new(WAIT);
        for _ in 0..3 {
            for _ in 1..GroupWait::PROBE_EVERY {
                assert_eq!(wait.plan(1), None);
            }
            assert_eq!(wait.plan(1), Some(WAIT), "the probe");
            wait.waited(0);
        }
    }

    #[test]
    fn small_groups_wait_while_waiting_gains_writes() {
        let mut wait = GroupWait::new(WAIT);
        assert_eq!(
            wait.plan(3),
            None,
            "a group that formed by itself needs no wait"
        );
        assert_eq!(wait.plan(1), Some(WAIT), "but the next small one waits");
        wait.waited(2);
        assert_eq!(wait.plan(1), Some(WAIT));
        wait.waited(0);
        assert_eq!(wait.plan(1), None, "the last wait gained nothing");
    }

    #[test]
    fn a_zero_wait_never_waits() {
        let mut wait = GroupWait::new(Duration::ZERO);
        assert_eq!(wait.plan(5), None);
        for _ in 0..2 * GroupWait::PROBE_EVERY {
            assert_eq!(wait.plan(1), None);
        }
    }
}

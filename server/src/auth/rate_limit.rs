//! Counting failed sign-ins per client address and per account, so that password guessing is
//! slow. Pure: the caller passes the time, so the rules are unit tests without a clock.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// Failed attempts per key in a fixed window that starts at the first failure.
#[derive(Debug)]
pub struct FailureCounter<K> {
    limit: u32,
    window_ms: i64,
    entries: Mutex<HashMap<K, (i64, u32)>>,
}

impl<K: Eq + Hash + Clone> FailureCounter<K> {
    /// Allows `limit` failures per `window_ms` milliseconds for each key.
    pub fn new(limit: u32, window_ms: i64) -> Self {
        Self {
            limit,
            window_ms,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` has used up its failures in the current window.
    pub fn is_blocked(&self, key: &K, now_ms: i64) -> bool {
        let entries = self.entries.lock().expect("counter lock is never poisoned");
        match entries.get(key) {
            Some((start, count)) => now_ms - start < self.window_ms && *count >= self.limit,
            None => false,
        }
    }

    /// Records one failure for `key`.
    pub fn record_failure(&self, key: &K, now_ms: i64) {
        let mut entries = self.entries.lock().expect("counter lock is never poisoned");
        // Bounded memory: forget expired windows once the map grows.
        if entries.len() > 10_000 {
            let window = self.window_ms;
            entries.retain(|_, (start, _)| now_ms - *start < window);
        }
        let entry = entries.entry(key.clone()).or_insert((now_ms, 0));
        if now_ms - entry.0 >= self.window_ms {
            *entry = (now_ms, 0);
        }
        entry.1 += 1;
    }

    /// Forgets `key`'s failures (after a successful sign-in).
    pub fn clear(&self, key: &K) {
        self.entries
            .lock()
            .expect("counter lock is never poisoned")
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_within_the_window() {
        let c = FailureCounter::new(3, 1000);
        for t in 0..3 {
            assert!(!c.is_blocked(&"a", t));
            c.record_failure(&"a", t);
        }
        assert!(c.is_blocked(&"a", 10));
        assert!(!c.is_blocked(&"b", 10), "other keys are not affected");
    }

    #[test]
    fn unblocks_when_the_window_passes_or_on_success() {
        let c = FailureCounter::new(1, 1000);
        c.record_failure(&"a", 0);
        assert!(c.is_blocked(&"a", 999));
        assert!(!c.is_blocked(&"a", 1000));
        c.record_failure(&"a", 1000);
        c.clear(&"a");
        assert!(!c.is_blocked(&"a", 1001));
    }
}

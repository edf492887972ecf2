//! Sign-in throttling that holds across every server of one store.
//!
//! One process counts failures in memory ([`FailureCounter`]). Several servers behind one
//! address, without sticky sessions, would each allow the limit: a guesser spreading attempts
//! over N servers would get N times as many. So where the store is shared it keeps the count
//! ([`Store::record_throttled_failure`]), and this type asks it first, falling back to memory
//! for a store that keeps none (the embedded SQLite: `None`). Keys reach the store only as a
//! SHA-256 of the throttle's scope and the key, so the table holds no address or account name.

use super::rate_limit::FailureCounter;
use crate::store::{Store, StoreError};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Failed attempts per key, counted in the store when it is shared, else in memory.
pub struct Throttle {
    scope: &'static str,
    limit: u32,
    window_ms: i64,
    local: FailureCounter<String>,
    store: Arc<dyn Store>,
}

impl Throttle {
    /// Allows `limit` failures per `window_ms` for each key of `scope` (`"ip"`, `"account"`,
    /// `"setup"`: the same key in two scopes is counted apart).
    pub fn new(scope: &'static str, limit: u32, window_ms: i64, store: Arc<dyn Store>) -> Self {
        Self {
            scope,
            limit,
            window_ms,
            local: FailureCounter::new(limit, window_ms),
            store,
        }
    }

    /// Whether `key` has used up its failures in the current window. A store that cannot
    /// answer leaves the decision to this process's own count.
    pub async fn is_blocked(&self, key: &str, now_ms: i64) -> bool {
        let shared = self
            .store
            .throttled_failures(self.hash(key), now_ms, self.window_ms)
            .await;
        match self.shared_or_log(shared) {
            Some(count) => count >= self.limit,
            None => self.local.is_blocked(&key.to_owned(), now_ms),
        }
    }

    /// Records one failure for `key` (in memory too, so a store failing later still knows).
    pub async fn record_failure(&self, key: &str, now_ms: i64) {
        self.local.record_failure(&key.to_owned(), now_ms);
        let shared = self
            .store
            .record_throttled_failure(self.hash(key), now_ms, self.window_ms)
            .await;
        self.shared_or_log(shared);
    }

    /// Forgets `key`'s failures (after a successful sign-in).
    pub async fn clear(&self, key: &str) {
        self.local.clear(&key.to_owned());
        if let Err(e) = self.store.clear_throttled(self.hash(key)).await {
            tracing::warn!(error = %e, "could not clear a shared sign-in count");
        }
    }

    fn hash(&self, key: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"hearth-throttle\0");
        hasher.update(self.scope.as_bytes());
        hasher.update([0]);
        hasher.update(key.as_bytes());
        hasher.finalize().into()
    }

    fn shared_or_log(&self, shared: Result<Option<u32>, StoreError>) -> Option<u32> {
        shared.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "shared sign-in count unavailable; counting here");
            None
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::{SqliteOptions, SqliteStore};

    fn sqlite() -> (tempfile::TempDir, Arc<dyn Store>) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("h.sqlite"), SqliteOptions::default());
        (dir, Arc::new(store.unwrap()))
    }

    #[tokio::test]
    async fn a_store_that_keeps_no_count_leaves_it_to_memory() {
        let (_dir, store) = sqlite();
        let throttle = Throttle::new("ip", 2, 1_000, store);
        throttle.record_failure("198.51.100.7", 0).await;
        assert!(!throttle.is_blocked("198.51.100.7", 1).await);
        throttle.record_failure("198.51.100.7", 2).await;
        assert!(throttle.is_blocked("198.51.100.7", 3).await);
        assert!(!throttle.is_blocked("198.51.100.8", 3).await);
        throttle.clear("198.51.100.7").await;
        assert!(!throttle.is_blocked("198.51.100.7", 4).await);
    }

    #[test]
    fn scopes_keep_the_same_key_apart_and_keys_are_not_stored_in_clear() {
        let (_dir, store) = sqlite();
        let ip = Throttle::new("ip", 1, 1, store.clone());
        let account = Throttle::new("account", 1, 1, store);
        assert_ne!(ip.hash("alex"), account.hash("alex"));
        assert_eq!(ip.hash("alex"), ip.hash("alex"));
        assert!(!ip.hash("alex").windows(4).any(|w| w == b"alex"));
    }
}

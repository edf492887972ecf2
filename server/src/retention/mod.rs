//! Retention and erasure: which records have outlived the policy ([`policy`], pure), erasing
//! them (through the hub when a server runs, so its loaded copy goes too and connections
//! syncing them are told), and the server's daily job.
//!
//! An erased record leaves a tombstone in the store (`store::erasure`): a device that still
//! holds it is told `record_erased` at its next sync and drops its copy; anyone who could
//! never read it gets exactly the replies of an unknown id.

pub mod policy;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::store::erasure::{Erasure, ErasureCause};
use crate::store::{Store, StoreError};
use crate::sync::hub::Hub;
use policy::{Expired, Held, Policy};
use tokio::sync::watch;

/// The records `policy` says must go at `now_ms` (nothing is changed).
pub async fn due(
    store: &dyn Store,
    policy: &Policy,
    now_ms: i64,
) -> Result<Vec<Expired>, StoreError> {
    let held: Vec<Held> = store
        .list_documents()
        .await?
        .into_iter()
        .map(|d| Held {
            id: d.id,
            meta: d.meta,
            updated_at_ms: d.updated_at_ms,
        })
        .collect();
    Ok(policy::expired(policy, &held, now_ms))
}

/// Erases every record `policy` says must go at `now_ms`, each in its own transaction with its
/// audit row, through `hub` when a server is running. Returns those erased (one erased
/// meanwhile by someone else is passed over).
pub async fn run(
    store: &dyn Store,
    hub: Option<&Hub>,
    policy: &Policy,
    now_ms: i64,
) -> Result<Vec<Expired>, StoreError> {
    let mut erased = Vec::new();
    for expired in due(store, policy, now_ms).await? {
        let erasure = Erasure {
            id: expired.id,
            cause: ErasureCause::Retention,
            at_ms: now_ms,
        };
        let outcome = match hub {
            Some(hub) => hub.erase(erasure).await,
            None => store.erase_document(erasure).await,
        };
        match outcome {
            Ok(()) => erased.push(expired),
            Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(erased)
}

/// How often the job wakes: it drops from memory what another process erased (one indexed
/// read of the tombstones since the last look), and once a day applies the policy.
const TICK: Duration = Duration::from_secs(60);

/// Ticks between two runs of the policy: a day.
const TICKS_PER_RUN: u32 = 24 * 60;

/// The server's retention job: applies `policy` at start-up and then once a day, and every
/// minute drops from the hub the records `hearth retention run` erased from another process.
/// Stops when `stopped` changes.
pub fn spawn_daily(
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    policy: Policy,
    clock: Arc<dyn Clock>,
    mut stopped: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(TICK);
        let mut ticks = 0u32;
        let mut checked_since = clock.now_ms();
        loop {
            tokio::select! {
                _ = stopped.changed() => return,
                _ = every.tick() => {}
            }
            let now = clock.now_ms();
            match store.erased_since(checked_since).await {
                Ok(ids) => {
                    hub.forget_erased(&ids).await;
                    checked_since = now;
                }
                Err(e) => tracing::warn!(error = %e, "could not read erasures"),
            }
            if ticks.is_multiple_of(TICKS_PER_RUN) {
                match run(store.as_ref(), Some(&hub), &policy, now).await {
                    Ok(erased) if erased.is_empty() => {}
                    // Counts only: never ids or content in the log.
                    Ok(erased) => tracing::info!(records = erased.len(), "retention: erased"),
                    Err(e) => tracing::warn!(error = %e, "retention run failed"),
                }
            }
            ticks = ticks.wrapping_add(1);
        }
    });
}

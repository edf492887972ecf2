//! The writer task: group commit for accepted changes and audit rows.
//!
//! With `synchronous_commit = on` every COMMIT waits for the database server to flush its WAL,
//! so one transaction per write would cost one flush each. Instead one task per process takes
//! every write that is waiting (up to `max_batch`), runs them in one transaction, each in its
//! own savepoint, and commits once; only after that COMMIT returns does any waiter hear `Ok`.
//! When the last wait for company paid off, it waits up to `group_wait` for more before
//! committing ([`GroupWait`], shared with SQLite's writer); a lone writer is not held up.
//!
//! A write that fails (an erased record) is rolled back to its savepoint and gets its own
//! error; the others are unaffected. If the group fails as a whole (the connection dropped,
//! the COMMIT failed) every write in it gets an error. A group that holds an audit row takes
//! the audit lock first, before any row lock (see `audit`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use deadpool_postgres::{Pool, Transaction};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::audit::Chain;
use super::{client, documents, notify};
use crate::store::group_wait::GroupWait;
use crate::store::remote::RemoteEvent;
use crate::store::{AuditEvent, ChangeCommit, StoreError, WriteStats};

/// A write the writer task runs. Plain data, not a closure: a group is easy to reason about.
#[derive(Debug)]
pub(super) enum Write {
    /// `Store::commit_changes`.
    Commit(Box<ChangeCommit>),
    /// `Store::audit` / `audit_all`: all rows or none, in order.
    Audit(Vec<AuditEvent>),
}

impl Write {
    fn appends_audit(&self) -> bool {
        match self {
            Write::Commit(commit) => commit.audit.is_some(),
            Write::Audit(events) => !events.is_empty(),
        }
    }
}

/// A queued write and where its outcome goes.
pub(super) struct Queued {
    write: Write,
    reply: oneshot::Sender<Result<(), StoreError>>,
}

/// A queueable write, and the receiver its outcome arrives on once its group committed.
pub(super) fn queued(write: Write) -> (Queued, oneshot::Receiver<Result<(), StoreError>>) {
    let (reply, rx) = oneshot::channel();
    (Queued { write, reply }, rx)
}

/// How writes have been grouped: `commands / groups` writes per COMMIT.
#[derive(Debug, Default)]
pub(super) struct Counters {
    groups: AtomicU64,
    commands: AtomicU64,
}

impl Counters {
    pub(super) fn stats(&self) -> WriteStats {
        WriteStats {
            groups: self.groups.load(Ordering::Relaxed),
            commands: self.commands.load(Ordering::Relaxed),
        }
    }
}

/// Starts the writer task; it runs until every sender is dropped and the queue is drained.
pub(super) fn spawn(
    pool: Pool,
    origin: String,
    queue_capacity: usize,
    max_batch: usize,
    group_wait: Duration,
    counters: Arc<Counters>,
) -> (mpsc::Sender<Queued>, JoinHandle<()>) {
    let (sender, queue) = mpsc::channel(queue_capacity);
    let task = tokio::spawn(run(
        pool,
        origin,
        queue,
        max_batch,
        GroupWait::new(group_wait),
        counters,
    ));
    (sender, task)
}

async fn run(
    pool: Pool,
    origin: String,
    mut queue: mpsc::Receiver<Queued>,
    max_batch: usize,
    mut wait: GroupWait,
    counters: Arc<Counters>,
) {
    let mut group = Vec::with_capacity(max_batch);
    while queue.recv_many(&mut group, max_batch).await > 0 {
        if let Some(limit) = wait.plan(group.len()) {
            let taken = group.len();
            wait_for_company(&mut queue, &mut group, max_batch, limit).await;
            wait.waited(group.len() - taken);
        }
        counters.groups.fetch_add(1, Ordering::Relaxed);
        counters
            .commands
            .fetch_add(group.len() as u64, Ordering::Relaxed);
        commit_group(&pool, &origin, &mut group).await;
    }
    tracing::debug!("postgres writer stopped");
}

/// Adds writes to `group` as they arrive, for at most `limit` or until it holds `max_batch`.
async fn wait_for_company(
    queue: &mut mpsc::Receiver<Queued>,
    group: &mut Vec<Queued>,
    max_batch: usize,
    limit: Duration,
) {
    let deadline = tokio::time::Instant::now() + limit;
    while group.len() < max_batch {
        let room = max_batch - group.len();
        match tokio::time::timeout_at(deadline, queue.recv_many(group, room)).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Runs `group` as one transaction and answers every write in it; leaves `group` empty.
async fn commit_group(pool: &Pool, origin: &str, group: &mut Vec<Queued>) {
    let started = Instant::now();
    let size = group.len();
    match run_group(pool, origin, group).await {
        Ok(outcomes) => {
            tracing::debug!(
                commands = size,
                micros = started.elapsed().as_micros() as u64,
                "committed write group"
            );
            for (queued, outcome) in group.drain(..).zip(outcomes) {
                // The waiter may have given up; the write stands regardless.
                let _ = queued.reply.send(outcome);
            }
        }
        Err(error) => {
            tracing::warn!(commands = size, %error, "write group failed");
            let text = error.to_string();
            for queued in group.drain(..) {
                let _ = queued.reply.send(Err(StoreError::Unavailable(format!(
                    "the write was not confirmed: {text}"
                ))));
            }
        }
    }
}

/// One transaction for the whole group: `Ok` holds each write's own outcome (all committed
/// but the failed ones); `Err` means none was confirmed.
async fn run_group(
    pool: &Pool,
    origin: &str,
    group: &[Queued],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let mut client = client(pool).await?;
    let mut tx = client.transaction().await?;
    let mut chain = Chain::new();
    // Audit lock first, then row locks, in every transaction that appends (see `audit`); a
    // group of several takes it anyway, so two servers' groups never lock rows in a circle.
    if group.len() > 1 || group.iter().any(|q| q.write.appends_audit()) {
        chain.lock(&tx).await?;
    }
    if let [only] = group {
        // A lone write needs no savepoint: if it fails, the whole transaction goes.
        return match run_one(&tx, origin, &mut chain, &only.write).await {
            Ok(()) => {
                tx.commit().await?;
                Ok(vec![Ok(())])
            }
            Err(own) => {
                let _ = tx.rollback().await;
                Ok(vec![Err(own)])
            }
        };
    }
    let mut outcomes = Vec::with_capacity(group.len());
    for queued in group {
        let before = chain;
        let savepoint = tx.savepoint("command").await?;
        match run_one(&savepoint, origin, &mut chain, &queued.write).await {
            Ok(()) => {
                savepoint.commit().await?;
                outcomes.push(Ok(()));
            }
            Err(own) => {
                // If even this fails the connection is gone and the group with it.
                savepoint.rollback().await?;
                chain = before;
                outcomes.push(Err(own));
            }
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// One write in the group's transaction (or its savepoint).
async fn run_one(
    tx: &Transaction<'_>,
    origin: &str,
    chain: &mut Chain,
    write: &Write,
) -> Result<(), StoreError> {
    match write {
        Write::Commit(commit) => {
            documents::commit_changes(tx, chain, commit).await?;
            // Other servers push the change to their peers; PostgreSQL delivers it only on
            // COMMIT, and drops it with the savepoint if this write is rolled back.
            let payload = RemoteEvent::document_payload(origin, commit.id);
            Ok(notify::announce(&**tx, &payload).await?)
        }
        Write::Audit(events) => {
            for event in events {
                chain.append(tx, event).await?;
            }
            Ok(())
        }
    }
}

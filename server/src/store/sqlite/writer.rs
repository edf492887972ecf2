//! The writer thread: the only connection that writes, and group commit.
//!
//! SQLite allows one writer at a time, and with `synchronous=FULL` every COMMIT costs an fsync
//! (milliseconds on real disks). So writes are not run one transaction each: the thread takes
//! every command that is waiting (up to `max_batch`), runs them in one transaction, each inside
//! its own SAVEPOINT, and commits once. Only after that COMMIT returns does any waiter hear
//! `Ok`, so `Ok` always means "on disk", and N concurrent writers pay for one fsync, not N.
//!
//! Under load, commands often arrive just after a group started (the connections are still
//! checking their changes when the writer wakes), so taking only what is queued would commit
//! groups of one, one fsync each. So when the last wait paid off, the writer waits up to
//! `group_wait` for company before it commits ([`GroupWait`]); when it did not (a lone
//! writer, one change at a time) it stops waiting, and only tries again now and then, so a lone
//! write is never held up more than once in [`GroupWait::PROBE_EVERY`] groups.
//!
//! A command that fails (a username conflict, say) is rolled back to its savepoint and gets its
//! own error; the others in the group are unaffected. If the group itself fails (the COMMIT, or
//! an error that makes SQLite abandon the whole transaction, such as a full disk), every command
//! in it gets an error: none of them was written.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::checkpointer::Checkpointer;
use super::failure;
use crate::store::StoreError;
use crate::store::group_wait::GroupWait;

/// One queued write, with its reply channel hidden behind the trait so that commands returning
/// different types can share the queue.
pub(super) trait WriteCommand: Send {
    /// Runs the command inside the group's transaction. `false` if it failed, in which case
    /// its savepoint is rolled back.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Tells the waiter the outcome, once the group's COMMIT (or its failure) is known.
    fn finish(self: Box<Self>, group: Result<(), &rusqlite::Error>);
}

/// A [`WriteCommand`] built from a closure.
struct Command<T, F> {
    op: Option<F>,
    outcome: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

/// A queueable command that runs `op`, and the receiver its outcome arrives on once its group
/// has committed (or failed).
pub(super) fn command<T, F>(
    op: F,
) -> (
    Box<dyn WriteCommand>,
    oneshot::Receiver<Result<T, StoreError>>,
)
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
{
    let (reply, rx) = oneshot::channel();
    let command = Command {
        op: Some(op),
        outcome: None,
        reply,
    };
    (Box::new(command), rx)
}

impl<T, F> WriteCommand for Command<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let op = self.op.take().expect("a command runs once");
        // A panic here must not take the writer thread (and every later write) down with it.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| op(conn)))
            .unwrap_or_else(|_| Err(StoreError::Sqlite(failure("write command panicked"))));
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn finish(self: Box<Self>, group: Result<(), &rusqlite::Error>) {
        let reply = match (self.outcome, group) {
            // Its own error wins: it is the more useful one, and nothing was written either way.
            (Some(Err(own)), _) => Err(own),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(group)) => Err(StoreError::Sqlite(copy_error(group))),
            (None, Ok(())) => Err(StoreError::Closed),
        };
        // The waiter may have given up (its future was dropped); the write stands regardless.
        let _ = self.reply.send(reply);
    }
}

/// One group failure is reported to many waiters, but `rusqlite::Error` is not `Clone`.
fn copy_error(error: &rusqlite::Error) -> rusqlite::Error {
    match error {
        rusqlite::Error::SqliteFailure(code, message) => {
            rusqlite::Error::SqliteFailure(*code, message.clone())
        }
        other => failure(&other.to_string()),
    }
}

/// Counters the writer keeps, so that a benchmark (or an operator) can see how well writes are
/// being grouped: `commands / groups` is the number of writes each fsync paid for.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) groups: AtomicU64,
    pub(super) commands: AtomicU64,
}

/// Starts the writer thread. It runs until every sender is dropped and the queue is empty,
/// so dropping the store still lets queued work finish.
pub(super) fn spawn(
    conn: Connection,
    queue: mpsc::Receiver<Box<dyn WriteCommand>>,
    max_batch: usize,
    group_wait: Duration,
    counters: Arc<Counters>,
    checkpointer: Checkpointer,
) -> std::io::Result<JoinHandle<()>> {
    // A timer for the wait for company; the thread's only async work is receiving.
    let timer = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    std::thread::Builder::new()
        .name("hearth-sqlite-writer".into())
        .spawn(move || {
            run(
                conn,
                queue,
                max_batch,
                GroupWait::new(group_wait),
                &timer,
                &counters,
                checkpointer,
            )
        })
}

fn run(
    conn: Connection,
    mut queue: mpsc::Receiver<Box<dyn WriteCommand>>,
    max_batch: usize,
    mut wait: GroupWait,
    timer: &tokio::runtime::Runtime,
    counters: &Counters,
    mut checkpointer: Checkpointer,
) {
    let mut group = Vec::with_capacity(max_batch);
    // Blocks for the first command, then takes whatever else is already waiting.
    while timer.block_on(queue.recv_many(&mut group, max_batch)) > 0 {
        if let Some(limit) = wait.plan(group.len()) {
            let taken = group.len();
            timer.block_on(wait_for_company(&mut queue, &mut group, max_batch, limit));
            wait.waited(group.len() - taken);
        }
        counters.groups.fetch_add(1, Ordering::Relaxed);
        counters
            .commands
            .fetch_add(group.len() as u64, Ordering::Relaxed);
        commit_group(&conn, &mut group);
        checkpointer.committed();
    }
    // The checkpoint thread's connection closes first, then `conn`: SQLite checkpoints the WAL
    // when the last connection closes.
    drop(checkpointer);
    tracing::debug!("sqlite writer stopped");
}

/// Adds commands to `group` as they arrive, for at most `limit` or until it holds `max_batch`
/// (or every sender is gone).
async fn wait_for_company(
    queue: &mut mpsc::Receiver<Box<dyn WriteCommand>>,
    group: &mut Vec<Box<dyn WriteCommand>>,
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

/// Runs `group` as one transaction and answers every command in it; leaves `group` empty.
pub(super) fn commit_group(conn: &Connection, group: &mut Vec<Box<dyn WriteCommand>>) {
    let started = Instant::now();
    let size = group.len();
    let result = run_group(conn, group);
    if result.is_err() && !conn.is_autocommit() {
        // Best effort: if even ROLLBACK fails the connection is unusable and the next BEGIN
        // will say so to the next group.
        let _ = conn.execute_batch("ROLLBACK");
    }
    match &result {
        Ok(()) => tracing::debug!(
            commands = size,
            micros = started.elapsed().as_micros() as u64,
            "committed write group"
        ),
        Err(error) => tracing::debug!(commands = size, %error, "write group failed"),
    }
    for command in group.drain(..) {
        command.finish(result.as_ref().map(|_| ()));
    }
}

fn run_group(conn: &Connection, group: &mut [Box<dyn WriteCommand>]) -> rusqlite::Result<()> {
    // IMMEDIATE: take the write lock now, so no statement inside can fail with SQLITE_BUSY on
    // lock upgrade (only this thread writes, but the backup tool or an operator's sqlite3 might).
    conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    for command in group.iter_mut() {
        conn.prepare_cached("SAVEPOINT command")?.execute([])?;
        if command.run(conn) {
            conn.prepare_cached("RELEASE command")?.execute([])?;
        } else {
            if conn.is_autocommit() {
                // Some errors (IO, full disk) make SQLite roll back the whole transaction.
                // Carrying on would run the rest outside it and then "commit" nothing for the
                // commands before this one, so the whole group fails.
                return Err(failure(
                    "the write group's transaction was aborted by an earlier error",
                ));
            }
            conn.prepare_cached("ROLLBACK TO command")?.execute([])?;
            conn.prepare_cached("RELEASE command")?.execute([])?;
        }
    }
    conn.prepare_cached("COMMIT")?.execute([])?;
    Ok(())
}

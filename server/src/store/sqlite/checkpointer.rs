//! WAL checkpoints off the writer's path.
//!
//! SQLite copies the write-ahead log back into the database file (a checkpoint, with its own
//! fsyncs) in whichever connection's COMMIT takes the log past `wal_autocheckpoint` pages. With
//! one writer thread committing every group, that was the writer: every change queued behind
//! that group waited for the checkpoint too. The bench's commit times showed it (64 devices,
//! about 2,000 groups): median 1.2 ms, p99 12 ms, and a stall of 15–90 ms about every 150
//! groups, which is where the acknowledgements' p99 came from.
//!
//! So the writer checkpoints only as a safety net ([`WRITER_AUTOCHECKPOINT_PAGES`], far above
//! what this thread lets the log reach), and this thread runs a PASSIVE checkpoint on its own
//! connection after every [`GROUPS_PER_CHECKPOINT`] committed groups. PASSIVE never waits for
//! the writer or for readers (it copies what it can and leaves the rest for next time), and
//! SQLite lets a writer append to the log while a checkpoint copies from it.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rusqlite::Connection;

/// Committed groups between two checkpoints: a group writes a few pages, so the log stays
/// well under SQLite's default threshold of 1,000 pages between checkpoints.
pub(super) const GROUPS_PER_CHECKPOINT: u64 = 64;

/// The writer's own `wal_autocheckpoint`: only reached if this thread fell far behind (a
/// reader holding an old snapshot for a long time, say), so the log cannot grow without bound.
pub(super) const WRITER_AUTOCHECKPOINT_PAGES: i64 = 16_384;

/// The writer's handle on the checkpoint thread.
pub(super) struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    groups: u64,
}

impl Checkpointer {
    /// Starts the thread on `conn`, a read-write connection to the store's file.
    pub(super) fn spawn(conn: Connection) -> std::io::Result<Checkpointer> {
        // One pending nudge is enough: a checkpoint copies everything committed before it.
        let (nudge, nudged) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("hearth-sqlite-checkpoint".into())
            .spawn(move || run(&conn, &nudged))?;
        Ok(Checkpointer {
            nudge: Some(nudge),
            thread: Some(thread),
            groups: 0,
        })
    }

    /// Called by the writer after each committed group; never blocks it.
    pub(super) fn committed(&mut self) {
        self.groups += 1;
        if self.groups.is_multiple_of(GROUPS_PER_CHECKPOINT)
            && let Some(nudge) = &self.nudge
        {
            // Full means a checkpoint is already due: nothing to add.
            let _ = nudge.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    /// Stops the thread and waits for it, so that its connection is closed before the
    /// writer's: SQLite checkpoints and removes the log when the last connection closes.
    fn drop(&mut self) {
        self.nudge = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(conn: &Connection, nudged: &Receiver<()>) {
    while nudged.recv().is_ok() {
        match checkpoint(conn) {
            Ok((busy, log, copied)) => tracing::debug!(busy, log, copied, "wal checkpoint"),
            // Not fatal: the next nudge tries again, and the writer's own threshold is there.
            Err(error) => tracing::warn!(%error, "wal checkpoint failed"),
        }
    }
}

/// One PASSIVE checkpoint: (whether it was blocked, pages in the log, pages copied).
fn checkpoint(conn: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A WAL-mode file with automatic checkpoints off, and `bytes` of data committed to its log.
    fn logged_write(path: &Path, bytes: usize) -> Connection {
        let conn = Connection::open(path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        conn.execute_batch("CREATE TABLE t (b BLOB)").unwrap();
        conn.execute("INSERT INTO t VALUES (?1)", [vec![7u8; bytes]])
            .unwrap();
        conn
    }

    fn file_len(path: &Path) -> u64 {
        std::fs::metadata(path).unwrap().len()
    }

    #[test]
    fn every_so_many_groups_the_log_is_copied_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        let _writer = logged_write(&path, 200_000);
        assert!(file_len(&path) < 200_000, "still only in the log");

        let mut checkpointer = Checkpointer::spawn(Connection::open(&path).unwrap()).unwrap();
        for _ in 0..GROUPS_PER_CHECKPOINT {
            checkpointer.committed();
        }
        // Dropping waits for the thread, which takes the pending nudge before it stops.
        drop(checkpointer);
        assert!(file_len(&path) >= 200_000, "checkpointed into the file");
    }

    #[test]
    fn fewer_groups_leave_the_log_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        let _writer = logged_write(&path, 200_000);

        let mut checkpointer = Checkpointer::spawn(Connection::open(&path).unwrap()).unwrap();
        for _ in 1..GROUPS_PER_CHECKPOINT {
            checkpointer.committed();
        }
        drop(checkpointer);
        assert!(file_len(&path) < 200_000, "no checkpoint yet");
    }
}

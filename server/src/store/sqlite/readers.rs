//! Read-only connections, used from `spawn_blocking`.
//!
//! Why a pool on tokio's blocking threads rather than a reader thread: one reader thread would
//! serialize every read (a long list behind a session lookup), and N reader threads would
//! duplicate what `spawn_blocking` already provides. The connections are what is scarce, so
//! they are pooled; the threads come from tokio.
//!
//! In WAL mode readers never wait for the writer and see the last committed state, so reads do
//! not queue behind the writer thread. A semaphore caps them at the pool size: reads are short,
//! and with 2 cores more parallel SQLite readers than that would only contend. Every read runs
//! in one read transaction, so a multi-statement read (a document's meta and its chunks) sees
//! one consistent state even while a compaction commits.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use crate::store::StoreError;

/// A fixed number of read-only connections shared by the async side.
pub(super) struct ReaderPool {
    path: PathBuf,
    busy_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    closed: AtomicBool,
}

impl ReaderPool {
    /// Opens `size` read-only connections now, so a broken file fails at startup, not on the
    /// first request.
    pub(super) fn open(
        path: PathBuf,
        size: usize,
        busy_timeout: Duration,
    ) -> Result<Arc<Self>, StoreError> {
        let size = size.max(1);
        let idle = (0..size)
            .map(|_| open_reader(&path, busy_timeout))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Arc::new(Self {
            path,
            busy_timeout,
            idle: Mutex::new(idle),
            permits: Arc::new(Semaphore::new(size)),
            closed: AtomicBool::new(false),
        }))
    }

    /// Runs `op` in a read transaction on a pooled connection, off the async executor.
    pub(super) async fn read<T, F>(self: &Arc<Self>, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.with_connection(move |conn| in_read_transaction(conn, op))
            .await
    }

    /// Runs `op` on a pooled connection outside any transaction (the online backup manages
    /// its own locking), off the async executor.
    pub(super) async fn with_connection<T, F>(self: &Arc<Self>, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Closed)?;
        let pool = Arc::clone(self);
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = pool.checkout()?;
            let result = op(&conn);
            pool.checkin(conn);
            result
        });
        match task.await {
            Ok(result) => result,
            // A panic in a read is a bug in this module; surface it in the caller's task.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => Err(StoreError::Closed),
        }
    }

    /// Closes the idle connections now and any busy one when its read ends.
    ///
    /// Readers are closed before the writer so that the writer's connection is the last one:
    /// only then does SQLite checkpoint and remove the `-wal` file, leaving one complete file.
    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.permits.close();
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// An idle connection; a fresh one if a panicking read lost one.
    fn checkout(&self) -> Result<Connection, StoreError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(StoreError::Closed);
        }
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match pooled {
            Some(conn) => Ok(conn),
            None => open_reader(&self.path, self.busy_timeout),
        }
    }

    fn checkin(&self, conn: Connection) {
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(conn);
    }
}

fn in_read_transaction<T>(
    conn: &Connection,
    op: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let result = op(conn);
    // A read transaction has nothing to keep; COMMIT and ROLLBACK both just end it.
    if !conn.is_autocommit() {
        conn.prepare_cached("ROLLBACK")?.execute([])?;
    }
    result
}

/// A read-only connection: a bug in a read path cannot write.
pub(super) fn open_reader(
    path: &std::path::Path,
    busy_timeout: Duration,
) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(busy_timeout)?;
    Ok(conn)
}

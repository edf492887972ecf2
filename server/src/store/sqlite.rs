//! The embedded SQLite [`Store`]: one database file, WAL mode, every commit fsync'd.
//!
//! How work is split, so that nothing blocks the async executor:
//! - **Writes** go to one dedicated writer thread that owns the only read-write connection
//!   (see `writer`). It commits waiting writes in groups, one fsync per group, and answers
//!   each caller only after its group's COMMIT returned: an `Ok` means durable.
//! - **Reads** run on a small pool of read-only connections through `spawn_blocking` (see
//!   `readers`). WAL lets them read the last commit while the writer works, and because a
//!   writer answers only after COMMIT, a read that follows an `Ok` write always sees it.
//!
//! The SQL itself lives in plain functions of a `&Connection` per domain area (`documents`,
//! `accounts`, `devices`, `homes`, `audit`, `maintenance`; `documents` also keeps each
//! record's reporting facts and reports' distribution); this file only routes each `Store` method to the
//! writer or the readers. Nothing here logs record contents, names, tokens or hashes: only
//! counts, timings and error codes.

mod accounts;
mod audit;
mod checkpointer;
mod devices;
mod documents;
mod erasure;
mod homes;
mod maintenance;
mod readers;
mod schema;
mod writer;

#[cfg(test)]
mod admin_tests;
#[cfg(test)]
mod erasure_tests;
#[cfg(test)]
mod reporting_tests;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use async_trait::async_trait;
use checkpointer::Checkpointer;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::DocMeta;
use hearth_shared::reporting::RecordFacts;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::mpsc;

use super::{
    ActorClaim, AuditChain, AuditEvent, AuditPage, AuditQuery, ChangeCommit, ChunksAfter, Device,
    DistributionEntry, DocumentSummary, Home, HomePerson, NewAccount, NewDistribution, NewSession,
    NewUser, Overview, RevokedBy, Session, SetupCode, Store, StoreError, StoredDocument, Ticket,
    User, UserChange, UserPage, UserQuery, UserWithHomes, WriteStats,
};
use readers::ReaderPool;
use writer::{Counters, WriteCommand};

/// Tuning for [`SqliteStore::open`]. The defaults suit a council-sized deployment on a small
/// machine; none of them trades away durability.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Read-only connections (and so concurrent reads). At least 1.
    pub readers: usize,
    /// Most write commands committed in one transaction. Bigger groups mean fewer fsyncs under
    /// load but a longer wait for the first command of a group. At least 1.
    pub max_batch: usize,
    /// The longest the writer waits for more commands before committing a small group, when
    /// waiting last time gained some (other writers are in flight). Zero never waits. A lone
    /// writer pays it at most once in 32 writes: see `writer::GroupWait`.
    pub group_wait: Duration,
    /// Write commands that may wait for the writer before callers are made to wait to enqueue
    /// (backpressure instead of unbounded memory). At least 1.
    pub queue_capacity: usize,
    /// How long a connection waits for a lock held by another process (an operator's
    /// `sqlite3` shell, a backup tool) before failing with "database is locked".
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            readers: 4,
            max_batch: 256,
            group_wait: Duration::from_millis(2),
            queue_capacity: 1024,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The SQLite store. Cheap to share behind an `Arc`; dropping it (or [`SqliteStore::close`])
/// stops the writer after it has committed everything already queued.
pub struct SqliteStore {
    /// `None` once closing has begun; dropping the sender is what stops the writer.
    writer: Option<mpsc::Sender<Box<dyn WriteCommand>>>,
    writer_thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
    readers: Arc<ReaderPool>,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed, with its parent folder) the database at `path`, brings its
    /// schema up to date and starts the writer thread.
    ///
    /// Blocking: call it at startup, before serving, or from `spawn_blocking`.
    pub fn open(path: &Path, options: SqliteOptions) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure_writer(&conn, options.busy_timeout)?;
        // Checkpoints are the checkpoint thread's work; see `checkpointer`.
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            checkpointer::WRITER_AUTOCHECKPOINT_PAGES,
        )?;
        schema::migrate(&mut conn)?;
        // After the migration, so readers never see a file without tables.
        let readers = ReaderPool::open(path.to_owned(), options.readers, options.busy_timeout)?;
        let (sender, queue) = mpsc::channel(options.queue_capacity.max(1));
        let counters = Arc::new(Counters::default());
        let checkpoints = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure_writer(&checkpoints, options.busy_timeout)?;
        let writer_thread = writer::spawn(
            conn,
            queue,
            options.max_batch.max(1),
            options.group_wait,
            Arc::clone(&counters),
            Checkpointer::spawn(checkpoints)?,
        )?;
        tracing::debug!(
            readers = options.readers.max(1),
            max_batch = options.max_batch.max(1),
            "sqlite store open"
        );
        Ok(SqliteStore {
            writer: Some(sender),
            writer_thread: Some(writer_thread),
            counters,
            readers,
            path: path.to_owned(),
        })
    }

    /// The database file this store uses.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How writes have been grouped into commits so far.
    pub fn write_stats(&self) -> WriteStats {
        WriteStats {
            groups: self.counters.groups.load(Ordering::Relaxed),
            commands: self.counters.commands.load(Ordering::Relaxed),
        }
    }

    /// Stops accepting writes, waits (off the executor) until every queued write is committed
    /// and the writer's connection is closed. Dropping the store does the same, but blocks the
    /// dropping thread while it waits.
    pub async fn close(mut self) {
        self.readers.close();
        self.writer = None;
        if let Some(thread) = self.writer_thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }

    /// Queues `op` for the writer thread and waits for its group to commit.
    ///
    /// If the caller stops waiting (its future is dropped) after the command was queued, the
    /// write still happens: cancellation must not leave half a request applied elsewhere.
    async fn write<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let sender = self.writer.as_ref().ok_or(StoreError::Closed)?;
        let (command, reply) = writer::command(op);
        sender.send(command).await.map_err(|_| StoreError::Closed)?;
        reply.await.map_err(|_| StoreError::Closed)?
    }

    async fn read<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.readers.read(op).await
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.readers.close();
        self.writer = None;
        if let Some(thread) = self.writer_thread.take() {
            // Waits for the queue to drain so that a process exiting right after dropping the
            // store does not kill the writer mid-group. Only ever as long as one group commit.
            let _ = thread.join();
        }
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn load_document(&self, id: DocumentId) -> Result<Option<StoredDocument>, StoreError> {
        self.read(move |conn| documents::load(conn, id)).await
    }

    async fn document_meta(&self, id: DocumentId) -> Result<Option<DocMeta>, StoreError> {
        self.read(move |conn| documents::meta(conn, id)).await
    }

    async fn load_chunks_after(
        &self,
        id: DocumentId,
        after_seq: i64,
    ) -> Result<Option<ChunksAfter>, StoreError> {
        self.read(move |conn| documents::chunks_after(conn, id, after_seq))
            .await
    }

    async fn commit_changes(&self, commit: ChangeCommit) -> Result<(), StoreError> {
        self.write(move |conn| documents::commit_changes(conn, &commit))
            .await
    }

    async fn document_actors(&self, id: DocumentId) -> Result<Vec<ActorClaim>, StoreError> {
        self.read(move |conn| documents::actors(conn, id)).await
    }

    async fn compact(
        &self,
        id: DocumentId,
        snapshot: Vec<u8>,
        through_seq: i64,
    ) -> Result<(), StoreError> {
        self.write(move |conn| documents::compact(conn, id, &snapshot, through_seq))
            .await
    }

    async fn list_documents(&self) -> Result<Vec<DocumentSummary>, StoreError> {
        self.read(documents::list).await
    }

    async fn load_documents(
        &self,
        ids: Vec<DocumentId>,
    ) -> Result<Vec<(DocumentId, StoredDocument)>, StoreError> {
        self.read(move |conn| {
            let mut found = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(doc) = documents::load(conn, id)? {
                    found.push((id, doc));
                }
            }
            Ok(found)
        })
        .await
    }

    async fn document_facts(
        &self,
    ) -> Result<Vec<(DocumentId, DocMeta, Option<RecordFacts>)>, StoreError> {
        self.read(documents::facts).await
    }

    async fn erase_document(&self, what: super::erasure::Erasure) -> Result<(), StoreError> {
        self.write(move |conn| erasure::erase(conn, &what)).await
    }

    async fn tombstone(
        &self,
        id: DocumentId,
    ) -> Result<Option<super::erasure::Tombstone>, StoreError> {
        self.read(move |conn| erasure::tombstone(conn, id)).await
    }

    async fn erased_since(&self, since_ms: i64) -> Result<Vec<DocumentId>, StoreError> {
        self.read(move |conn| erasure::erased_since(conn, since_ms))
            .await
    }

    async fn documents_without_facts(
        &self,
        after: Option<DocumentId>,
        limit: usize,
    ) -> Result<Vec<DocumentId>, StoreError> {
        self.read(move |conn| documents::without_facts(conn, after, limit))
            .await
    }

    async fn fill_facts(&self, id: DocumentId, facts: RecordFacts) -> Result<bool, StoreError> {
        self.write(move |conn| documents::fill_facts(conn, id, &facts))
            .await
    }

    async fn add_distribution(&self, entry: NewDistribution) -> Result<(), StoreError> {
        self.write(move |conn| documents::add_distribution(conn, &entry))
            .await
    }

    async fn distribution(&self, id: DocumentId) -> Result<Vec<DistributionEntry>, StoreError> {
        self.read(move |conn| documents::distribution(conn, id))
            .await
    }

    async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        self.write(move |conn| accounts::create_user(conn, user))
            .await
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        let username = username.to_owned();
        self.read(move |conn| accounts::user_by_username(conn, &username))
            .await
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| accounts::user(conn, &id)).await
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.read(accounts::list_users).await
    }

    async fn create_account(&self, account: NewAccount) -> Result<User, StoreError> {
        self.write(move |conn| accounts::create_account(conn, account))
            .await
    }

    async fn find_users(&self, query: UserQuery) -> Result<UserPage, StoreError> {
        self.read(move |conn| accounts::find_users(conn, &query))
            .await
    }

    async fn user_with_homes(&self, id: &str) -> Result<Option<UserWithHomes>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| accounts::user_with_homes(conn, &id))
            .await
    }

    async fn update_user(&self, id: &str, change: UserChange) -> Result<UserWithHomes, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| accounts::update_user(conn, &id, &change))
            .await
    }

    async fn set_user_disabled(&self, id: &str, disabled: bool) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.write(move |conn| accounts::set_user_disabled(conn, &id, disabled))
            .await
    }

    async fn reset_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        let password_hash = password_hash.to_owned();
        self.write(move |conn| accounts::reset_password(conn, &id, &password_hash))
            .await
    }

    async fn set_password_hash(
        &self,
        id: &str,
        password_hash: &str,
        keep_session: Option<[u8; 32]>,
    ) -> Result<(), StoreError> {
        let id = id.to_owned();
        let password_hash = password_hash.to_owned();
        self.write(move |conn| accounts::set_password_hash(conn, &id, &password_hash, keep_session))
            .await
    }

    async fn count_admins(&self) -> Result<u64, StoreError> {
        self.read(accounts::count_admins).await
    }

    async fn create_session(
        &self,
        token_hash: [u8; 32],
        session: NewSession,
    ) -> Result<Session, StoreError> {
        self.write(move |conn| devices::create_session(conn, token_hash, &session))
            .await
    }

    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<Session>, StoreError> {
        self.read(move |conn| devices::session(conn, token_hash))
            .await
    }

    async fn session_by_device(&self, device_id: &str) -> Result<Option<Session>, StoreError> {
        let device_id = device_id.to_owned();
        self.read(move |conn| devices::session_by_device(conn, &device_id))
            .await
    }

    async fn delete_session(&self, token_hash: [u8; 32]) -> Result<(), StoreError> {
        self.write(move |conn| devices::delete_session(conn, token_hash))
            .await
    }

    async fn touch_session(&self, device_id: &str, now_ms: i64) -> Result<(), StoreError> {
        let device_id = device_id.to_owned();
        self.write(move |conn| devices::touch_session(conn, &device_id, now_ms))
            .await
    }

    async fn devices(&self, user_id: Option<&str>, now_ms: i64) -> Result<Vec<Device>, StoreError> {
        let user_id = user_id.map(str::to_owned);
        self.read(move |conn| devices::devices(conn, user_id.as_deref(), now_ms))
            .await
    }

    async fn revoke_device(
        &self,
        device_id: &str,
        by: RevokedBy,
        owner: Option<&str>,
        now_ms: i64,
    ) -> Result<Session, StoreError> {
        let device_id = device_id.to_owned();
        let owner = owner.map(str::to_owned);
        self.write(move |conn| {
            devices::revoke_device(conn, &device_id, by, owner.as_deref(), now_ms)
        })
        .await
    }

    async fn create_ticket(
        &self,
        ticket_hash: [u8; 32],
        device_id: &str,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        let device_id = device_id.to_owned();
        self.write(move |conn| devices::create_ticket(conn, ticket_hash, &device_id, expires_at_ms))
            .await
    }

    async fn take_ticket(&self, ticket_hash: [u8; 32]) -> Result<Option<Ticket>, StoreError> {
        // On the writer, never a reader: the DELETE is the single-use guarantee.
        self.write(move |conn| devices::take_ticket(conn, ticket_hash))
            .await
    }

    async fn purge_expired(&self, now_ms: i64) -> Result<(), StoreError> {
        self.write(move |conn| devices::purge_expired(conn, now_ms))
            .await
    }

    async fn create_home(&self, name: &str) -> Result<Home, StoreError> {
        let name = name.to_owned();
        self.write(move |conn| homes::create_home(conn, &name))
            .await
    }

    async fn list_homes(&self) -> Result<Vec<Home>, StoreError> {
        self.read(homes::list_homes).await
    }

    async fn assign(&self, user_id: &str, home_id: &str) -> Result<(), StoreError> {
        let user_id = user_id.to_owned();
        let home_id = home_id.to_owned();
        self.write(move |conn| homes::assign(conn, &user_id, &home_id))
            .await
    }

    async fn homes_of(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        let user_id = user_id.to_owned();
        self.read(move |conn| homes::homes_of(conn, &user_id)).await
    }

    async fn home(&self, id: &str) -> Result<Option<Home>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| homes::home(conn, &id)).await
    }

    async fn update_home(
        &self,
        id: &str,
        name: Option<String>,
        archived: Option<bool>,
    ) -> Result<Home, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| homes::update_home(conn, &id, name.as_deref(), archived))
            .await
    }

    async fn unassign(&self, user_id: &str, home_id: &str) -> Result<(), StoreError> {
        let user_id = user_id.to_owned();
        let home_id = home_id.to_owned();
        self.write(move |conn| homes::unassign(conn, &user_id, &home_id))
            .await
    }

    async fn home_people(&self) -> Result<Vec<HomePerson>, StoreError> {
        self.read(homes::home_people).await
    }

    async fn create_setup_code(
        &self,
        code_hash: [u8; 32],
        code: SetupCode,
    ) -> Result<(), StoreError> {
        self.write(move |conn| devices::create_setup_code(conn, code_hash, &code))
            .await
    }

    async fn redeem_setup_code(
        &self,
        code_hash: [u8; 32],
        now_ms: i64,
        account: NewUser,
    ) -> Result<Option<User>, StoreError> {
        // On the writer: taking the code and creating the account are one transaction.
        self.write(move |conn| devices::redeem_setup_code(conn, code_hash, now_ms, account))
            .await
    }

    async fn audit(&self, event: AuditEvent) -> Result<(), StoreError> {
        self.write(move |conn| audit::append(conn, &event)).await
    }

    async fn audit_all(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        self.write(move |conn| {
            events
                .iter()
                .try_for_each(|event| audit::append(conn, event))
        })
        .await
    }

    async fn verify_audit(&self) -> Result<AuditChain, StoreError> {
        self.read(audit::verify).await
    }

    async fn recent_audit(&self, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
        self.read(move |conn| audit::recent(conn, limit)).await
    }

    async fn audit_page(&self, query: AuditQuery) -> Result<AuditPage, StoreError> {
        self.read(move |conn| audit::page(conn, &query)).await
    }

    async fn overview(&self, now_ms: i64) -> Result<Overview, StoreError> {
        self.read(move |conn| audit::overview(conn, now_ms)).await
    }

    fn write_stats(&self) -> WriteStats {
        SqliteStore::write_stats(self)
    }

    async fn backup(&self, path: PathBuf) -> Result<(), StoreError> {
        // From a reader: in WAL mode the copy does not hold up writes while it runs.
        self.readers
            .with_connection(move |conn| maintenance::backup(conn, &path))
            .await
    }

    async fn check(&self) -> Result<Vec<String>, StoreError> {
        self.read(maintenance::check).await
    }
}

/// Opens a scratch SQLite file in `dir` with the store's durability settings (WAL,
/// `synchronous=FULL`), runs `commits` one-row INSERT transactions one after another and
/// returns commits per second; the file is deleted afterwards.
///
/// This is the disk's ceiling for un-grouped durable writes, which the benchmark compares with
/// the store's group-commit throughput. Blocking: may take seconds on a slow disk.
pub fn measure_fsync_commit_rate(dir: &Path, commits: usize) -> Result<f64, StoreError> {
    maintenance::measure_fsync_commit_rate(dir, commits)
}

/// The durability settings of every read-write connection: WAL so readers never block the
/// writer, `synchronous=FULL` so every COMMIT is fsync'd before it returns (NORMAL would lose
/// the last commits on power failure), foreign keys enforced.
fn configure_writer(conn: &Connection, busy_timeout: Duration) -> Result<(), StoreError> {
    conn.busy_timeout(busy_timeout)?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        // E.g. a filesystem without shared memory support; better to refuse than to run
        // without the guarantees the rest of this module assumes.
        return Err(failure(&format!("could not switch to WAL mode (got {mode})")).into());
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // The bundled SQLite is built with STAT4, which makes a statement whose plan could depend
    // on a bound value compile again on the next step after a new binding: the writer's cached
    // statements were re-parsed on every write (a third of its CPU under load). The query
    // planner stability guarantee keeps one plan per statement.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

/// A `rusqlite::Error` for failures this module detects itself, so they travel as
/// `StoreError::Sqlite` like the ones SQLite reports.
fn failure(message: &str) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
        Some(message.to_owned()),
    )
}

/// Whether `error` is the constraint violation with this extended code (e.g.
/// `SQLITE_CONSTRAINT_UNIQUE`).
fn is_constraint(error: &rusqlite::Error, extended_code: std::ffi::c_int) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _) if e.extended_code == extended_code)
}

/// Wall-clock Unix milliseconds, for `created_at` columns.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

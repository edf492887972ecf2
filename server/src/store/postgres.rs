//! The PostgreSQL [`Store`], for several Hearth servers sharing one database.
//!
//! How it keeps SQLite's contract:
//! - **Durability.** Every pooled connection runs with `synchronous_commit = on` (set as a
//!   startup parameter, so no connection ever lacks it), and a write answers `Ok` only after
//!   its COMMIT returned: the WAL record is flushed on the database server (and on its
//!   synchronous standbys, if the operator configured any).
//! - **Group commit.** Accepted changes and audit rows, the writes that arrive under load, go
//!   to one writer task per process (see `writer`) that runs whatever is waiting in one
//!   transaction, each in its own savepoint, and answers each waiter after the COMMIT.
//! - **Several servers.** Whatever SQLite's single writer made atomic by being alone is made
//!   atomic here by the database: a document's chunks are numbered under its row lock, audit
//!   appends are serialized by a transaction-scoped advisory lock, a ticket is taken with
//!   `DELETE ... RETURNING` (see `devices`).
//!
//! The SQL lives in per-area functions of a pool or client (`documents`, `erasure`, `audit`,
//! `maintenance` here; `accounts`, `devices`, `homes`); this file routes each `Store` method.
//! Errors carry the server's message and SQLSTATE only, never a statement, a parameter or the
//! connection URL (which may hold a password).

mod accounts;
mod audit;
pub mod connect;
mod devices;
mod documents;
mod erasure;
mod homes;
mod maintenance;
mod notify;
mod schema;
mod throttle;
mod writer;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::DocMeta;
use hearth_shared::reporting::RecordFacts;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

use super::erasure::{Erasure, Tombstone};
use super::remote::RemoteEvent;
use super::{
    ActorClaim, AuditChain, AuditEvent, AuditPage, AuditQuery, ChangeCommit, ChunksAfter, Device,
    DistributionEntry, DocumentSummary, Home, HomePerson, NewAccount, NewDistribution, NewSession,
    NewUser, Overview, RevokedBy, Session, SetupCode, Store, StoreError, StoredDocument, Ticket,
    User, UserChange, UserPage, UserQuery, UserWithHomes, WriteStats,
};
use connect::ConnectSettings;
use writer::{Counters, Queued, Write};

/// Tuning for [`PgStore::connect_with`]. None of it trades away durability.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Most connections this process opens (the writer uses one at a time).
    pub max_connections: usize,
    /// How long a request waits for a free connection (or a new one to open) before failing.
    pub wait_timeout: Duration,
    /// Most writes committed in one transaction.
    pub max_batch: usize,
    /// The longest the writer waits for company before committing a small group, when waiting
    /// last time gained some (see `store::group_wait`). Zero never waits.
    pub group_wait: Duration,
    /// Writes that may wait for the writer before callers wait to enqueue (backpressure).
    pub queue_capacity: usize,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            wait_timeout: Duration::from_secs(10),
            max_batch: 256,
            group_wait: Duration::from_millis(2),
            queue_capacity: 1024,
        }
    }
}

/// The PostgreSQL store. Cheap to share behind an `Arc`; dropping it stops the writer task
/// after it has committed everything already queued.
pub struct PgStore {
    pool: Pool,
    /// The connection settings and TLS connector, for the listening connection (`notify`).
    connect: ConnectSettings,
    /// This process's random id in announcements, so it ignores its own.
    instance: String,
    /// Started by the first `remote_events`, so CLI commands never open a listening connection.
    listener: OnceLock<notify::Listener>,
    /// `None` once closing has begun; dropping the sender is what stops the writer.
    writer: Option<mpsc::Sender<Queued>>,
    writer_task: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
    storage_id: String,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database` or key=value form)
    /// with the default options, brings the schema up to date and starts the writer task.
    /// TLS follows the URL's `sslmode` and `sslrootcert` as libpq's do (see [`connect`]).
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        Self::connect_with(url, PgOptions::default()).await
    }

    /// [`connect`](Self::connect) with explicit tuning.
    pub async fn connect_with(url: &str, options: PgOptions) -> Result<PgStore, StoreError> {
        let mut connect = ConnectSettings::from_url(url)?;
        let config = &mut connect.config;
        // A startup parameter rather than a SET after connecting: no pooled connection can
        // exist without it, whatever the role's or database's defaults say.
        let startup = match config.get_options() {
            Some(given) if !given.trim().is_empty() => {
                format!("{given} -c synchronous_commit=on")
            }
            _ => "-c synchronous_commit=on".to_owned(),
        };
        config.options(&startup);
        if config.get_application_name().is_none() {
            config.application_name("hearth");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.wait_timeout);
        }
        let manager = Manager::from_config(
            config.clone(),
            connect.tls.clone(),
            ManagerConfig {
                // Fast: a connection whose socket closed is noticed at its next query and
                // dropped; the checked variant would add a round trip to every checkout.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.max_connections.max(2))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.wait_timeout))
            .create_timeout(Some(options.wait_timeout))
            .build()
            .map_err(|e| StoreError::Unavailable(format!("cannot set up the pool: {e}")))?;
        schema::migrate(&pool).await?;
        let storage_id = schema::storage_id(&pool).await?;
        let counters = Arc::new(Counters::default());
        let instance = uuid::Uuid::new_v4().simple().to_string();
        let (sender, task) = writer::spawn(
            pool.clone(),
            instance.clone(),
            options.queue_capacity.max(1),
            options.max_batch.max(1),
            options.group_wait,
            Arc::clone(&counters),
        );
        tracing::debug!(
            connections = options.max_connections.max(2),
            tls = ?connect.check,
            "postgres store connected"
        );
        Ok(PgStore {
            pool,
            connect,
            instance,
            listener: OnceLock::new(),
            writer: Some(sender),
            writer_task: Some(task),
            counters,
            storage_id,
        })
    }

    /// The storage id every server on this database shares (a UUID created with the schema):
    /// clients use it to know which changes this storage already holds, so it must be the
    /// same whichever server they reach.
    pub fn storage_id(&self) -> Result<String, StoreError> {
        Ok(self.storage_id.clone())
    }

    /// The connection pool, for `hearth migrate`'s bulk copy in one transaction.
    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// How writes have been grouped into commits so far.
    pub fn write_stats(&self) -> WriteStats {
        self.counters.stats()
    }

    /// Stops accepting writes and waits until every queued write is committed (or failed).
    pub async fn close(mut self) {
        self.writer = None;
        if let Some(task) = self.writer_task.take() {
            let _ = task.await;
        }
        self.pool.close();
    }

    /// Queues `write` for the writer task and waits for its group to commit.
    ///
    /// If the caller stops waiting after the write was queued, it still happens: cancellation
    /// must not leave half a request applied elsewhere.
    async fn write(&self, write: Write) -> Result<(), StoreError> {
        let sender = self.writer.as_ref().ok_or(StoreError::Closed)?;
        let (queued, reply) = writer::queued(write);
        sender.send(queued).await.map_err(|_| StoreError::Closed)?;
        reply.await.map_err(|_| StoreError::Closed)?
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropping the sender lets the writer task drain the queue and stop on its own; the
        // runtime keeps running it (a process exiting right away is what `close` is for).
        self.writer = None;
    }
}

/// A pooled connection, or the reason there is none.
pub(super) async fn client(pool: &Pool) -> Result<deadpool_postgres::Object, StoreError> {
    Ok(pool.get().await?)
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        use deadpool_postgres::PoolError;
        match error {
            PoolError::Backend(e) => StoreError::Postgres(e),
            PoolError::Closed => StoreError::Closed,
            PoolError::Timeout(_) => {
                StoreError::Unavailable("no database connection became free in time".into())
            }
            other => StoreError::Unavailable(format!("no database connection: {other}")),
        }
    }
}

/// A PostgreSQL error as users and operators may see it: the server's message and SQLSTATE,
/// or the client's own description with its causes ("error performing TLS handshake: invalid
/// peer certificate: UnknownIssuer"). Never the DETAIL (it can quote row values), a statement
/// or the connection URL (tokio-postgres's causes name a setting, never its value).
pub(super) fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = error.to_string();
            let mut cause = std::error::Error::source(error);
            while let Some(error) = cause {
                text.push_str(": ");
                text.push_str(&error.to_string());
                cause = error.source();
            }
            text
        }
    }
}

/// A stored document id back from its 16 bytes.
fn document_id(bytes: &[u8]) -> Result<DocumentId, StoreError> {
    <[u8; 16]>::try_from(bytes)
        .map(DocumentId::from_bytes)
        .map_err(|_| StoreError::Corrupt(format!("a document id of {} bytes", bytes.len())))
}

/// A stored `DocMeta` back from its JSON.
fn decode_meta(json: &str) -> Result<DocMeta, StoreError> {
    serde_json::from_str(json)
        .map_err(|_| StoreError::Corrupt("a document's metadata does not read".into()))
}

#[async_trait]
impl Store for PgStore {
    async fn load_document(&self, id: DocumentId) -> Result<Option<StoredDocument>, StoreError> {
        documents::load(&self.pool, id).await
    }

    async fn document_meta(&self, id: DocumentId) -> Result<Option<DocMeta>, StoreError> {
        documents::meta(&client(&self.pool).await?, id).await
    }

    async fn load_chunks_after(
        &self,
        id: DocumentId,
        after_seq: i64,
    ) -> Result<Option<ChunksAfter>, StoreError> {
        documents::chunks_after(&self.pool, id, after_seq).await
    }

    async fn commit_changes(&self, commit: ChangeCommit) -> Result<(), StoreError> {
        self.write(Write::Commit(Box::new(commit))).await
    }

    async fn document_actors(&self, id: DocumentId) -> Result<Vec<ActorClaim>, StoreError> {
        documents::actors(&self.pool, id).await
    }

    async fn compact(
        &self,
        id: DocumentId,
        snapshot: Vec<u8>,
        through_seq: i64,
    ) -> Result<(), StoreError> {
        documents::compact(&self.pool, &self.instance, id, &snapshot, through_seq).await
    }

    async fn list_documents(&self) -> Result<Vec<DocumentSummary>, StoreError> {
        documents::list(&self.pool).await
    }

    async fn load_documents(
        &self,
        ids: Vec<DocumentId>,
    ) -> Result<Vec<(DocumentId, StoredDocument)>, StoreError> {
        documents::load_many(&self.pool, ids).await
    }

    async fn erase_document(&self, what: Erasure) -> Result<(), StoreError> {
        erasure::erase(&self.pool, &self.instance, &what).await
    }

    async fn tombstone(&self, id: DocumentId) -> Result<Option<Tombstone>, StoreError> {
        erasure::tombstone(&self.pool, id).await
    }

    async fn erased_since(&self, since_ms: i64) -> Result<Vec<DocumentId>, StoreError> {
        erasure::erased_since(&self.pool, since_ms).await
    }

    async fn document_facts(
        &self,
    ) -> Result<Vec<(DocumentId, DocMeta, Option<RecordFacts>)>, StoreError> {
        documents::facts(&self.pool).await
    }

    async fn documents_without_facts(
        &self,
        after: Option<DocumentId>,
        limit: usize,
    ) -> Result<Vec<DocumentId>, StoreError> {
        documents::without_facts(&self.pool, after, limit).await
    }

    async fn fill_facts(&self, id: DocumentId, facts: RecordFacts) -> Result<bool, StoreError> {
        documents::fill_facts(&self.pool, id, &facts).await
    }

    async fn add_distribution(&self, entry: NewDistribution) -> Result<(), StoreError> {
        documents::add_distribution(&self.pool, &entry).await
    }

    async fn distribution(&self, id: DocumentId) -> Result<Vec<DistributionEntry>, StoreError> {
        documents::distribution(&self.pool, id).await
    }

    async fn create_user(&self, user: NewUser) -> Result<User, StoreError> {
        accounts::create_user(&self.pool, user).await
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError> {
        accounts::user_by_username(&self.pool, username).await
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        accounts::user(&self.pool, id).await
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        accounts::list_users(&self.pool).await
    }

    async fn create_account(&self, account: NewAccount) -> Result<User, StoreError> {
        accounts::create_account(&self.pool, account).await
    }

    async fn find_users(&self, query: UserQuery) -> Result<UserPage, StoreError> {
        accounts::find_users(&self.pool, query).await
    }

    async fn user_with_homes(&self, id: &str) -> Result<Option<UserWithHomes>, StoreError> {
        accounts::user_with_homes(&self.pool, id).await
    }

    async fn update_user(&self, id: &str, change: UserChange) -> Result<UserWithHomes, StoreError> {
        accounts::update_user(&self.pool, id, change, &self.instance).await
    }

    async fn set_user_disabled(&self, id: &str, disabled: bool) -> Result<(), StoreError> {
        accounts::set_user_disabled(&self.pool, id, disabled, &self.instance).await
    }

    async fn reset_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError> {
        accounts::reset_password(&self.pool, id, password_hash, &self.instance).await
    }

    async fn set_password_hash(
        &self,
        id: &str,
        password_hash: &str,
        keep_session: Option<[u8; 32]>,
    ) -> Result<(), StoreError> {
        accounts::set_password_hash(&self.pool, id, password_hash, keep_session, &self.instance)
            .await
    }

    async fn count_admins(&self) -> Result<u64, StoreError> {
        accounts::count_admins(&self.pool).await
    }

    async fn create_session(
        &self,
        token_hash: [u8; 32],
        session: NewSession,
    ) -> Result<Session, StoreError> {
        devices::create_session(&self.pool, token_hash, session).await
    }

    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<Session>, StoreError> {
        devices::session(&self.pool, token_hash).await
    }

    async fn session_by_device(&self, device_id: &str) -> Result<Option<Session>, StoreError> {
        devices::session_by_device(&self.pool, device_id).await
    }

    async fn delete_session(&self, token_hash: [u8; 32]) -> Result<(), StoreError> {
        devices::delete_session(&self.pool, token_hash, &self.instance).await
    }

    async fn touch_session(&self, device_id: &str, now_ms: i64) -> Result<(), StoreError> {
        devices::touch_session(&self.pool, device_id, now_ms).await
    }

    async fn devices(&self, user_id: Option<&str>, now_ms: i64) -> Result<Vec<Device>, StoreError> {
        devices::devices(&self.pool, user_id, now_ms).await
    }

    async fn revoke_device(
        &self,
        device_id: &str,
        by: RevokedBy,
        owner: Option<&str>,
        now_ms: i64,
    ) -> Result<Session, StoreError> {
        devices::revoke_device(&self.pool, device_id, by, owner, now_ms, &self.instance).await
    }

    async fn create_ticket(
        &self,
        ticket_hash: [u8; 32],
        device_id: &str,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        devices::create_ticket(&self.pool, ticket_hash, device_id, expires_at_ms).await
    }

    async fn take_ticket(&self, ticket_hash: [u8; 32]) -> Result<Option<Ticket>, StoreError> {
        devices::take_ticket(&self.pool, ticket_hash).await
    }

    async fn purge_expired(&self, now_ms: i64) -> Result<(), StoreError> {
        devices::purge_expired(&self.pool, now_ms).await?;
        throttle::purge(&self.pool, now_ms).await
    }

    async fn create_home(&self, name: &str) -> Result<Home, StoreError> {
        homes::create_home(&self.pool, name).await
    }

    async fn list_homes(&self) -> Result<Vec<Home>, StoreError> {
        homes::list_homes(&self.pool).await
    }

    async fn assign(&self, user_id: &str, home_id: &str) -> Result<(), StoreError> {
        homes::assign(&self.pool, user_id, home_id, &self.instance).await
    }

    async fn homes_of(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        homes::homes_of(&self.pool, user_id).await
    }

    async fn home(&self, id: &str) -> Result<Option<Home>, StoreError> {
        homes::home(&self.pool, id).await
    }

    async fn update_home(
        &self,
        id: &str,
        name: Option<String>,
        archived: Option<bool>,
    ) -> Result<Home, StoreError> {
        homes::update_home(&self.pool, id, name, archived).await
    }

    async fn unassign(&self, user_id: &str, home_id: &str) -> Result<(), StoreError> {
        homes::unassign(&self.pool, user_id, home_id, &self.instance).await
    }

    async fn home_people(&self) -> Result<Vec<HomePerson>, StoreError> {
        homes::home_people(&self.pool).await
    }

    async fn create_setup_code(
        &self,
        code_hash: [u8; 32],
        code: SetupCode,
    ) -> Result<(), StoreError> {
        devices::create_setup_code(&self.pool, code_hash, code).await
    }

    async fn redeem_setup_code(
        &self,
        code_hash: [u8; 32],
        now_ms: i64,
        account: NewUser,
    ) -> Result<Option<User>, StoreError> {
        devices::redeem_setup_code(&self.pool, code_hash, now_ms, account).await
    }

    async fn audit(&self, event: AuditEvent) -> Result<(), StoreError> {
        self.write(Write::Audit(vec![event])).await
    }

    async fn audit_all(&self, events: Vec<AuditEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        self.write(Write::Audit(events)).await
    }

    async fn verify_audit(&self) -> Result<AuditChain, StoreError> {
        audit::verify(&self.pool).await
    }

    async fn recent_audit(&self, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
        audit::recent(&self.pool, limit).await
    }

    async fn audit_page(&self, query: AuditQuery) -> Result<AuditPage, StoreError> {
        audit::page(&self.pool, &query).await
    }

    async fn overview(&self, now_ms: i64) -> Result<Overview, StoreError> {
        maintenance::overview(&self.pool, now_ms).await
    }

    fn write_stats(&self) -> WriteStats {
        PgStore::write_stats(self)
    }

    async fn backup(&self, _path: PathBuf) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(maintenance::BACKUP_ADVICE))
    }

    async fn check(&self) -> Result<Vec<String>, StoreError> {
        maintenance::check(&self.pool).await
    }

    async fn throttled_failures(
        &self,
        key: [u8; 32],
        now_ms: i64,
        window_ms: i64,
    ) -> Result<Option<u32>, StoreError> {
        throttle::throttled_failures(&self.pool, key, now_ms, window_ms).await
    }

    async fn record_throttled_failure(
        &self,
        key: [u8; 32],
        now_ms: i64,
        window_ms: i64,
    ) -> Result<Option<u32>, StoreError> {
        throttle::record_throttled_failure(&self.pool, key, now_ms, window_ms).await
    }

    async fn clear_throttled(&self, key: [u8; 32]) -> Result<(), StoreError> {
        throttle::clear_throttled(&self.pool, key).await
    }

    fn remote_events(&self) -> Option<broadcast::Receiver<RemoteEvent>> {
        let listener = self
            .listener
            .get_or_init(|| notify::Listener::start(self.connect.clone(), self.instance.clone()));
        Some(listener.subscribe())
    }
}

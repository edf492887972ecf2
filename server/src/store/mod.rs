//! Storage behind one trait, so that a PostgreSQL backend can follow the embedded SQLite one.
//!
//! Handlers and the sync hub never see SQL: they call [`Store`]. Every method that changes
//! something returns only once the change is durable (committed and fsync'd).

use async_trait::async_trait;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::DocMeta;
use hearth_shared::permissions::Role;

pub mod sqlite;

pub use sqlite::measure_fsync_commit_rate;

/// Everything that can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The SQLite layer failed (IO, corruption, constraint).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A unique value (username, home name) is already taken.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The thing to change does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The storage thread has stopped (shutdown or a crash); nothing was written.
    #[error("storage is shut down")]
    Closed,
    /// Filesystem trouble outside SQLite (creating the data folder, backup target).
    #[error("io error: {0}")]
    Io(#[from] std::io::Error),
}

/// A document as stored: its metadata and its Automerge bytes, a snapshot followed by
/// incremental chunks in commit order. `automerge::Automerge::load` of their concatenation
/// gives the document.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    /// The metadata as of the last committed change.
    pub meta: DocMeta,
    /// Snapshot first (if compacted), then each incremental chunk.
    pub chunks: Vec<Vec<u8>>,
}

/// One row of the records list: enough to show and filter it, no content.
#[derive(Debug, Clone)]
pub struct DocumentSummary {
    /// The document id.
    pub id: DocumentId,
    /// Metadata as of the last committed change.
    pub meta: DocMeta,
    /// Unix milliseconds of the last committed change.
    pub updated_at_ms: i64,
}

/// A user account. The password hash is an argon2id PHC string.
#[derive(Debug, Clone)]
pub struct User {
    /// Stable opaque id (a UUID string); this is what documents store in `createdBy`.
    pub id: String,
    /// The sign-in name.
    pub username: String,
    /// A display name for the UI; never logged.
    pub display_name: String,
    /// The user's role.
    pub role: Role,
    /// argon2id PHC string.
    pub password_hash: String,
    /// A disabled user cannot sign in and their sessions stop working.
    pub disabled: bool,
    /// The password was generated and shown to someone: until its owner changes it, the
    /// account may only read `/api/me`, change the password and sign out.
    pub must_change_password: bool,
}

/// A new account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The sign-in name (unique).
    pub username: String,
    /// A display name for the UI.
    pub display_name: String,
    /// The user's role.
    pub role: Role,
    /// argon2id PHC string.
    pub password_hash: String,
    /// The password is generated (shown once to whoever created the account): its owner must
    /// change it at first sign-in.
    pub must_change_password: bool,
}

/// A children's home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    /// Stable opaque id (a UUID string), stored in documents as `homeId`.
    pub id: String,
    /// The home's name (unique).
    pub name: String,
}

/// A signed-in session, looked up by the SHA-256 of its token (the token itself is never stored).
#[derive(Debug, Clone)]
pub struct Session {
    /// Whose session it is.
    pub user_id: String,
    /// Unix milliseconds after which it is no longer valid.
    pub expires_at_ms: i64,
}

/// Something worth an audit row: who did what to which document, never content or names.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    /// Unix milliseconds.
    pub at_ms: i64,
    /// The acting user's id, if known.
    pub user_id: Option<String>,
    /// A stable action code, e.g. `change_rejected`, `login_failed`, `user_created`.
    pub action: String,
    /// The document concerned, if any.
    pub document_id: Option<DocumentId>,
    /// A short machine-readable detail (an error code), never record content.
    pub detail: String,
}

/// The storage a Hearth server needs. Implementations must make every write durable before
/// returning `Ok`, and must not block the async executor.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // --- documents ---

    /// The stored bytes and metadata of a document, or `None` if it was never stored.
    async fn load_document(&self, id: DocumentId) -> Result<Option<StoredDocument>, StoreError>;
    /// Only the metadata of a document (for access checks without loading it).
    async fn document_meta(&self, id: DocumentId) -> Result<Option<DocMeta>, StoreError>;
    /// Appends one incremental chunk (Automerge `save_after` bytes) and sets the metadata,
    /// creating the document if it is new. Durable when it returns `Ok`.
    async fn append_chunk(
        &self,
        id: DocumentId,
        meta: DocMeta,
        chunk: Vec<u8>,
        at_ms: i64,
    ) -> Result<(), StoreError>;
    /// Replaces the first `chunk_count` stored chunks with one snapshot (compaction). Chunks
    /// appended after those are kept. Durable when it returns `Ok`.
    ///
    /// `chunk_count` is how many chunks the caller loaded and folded into `snapshot`, so the
    /// caller must not run two compactions of one document at once: after the first commits,
    /// the second's "first N chunks" would include chunks its snapshot lacks. `NotFound` (and
    /// no change) if fewer than `chunk_count` chunks are stored or `chunk_count` is 0.
    async fn compact(
        &self,
        id: DocumentId,
        snapshot: Vec<u8>,
        chunk_count: usize,
    ) -> Result<(), StoreError>;
    /// Every stored document's summary (the caller filters by permission).
    async fn list_documents(&self) -> Result<Vec<DocumentSummary>, StoreError>;

    // --- users ---

    /// Creates a user; `Conflict` if the username is taken. Usernames are compared ignoring
    /// ASCII case, here and in `user_by_username`, so that no one can pose as "Alex" as "alex".
    async fn create_user(&self, user: NewUser) -> Result<User, StoreError>;
    /// A user by sign-in name.
    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// A user by id.
    async fn user(&self, id: &str) -> Result<Option<User>, StoreError>;
    /// All users, by username.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;
    /// Disables or re-enables a user; disabling also deletes their sessions.
    async fn set_user_disabled(&self, id: &str, disabled: bool) -> Result<(), StoreError>;
    /// Sets a new password hash (clearing `must_change_password`) and ends the user's sessions
    /// and sync tickets, except the session `keep_session` (the one that made the change).
    async fn set_password_hash(
        &self,
        id: &str,
        password_hash: &str,
        keep_session: Option<[u8; 32]>,
    ) -> Result<(), StoreError>;
    /// How many enabled admins exist (first start creates one when there are none).
    async fn count_admins(&self) -> Result<u64, StoreError>;

    // --- sessions and sync tickets ---

    /// Stores a session under the SHA-256 of its token.
    async fn create_session(
        &self,
        token_hash: [u8; 32],
        session: Session,
    ) -> Result<(), StoreError>;
    /// The session for a token hash, if it exists (expiry is the caller's check).
    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<Session>, StoreError>;
    /// Ends a session.
    async fn delete_session(&self, token_hash: [u8; 32]) -> Result<(), StoreError>;
    /// Stores a single-use sync ticket under the SHA-256 of its value.
    async fn create_ticket(
        &self,
        ticket_hash: [u8; 32],
        user_id: &str,
        expires_at_ms: i64,
    ) -> Result<(), StoreError>;
    /// Atomically deletes and returns a ticket's user id and expiry: a ticket works once.
    async fn take_ticket(&self, ticket_hash: [u8; 32])
    -> Result<Option<(String, i64)>, StoreError>;
    /// Deletes sessions and tickets that expired before `now_ms`.
    async fn purge_expired(&self, now_ms: i64) -> Result<(), StoreError>;

    // --- homes ---

    /// Creates a home; `Conflict` if the name is taken.
    async fn create_home(&self, name: &str) -> Result<Home, StoreError>;
    /// All homes, by name.
    async fn list_homes(&self) -> Result<Vec<Home>, StoreError>;
    /// Assigns a user (member or manager) to a home. Idempotent.
    async fn assign(&self, user_id: &str, home_id: &str) -> Result<(), StoreError>;
    /// The ids of the homes a user is assigned to.
    async fn homes_of(&self, user_id: &str) -> Result<Vec<String>, StoreError>;

    // --- audit and maintenance ---

    /// Appends an audit row. Durable when it returns `Ok`.
    async fn audit(&self, event: AuditEvent) -> Result<(), StoreError>;
    /// The most recent audit rows, newest first.
    async fn recent_audit(&self, limit: usize) -> Result<Vec<AuditEvent>, StoreError>;
    /// Writes a consistent copy of the whole store to `path` (SQLite online backup).
    async fn backup(&self, path: std::path::PathBuf) -> Result<(), StoreError>;
    /// Checks the store's integrity; returns the problems found (empty when healthy).
    async fn check(&self) -> Result<Vec<String>, StoreError>;
}

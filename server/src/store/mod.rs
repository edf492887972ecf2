//! Storage behind one trait, so that a PostgreSQL backend can follow the embedded SQLite one.
//!
//! Handlers and the sync hub never see SQL: they call [`Store`]. Every method that changes
//! something returns only once the change is durable (committed and fsync'd).

use async_trait::async_trait;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::DocMeta;
use hearth_shared::permissions::Role;
use hearth_shared::reporting::RecordFacts;

mod audit_chain;
mod authorship;
#[cfg(test)]
mod contract_tests;
pub mod erasure;
mod group_wait;
pub mod migrate;
pub mod postgres;
pub mod remote;
pub mod sqlite;
#[cfg(test)]
pub(crate) mod test_pg;

pub use authorship::{ActorClaim, ChangeCommit};
pub use postgres::PgStore;
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
    /// The change would leave no enabled administrator; nothing was changed.
    #[error("the last enabled administrator cannot be disabled or demoted")]
    LastAdmin,
    /// The device (session) was already signed out by a revocation.
    #[error("already revoked")]
    AlreadyRevoked,
    /// The change does not fit the account (homes for a role without homes).
    #[error("{0}")]
    Invalid(&'static str),
    /// The PostgreSQL layer failed (connection, constraint, IO on the server). The text is the
    /// server's message and SQLSTATE only: no statement, parameters, row values or password.
    #[error("database error: {}", postgres::describe(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// The database cannot be used right now or at all: no connection within the pool's
    /// timeout, a schema written by a newer build, a write group that failed as a whole.
    #[error("{0}")]
    Unavailable(String),
    /// A stored row does not read as what this build expects (an unknown role, a malformed id).
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    /// The operation does not apply to this kind of store; the text says what to do instead.
    #[error("{0}")]
    Unsupported(&'static str),
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
    /// The sequence number of the last of `chunks` (0 if none): what a compaction made from
    /// exactly these chunks replaces ([`Store::compact`]).
    pub last_seq: i64,
}

/// What a document gained after the chunks a reader already holds
/// ([`Store::load_chunks_after`]): with several servers on one store, a server catching up on
/// another's commits reads only these.
#[derive(Debug, Clone)]
pub enum ChunksAfter {
    /// Every chunk numbered after the one asked for, in commit order (none if nothing was
    /// appended since), with the metadata as of the last committed change.
    Appended {
        /// The metadata as of the last committed change.
        meta: DocMeta,
        /// The incremental chunks, oldest first.
        chunks: Vec<Vec<u8>>,
        /// The sequence number of the last of `chunks` (the one asked for if none): what the
        /// reader holds through once it has applied them.
        last_seq: i64,
    },
    /// A compaction took in chunks numbered after the one asked for: its snapshot holds them
    /// mixed with what the reader has, so what was appended cannot be read alone. Load the
    /// whole document ([`Store::load_document`]).
    Compacted,
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
    /// Unix milliseconds the account was created.
    pub created_at_ms: i64,
    /// Unix milliseconds of the last successful sign-in, if any.
    pub last_sign_in_at_ms: Option<i64>,
    /// For a kiosk tablet's account: the one consultation it may read and answer.
    pub kiosk_consultation_id: Option<String>,
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

/// A new account with everything that must exist from its first moment: its homes and, for a
/// tablet, the consultation it is bound to. Created in one transaction.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// The account itself.
    pub user: NewUser,
    /// Homes to assign (members and managers only; `Invalid` otherwise, `NotFound("home")` for
    /// an unknown id).
    pub homes: Vec<String>,
    /// For a kiosk tablet's account: the consultation it may read and answer, nothing else.
    pub kiosk_consultation_id: Option<String>,
}

/// What an administrator changes about an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    /// A new display name.
    pub display_name: Option<String>,
    /// A new role. Moving away from member/manager drops the home assignments.
    pub role: Option<Role>,
    /// The complete new set of homes (replaces the assignments).
    pub homes: Option<Vec<String>>,
}

/// A filter and page over the users, for the administration list.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Matches username or display name, ignoring ASCII case (a substring).
    pub text: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only disabled (`Some(true)`) or only enabled (`Some(false)`) accounts.
    pub disabled: Option<bool>,
    /// Rows to skip.
    pub offset: u64,
    /// Most rows to return.
    pub limit: u64,
}

/// An account with the homes it is assigned to.
#[derive(Debug, Clone)]
pub struct UserWithHomes {
    /// The account.
    pub user: User,
    /// Assigned home ids, by home name.
    pub homes: Vec<String>,
}

/// One page of users and how many match in all.
#[derive(Debug, Clone)]
pub struct UserPage {
    /// The users on this page, by username.
    pub users: Vec<UserWithHomes>,
    /// How many users match the filter.
    pub total: u64,
}

/// A children's home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    /// Stable opaque id (a UUID string), stored in documents as `homeId`.
    pub id: String,
    /// The home's name (unique).
    pub name: String,
    /// An archived home takes no new records; its records stay readable.
    pub archived: bool,
}

/// A member or manager assigned to a home.
#[derive(Debug, Clone)]
pub struct HomePerson {
    /// The home.
    pub home_id: String,
    /// The person's user id.
    pub user_id: String,
    /// Their display name.
    pub display_name: String,
    /// Their role.
    pub role: Role,
}

/// Who signed a device out before its session expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokedBy {
    /// An administrator, from the devices list.
    Admin,
    /// The user themselves, from another of their devices.
    Owner,
}

impl RevokedBy {
    /// As stored in `sessions.revoked_reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            RevokedBy::Admin => "admin",
            RevokedBy::Owner => "owner",
        }
    }

    /// The stored form back; unknown values read as `Admin` (the stricter message).
    pub fn parse(s: &str) -> Self {
        match s {
            "owner" => RevokedBy::Owner,
            _ => RevokedBy::Admin,
        }
    }
}

/// A signed-in session (a *device*), looked up by the SHA-256 of its token (the token itself
/// is never stored).
#[derive(Debug, Clone)]
pub struct Session {
    /// Whose session it is.
    pub user_id: String,
    /// The session's public id (a UUID): what the devices list shows and revokes.
    pub device_id: String,
    /// Unix milliseconds after which it is no longer valid.
    pub expires_at_ms: i64,
    /// Unix milliseconds of the last request made with it (refreshed at most once a minute).
    pub last_seen_at_ms: i64,
    /// Set once the device was signed out by someone; the row stays until it expires so that
    /// its cookie can be told why it stopped working.
    pub revoked: Option<RevokedBy>,
}

/// A session to create at sign-in.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Whose session it is.
    pub user_id: String,
    /// A readable label from the User-Agent ("Firefox on Windows").
    pub label: String,
    /// Unix milliseconds of the sign-in (also recorded as the user's last sign-in).
    pub created_at_ms: i64,
    /// Unix milliseconds after which it is no longer valid.
    pub expires_at_ms: i64,
}

/// A device (an active session) as the devices lists show it. No token, no hash.
#[derive(Debug, Clone)]
pub struct Device {
    /// The session's public id.
    pub id: String,
    /// Whose device it is.
    pub user_id: String,
    /// Their sign-in name.
    pub username: String,
    /// Their display name.
    pub display_name: String,
    /// The label from the User-Agent at sign-in.
    pub label: String,
    /// Signed in with a kiosk tablet's account.
    pub kiosk: bool,
    /// Unix milliseconds of the sign-in.
    pub created_at_ms: i64,
    /// Unix milliseconds of the last use.
    pub last_seen_at_ms: i64,
}

/// A redeemed sync ticket: whose, and which session (device) it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Whose ticket it was.
    pub user_id: String,
    /// The session it was made from; the ticket dies with it.
    pub device_id: String,
    /// Unix milliseconds after which it was no longer valid.
    pub expires_at_ms: i64,
}

/// A kiosk set-up code as stored (only its SHA-256 is the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupCode {
    /// The consultation the tablet will be bound to.
    pub consultation_id: String,
    /// The participation worker who asked for it.
    pub issued_by: String,
    /// Unix milliseconds after which it no longer works.
    pub expires_at_ms: i64,
}

/// How the store has grouped durable writes since it opened: `commands / groups` is the number
/// of writes each fsync paid for. For operators (the admin overview) and the sync benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Transactions run, each one fsync (failed groups included).
    pub groups: u64,
    /// Write commands run in them.
    pub commands: u64,
}

/// Counts for the administration overview.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// Accounts per role (disabled ones included).
    pub users_by_role: Vec<(Role, u64)>,
    /// Disabled accounts.
    pub disabled_users: u64,
    /// Homes taking records.
    pub homes: u64,
    /// Archived homes.
    pub archived_homes: u64,
    /// Sessions neither revoked nor expired.
    pub active_devices: u64,
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
    /// What an administrative action was done to: a user, home or device id. Never a name.
    pub subject: Option<String>,
    /// A short machine-readable detail (an error code), never record content.
    pub detail: String,
}

/// A stored audit row with its id and the acting user's username (if the user still exists).
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// The row's id (insertion order).
    pub id: i64,
    /// The acting user's sign-in name.
    pub username: Option<String>,
    /// The event.
    pub event: AuditEvent,
}

/// The audit actions that are a read of a record: its first sync on a connection or a bulk
/// download (`record_read`), a report of it, an export of it (a consultation's responses).
pub const READ_ACTIONS: [&str; 3] = ["record_read", "report_downloaded", "export_downloaded"];

/// What `hearth audit verify` found walking the audit's hash chain.
#[derive(Debug, Clone)]
pub struct AuditChain {
    /// Rows whose link and hash held, from the first.
    pub rows: u64,
    /// The hash of the last row that held (32 zero bytes for none): an operator who keeps it
    /// elsewhere can later tell that no row after it was cut off the end.
    pub head: [u8; 32],
    /// The first row that does not hold, if any.
    pub broken: Option<BrokenAuditRow>,
}

/// The first audit row whose link to the previous row or whose own hash does not match.
#[derive(Debug, Clone)]
pub struct BrokenAuditRow {
    /// The row's id.
    pub id: i64,
    /// What does not match, in words.
    pub reason: String,
}

/// A filter and page over the audit log, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only rows of this acting user.
    pub user_id: Option<String>,
    /// Only this action code.
    pub action: Option<String>,
    /// Only rows about this document.
    pub document_id: Option<DocumentId>,
    /// Only reads of records ([`READ_ACTIONS`]): "who has read this record".
    pub reads_only: bool,
    /// Only rows at or after this time (Unix ms).
    pub from_ms: Option<i64>,
    /// Only rows at or before this time (Unix ms).
    pub to_ms: Option<i64>,
    /// Rows to skip.
    pub offset: u64,
    /// Most rows to return.
    pub limit: u64,
}

/// One page of audit rows and how many match in all.
#[derive(Debug, Clone)]
pub struct AuditPage {
    /// The rows, newest first.
    pub rows: Vec<AuditRow>,
    /// How many rows match the filter.
    pub total: u64,
}

/// A report's distribution to record: an officer says the report went to `recipient` on
/// `sent_on`. Hearth sends nothing itself.
#[derive(Debug, Clone)]
pub struct NewDistribution {
    /// The inspection record the report is of.
    pub document_id: DocumentId,
    /// Who it went to, as a code (`ofsted`, `registeredProvider`, `registeredManager`,
    /// `responsibleIndividual`, `placingAuthority`); anything else is `Invalid`.
    pub recipient: String,
    /// The day it was sent, `YYYY-MM-DD`.
    pub sent_on: String,
    /// The officer's user id.
    pub recorded_by: String,
    /// Unix milliseconds it was recorded.
    pub recorded_at_ms: i64,
}

/// One recorded distribution of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionEntry {
    /// Who it went to (a recipient code).
    pub recipient: String,
    /// The day it was sent, `YYYY-MM-DD`.
    pub sent_on: String,
    /// The user id of the officer who recorded it.
    pub recorded_by: String,
    /// Their display name, if the account still exists.
    pub recorded_by_name: Option<String>,
    /// Unix milliseconds it was recorded.
    pub recorded_at_ms: i64,
}

/// The storage a Hearth server needs. Implementations must make every write durable before
/// returning `Ok`, and must not block the async executor.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // --- documents ---

    /// The stored bytes and metadata of a document, or `None` if it was never stored.
    async fn load_document(&self, id: DocumentId) -> Result<Option<StoredDocument>, StoreError>;
    /// What a document gained after the chunk numbered `after_seq` (a
    /// [`StoredDocument::last_seq`] or an earlier answer's `last_seq`), read at one consistent
    /// state: the chunks appended since with the metadata, or [`ChunksAfter::Compacted`] when a
    /// compaction has taken in any of them; `None` if the document is not stored (never, or
    /// erased since).
    ///
    /// Chunks are numbered in commit order per document and a compaction's snapshot takes the
    /// number of the last chunk it replaces, so a reader holding every chunk through `after_seq`
    /// holds the whole document once it has applied these.
    async fn load_chunks_after(
        &self,
        id: DocumentId,
        after_seq: i64,
    ) -> Result<Option<ChunksAfter>, StoreError>;
    /// Only the metadata of a document (for access checks without loading it).
    async fn document_meta(&self, id: DocumentId) -> Result<Option<DocMeta>, StoreError>;
    /// Appends one incremental chunk (Automerge `save_after` bytes), sets the metadata and the
    /// reporting facts of the record as it now stands (creating the document if it is new),
    /// records the commit's actor claims and appends its audit row, all in one transaction.
    /// Durable when it returns `Ok`.
    async fn commit_changes(&self, commit: ChangeCommit) -> Result<(), StoreError>;
    /// [`commit_changes`](Self::commit_changes) without claims or audit row: for seeding and
    /// tests, whose changes no signed-in user sent.
    async fn append_chunk(
        &self,
        id: DocumentId,
        meta: DocMeta,
        facts: Option<RecordFacts>,
        chunk: Vec<u8>,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        self.commit_changes(ChangeCommit {
            id,
            meta,
            facts,
            chunk,
            at_ms,
            claims: Vec::new(),
            audit: None,
        })
        .await
    }
    /// Who made a document's changes: every actor claim recorded for it, oldest first.
    async fn document_actors(&self, id: DocumentId) -> Result<Vec<ActorClaim>, StoreError>;
    /// Replaces every stored chunk up to and including the one numbered `through_seq` with
    /// `snapshot` (compaction), which takes that number; chunks after it are kept. Durable when
    /// it returns `Ok`.
    ///
    /// `snapshot` must hold every change of the chunks it replaces: the caller makes it from a
    /// load whose [`StoredDocument::last_seq`] was `through_seq`. Chunks are numbered in commit
    /// order per document, so that load held every chunk numbered up to it, and a compaction
    /// racing it (another server's) either replaced fewer chunks, all within this snapshot, or
    /// more, and then the chunk `through_seq` is gone: `NotFound("chunks to compact")` and no
    /// change. `NotFound("document")` for a document not stored.
    async fn compact(
        &self,
        id: DocumentId,
        snapshot: Vec<u8>,
        through_seq: i64,
    ) -> Result<(), StoreError>;
    /// Every stored document's summary (the caller filters by permission).
    async fn list_documents(&self) -> Result<Vec<DocumentSummary>, StoreError>;
    /// Several documents read at one consistent state, in the order asked, unknown ids left
    /// out: the bulk download reads a caseload a page at a time (the caller checks access on
    /// each document's metadata as returned).
    async fn load_documents(
        &self,
        ids: Vec<DocumentId>,
    ) -> Result<Vec<(DocumentId, StoredDocument)>, StoreError>;

    /// Erases a record for good (see [`erasure`]): its tombstone is written, its chunks, report
    /// distribution and `documents` row (metadata, reporting facts) deleted, and the audit row
    /// `record_erased` (who, why, never content) appended, all in one transaction. Durable when
    /// it returns `Ok`; `NotFound("document")` and no change if it is not stored.
    async fn erase_document(&self, erasure: erasure::Erasure) -> Result<(), StoreError>;
    /// The tombstone of an erased record, `None` if it was never erased.
    async fn tombstone(&self, id: DocumentId) -> Result<Option<erasure::Tombstone>, StoreError>;
    /// Ids of records erased at or after `since_ms`, oldest first.
    async fn erased_since(&self, since_ms: i64) -> Result<Vec<DocumentId>, StoreError>;

    // --- reporting ---

    /// Every stored document's metadata and reporting facts as last committed (the caller
    /// filters by permission). Facts are `None` where not yet known (a row from before facts
    /// were kept, until the backfill reaches it) or no longer readable.
    async fn document_facts(
        &self,
    ) -> Result<Vec<(DocumentId, DocMeta, Option<RecordFacts>)>, StoreError>;
    /// Up to `limit` ids of documents whose facts are unknown, in id order after `after`: the
    /// start-up backfill pages through them (a document that cannot be read is passed over).
    async fn documents_without_facts(
        &self,
        after: Option<DocumentId>,
        limit: usize,
    ) -> Result<Vec<DocumentId>, StoreError>;
    /// Sets a document's facts only if they are still unknown, so a backfill computed from an
    /// older version never overwrites the facts a newer commit wrote. `true` if it set them.
    async fn fill_facts(&self, id: DocumentId, facts: RecordFacts) -> Result<bool, StoreError>;
    /// Records that a report was sent. `NotFound("document")` for an unknown document,
    /// `Invalid` for an unknown recipient code. Durable when it returns `Ok`.
    async fn add_distribution(&self, entry: NewDistribution) -> Result<(), StoreError>;
    /// A report's recorded distribution, by date sent then by when it was recorded.
    async fn distribution(&self, id: DocumentId) -> Result<Vec<DistributionEntry>, StoreError>;

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
    /// Creates an account with its homes and kiosk binding in one transaction; `Conflict` if
    /// the username is taken, `NotFound("home")` for an unknown home, `Invalid` for homes given
    /// to a role that has none. Nothing is created on error.
    async fn create_account(&self, account: NewAccount) -> Result<User, StoreError>;
    /// A filtered page of users with their homes, by username.
    async fn find_users(&self, query: UserQuery) -> Result<UserPage, StoreError>;
    /// A user with their homes.
    async fn user_with_homes(&self, id: &str) -> Result<Option<UserWithHomes>, StoreError>;
    /// Changes display name, role and homes in one transaction. `LastAdmin` (and no change) if
    /// it would leave no enabled admin; `Invalid` for homes on a role without homes.
    async fn update_user(&self, id: &str, change: UserChange) -> Result<UserWithHomes, StoreError>;
    /// Disables or re-enables a user; disabling also deletes their sessions and tickets, and
    /// refuses (`LastAdmin`) to disable the last enabled admin.
    async fn set_user_disabled(&self, id: &str, disabled: bool) -> Result<(), StoreError>;
    /// An administrator's reset: a new (generated) password hash that must be changed at next
    /// sign-in, and every session and ticket of the user ends, in one transaction.
    async fn reset_password(&self, id: &str, password_hash: &str) -> Result<(), StoreError>;
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

    /// Stores a session (a device) under the SHA-256 of its token, with a fresh device id,
    /// and records the sign-in as the user's last.
    async fn create_session(
        &self,
        token_hash: [u8; 32],
        session: NewSession,
    ) -> Result<Session, StoreError>;
    /// The session for a token hash, if it exists, revoked ones included (expiry and
    /// revocation are the caller's checks).
    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<Session>, StoreError>;
    /// The session with this device id, if it exists (revoked ones included).
    async fn session_by_device(&self, device_id: &str) -> Result<Option<Session>, StoreError>;
    /// Ends a session.
    async fn delete_session(&self, token_hash: [u8; 32]) -> Result<(), StoreError>;
    /// Refreshes a device's last-seen time.
    async fn touch_session(&self, device_id: &str, now_ms: i64) -> Result<(), StoreError>;
    /// Active (neither revoked nor expired at `now_ms`) devices, of one user or of everyone,
    /// most recently seen first.
    async fn devices(&self, user_id: Option<&str>, now_ms: i64) -> Result<Vec<Device>, StoreError>;
    /// Signs a device out: marks its session revoked (kept until it expires, so its cookie
    /// answers `device_revoked`) and deletes its tickets. `NotFound("device")` for an unknown
    /// id, or one of another user when `owner` is given; `AlreadyRevoked` if it was.
    async fn revoke_device(
        &self,
        device_id: &str,
        by: RevokedBy,
        owner: Option<&str>,
        now_ms: i64,
    ) -> Result<Session, StoreError>;
    /// Stores a single-use sync ticket under the SHA-256 of its value, tied to the session
    /// (device) that asked for it.
    async fn create_ticket(
        &self,
        ticket_hash: [u8; 32],
        device_id: &str,
        expires_at_ms: i64,
    ) -> Result<(), StoreError>;
    /// Atomically deletes and returns a ticket: a ticket works once.
    async fn take_ticket(&self, ticket_hash: [u8; 32]) -> Result<Option<Ticket>, StoreError>;
    /// Deletes sessions (revoked ones too), tickets and set-up codes that expired before
    /// `now_ms`.
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
    /// A home by id.
    async fn home(&self, id: &str) -> Result<Option<Home>, StoreError>;
    /// Renames and/or archives a home; `Conflict` for a name taken, `NotFound("home")`.
    async fn update_home(
        &self,
        id: &str,
        name: Option<String>,
        archived: Option<bool>,
    ) -> Result<Home, StoreError>;
    /// Removes an assignment; idempotent. `NotFound` for an unknown user or home.
    async fn unassign(&self, user_id: &str, home_id: &str) -> Result<(), StoreError>;
    /// Every assignment with the person's name and role, by display name.
    async fn home_people(&self) -> Result<Vec<HomePerson>, StoreError>;

    // --- kiosk set-up ---

    /// Stores a tablet set-up code under its SHA-256.
    async fn create_setup_code(
        &self,
        code_hash: [u8; 32],
        code: SetupCode,
    ) -> Result<(), StoreError>;
    /// Atomically takes a set-up code (it works once, expired or not) and, if it was still
    /// valid at `now_ms`, creates the kiosk account `account` bound to its consultation, in the
    /// same transaction. `None` for an unknown, used or expired code (nothing created).
    async fn redeem_setup_code(
        &self,
        code_hash: [u8; 32],
        now_ms: i64,
        account: NewUser,
    ) -> Result<Option<User>, StoreError>;

    // --- audit and maintenance ---

    /// Appends an audit row, chained to the one before it. Durable when it returns `Ok`. The
    /// audit is append-only: the store has no method to change or delete a row.
    async fn audit(&self, event: AuditEvent) -> Result<(), StoreError>;
    /// Appends several audit rows in one transaction (all or none), in order.
    async fn audit_all(&self, events: Vec<AuditEvent>) -> Result<(), StoreError>;
    /// Checks the audit's hash chain from the first row to the last.
    async fn verify_audit(&self) -> Result<AuditChain, StoreError>;
    /// The most recent audit rows, newest first.
    async fn recent_audit(&self, limit: usize) -> Result<Vec<AuditEvent>, StoreError>;
    /// A filtered page of the audit log, newest first, with the total that matches.
    async fn audit_page(&self, query: AuditQuery) -> Result<AuditPage, StoreError>;
    /// Counts for the administration overview.
    async fn overview(&self, now_ms: i64) -> Result<Overview, StoreError>;
    /// How writes have been grouped into commits so far (cheap: counters, no IO).
    fn write_stats(&self) -> WriteStats;
    /// Writes a consistent copy of the whole store to `path` (SQLite online backup).
    async fn backup(&self, path: std::path::PathBuf) -> Result<(), StoreError>;
    /// Checks the store's integrity; returns the problems found (empty when healthy).
    async fn check(&self) -> Result<Vec<String>, StoreError>;

    // --- several servers ---

    /// Failed sign-in attempts under `key` (a hash: see `auth::throttle`) in the window of
    /// `window_ms` that began at its first failure, counted where every server sharing the
    /// store sees them; `None` (the default) for a store one process uses, whose server counts
    /// in memory.
    async fn throttled_failures(
        &self,
        _key: [u8; 32],
        _now_ms: i64,
        _window_ms: i64,
    ) -> Result<Option<u32>, StoreError> {
        Ok(None)
    }
    /// Records one failed attempt under `key` (a new window if the last one ended) and returns
    /// the count in the window; `None` (the default) as for
    /// [`throttled_failures`](Self::throttled_failures).
    async fn record_throttled_failure(
        &self,
        _key: [u8; 32],
        _now_ms: i64,
        _window_ms: i64,
    ) -> Result<Option<u32>, StoreError> {
        Ok(None)
    }
    /// Forgets the failures under `key` (after a successful sign-in).
    async fn clear_throttled(&self, _key: [u8; 32]) -> Result<(), StoreError> {
        Ok(())
    }

    /// What other servers sharing this store commit ([`remote::RemoteEvent`]), for a store
    /// several servers write; `None` (the default) for a store only this process writes.
    fn remote_events(&self) -> Option<tokio::sync::broadcast::Receiver<remote::RemoteEvent>> {
        None
    }
}

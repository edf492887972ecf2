//! The database layout, as an ordered list of migration steps applied at open.
//!
//! `PRAGMA user_version` records how many steps a file has had. Steps are append-only: once a
//! step has shipped it is never edited, a change to the layout is a new step at the end.

use rusqlite::Connection;

use super::failure;
use crate::store::StoreError;

/// Every migration step, in order; `MIGRATIONS[i]` takes a file from version `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the initial layout.
    r#"
    -- One row per Automerge document. The meta columns duplicate fields of `meta_json` so that
    -- lists and access checks can filter without parsing JSON; `meta_json` is the full DocMeta.
    -- No foreign keys on home_id/created_by: which homes and users a record may name is the
    -- sync layer's rule, storage keeps whatever was accepted.
    CREATE TABLE documents (
        id          BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
        kind        TEXT NOT NULL,
        home_id     TEXT,
        created_by  TEXT NOT NULL,
        state       TEXT NOT NULL,
        meta_json   TEXT NOT NULL,
        updated_at  INTEGER NOT NULL
    );
    CREATE INDEX documents_by_home ON documents (home_id);
    CREATE INDEX documents_by_creator ON documents (created_by);

    -- A document's bytes: at most one snapshot (always the lowest seq) then incremental chunks.
    -- `seq` only grows; a compaction's snapshot takes the seq of the last chunk it replaced.
    CREATE TABLE document_chunks (
        document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        bytes       BLOB NOT NULL,
        is_snapshot INTEGER NOT NULL DEFAULT 0 CHECK (is_snapshot IN (0, 1)),
        PRIMARY KEY (document_id, seq)
    );

    -- NOCASE: "Alex.Smith" and "alex.smith" must not be two accounts, one could pose as the other.
    CREATE TABLE users (
        id            TEXT PRIMARY KEY NOT NULL,
        username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name  TEXT NOT NULL,
        role          TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        created_at    INTEGER NOT NULL
    );

    CREATE TABLE sessions (
        token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
        user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX sessions_by_user ON sessions (user_id);
    CREATE INDEX sessions_by_expiry ON sessions (expires_at);

    CREATE TABLE sync_tickets (
        ticket_hash BLOB PRIMARY KEY NOT NULL CHECK (length(ticket_hash) = 32),
        user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at  INTEGER NOT NULL
    );
    CREATE INDEX sync_tickets_by_user ON sync_tickets (user_id);
    CREATE INDEX sync_tickets_by_expiry ON sync_tickets (expires_at);

    CREATE TABLE homes (
        id   TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE
    );

    CREATE TABLE assignments (
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        home_id TEXT NOT NULL REFERENCES homes (id) ON DELETE CASCADE,
        PRIMARY KEY (user_id, home_id)
    ) WITHOUT ROWID;
    CREATE INDEX assignments_by_home ON assignments (home_id);

    -- Append-only. No foreign keys: an audit row must outlive the user or document it names,
    -- and a failed sign-in may name no one.
    CREATE TABLE audit (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        at          INTEGER NOT NULL,
        user_id     TEXT,
        action      TEXT NOT NULL,
        document_id BLOB,
        detail      TEXT NOT NULL
    );
    CREATE INDEX audit_by_document ON audit (document_id) WHERE document_id IS NOT NULL;
    "#,
    // 2: a password someone else was shown (the first admin's, a generated one) must be
    // replaced by its owner before anything else.
    r#"
    ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
        CHECK (must_change_password IN (0, 1));
    "#,
    // 3: administration in the app. Sessions become devices (a public id, a label, last seen,
    // and revocation kept until expiry so a revoked cookie can be told why); a sync ticket
    // belongs to the session it was made from and dies with it; last sign-in and a kiosk's
    // consultation on users; archived homes; tablet set-up codes; the subject of admin actions.
    r#"
    CREATE TABLE sessions_v3 (
        token_hash     BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
        device_id      TEXT NOT NULL UNIQUE,
        user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        label          TEXT NOT NULL,
        created_at     INTEGER NOT NULL,
        last_seen_at   INTEGER NOT NULL,
        expires_at     INTEGER NOT NULL,
        revoked_at     INTEGER,
        revoked_reason TEXT CHECK (revoked_reason IN ('admin', 'owner')),
        CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
    );
    -- Sessions from before devices existed keep working, with a random id in UUID form.
    INSERT INTO sessions_v3 (token_hash, device_id, user_id, label, created_at, last_seen_at,
                             expires_at)
    SELECT token_hash,
           lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
                 substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' ||
                 hex(randomblob(6))),
           user_id, 'Unknown device', CAST(strftime('%s', 'now') AS INTEGER) * 1000,
           CAST(strftime('%s', 'now') AS INTEGER) * 1000, expires_at
    FROM sessions;
    DROP TABLE sessions;
    ALTER TABLE sessions_v3 RENAME TO sessions;
    CREATE INDEX sessions_by_user ON sessions (user_id);
    CREATE INDEX sessions_by_expiry ON sessions (expires_at);

    -- Tickets live 60 s: the old ones are simply dropped.
    DROP TABLE sync_tickets;
    CREATE TABLE sync_tickets (
        ticket_hash BLOB PRIMARY KEY NOT NULL CHECK (length(ticket_hash) = 32),
        user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        session_id  TEXT NOT NULL REFERENCES sessions (device_id) ON DELETE CASCADE,
        expires_at  INTEGER NOT NULL
    );
    CREATE INDEX sync_tickets_by_user ON sync_tickets (user_id);
    CREATE INDEX sync_tickets_by_session ON sync_tickets (session_id);
    CREATE INDEX sync_tickets_by_expiry ON sync_tickets (expires_at);

    ALTER TABLE users ADD COLUMN last_sign_in_at INTEGER;
    ALTER TABLE users ADD COLUMN kiosk_consultation_id TEXT;
    ALTER TABLE homes ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));

    -- Only the code's SHA-256 is stored; a row is deleted when the code is used.
    CREATE TABLE kiosk_setup_codes (
        code_hash       BLOB PRIMARY KEY NOT NULL CHECK (length(code_hash) = 32),
        consultation_id TEXT NOT NULL,
        issued_by       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at      INTEGER NOT NULL
    );
    CREATE INDEX kiosk_setup_codes_by_expiry ON kiosk_setup_codes (expires_at);

    ALTER TABLE audit ADD COLUMN subject TEXT;
    CREATE INDEX audit_by_user ON audit (user_id);
    CREATE INDEX audit_by_action ON audit (action);
    "#,
    // 4: reporting. `facts` is the record's `RecordFacts` as JSON (no free text), written with
    // every committed change so the officers' overview never loads documents; NULL for rows
    // written before this step until the start-up backfill reaches them. A report's
    // distribution: to whom and when an officer says it was sent (Hearth sends nothing).
    r#"
    ALTER TABLE documents ADD COLUMN facts TEXT;

    -- No foreign key on recorded_by: the row must outlive the account, as audit rows do.
    CREATE TABLE report_distribution (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        recipient   TEXT NOT NULL CHECK (recipient IN ('ofsted', 'registeredProvider',
                        'registeredManager', 'responsibleIndividual', 'placingAuthority')),
        sent_on     TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        recorded_at INTEGER NOT NULL
    );
    CREATE INDEX report_distribution_by_document ON report_distribution (document_id);
    "#,
    // 5: a tamper-evident audit trail. Each row carries `prev_hash` (the previous row's `hash`,
    // 32 zero bytes for the first row) and `hash`, a SHA-256 over its own content and
    // `prev_hash` (`audit::row_hash`). SQL cannot hash, so rows stored before this step are
    // chained by `audit::chain_unchained`, run by `migrate` in this step's transaction.
    r#"
    ALTER TABLE audit ADD COLUMN prev_hash BLOB CHECK (prev_hash IS NULL OR length(prev_hash) = 32);
    ALTER TABLE audit ADD COLUMN hash BLOB CHECK (hash IS NULL OR length(hash) = 32);
    "#,
    // 6: erasure. A tombstone per erased record (retention or an administrator): only what the
    // sync path's access check reads (the `DocMeta` without its title, as JSON) and when and
    // why, so a device holding the record is told to drop it, and nobody who could never read
    // it learns it existed. Kept for good: a device may come back after years offline.
    r#"
    CREATE TABLE document_tombstones (
        id          BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
        access_json TEXT NOT NULL,
        erased_at   INTEGER NOT NULL,
        cause       TEXT NOT NULL CHECK (cause IN ('retention', 'admin'))
    );
    CREATE INDEX document_tombstones_by_time ON document_tombstones (erased_at);
    "#,
    // 7: who made a record's changes, for its history. Clients take a random Automerge actor
    // each time they load a record, so one actor is one user's session on one record: the row
    // names the user who sent the actor's first change, and the sync path refuses that actor's
    // changes from anyone else. Rows go with their document when it is erased.
    r#"
    CREATE TABLE document_actors (
        document_id BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        actor       BLOB NOT NULL,
        user_id     TEXT NOT NULL,
        first_at    INTEGER NOT NULL,
        PRIMARY KEY (document_id, actor)
    ) WITHOUT ROWID;
    "#,
];

/// The version at which audit rows carry their hash chain (step 5 above).
const AUDIT_CHAINED: usize = 5;

/// The schema version this build writes.
pub(super) const CURRENT_VERSION: usize = MIGRATIONS.len();

/// Brings the file up to [`CURRENT_VERSION`] in one transaction: a crash mid-migration leaves
/// the old version intact. Refuses a file written by a newer build rather than guess at it.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let found = usize::try_from(found).map_err(|_| failure("negative schema version"))?;
    if found > CURRENT_VERSION {
        return Err(StoreError::Sqlite(failure(&format!(
            "database schema version {found} is newer than this server's {CURRENT_VERSION}; \
             upgrade the server instead of downgrading it"
        ))));
    }
    for (done, step) in MIGRATIONS.iter().enumerate().skip(found) {
        tx.execute_batch(step)?;
        if done + 1 == AUDIT_CHAINED {
            // Only here, once: re-chaining at any other time would bless tampered rows.
            super::audit::chain_unchained(&tx)?;
        }
    }
    if found < CURRENT_VERSION {
        tx.pragma_update(None, "user_version", CURRENT_VERSION as i64)?;
        tracing::debug!(from = found, to = CURRENT_VERSION, "migrated schema");
    }
    tx.commit()?;
    Ok(())
}

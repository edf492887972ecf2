//! Sessions as devices, the sync tickets made from them, and tablet set-up codes, on
//! PostgreSQL. Behaves as `store::sqlite::devices` does.
//!
//! What SQLite gets from its single writer, this file gets from row locks, since several
//! servers may share the database: a ticket or set-up code is taken by one `DELETE ...
//! RETURNING` (of two takers at once, the second finds no row), a revocation locks its session
//! row, and a ticket is only made from a session row it holds `FOR SHARE`, so a revocation or
//! sign-out running at the same time either sees the new ticket (and deletes it) or makes the
//! ticket's creation fail.

use deadpool_postgres::{GenericClient, Pool};
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use super::accounts::{announce_user, violates};
use super::client;
use crate::store::{
    Device, NewSession, NewUser, RevokedBy, Session, SetupCode, StoreError, Ticket, User,
};

/// Sessions, sync tickets and set-up codes (schema step 1; after `accounts::DDL`).
pub(super) const DDL: &str = r#"
-- A revoked session stays, marked, until it would have expired, so its cookie can be told why.
CREATE TABLE sessions (
    token_hash     BYTEA PRIMARY KEY NOT NULL CHECK (octet_length(token_hash) = 32),
    device_id      TEXT NOT NULL UNIQUE,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label          TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    revoked_at     BIGINT,
    revoked_reason TEXT CHECK (revoked_reason IN ('admin', 'owner')),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- A ticket belongs to the session it was made from and dies with it.
CREATE TABLE sync_tickets (
    ticket_hash BYTEA PRIMARY KEY NOT NULL CHECK (octet_length(ticket_hash) = 32),
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id  TEXT NOT NULL REFERENCES sessions (device_id) ON DELETE CASCADE,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sync_tickets_by_user ON sync_tickets (user_id);
CREATE INDEX sync_tickets_by_session ON sync_tickets (session_id);
CREATE INDEX sync_tickets_by_expiry ON sync_tickets (expires_at);

-- Only the code's SHA-256 is stored; a row is deleted when the code is used.
CREATE TABLE kiosk_setup_codes (
    code_hash       BYTEA PRIMARY KEY NOT NULL CHECK (octet_length(code_hash) = 32),
    consultation_id TEXT NOT NULL,
    issued_by       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX kiosk_setup_codes_by_expiry ON kiosk_setup_codes (expires_at);
"#;

/// Maps the failures of inserting a row that names a user: an unknown user is a `NotFound`,
/// a hash already present is a `Conflict` (a 256-bit token collision is a bug).
fn credential_insert_error(e: tokio_postgres::Error, what: &'static str) -> StoreError {
    if violates(&e, &SqlState::FOREIGN_KEY_VIOLATION, None) {
        StoreError::NotFound("user")
    } else if violates(&e, &SqlState::UNIQUE_VIOLATION, None) {
        StoreError::Conflict(what)
    } else {
        e.into()
    }
}

const SESSION_COLUMNS: &str = "user_id, device_id, expires_at, last_seen_at, revoked_reason";

fn session_from_row(row: &Row) -> Result<Session, StoreError> {
    Ok(Session {
        user_id: row.try_get(0)?,
        device_id: row.try_get(1)?,
        expires_at_ms: row.try_get(2)?,
        last_seen_at_ms: row.try_get(3)?,
        revoked: row
            .try_get::<_, Option<String>>(4)?
            .map(|r| RevokedBy::parse(&r)),
    })
}

pub(super) async fn create_session(
    pool: &Pool,
    token_hash: [u8; 32],
    session: NewSession,
) -> Result<Session, StoreError> {
    let device_id = uuid::Uuid::new_v4().to_string();
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO sessions (token_hash, device_id, user_id, label, created_at,
                                   last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $5, $6)",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &&token_hash[..],
            &device_id,
            &session.user_id,
            &session.label,
            &session.created_at_ms,
            &session.expires_at_ms,
        ],
    )
    .await
    .map_err(|e| credential_insert_error(e, "session"))?;
    let stmt = tx
        .prepare_cached("UPDATE users SET last_sign_in_at = $2 WHERE id = $1")
        .await?;
    tx.execute(&stmt, &[&session.user_id, &session.created_at_ms])
        .await?;
    tx.commit().await?;
    Ok(Session {
        user_id: session.user_id,
        device_id,
        expires_at_ms: session.expires_at_ms,
        last_seen_at_ms: session.created_at_ms,
        revoked: None,
    })
}

pub(super) async fn session(
    pool: &Pool,
    token_hash: [u8; 32],
) -> Result<Option<Session>, StoreError> {
    let client = client(pool).await?;
    let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1");
    let stmt = client.prepare_cached(&sql).await?;
    client
        .query_opt(&stmt, &[&&token_hash[..]])
        .await?
        .map(|row| session_from_row(&row))
        .transpose()
}

pub(super) async fn session_by_device(
    pool: &Pool,
    device_id: &str,
) -> Result<Option<Session>, StoreError> {
    let client = client(pool).await?;
    read_session_by_device(&client, device_id, false).await
}

/// The session of a device; `lock` takes its row `FOR UPDATE` for the caller's transaction.
async fn read_session_by_device(
    client: &impl GenericClient,
    device_id: &str,
    lock: bool,
) -> Result<Option<Session>, StoreError> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE device_id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let stmt = client.prepare_cached(&sql).await?;
    client
        .query_opt(&stmt, &[&device_id])
        .await?
        .map(|row| session_from_row(&row))
        .transpose()
}

pub(super) async fn delete_session(
    pool: &Pool,
    token_hash: [u8; 32],
    origin: &str,
) -> Result<(), StoreError> {
    // Deleting a session that is already gone is success: signing out twice is not an error.
    // Its tickets go with it (foreign key, ON DELETE CASCADE).
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    let stmt = tx
        .prepare_cached("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
        .await?;
    if let Some(row) = tx.query_opt(&stmt, &[&&token_hash[..]]).await? {
        let user_id: String = row.try_get(0)?;
        announce_user(&tx, origin, &user_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn touch_session(
    pool: &Pool,
    device_id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let client = client(pool).await?;
    let stmt = client
        .prepare_cached(
            "UPDATE sessions SET last_seen_at = $2 WHERE device_id = $1 AND last_seen_at < $2",
        )
        .await?;
    client.execute(&stmt, &[&device_id, &now_ms]).await?;
    Ok(())
}

pub(super) async fn devices(
    pool: &Pool,
    user_id: Option<&str>,
    now_ms: i64,
) -> Result<Vec<Device>, StoreError> {
    let client = client(pool).await?;
    let stmt = client
        .prepare_cached(
            r#"SELECT s.device_id, s.user_id, u.username, u.display_name, s.label,
                      u.kiosk_consultation_id IS NOT NULL, s.created_at, s.last_seen_at
               FROM sessions s JOIN users u ON u.id = s.user_id
               WHERE s.revoked_at IS NULL AND s.expires_at > $2
                 AND ($1::text IS NULL OR s.user_id = $1)
               ORDER BY s.last_seen_at DESC, s.device_id COLLATE "C""#,
        )
        .await?;
    let rows = client.query(&stmt, &[&user_id, &now_ms]).await?;
    rows.iter()
        .map(|row| {
            Ok(Device {
                id: row.try_get(0)?,
                user_id: row.try_get(1)?,
                username: row.try_get(2)?,
                display_name: row.try_get(3)?,
                label: row.try_get(4)?,
                kiosk: row.try_get(5)?,
                created_at_ms: row.try_get(6)?,
                last_seen_at_ms: row.try_get(7)?,
            })
        })
        .collect()
}

pub(super) async fn revoke_device(
    pool: &Pool,
    device_id: &str,
    by: RevokedBy,
    owner: Option<&str>,
    now_ms: i64,
    origin: &str,
) -> Result<Session, StoreError> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    // Locked: of two revocations at once, the second waits and then finds it revoked.
    let session = read_session_by_device(&tx, device_id, true)
        .await?
        // Someone else's device answers exactly like an unknown one.
        .filter(|s| owner.is_none_or(|o| o == s.user_id))
        .ok_or(StoreError::NotFound("device"))?;
    if session.revoked.is_some() {
        return Err(StoreError::AlreadyRevoked);
    }
    let stmt = tx
        .prepare_cached(
            "UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE device_id = $1",
        )
        .await?;
    tx.execute(&stmt, &[&device_id, &now_ms, &by.as_str()])
        .await?;
    // In the same transaction: a ticket made from this device dies with it.
    let stmt = tx
        .prepare_cached("DELETE FROM sync_tickets WHERE session_id = $1")
        .await?;
    tx.execute(&stmt, &[&device_id]).await?;
    announce_user(&tx, origin, &session.user_id).await?;
    tx.commit().await?;
    Ok(Session {
        revoked: Some(by),
        ..session
    })
}

pub(super) async fn create_ticket(
    pool: &Pool,
    ticket_hash: [u8; 32],
    device_id: &str,
    expires_at_ms: i64,
) -> Result<(), StoreError> {
    let client = client(pool).await?;
    // FOR SHARE: a revocation committing meanwhile is waited for and then seen (no row, so
    // `NotFound`), and one starting meanwhile waits for this ticket and deletes it.
    let stmt = client
        .prepare_cached(
            "INSERT INTO sync_tickets (ticket_hash, user_id, session_id, expires_at)
             SELECT $1, user_id, device_id, $3 FROM sessions
             WHERE device_id = $2 AND revoked_at IS NULL
             FOR SHARE",
        )
        .await?;
    let inserted = client
        .execute(&stmt, &[&&ticket_hash[..], &device_id, &expires_at_ms])
        .await
        .map_err(|e| credential_insert_error(e, "sync ticket"))?;
    if inserted == 0 {
        return Err(StoreError::NotFound("session"));
    }
    Ok(())
}

/// One `DELETE ... RETURNING`: of two takers at once (on one server or two), the second
/// waits for the first's row lock and then finds the row gone, so exactly one gets it.
pub(super) async fn take_ticket(
    pool: &Pool,
    ticket_hash: [u8; 32],
) -> Result<Option<Ticket>, StoreError> {
    let client = client(pool).await?;
    let stmt = client
        .prepare_cached(
            "DELETE FROM sync_tickets WHERE ticket_hash = $1
             RETURNING user_id, session_id, expires_at",
        )
        .await?;
    client
        .query_opt(&stmt, &[&&ticket_hash[..]])
        .await?
        .map(|row| {
            Ok(Ticket {
                user_id: row.try_get(0)?,
                device_id: row.try_get(1)?,
                expires_at_ms: row.try_get(2)?,
            })
        })
        .transpose()
}

pub(super) async fn purge_expired(pool: &Pool, now_ms: i64) -> Result<(), StoreError> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    let stmt = tx
        .prepare_cached("DELETE FROM sync_tickets WHERE expires_at < $1")
        .await?;
    let tickets = tx.execute(&stmt, &[&now_ms]).await?;
    // Revoked sessions too: once expired, their cookie would not work anyway.
    let stmt = tx
        .prepare_cached("DELETE FROM sessions WHERE expires_at < $1")
        .await?;
    let sessions = tx.execute(&stmt, &[&now_ms]).await?;
    let stmt = tx
        .prepare_cached("DELETE FROM kiosk_setup_codes WHERE expires_at < $1")
        .await?;
    let codes = tx.execute(&stmt, &[&now_ms]).await?;
    tx.commit().await?;
    tracing::debug!(sessions, tickets, codes, "purged expired credentials");
    Ok(())
}

// --- tablet set-up codes ---

pub(super) async fn create_setup_code(
    pool: &Pool,
    code_hash: [u8; 32],
    code: SetupCode,
) -> Result<(), StoreError> {
    let client = client(pool).await?;
    let stmt = client
        .prepare_cached(
            "INSERT INTO kiosk_setup_codes (code_hash, consultation_id, issued_by, expires_at)
             VALUES ($1, $2, $3, $4)",
        )
        .await?;
    client
        .execute(
            &stmt,
            &[
                &&code_hash[..],
                &code.consultation_id,
                &code.issued_by,
                &code.expires_at_ms,
            ],
        )
        .await
        .map_err(|e| credential_insert_error(e, "set-up code"))?;
    Ok(())
}

/// The DELETE makes a code single-use across servers (as [`take_ticket`]), and the account is
/// created in the same transaction, so a code never yields two tablets and a failed creation
/// (rolled back) leaves the code usable.
pub(super) async fn redeem_setup_code(
    pool: &Pool,
    code_hash: [u8; 32],
    now_ms: i64,
    account: NewUser,
) -> Result<Option<User>, StoreError> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    let stmt = tx
        .prepare_cached(
            "DELETE FROM kiosk_setup_codes WHERE code_hash = $1
             RETURNING consultation_id, issued_by, expires_at",
        )
        .await?;
    let taken = tx
        .query_opt(&stmt, &[&&code_hash[..]])
        .await?
        .map(|row| -> Result<SetupCode, StoreError> {
            Ok(SetupCode {
                consultation_id: row.try_get(0)?,
                issued_by: row.try_get(1)?,
                expires_at_ms: row.try_get(2)?,
            })
        })
        .transpose()?;
    let user = match taken {
        Some(code) if code.expires_at_ms > now_ms => {
            Some(super::accounts::insert_kiosk_account(&tx, account, code.consultation_id).await?)
        }
        // Unknown, used, or expired (and now deleted): all the same to the caller.
        _ => None,
    };
    tx.commit().await?;
    Ok(user)
}

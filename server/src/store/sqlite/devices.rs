//! Sessions as devices, the sync tickets made from them, and tablet set-up codes.
//!
//! A revoked session is not deleted: it stays, marked, until it would have expired, so the
//! cookie it belonged to can be answered with *why* it stopped working (`device_revoked`).
//! Everything else that ends a session (sign-out, a password change, disabling) deletes it.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::is_constraint;
use crate::store::{
    Device, NewSession, NewUser, RevokedBy, Session, SetupCode, StoreError, Ticket, User,
};

/// Maps the constraint failures of inserting a row that names a user: an unknown user is a
/// `NotFound`, a hash already present is a `Conflict` (a 256-bit token collision is a bug).
fn credential_insert_error(e: rusqlite::Error, what: &'static str) -> StoreError {
    if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY) {
        StoreError::NotFound("user")
    } else if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY) {
        StoreError::Conflict(what)
    } else {
        e.into()
    }
}

const SESSION_COLUMNS: &str = "user_id, device_id, expires_at, last_seen_at, revoked_reason";

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        user_id: row.get(0)?,
        device_id: row.get(1)?,
        expires_at_ms: row.get(2)?,
        last_seen_at_ms: row.get(3)?,
        revoked: row
            .get::<_, Option<String>>(4)?
            .map(|r| RevokedBy::parse(&r)),
    })
}

pub(super) fn create_session(
    conn: &Connection,
    token_hash: [u8; 32],
    new: &NewSession,
) -> Result<Session, StoreError> {
    let device_id = uuid::Uuid::new_v4().to_string();
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, device_id, user_id, label, created_at, last_seen_at,
                               expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
    )?
    .execute(params![
        token_hash,
        device_id,
        new.user_id,
        new.label,
        new.created_at_ms,
        new.expires_at_ms
    ])
    .map_err(|e| credential_insert_error(e, "session"))?;
    conn.prepare_cached("UPDATE users SET last_sign_in_at = ?2 WHERE id = ?1")?
        .execute(params![new.user_id, new.created_at_ms])?;
    Ok(Session {
        user_id: new.user_id.clone(),
        device_id,
        expires_at_ms: new.expires_at_ms,
        last_seen_at_ms: new.created_at_ms,
        revoked: None,
    })
}

pub(super) fn session(
    conn: &Connection,
    token_hash: [u8; 32],
) -> Result<Option<Session>, StoreError> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([token_hash], session_from_row)
        .optional()?)
}

pub(super) fn session_by_device(
    conn: &Connection,
    device_id: &str,
) -> Result<Option<Session>, StoreError> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE device_id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([device_id], session_from_row)
        .optional()?)
}

pub(super) fn delete_session(conn: &Connection, token_hash: [u8; 32]) -> Result<(), StoreError> {
    // Deleting a session that is already gone is success: signing out twice is not an error.
    // Its tickets go with it (foreign key, ON DELETE CASCADE).
    conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
        .execute([token_hash])?;
    Ok(())
}

pub(super) fn touch_session(
    conn: &Connection,
    device_id: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE sessions SET last_seen_at = ?2 WHERE device_id = ?1 AND last_seen_at < ?2",
    )?
    .execute(params![device_id, now_ms])?;
    Ok(())
}

pub(super) fn devices(
    conn: &Connection,
    user_id: Option<&str>,
    now_ms: i64,
) -> Result<Vec<Device>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.device_id, s.user_id, u.username, u.display_name, s.label,
                u.kiosk_consultation_id IS NOT NULL, s.created_at, s.last_seen_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.revoked_at IS NULL AND s.expires_at > ?2 AND (?1 IS NULL OR s.user_id = ?1)
         ORDER BY s.last_seen_at DESC, s.device_id",
    )?;
    let rows = stmt.query_map(params![user_id, now_ms], |row| {
        Ok(Device {
            id: row.get(0)?,
            user_id: row.get(1)?,
            username: row.get(2)?,
            display_name: row.get(3)?,
            label: row.get(4)?,
            kiosk: row.get(5)?,
            created_at_ms: row.get(6)?,
            last_seen_at_ms: row.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn revoke_device(
    conn: &Connection,
    device_id: &str,
    by: RevokedBy,
    owner: Option<&str>,
    now_ms: i64,
) -> Result<Session, StoreError> {
    let session = session_by_device(conn, device_id)?
        // Someone else's device answers exactly like an unknown one.
        .filter(|s| owner.is_none_or(|o| o == s.user_id))
        .ok_or(StoreError::NotFound("device"))?;
    if session.revoked.is_some() {
        return Err(StoreError::AlreadyRevoked);
    }
    conn.prepare_cached(
        "UPDATE sessions SET revoked_at = ?2, revoked_reason = ?3 WHERE device_id = ?1",
    )?
    .execute(params![device_id, now_ms, by.as_str()])?;
    // In the same transaction: a ticket made from this device dies with it.
    conn.prepare_cached("DELETE FROM sync_tickets WHERE session_id = ?1")?
        .execute([device_id])?;
    Ok(Session {
        revoked: Some(by),
        ..session
    })
}

pub(super) fn create_ticket(
    conn: &Connection,
    ticket_hash: [u8; 32],
    device_id: &str,
    expires_at_ms: i64,
) -> Result<(), StoreError> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO sync_tickets (ticket_hash, user_id, session_id, expires_at)
             SELECT ?1, user_id, device_id, ?3 FROM sessions
             WHERE device_id = ?2 AND revoked_at IS NULL",
        )?
        .execute(params![ticket_hash, device_id, expires_at_ms])
        .map_err(|e| credential_insert_error(e, "sync ticket"))?;
    if inserted == 0 {
        return Err(StoreError::NotFound("session"));
    }
    Ok(())
}

/// Runs on the writer thread only: the DELETE is what makes a ticket single-use, and two
/// takers are serialized by the one write connection, so exactly one gets the row.
pub(super) fn take_ticket(
    conn: &Connection,
    ticket_hash: [u8; 32],
) -> Result<Option<Ticket>, StoreError> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM sync_tickets WHERE ticket_hash = ?1
             RETURNING user_id, session_id, expires_at",
        )?
        .query_row([ticket_hash], |row| {
            Ok(Ticket {
                user_id: row.get(0)?,
                device_id: row.get(1)?,
                expires_at_ms: row.get(2)?,
            })
        })
        .optional()?)
}

pub(super) fn purge_expired(conn: &Connection, now_ms: i64) -> Result<(), StoreError> {
    let tickets = conn
        .prepare_cached("DELETE FROM sync_tickets WHERE expires_at < ?1")?
        .execute([now_ms])?;
    // Revoked sessions too: once expired, their cookie would not work anyway.
    let sessions = conn
        .prepare_cached("DELETE FROM sessions WHERE expires_at < ?1")?
        .execute([now_ms])?;
    let codes = conn
        .prepare_cached("DELETE FROM kiosk_setup_codes WHERE expires_at < ?1")?
        .execute([now_ms])?;
    tracing::debug!(sessions, tickets, codes, "purged expired credentials");
    Ok(())
}

// --- tablet set-up codes ---

pub(super) fn create_setup_code(
    conn: &Connection,
    code_hash: [u8; 32],
    code: &SetupCode,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO kiosk_setup_codes (code_hash, consultation_id, issued_by, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        code_hash,
        code.consultation_id,
        code.issued_by,
        code.expires_at_ms
    ])
    .map_err(|e| credential_insert_error(e, "set-up code"))?;
    Ok(())
}

/// Runs on the writer thread only, like [`take_ticket`]: the DELETE makes a code single-use,
/// and the account is created in the same transaction, so a code never yields two tablets and
/// a failed creation leaves the code usable.
pub(super) fn redeem_setup_code(
    conn: &Connection,
    code_hash: [u8; 32],
    now_ms: i64,
    account: NewUser,
) -> Result<Option<User>, StoreError> {
    let taken = conn
        .prepare_cached(
            "DELETE FROM kiosk_setup_codes WHERE code_hash = ?1
             RETURNING consultation_id, issued_by, expires_at",
        )?
        .query_row([code_hash], |row| {
            Ok(SetupCode {
                consultation_id: row.get(0)?,
                issued_by: row.get(1)?,
                expires_at_ms: row.get(2)?,
            })
        })
        .optional()?;
    match taken {
        Some(code) if code.expires_at_ms > now_ms => Ok(Some(
            super::accounts::create_kiosk_account(conn, account, code.consultation_id)?,
        )),
        // Unknown, used, or expired (and now deleted): all the same to the caller.
        _ => Ok(None),
    }
}

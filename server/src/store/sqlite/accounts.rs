//! Users, sessions, sync tickets, homes and who is assigned to which home.

use hearth_shared::permissions::Role;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{is_constraint, now_ms};
use crate::store::{Home, NewUser, Session, StoreError, User};

const USER_COLUMNS: &str =
    "id, username, display_name, role, password_hash, disabled, must_change_password";
/// Index of `role` in [`USER_COLUMNS`], for conversion errors.
const ROLE_COLUMN: usize = 3;

#[derive(Debug, thiserror::Error)]
#[error("unknown role in the users table")]
struct UnknownRole;

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = row.get(ROLE_COLUMN)?;
    let role = Role::parse(&role).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(ROLE_COLUMN, Type::Text, Box::new(UnknownRole))
    })?;
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        display_name: row.get(2)?,
        role,
        password_hash: row.get(4)?,
        disabled: row.get(5)?,
        must_change_password: row.get(6)?,
    })
}

// --- users ---

pub(super) fn create_user(conn: &Connection, new: NewUser) -> Result<User, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = conn
        .prepare_cached(
            "INSERT INTO users (id, username, display_name, role, password_hash, disabled,
                                created_at, must_change_password)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)",
        )?
        .execute(params![
            id,
            new.username,
            new.display_name,
            new.role.as_str(),
            new.password_hash,
            now_ms(),
            new.must_change_password,
        ]);
    match inserted {
        Ok(_) => Ok(User {
            id,
            username: new.username,
            display_name: new.display_name,
            role: new.role,
            password_hash: new.password_hash,
            disabled: false,
            must_change_password: new.must_change_password,
        }),
        Err(e) if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE) => {
            Err(StoreError::Conflict("username"))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn user_by_username(
    conn: &Connection,
    username: &str,
) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([username], user_from_row)
        .optional()?)
}

pub(super) fn user(conn: &Connection, id: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], user_from_row)
        .optional()?)
}

pub(super) fn list_users(conn: &Connection) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
    let mut stmt = conn.prepare_cached(&sql)?;
    let users = stmt.query_map([], user_from_row)?;
    Ok(users.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn set_user_disabled(
    conn: &Connection,
    id: &str,
    disabled: bool,
) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached("UPDATE users SET disabled = ?2 WHERE id = ?1")?
        .execute(params![id, disabled])?;
    if changed == 0 {
        return Err(StoreError::NotFound("user"));
    }
    if disabled {
        // In the same transaction: there is no moment where the user is disabled but a
        // session or a not-yet-used sync ticket of theirs still works.
        conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1")?
            .execute([id])?;
        conn.prepare_cached("DELETE FROM sync_tickets WHERE user_id = ?1")?
            .execute([id])?;
    }
    Ok(())
}

pub(super) fn set_password_hash(
    conn: &Connection,
    id: &str,
    password_hash: &str,
    keep_session: Option<[u8; 32]>,
) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE users SET password_hash = ?2, must_change_password = 0 WHERE id = ?1",
        )?
        .execute(params![id, password_hash])?;
    if changed == 0 {
        return Err(StoreError::NotFound("user"));
    }
    // In the same transaction: a device signed in with the old password (a lost one, say)
    // stops working the moment the new one exists; the device that changed it stays signed in.
    conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS NOT ?2")?
        .execute(params![id, keep_session.map(|h| h.to_vec())])?;
    conn.prepare_cached("DELETE FROM sync_tickets WHERE user_id = ?1")?
        .execute([id])?;
    Ok(())
}

pub(super) fn count_admins(conn: &Connection) -> Result<u64, StoreError> {
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM users WHERE role = ?1 AND disabled = 0")?
        .query_row([Role::Admin.as_str()], |row| row.get(0))?;
    Ok(count.max(0) as u64)
}

// --- sessions and sync tickets ---

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

pub(super) fn create_session(
    conn: &Connection,
    token_hash: [u8; 32],
    session: &Session,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![token_hash, session.user_id, session.expires_at_ms])
    .map_err(|e| credential_insert_error(e, "session"))?;
    Ok(())
}

pub(super) fn session(
    conn: &Connection,
    token_hash: [u8; 32],
) -> Result<Option<Session>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT user_id, expires_at FROM sessions WHERE token_hash = ?1")?
        .query_row([token_hash], |row| {
            Ok(Session {
                user_id: row.get(0)?,
                expires_at_ms: row.get(1)?,
            })
        })
        .optional()?)
}

pub(super) fn delete_session(conn: &Connection, token_hash: [u8; 32]) -> Result<(), StoreError> {
    // Deleting a session that is already gone is success: signing out twice is not an error.
    conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
        .execute([token_hash])?;
    Ok(())
}

pub(super) fn create_ticket(
    conn: &Connection,
    ticket_hash: [u8; 32],
    user_id: &str,
    expires_at_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO sync_tickets (ticket_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![ticket_hash, user_id, expires_at_ms])
    .map_err(|e| credential_insert_error(e, "sync ticket"))?;
    Ok(())
}

/// Runs on the writer thread only: the DELETE is what makes a ticket single-use, and two
/// takers are serialized by the one write connection, so exactly one gets the row.
pub(super) fn take_ticket(
    conn: &Connection,
    ticket_hash: [u8; 32],
) -> Result<Option<(String, i64)>, StoreError> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM sync_tickets WHERE ticket_hash = ?1 RETURNING user_id, expires_at",
        )?
        .query_row([ticket_hash], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

pub(super) fn purge_expired(conn: &Connection, now_ms: i64) -> Result<(), StoreError> {
    let sessions = conn
        .prepare_cached("DELETE FROM sessions WHERE expires_at < ?1")?
        .execute([now_ms])?;
    let tickets = conn
        .prepare_cached("DELETE FROM sync_tickets WHERE expires_at < ?1")?
        .execute([now_ms])?;
    tracing::debug!(sessions, tickets, "purged expired credentials");
    Ok(())
}

// --- homes ---

pub(super) fn create_home(conn: &Connection, name: &str) -> Result<Home, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    match conn
        .prepare_cached("INSERT INTO homes (id, name) VALUES (?1, ?2)")?
        .execute(params![id, name])
    {
        Ok(_) => Ok(Home {
            id,
            name: name.to_owned(),
        }),
        Err(e) if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE) => {
            Err(StoreError::Conflict("home name"))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn list_homes(conn: &Connection) -> Result<Vec<Home>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM homes ORDER BY name")?;
    let homes = stmt.query_map([], |row| {
        Ok(Home {
            id: row.get(0)?,
            name: row.get(1)?,
        })
    })?;
    Ok(homes.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn assign(conn: &Connection, user_id: &str, home_id: &str) -> Result<(), StoreError> {
    // Checked up front so the caller learns which one is missing; the foreign keys still guard.
    let exists = |sql: &str, id: &str| -> rusqlite::Result<bool> {
        conn.prepare_cached(sql)?
            .query_row([id], |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
    };
    if !exists("SELECT 1 FROM users WHERE id = ?1", user_id)? {
        return Err(StoreError::NotFound("user"));
    }
    if !exists("SELECT 1 FROM homes WHERE id = ?1", home_id)? {
        return Err(StoreError::NotFound("home"));
    }
    conn.prepare_cached(
        "INSERT INTO assignments (user_id, home_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?
    .execute([user_id, home_id])?;
    Ok(())
}

pub(super) fn homes_of(conn: &Connection, user_id: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.home_id FROM assignments a JOIN homes h ON h.id = a.home_id
         WHERE a.user_id = ?1 ORDER BY h.name",
    )?;
    let ids = stmt.query_map([user_id], |row| row.get(0))?;
    Ok(ids.collect::<rusqlite::Result<Vec<_>>>()?)
}

//! Users: accounts, their homes, roles, passwords, and the last-admin guard.
//!
//! Every change that could leave the service without an administrator checks for it inside
//! the same transaction as the change ([`guard_last_admin`]), so two admins demoting each other
//! at once cannot both succeed: the writer runs them one after the other.

use hearth_shared::permissions::Role;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{is_constraint, now_ms};
use crate::store::{
    NewAccount, NewUser, StoreError, User, UserChange, UserPage, UserQuery, UserWithHomes,
};

const USER_COLUMNS: &str = "id, username, display_name, role, password_hash, disabled, \
     must_change_password, created_at, last_sign_in_at, kiosk_consultation_id";
/// Index of `role` in [`USER_COLUMNS`], for conversion errors.
const ROLE_COLUMN: usize = 3;

#[derive(Debug, thiserror::Error)]
#[error("unknown role in the users table")]
struct UnknownRole;

pub(super) fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
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
        created_at_ms: row.get(7)?,
        last_sign_in_at_ms: row.get(8)?,
        kiosk_consultation_id: row.get(9)?,
    })
}

/// Whether accounts of this role are assigned to homes.
pub(super) fn role_has_homes(role: Role) -> bool {
    matches!(role, Role::Member | Role::Manager)
}

const NO_HOMES_FOR_ROLE: &str = "Only members and managers are assigned to homes.";

// --- users ---

pub(super) fn create_user(conn: &Connection, new: NewUser) -> Result<User, StoreError> {
    create_account(
        conn,
        NewAccount {
            user: new,
            homes: Vec::new(),
            kiosk_consultation_id: None,
        },
    )
}

pub(super) fn create_account(conn: &Connection, account: NewAccount) -> Result<User, StoreError> {
    let NewAccount {
        user: new,
        homes,
        kiosk_consultation_id,
    } = account;
    if !homes.is_empty() && !role_has_homes(new.role) {
        return Err(StoreError::Invalid(NO_HOMES_FOR_ROLE));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let created_at_ms = now_ms();
    let inserted = conn
        .prepare_cached(
            "INSERT INTO users (id, username, display_name, role, password_hash, disabled,
                                created_at, must_change_password, kiosk_consultation_id)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8)",
        )?
        .execute(params![
            id,
            new.username,
            new.display_name,
            new.role.as_str(),
            new.password_hash,
            created_at_ms,
            new.must_change_password,
            kiosk_consultation_id,
        ]);
    match inserted {
        Ok(_) => {}
        Err(e) if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE) => {
            return Err(StoreError::Conflict("username"));
        }
        Err(e) => return Err(e.into()),
    }
    for home in &homes {
        super::homes::insert_assignment(conn, &id, home)?;
    }
    Ok(User {
        id,
        username: new.username,
        display_name: new.display_name,
        role: new.role,
        password_hash: new.password_hash,
        disabled: false,
        must_change_password: new.must_change_password,
        created_at_ms,
        last_sign_in_at_ms: None,
        kiosk_consultation_id,
    })
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

pub(super) fn user_with_homes(
    conn: &Connection,
    id: &str,
) -> Result<Option<UserWithHomes>, StoreError> {
    let Some(user) = user(conn, id)? else {
        return Ok(None);
    };
    let homes = super::homes::homes_of(conn, &user.id)?;
    Ok(Some(UserWithHomes { user, homes }))
}

pub(super) fn list_users(conn: &Connection) -> Result<Vec<User>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
    let mut stmt = conn.prepare_cached(&sql)?;
    let users = stmt.query_map([], user_from_row)?;
    Ok(users.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// `text` as a LIKE pattern matching it anywhere, with LIKE's own wildcards escaped.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// One fixed statement with optional filters (`?n IS NULL OR ...`), so the statement cache
/// holds it once whatever the filter.
const USER_FILTER: &str = "(?1 IS NULL OR username LIKE ?1 ESCAPE '\\' \
                                  OR display_name LIKE ?1 ESCAPE '\\')
     AND (?2 IS NULL OR role = ?2)
     AND (?3 IS NULL OR disabled = ?3)";

pub(super) fn find_users(conn: &Connection, query: &UserQuery) -> Result<UserPage, StoreError> {
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(contains_pattern);
    let role = query.role.map(Role::as_str);
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM users WHERE {USER_FILTER}"))?
        .query_row(params![text, role, query.disabled], |row| row.get(0))?;
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users WHERE {USER_FILTER}
         ORDER BY username LIMIT ?4 OFFSET ?5"
    );
    let users = conn
        .prepare_cached(&sql)?
        .query_map(
            params![text, role, query.disabled, limit, offset],
            user_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut page = Vec::with_capacity(users.len());
    for user in users {
        let homes = super::homes::homes_of(conn, &user.id)?;
        page.push(UserWithHomes { user, homes });
    }
    Ok(UserPage {
        users: page,
        total: total.max(0) as u64,
    })
}

/// Fails with `LastAdmin` if `before` was an enabled admin and, after this transaction's
/// changes, no enabled admin is left. The writer then rolls the whole command back.
fn guard_last_admin(conn: &Connection, before: &User) -> Result<(), StoreError> {
    if before.role == Role::Admin && !before.disabled && count_admins(conn)? == 0 {
        return Err(StoreError::LastAdmin);
    }
    Ok(())
}

pub(super) fn update_user(
    conn: &Connection,
    id: &str,
    change: &UserChange,
) -> Result<UserWithHomes, StoreError> {
    let before = user(conn, id)?.ok_or(StoreError::NotFound("user"))?;
    if let Some(name) = &change.display_name {
        conn.prepare_cached("UPDATE users SET display_name = ?2 WHERE id = ?1")?
            .execute(params![id, name])?;
    }
    if let Some(role) = change.role {
        conn.prepare_cached("UPDATE users SET role = ?2 WHERE id = ?1")?
            .execute(params![id, role.as_str()])?;
    }
    let role = change.role.unwrap_or(before.role);
    if !role_has_homes(role) {
        if change.homes.as_ref().is_some_and(|h| !h.is_empty()) {
            return Err(StoreError::Invalid(NO_HOMES_FOR_ROLE));
        }
        // A role without homes keeps no assignments (they would grant nothing, and would come
        // back to life if the role were changed again).
        conn.prepare_cached("DELETE FROM assignments WHERE user_id = ?1")?
            .execute([id])?;
    } else if let Some(homes) = &change.homes {
        conn.prepare_cached("DELETE FROM assignments WHERE user_id = ?1")?
            .execute([id])?;
        for home in homes {
            super::homes::insert_assignment(conn, id, home)?;
        }
    }
    guard_last_admin(conn, &before)?;
    user_with_homes(conn, id)?.ok_or(StoreError::NotFound("user"))
}

pub(super) fn set_user_disabled(
    conn: &Connection,
    id: &str,
    disabled: bool,
) -> Result<(), StoreError> {
    let before = user(conn, id)?.ok_or(StoreError::NotFound("user"))?;
    conn.prepare_cached("UPDATE users SET disabled = ?2 WHERE id = ?1")?
        .execute(params![id, disabled])?;
    if disabled {
        guard_last_admin(conn, &before)?;
        // In the same transaction: there is no moment where the user is disabled but a
        // session or a not-yet-used sync ticket of theirs still works.
        end_sessions(conn, id, None)?;
    }
    Ok(())
}

/// Deletes every session and sync ticket of a user, except the session `keep`.
fn end_sessions(conn: &Connection, id: &str, keep: Option<[u8; 32]>) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM sync_tickets WHERE user_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS NOT ?2")?
        .execute(params![id, keep.map(|h| h.to_vec())])?;
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
    end_sessions(conn, id, keep_session)
}

pub(super) fn reset_password(
    conn: &Connection,
    id: &str,
    password_hash: &str,
) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE users SET password_hash = ?2, must_change_password = 1 WHERE id = ?1",
        )?
        .execute(params![id, password_hash])?;
    if changed == 0 {
        return Err(StoreError::NotFound("user"));
    }
    end_sessions(conn, id, None)
}

pub(super) fn count_admins(conn: &Connection) -> Result<u64, StoreError> {
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM users WHERE role = ?1 AND disabled = 0")?
        .query_row([Role::Admin.as_str()], |row| row.get(0))?;
    Ok(count.max(0) as u64)
}

/// Inserts a kiosk tablet's account bound to `consultation_id`, its display name numbered
/// after the kiosk accounts that exist ("Kiosk tablet 3").
pub(super) fn create_kiosk_account(
    conn: &Connection,
    mut account: NewUser,
    consultation_id: String,
) -> Result<User, StoreError> {
    let existing: i64 = conn
        .prepare_cached("SELECT count(*) FROM users WHERE kiosk_consultation_id IS NOT NULL")?
        .query_row([], |row| row.get(0))?;
    account.display_name = format!("{} {}", account.display_name, existing + 1);
    create_account(
        conn,
        NewAccount {
            user: account,
            homes: Vec::new(),
            kiosk_consultation_id: Some(consultation_id),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(contains_pattern("oak"), "%oak%");
        assert_eq!(contains_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}

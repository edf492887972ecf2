//! Homes, archiving, and who is assigned to which home.

use hearth_shared::permissions::Role;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::accounts::role_has_homes;
use super::is_constraint;
use crate::store::{Home, HomePerson, StoreError};

fn home_from_row(row: &Row<'_>) -> rusqlite::Result<Home> {
    Ok(Home {
        id: row.get(0)?,
        name: row.get(1)?,
        archived: row.get(2)?,
    })
}

fn name_taken(e: rusqlite::Error) -> StoreError {
    if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE) {
        StoreError::Conflict("home name")
    } else {
        e.into()
    }
}

pub(super) fn create_home(conn: &Connection, name: &str) -> Result<Home, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    conn.prepare_cached("INSERT INTO homes (id, name) VALUES (?1, ?2)")?
        .execute(params![id, name])
        .map_err(name_taken)?;
    Ok(Home {
        id,
        name: name.to_owned(),
        archived: false,
    })
}

pub(super) fn list_homes(conn: &Connection) -> Result<Vec<Home>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, name, archived FROM homes ORDER BY name")?;
    let homes = stmt.query_map([], home_from_row)?;
    Ok(homes.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn home(conn: &Connection, id: &str) -> Result<Option<Home>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT id, name, archived FROM homes WHERE id = ?1")?
        .query_row([id], home_from_row)
        .optional()?)
}

pub(super) fn update_home(
    conn: &Connection,
    id: &str,
    name: Option<&str>,
    archived: Option<bool>,
) -> Result<Home, StoreError> {
    if home(conn, id)?.is_none() {
        return Err(StoreError::NotFound("home"));
    }
    if let Some(name) = name {
        conn.prepare_cached("UPDATE homes SET name = ?2 WHERE id = ?1")?
            .execute(params![id, name])
            .map_err(name_taken)?;
    }
    if let Some(archived) = archived {
        conn.prepare_cached("UPDATE homes SET archived = ?2 WHERE id = ?1")?
            .execute(params![id, archived])?;
    }
    home(conn, id)?.ok_or(StoreError::NotFound("home"))
}

fn exists(conn: &Connection, sql: &str, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(sql)?
        .query_row([id], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

/// Adds an assignment without checking the user's role (the callers do); `NotFound("home")`
/// for an unknown home. Idempotent.
pub(super) fn insert_assignment(
    conn: &Connection,
    user_id: &str,
    home_id: &str,
) -> Result<(), StoreError> {
    if !exists(conn, "SELECT 1 FROM homes WHERE id = ?1", home_id)? {
        return Err(StoreError::NotFound("home"));
    }
    conn.prepare_cached(
        "INSERT INTO assignments (user_id, home_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?
    .execute([user_id, home_id])?;
    Ok(())
}

pub(super) fn assign(conn: &Connection, user_id: &str, home_id: &str) -> Result<(), StoreError> {
    // Checked up front so the caller learns which one is missing; the foreign keys still guard.
    let role: Option<String> = conn
        .prepare_cached("SELECT role FROM users WHERE id = ?1")?
        .query_row([user_id], |row| row.get(0))
        .optional()?;
    let role = role.ok_or(StoreError::NotFound("user"))?;
    if !Role::parse(&role).is_some_and(role_has_homes) {
        return Err(StoreError::Invalid(
            "Only members and managers are assigned to homes.",
        ));
    }
    insert_assignment(conn, user_id, home_id)
}

pub(super) fn unassign(conn: &Connection, user_id: &str, home_id: &str) -> Result<(), StoreError> {
    if !exists(conn, "SELECT 1 FROM users WHERE id = ?1", user_id)? {
        return Err(StoreError::NotFound("user"));
    }
    if !exists(conn, "SELECT 1 FROM homes WHERE id = ?1", home_id)? {
        return Err(StoreError::NotFound("home"));
    }
    conn.prepare_cached("DELETE FROM assignments WHERE user_id = ?1 AND home_id = ?2")?
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

pub(super) fn home_people(conn: &Connection) -> Result<Vec<HomePerson>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.home_id, u.id, u.display_name, u.role
         FROM assignments a JOIN users u ON u.id = a.user_id
         ORDER BY u.display_name, u.id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    let mut people = Vec::new();
    for row in rows {
        let (home_id, user_id, display_name, role) = row?;
        // A row with a role this build does not know is skipped rather than failing the list.
        if let Some(role) = Role::parse(&role) {
            people.push(HomePerson {
                home_id,
                user_id,
                display_name,
                role,
            });
        }
    }
    Ok(people)
}

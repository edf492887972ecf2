//! Homes, archiving, and who is assigned to which home, on PostgreSQL. Behaves as
//! `store::sqlite::homes` does; home names compare ignoring ASCII case, as usernames do (see
//! `accounts`).

use std::collections::HashMap;

use deadpool_postgres::{GenericClient, Pool};
use hearth_shared::permissions::Role;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use super::accounts::{NO_HOMES_FOR_ROLE, announce_user, role_has_homes, violates};
use super::client;
use crate::store::{Home, HomePerson, StoreError};

/// Homes and assignments (schema step 1; after `accounts::DDL`, whose users they reference).
pub(super) const DDL: &str = r#"
CREATE TABLE homes (
    id       TEXT PRIMARY KEY NOT NULL,
    name     TEXT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX homes_name_nocase ON homes (lower(name COLLATE "C"));

CREATE TABLE assignments (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    home_id TEXT NOT NULL REFERENCES homes (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, home_id)
);
CREATE INDEX assignments_by_home ON assignments (home_id);
"#;

/// The unique index whose violation means "home name taken".
const NAME_INDEX: &str = "homes_name_nocase";

fn home_from_row(row: &Row) -> Result<Home, StoreError> {
    Ok(Home {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        archived: row.try_get(2)?,
    })
}

fn name_taken(e: tokio_postgres::Error) -> StoreError {
    if violates(&e, &SqlState::UNIQUE_VIOLATION, Some(NAME_INDEX)) {
        StoreError::Conflict("home name")
    } else {
        e.into()
    }
}

pub(super) async fn create_home(pool: &Pool, name: &str) -> Result<Home, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let client = client(pool).await?;
    let stmt = client
        .prepare_cached("INSERT INTO homes (id, name) VALUES ($1, $2)")
        .await?;
    client
        .execute(&stmt, &[&id, &name])
        .await
        .map_err(name_taken)?;
    Ok(Home {
        id,
        name: name.to_owned(),
        archived: false,
    })
}

pub(super) async fn list_homes(pool: &Pool) -> Result<Vec<Home>, StoreError> {
    let client = client(pool).await?;
    let stmt = client
        .prepare_cached(r#"SELECT id, name, archived FROM homes ORDER BY lower(name COLLATE "C")"#)
        .await?;
    client
        .query(&stmt, &[])
        .await?
        .iter()
        .map(home_from_row)
        .collect()
}

pub(super) async fn home(pool: &Pool, id: &str) -> Result<Option<Home>, StoreError> {
    let client = client(pool).await?;
    read_home(&client, id, false).await
}

/// A home by id; `lock` takes its row `FOR UPDATE` for the caller's transaction.
async fn read_home(
    client: &impl GenericClient,
    id: &str,
    lock: bool,
) -> Result<Option<Home>, StoreError> {
    let sql = format!(
        "SELECT id, name, archived FROM homes WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let stmt = client.prepare_cached(&sql).await?;
    client
        .query_opt(&stmt, &[&id])
        .await?
        .map(|row| home_from_row(&row))
        .transpose()
}

pub(super) async fn update_home(
    pool: &Pool,
    id: &str,
    name: Option<String>,
    archived: Option<bool>,
) -> Result<Home, StoreError> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    if read_home(&tx, id, true).await?.is_none() {
        return Err(StoreError::NotFound("home"));
    }
    if let Some(name) = &name {
        let stmt = tx
            .prepare_cached("UPDATE homes SET name = $2 WHERE id = $1")
            .await?;
        tx.execute(&stmt, &[&id, name]).await.map_err(name_taken)?;
    }
    if let Some(archived) = archived {
        let stmt = tx
            .prepare_cached("UPDATE homes SET archived = $2 WHERE id = $1")
            .await?;
        tx.execute(&stmt, &[&id, &archived]).await?;
    }
    let home = read_home(&tx, id, false)
        .await?
        .ok_or(StoreError::NotFound("home"))?;
    tx.commit().await?;
    Ok(home)
}

async fn exists(client: &impl GenericClient, sql: &str, id: &str) -> Result<bool, StoreError> {
    let stmt = client.prepare_cached(sql).await?;
    Ok(client.query_opt(&stmt, &[&id]).await?.is_some())
}

/// Adds an assignment without checking the user's role (the callers do); `NotFound("home")`
/// for an unknown home. Idempotent.
pub(super) async fn insert_assignment(
    client: &impl GenericClient,
    user_id: &str,
    home_id: &str,
) -> Result<(), StoreError> {
    if !exists(client, "SELECT 1 FROM homes WHERE id = $1", home_id).await? {
        return Err(StoreError::NotFound("home"));
    }
    let stmt = client
        .prepare_cached(
            "INSERT INTO assignments (user_id, home_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .await?;
    client.execute(&stmt, &[&user_id, &home_id]).await?;
    Ok(())
}

pub(super) async fn assign(
    pool: &Pool,
    user_id: &str,
    home_id: &str,
    origin: &str,
) -> Result<(), StoreError> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    // Checked up front so the caller learns which one is missing; the foreign keys still
    // guard. FOR SHARE: a role change committing meanwhile is waited for and seen, one starting
    // meanwhile waits and then drops this assignment if the new role has no homes.
    let stmt = tx
        .prepare_cached("SELECT role FROM users WHERE id = $1 FOR SHARE")
        .await?;
    let role: String = tx
        .query_opt(&stmt, &[&user_id])
        .await?
        .ok_or(StoreError::NotFound("user"))?
        .try_get(0)?;
    if !Role::parse(&role).is_some_and(role_has_homes) {
        return Err(StoreError::Invalid(NO_HOMES_FOR_ROLE));
    }
    insert_assignment(&tx, user_id, home_id).await?;
    announce_user(&tx, origin, user_id).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn unassign(
    pool: &Pool,
    user_id: &str,
    home_id: &str,
    origin: &str,
) -> Result<(), StoreError> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    if !exists(&tx, "SELECT 1 FROM users WHERE id = $1", user_id).await? {
        return Err(StoreError::NotFound("user"));
    }
    if !exists(&tx, "SELECT 1 FROM homes WHERE id = $1", home_id).await? {
        return Err(StoreError::NotFound("home"));
    }
    let stmt = tx
        .prepare_cached("DELETE FROM assignments WHERE user_id = $1 AND home_id = $2")
        .await?;
    if tx.execute(&stmt, &[&user_id, &home_id]).await? > 0 {
        announce_user(&tx, origin, user_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn homes_of(pool: &Pool, user_id: &str) -> Result<Vec<String>, StoreError> {
    let client = client(pool).await?;
    read_homes_of(&client, user_id).await
}

/// The ids of a user's homes, by home name, in a transaction or not.
pub(super) async fn read_homes_of(
    client: &impl GenericClient,
    user_id: &str,
) -> Result<Vec<String>, StoreError> {
    let stmt = client
        .prepare_cached(
            r#"SELECT a.home_id FROM assignments a JOIN homes h ON h.id = a.home_id
               WHERE a.user_id = $1 ORDER BY lower(h.name COLLATE "C")"#,
        )
        .await?;
    client
        .query(&stmt, &[&user_id])
        .await?
        .iter()
        .map(|row| Ok(row.try_get(0)?))
        .collect()
}

/// The ids of several users' homes, each user's by home name; users without homes are absent.
pub(super) async fn read_homes_of_all(
    client: &impl GenericClient,
    user_ids: &[&str],
) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let stmt = client
        .prepare_cached(
            r#"SELECT a.user_id, a.home_id FROM assignments a JOIN homes h ON h.id = a.home_id
               WHERE a.user_id = ANY($1) ORDER BY lower(h.name COLLATE "C")"#,
        )
        .await?;
    let mut homes: HashMap<String, Vec<String>> = HashMap::new();
    for row in client.query(&stmt, &[&user_ids]).await? {
        homes
            .entry(row.try_get(0)?)
            .or_default()
            .push(row.try_get(1)?);
    }
    Ok(homes)
}

pub(super) async fn home_people(pool: &Pool) -> Result<Vec<HomePerson>, StoreError> {
    let client = client(pool).await?;
    let stmt = client
        .prepare_cached(
            r#"SELECT a.home_id, u.id, u.display_name, u.role
               FROM assignments a JOIN users u ON u.id = a.user_id
               ORDER BY u.display_name COLLATE "C", u.id COLLATE "C", a.home_id COLLATE "C""#,
        )
        .await?;
    let rows = client.query(&stmt, &[]).await?;
    let mut people = Vec::with_capacity(rows.len());
    for row in &rows {
        let role: String = row.try_get(3)?;
        // A row with a role this build does not know is skipped rather than failing the list.
        if let Some(role) = Role::parse(&role) {
            people.push(HomePerson {
                home_id: row.try_get(0)?,
                user_id: row.try_get(1)?,
                display_name: row.try_get(2)?,
                role,
            });
        }
    }
    Ok(people)
}

//! Users on PostgreSQL: accounts, their homes, roles, passwords, and the last-admin guard.
//!
//! Behaves as `store::sqlite::accounts` does. Where SQLite relies on its single writer, this
//! file locks: several servers may share one database, so two administrators demoting each
//! other on two servers at once must not both succeed. Every change that could leave no
//! enabled administrator takes one transaction-scoped advisory lock ([`ADMIN_LOCK`]) before it
//! reads the account, and checks the count of admins inside the same transaction.
//!
//! Usernames compare ignoring ASCII case only, as SQLite's `NOCASE` does: the unique index is
//! on `lower(username COLLATE "C")` (under the "C" collation `lower` folds ASCII letters and
//! nothing else), and lookups, searches and orderings use the same expression.

use deadpool_postgres::{GenericClient, Pool};
use hearth_shared::permissions::Role;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use super::client;
use crate::store::remote::RemoteEvent;
use crate::store::{
    NewAccount, NewUser, StoreError, User, UserChange, UserPage, UserQuery, UserWithHomes,
};

/// The users table (schema step 1). Flags are BOOLEAN, times BIGINT Unix milliseconds.
pub(super) const DDL: &str = r#"
-- "Alex.Smith" and "alex.smith" must not be two accounts, one could pose as the other. Only
-- ASCII letters fold, as in SQLite's NOCASE: lower() under the "C" collation does exactly that.
CREATE TABLE users (
    id                    TEXT PRIMARY KEY NOT NULL,
    username              TEXT NOT NULL,
    display_name          TEXT NOT NULL,
    role                  TEXT NOT NULL,
    password_hash         TEXT NOT NULL,
    disabled              BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            BIGINT NOT NULL,
    must_change_password  BOOLEAN NOT NULL DEFAULT FALSE,
    last_sign_in_at       BIGINT,
    kiosk_consultation_id TEXT
);
CREATE UNIQUE INDEX users_username_nocase ON users (lower(username COLLATE "C"));
"#;

/// The unique index whose violation means "username taken".
const USERNAME_INDEX: &str = "users_username_nocase";

/// Advisory lock (`pg_advisory_xact_lock`) held by every change of a role or of `disabled`,
/// so the last-admin check and the change it guards are serialized across servers.
const ADMIN_LOCK: i64 = 0x4845_4152_5448_0001;

/// Advisory lock held while numbering a new kiosk tablet's account ("Kiosk tablet 3"), so two
/// tablets set up at once on two servers do not get the same number.
const KIOSK_NUMBER_LOCK: i64 = 0x4845_4152_5448_0002;

pub(super) const USER_COLUMNS: &str = "id, username, display_name, role, password_hash, disabled, \
     must_change_password, created_at, last_sign_in_at, kiosk_consultation_id";

/// A users row (selected as [`USER_COLUMNS`]) as a [`User`].
pub(super) fn user_from_row(row: &Row) -> Result<User, StoreError> {
    let role: String = row.try_get(3)?;
    let role = Role::parse(&role)
        .ok_or_else(|| StoreError::Corrupt("an unknown role in the users table".into()))?;
    Ok(User {
        id: row.try_get(0)?,
        username: row.try_get(1)?,
        display_name: row.try_get(2)?,
        role,
        password_hash: row.try_get(4)?,
        disabled: row.try_get(5)?,
        must_change_password: row.try_get(6)?,
        created_at_ms: row.try_get(7)?,
        last_sign_in_at_ms: row.try_get(8)?,
        kiosk_consultation_id: row.try_get(9)?,
    })
}

/// Whether accounts of this role are assigned to homes.
pub(super) fn role_has_homes(role: Role) -> bool {
    matches!(role, Role::Member | Role::Manager)
}

pub(super) const NO_HOMES_FOR_ROLE: &str = "Only members and managers are assigned to homes.";

/// Whether `e` is a violation of the unique index or constraint `name`.
pub(super) fn violates(e: &tokio_postgres::Error, code: &SqlState, name: Option<&str>) -> bool {
    e.as_db_error().is_some_and(|db| {
        db.code() == code && name.is_none_or(|name| db.constraint() == Some(name))
    })
}

/// Tells the other servers sharing the database that a user's sessions or access changed
/// (`origin` is this server's instance id), so they hang up or re-check that user's open
/// connections. Inside the caller's transaction: PostgreSQL delivers the notification only when
/// it commits, so no server hears of a change it cannot read yet, nor of one rolled back.
pub(super) async fn announce_user(
    tx: &tokio_postgres::Transaction<'_>,
    origin: &str,
    user_id: &str,
) -> Result<(), StoreError> {
    super::notify::announce(tx, &RemoteEvent::user_payload(origin, user_id)).await?;
    Ok(())
}

/// Wall-clock Unix milliseconds, for `created_at` columns.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

// --- users ---

pub(super) async fn create_user(pool: &Pool, user: NewUser) -> Result<User, StoreError> {
    create_account(
        pool,
        NewAccount {
            user,
            homes: Vec::new(),
            kiosk_consultation_id: None,
        },
    )
    .await
}

pub(super) async fn create_account(pool: &Pool, account: NewAccount) -> Result<User, StoreError> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    let user = insert_account(&tx, account).await?;
    tx.commit().await?;
    Ok(user)
}

/// Inserts an account and its homes inside the caller's transaction (which rolls everything
/// back on error).
pub(super) async fn insert_account(
    tx: &impl GenericClient,
    account: NewAccount,
) -> Result<User, StoreError> {
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
    let stmt = tx
        .prepare_cached(
            "INSERT INTO users (id, username, display_name, role, password_hash, disabled,
                                created_at, must_change_password, kiosk_consultation_id)
             VALUES ($1, $2, $3, $4, $5, FALSE, $6, $7, $8)",
        )
        .await?;
    let inserted = tx
        .execute(
            &stmt,
            &[
                &id,
                &new.username,
                &new.display_name,
                &new.role.as_str(),
                &new.password_hash,
                &created_at_ms,
                &new.must_change_password,
                &kiosk_consultation_id,
            ],
        )
        .await;
    match inserted {
        Ok(_) => {}
        Err(e) if violates(&e, &SqlState::UNIQUE_VIOLATION, Some(USERNAME_INDEX)) => {
            return Err(StoreError::Conflict("username"));
        }
        Err(e) => return Err(e.into()),
    }
    for home in &homes {
        super::homes::insert_assignment(tx, &id, home).await?;
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

pub(super) async fn user_by_username(
    pool: &Pool,
    username: &str,
) -> Result<Option<User>, StoreError> {
    let client = client(pool).await?;
    let sql = format!(
        r#"SELECT {USER_COLUMNS} FROM users
           WHERE lower(username COLLATE "C") = lower($1::text COLLATE "C")"#
    );
    let stmt = client.prepare_cached(&sql).await?;
    client
        .query_opt(&stmt, &[&username])
        .await?
        .map(|row| user_from_row(&row))
        .transpose()
}

pub(super) async fn user(pool: &Pool, id: &str) -> Result<Option<User>, StoreError> {
    let client = client(pool).await?;
    read_user(&client, id, false).await
}

/// A user by id, in a transaction or not; `lock` takes the row `FOR UPDATE`.
async fn read_user(
    client: &impl GenericClient,
    id: &str,
    lock: bool,
) -> Result<Option<User>, StoreError> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let stmt = client.prepare_cached(&sql).await?;
    client
        .query_opt(&stmt, &[&id])
        .await?
        .map(|row| user_from_row(&row))
        .transpose()
}

pub(super) async fn user_with_homes(
    pool: &Pool,
    id: &str,
) -> Result<Option<UserWithHomes>, StoreError> {
    let client = client(pool).await?;
    read_user_with_homes(&client, id).await
}

async fn read_user_with_homes(
    client: &impl GenericClient,
    id: &str,
) -> Result<Option<UserWithHomes>, StoreError> {
    let Some(user) = read_user(client, id, false).await? else {
        return Ok(None);
    };
    let homes = super::homes::read_homes_of(client, &user.id).await?;
    Ok(Some(UserWithHomes { user, homes }))
}

pub(super) async fn list_users(pool: &Pool) -> Result<Vec<User>, StoreError> {
    let client = client(pool).await?;
    let sql = format!(r#"SELECT {USER_COLUMNS} FROM users ORDER BY lower(username COLLATE "C")"#);
    let stmt = client.prepare_cached(&sql).await?;
    client
        .query(&stmt, &[])
        .await?
        .iter()
        .map(user_from_row)
        .collect()
}

/// `text` as a LIKE pattern matching it anywhere, with LIKE's own wildcards escaped, ASCII
/// letters lowered (it is matched against lowered columns, as SQLite's LIKE ignores ASCII case).
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c.to_ascii_lowercase());
    }
    pattern.push('%');
    pattern
}

/// One fixed statement with optional filters (`$n IS NULL OR ...`), so each connection's
/// statement cache holds it once whatever the filter.
const USER_FILTER: &str = r#"($1::text IS NULL
          OR lower(username COLLATE "C") LIKE $1 ESCAPE '\'
          OR lower(display_name COLLATE "C") LIKE $1 ESCAPE '\')
     AND ($2::text IS NULL OR role = $2)
     AND ($3::boolean IS NULL OR disabled = $3)"#;

pub(super) async fn find_users(pool: &Pool, query: UserQuery) -> Result<UserPage, StoreError> {
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(contains_pattern);
    let role = query.role.map(Role::as_str);
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
    let mut client = client(pool).await?;
    // One snapshot for the count, the page and its homes.
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let stmt = tx
        .prepare_cached(&format!("SELECT count(*) FROM users WHERE {USER_FILTER}"))
        .await?;
    let total: i64 = tx
        .query_one(&stmt, &[&text, &role, &query.disabled])
        .await?
        .try_get(0)?;
    let stmt = tx
        .prepare_cached(&format!(
            r#"SELECT {USER_COLUMNS} FROM users WHERE {USER_FILTER}
               ORDER BY lower(username COLLATE "C") LIMIT $4 OFFSET $5"#
        ))
        .await?;
    let rows = tx
        .query(&stmt, &[&text, &role, &query.disabled, &limit, &offset])
        .await?;
    let users = rows
        .iter()
        .map(user_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    // The page's homes in one round trip rather than one per user.
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let mut homes = super::homes::read_homes_of_all(&tx, &ids).await?;
    let users = users
        .into_iter()
        .map(|user| {
            let homes = homes.remove(&user.id).unwrap_or_default();
            UserWithHomes { user, homes }
        })
        .collect();
    tx.commit().await?;
    Ok(UserPage {
        users,
        total: total.max(0) as u64,
    })
}

/// Takes [`ADMIN_LOCK`] for the rest of the transaction. Every change of a role or of
/// `disabled` takes it before reading the account, so the count of admins it checks after its
/// change includes every other such change, committed before it got the lock.
async fn lock_admins(tx: &impl GenericClient) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached("SELECT pg_advisory_xact_lock($1)")
        .await?;
    tx.execute(&stmt, &[&ADMIN_LOCK]).await?;
    Ok(())
}

/// Fails with `LastAdmin` if `before` was an enabled admin and, after this transaction's
/// changes, no enabled admin is left. The caller then drops the transaction (rolled back).
async fn guard_last_admin(tx: &impl GenericClient, before: &User) -> Result<(), StoreError> {
    if before.role == Role::Admin && !before.disabled && read_count_admins(tx).await? == 0 {
        return Err(StoreError::LastAdmin);
    }
    Ok(())
}

pub(super) async fn update_user(
    pool: &Pool,
    id: &str,
    change: UserChange,
    origin: &str,
) -> Result<UserWithHomes, StoreError> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    lock_admins(&tx).await?;
    let before = read_user(&tx, id, true)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    if let Some(name) = &change.display_name {
        let stmt = tx
            .prepare_cached("UPDATE users SET display_name = $2 WHERE id = $1")
            .await?;
        tx.execute(&stmt, &[&id, name]).await?;
    }
    if let Some(role) = change.role {
        let stmt = tx
            .prepare_cached("UPDATE users SET role = $2 WHERE id = $1")
            .await?;
        tx.execute(&stmt, &[&id, &role.as_str()]).await?;
    }
    let role = change.role.unwrap_or(before.role);
    let delete_homes = tx
        .prepare_cached("DELETE FROM assignments WHERE user_id = $1")
        .await?;
    if !role_has_homes(role) {
        if change.homes.as_ref().is_some_and(|h| !h.is_empty()) {
            return Err(StoreError::Invalid(NO_HOMES_FOR_ROLE));
        }
        // A role without homes keeps no assignments (they would grant nothing, and would come
        // back to life if the role were changed again).
        tx.execute(&delete_homes, &[&id]).await?;
    } else if let Some(homes) = &change.homes {
        tx.execute(&delete_homes, &[&id]).await?;
        for home in homes {
            super::homes::insert_assignment(&tx, id, home).await?;
        }
    }
    guard_last_admin(&tx, &before).await?;
    let after = read_user_with_homes(&tx, id)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    announce_user(&tx, origin, id).await?;
    tx.commit().await?;
    Ok(after)
}

pub(super) async fn set_user_disabled(
    pool: &Pool,
    id: &str,
    disabled: bool,
    origin: &str,
) -> Result<(), StoreError> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    lock_admins(&tx).await?;
    let before = read_user(&tx, id, true)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    let stmt = tx
        .prepare_cached("UPDATE users SET disabled = $2 WHERE id = $1")
        .await?;
    tx.execute(&stmt, &[&id, &disabled]).await?;
    if disabled {
        guard_last_admin(&tx, &before).await?;
        // In the same transaction: there is no moment where the user is disabled but a
        // session or a not-yet-used sync ticket of theirs still works.
        end_sessions(&tx, id, None).await?;
    }
    announce_user(&tx, origin, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes every session and sync ticket of a user, except the session `keep`.
async fn end_sessions(
    tx: &impl GenericClient,
    id: &str,
    keep: Option<[u8; 32]>,
) -> Result<(), StoreError> {
    let stmt = tx
        .prepare_cached("DELETE FROM sync_tickets WHERE user_id = $1")
        .await?;
    tx.execute(&stmt, &[&id]).await?;
    // A kept session's tickets went too, as in SQLite: a ticket lives a minute, the device
    // asks for another.
    let keep = keep.map(|h| h.to_vec());
    let stmt = tx
        .prepare_cached(
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2::bytea",
        )
        .await?;
    tx.execute(&stmt, &[&id, &keep]).await?;
    Ok(())
}

/// Sets a password hash and `must_change_password`, then ends the user's sessions but `keep`.
async fn change_password(
    pool: &Pool,
    id: &str,
    password_hash: &str,
    must_change: bool,
    keep: Option<[u8; 32]>,
    origin: &str,
) -> Result<(), StoreError> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    let stmt = tx
        .prepare_cached(
            "UPDATE users SET password_hash = $2, must_change_password = $3 WHERE id = $1",
        )
        .await?;
    let changed = tx
        .execute(&stmt, &[&id, &password_hash, &must_change])
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound("user"));
    }
    // In the same transaction: a device signed in with the old password (a lost one, say)
    // stops working the moment the new one exists; the device that changed it stays signed in.
    end_sessions(&tx, id, keep).await?;
    announce_user(&tx, origin, id).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn set_password_hash(
    pool: &Pool,
    id: &str,
    password_hash: &str,
    keep_session: Option<[u8; 32]>,
    origin: &str,
) -> Result<(), StoreError> {
    change_password(pool, id, password_hash, false, keep_session, origin).await
}

pub(super) async fn reset_password(
    pool: &Pool,
    id: &str,
    password_hash: &str,
    origin: &str,
) -> Result<(), StoreError> {
    change_password(pool, id, password_hash, true, None, origin).await
}

pub(super) async fn count_admins(pool: &Pool) -> Result<u64, StoreError> {
    let client = client(pool).await?;
    read_count_admins(&client).await
}

async fn read_count_admins(client: &impl GenericClient) -> Result<u64, StoreError> {
    let stmt = client
        .prepare_cached("SELECT count(*) FROM users WHERE role = $1 AND NOT disabled")
        .await?;
    let count: i64 = client
        .query_one(&stmt, &[&Role::Admin.as_str()])
        .await?
        .try_get(0)?;
    Ok(count.max(0) as u64)
}

/// Inserts a kiosk tablet's account bound to `consultation_id` inside the caller's
/// transaction, its display name numbered after the kiosk accounts that exist ("Kiosk
/// tablet 3").
pub(super) async fn insert_kiosk_account(
    tx: &impl GenericClient,
    mut account: NewUser,
    consultation_id: String,
) -> Result<User, StoreError> {
    let stmt = tx
        .prepare_cached("SELECT pg_advisory_xact_lock($1)")
        .await?;
    tx.execute(&stmt, &[&KIOSK_NUMBER_LOCK]).await?;
    let stmt = tx
        .prepare_cached("SELECT count(*) FROM users WHERE kiosk_consultation_id IS NOT NULL")
        .await?;
    let existing: i64 = tx.query_one(&stmt, &[]).await?.try_get(0)?;
    account.display_name = format!("{} {}", account.display_name, existing + 1);
    insert_account(
        tx,
        NewAccount {
            user: account,
            homes: Vec::new(),
            kiosk_consultation_id: Some(consultation_id),
        },
    )
    .await
}

/// The behaviour checks of users, devices and homes on both stores, and the races of two
/// servers on one database (declared here so the file is this area's own).
#[cfg(test)]
#[path = "accounts_tests.rs"]
mod behaviour_tests;

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_text_is_matched_literally_and_lowered() {
        assert_eq!(contains_pattern("Oak"), "%oak%");
        assert_eq!(contains_pattern("50%_A\\"), "%50\\%\\_a\\\\%");
        assert_eq!(contains_pattern("Ärz"), "%Ärz%");
    }
}

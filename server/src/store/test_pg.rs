//! A fresh PostgreSQL database per test, on the throwaway cluster `cargo xtask test` starts
//! (`HEARTH_TEST_DATABASE_URL`: an administrator's URL to it).
//!
//! Without the variable a test has nothing to run against: under `CI=true` that is a failure
//! (CI must test both stores), elsewhere the test prints that it skipped and passes. Each call
//! creates a database named `hearth_t_<random>`, so tests run in parallel without sharing rows;
//! the databases go with the cluster (a developer's own server keeps them: drop `hearth_t_*`).

use super::postgres::PgStore;

/// The variable naming the test cluster.
pub const URL_VARIABLE: &str = "HEARTH_TEST_DATABASE_URL";

/// The variable naming the PEM file of the CA that signed the test cluster's TLS certificate
/// (`cargo xtask test` makes both); the TLS tests need it.
pub const CA_VARIABLE: &str = "HEARTH_TEST_DATABASE_CA";

/// A connected [`PgStore`] on a new, empty database; `None` (having printed a skip line) when
/// no test cluster is configured outside CI.
///
/// # Panics
/// Under `CI=true` without `HEARTH_TEST_DATABASE_URL`, and when the cluster cannot be reached or
/// the store cannot connect.
pub async fn fresh_pg() -> Option<PgStore> {
    let url = fresh_pg_url().await?;
    Some(
        PgStore::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("PgStore connects to a fresh test database: {e}")),
    )
}

/// The URL of a new, empty database on the test cluster (nothing connected to it yet): for
/// tests that connect several stores ("two servers") or start a server process on it.
/// `None` as for [`fresh_pg`].
pub async fn fresh_pg_url() -> Option<String> {
    let Some(admin_url) = admin_url() else {
        eprintln!("skipped: {URL_VARIABLE} is not set (no PostgreSQL to test against)");
        return None;
    };
    let name = format!("hearth_t_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = super::postgres::connect::connect_once(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("the test cluster ({URL_VARIABLE}) accepts a connection: {e}"));
    let connection = tokio::spawn(connection);
    // The name is ours (hex digits after a fixed prefix): nothing to quote or escape.
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("the test cluster creates a database: {e}"));
    drop(client);
    let _ = connection.await;
    Some(with_database(&admin_url, &name))
}

/// `HEARTH_TEST_DATABASE_URL`, or `None` outside CI when it is not set.
///
/// # Panics
/// Under `CI=true` (or `CI=1`) when it is not set: the PostgreSQL tests must not silently skip.
pub fn admin_url() -> Option<String> {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let ci = std::env::var("CI").ok();
            assert!(
                !matches!(ci.as_deref(), Some("true" | "1")),
                "CI=true but {URL_VARIABLE} is not set: run the tests with `cargo xtask test`, \
                 which starts a throwaway PostgreSQL, or point {URL_VARIABLE} at one"
            );
            None
        }
    }
}

/// `HEARTH_TEST_DATABASE_CA`, or `None` (having printed a skip line) outside CI when it is not
/// set: the cluster may not serve TLS then.
///
/// # Panics
/// Under `CI=true` (or `CI=1`) when it is not set: the TLS tests must not silently skip.
pub fn ca_file() -> Option<std::path::PathBuf> {
    match std::env::var_os(CA_VARIABLE) {
        Some(path) if !path.is_empty() => Some(path.into()),
        _ => {
            let ci = std::env::var("CI").ok();
            assert!(
                !matches!(ci.as_deref(), Some("true" | "1")),
                "CI=true but {CA_VARIABLE} is not set: run the tests with `cargo xtask test`, \
                 whose throwaway PostgreSQL serves TLS, or point {CA_VARIABLE} at the CA of \
                 {URL_VARIABLE}'s server"
            );
            eprintln!("skipped: {CA_VARIABLE} is not set (no PostgreSQL TLS to test against)");
            None
        }
    }
}

/// `url` (a `postgres://` URL) with its database replaced by `database`; query parameters kept.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let without_path = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{without_path}/{database}?{query}"),
        None => format!("{without_path}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn a_test_database_replaces_the_maintenance_database_in_the_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "hearth_t_1"),
            "postgres://postgres@127.0.0.1:5432/hearth_t_1"
        );
        assert_eq!(
            with_database("postgres://u:p@h:1", "hearth_t_1"),
            "postgres://u:p@h:1/hearth_t_1"
        );
        assert_eq!(
            with_database("postgresql://u@h/db?sslmode=disable", "hearth_t_1"),
            "postgresql://u@h/hearth_t_1?sslmode=disable"
        );
    }
}

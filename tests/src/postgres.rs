//! PostgreSQL for the end-to-end tests: a fresh database per server, on the throwaway cluster
//! `cargo xtask test` starts (`HEARTH_TEST_DATABASE_URL`, an administrator's URL to it).
//!
//! `HEARTH_E2E_STORE=postgres` runs every [`TestServer`](crate::TestServer) on its own fresh
//! PostgreSQL database instead of the data folder's SQLite file (except `hearth demo`, which
//! only runs on SQLite), so the same tests check both stores.

/// The variable naming the test cluster.
pub const URL_VARIABLE: &str = "HEARTH_TEST_DATABASE_URL";

/// The variable that selects the store the test servers use: `postgres`, or `sqlite` (the
/// default).
pub const STORE_VARIABLE: &str = "HEARTH_E2E_STORE";

/// Whether `HEARTH_E2E_STORE=postgres` asks for every test server to use PostgreSQL.
pub fn selected() -> bool {
    std::env::var(STORE_VARIABLE).is_ok_and(|store| store.eq_ignore_ascii_case("postgres"))
}

/// The URL of a new, empty database on the test cluster; `None` (having printed a skip line)
/// when no cluster is configured outside CI.
///
/// # Panics
/// Under `CI=true` without `HEARTH_TEST_DATABASE_URL` (CI must test both stores), or when the
/// cluster cannot be reached.
pub async fn fresh_database_url() -> Option<String> {
    let admin_url = match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            assert!(
                !matches!(std::env::var("CI").as_deref(), Ok("true" | "1")),
                "CI=true but {URL_VARIABLE} is not set: run the tests with `cargo xtask test`, \
                 which starts a throwaway PostgreSQL"
            );
            eprintln!("skipped: {URL_VARIABLE} is not set (no PostgreSQL to test against)");
            return None;
        }
    };
    let name = format!("hearth_e2e_{}", uuid::Uuid::new_v4().simple());
    // The server's own connector: the cluster's URL may ask for TLS (`sslmode=verify-full`).
    let (client, connection) = hearth_server::store::postgres::connect::connect_once(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("the test cluster ({URL_VARIABLE}) accepts a connection: {e}"));
    let connection = tokio::spawn(connection);
    // The name is ours (hex digits after a fixed prefix): nothing to quote.
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("the test cluster creates a database: {e}"));
    drop(client);
    let _ = connection.await;
    Some(with_database(&admin_url, &name))
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
    #[test]
    fn the_database_in_the_url_is_replaced_and_its_parameters_kept() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            super::with_database("postgresql://u:p@h/db?sslmode=disable", "x"),
            "postgresql://u:p@h/x?sslmode=disable"
        );
    }
}

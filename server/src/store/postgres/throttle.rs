//! Sign-in failures counted for every server at once (see `auth::throttle`): one row per
//! hashed key, its window's start and count, updated in one statement so two servers
//! recording at once both count.

use deadpool_postgres::Pool;

use super::client;
use crate::store::StoreError;

/// The table (schema step 1). Keys are SHA-256 hashes: no address or account name is kept.
pub(super) const DDL: &str = r#"
CREATE TABLE sign_in_failures (
    key_hash     BYTEA PRIMARY KEY NOT NULL CHECK (octet_length(key_hash) = 32),
    window_start BIGINT NOT NULL,
    count        INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_by_start ON sign_in_failures (window_start);
"#;

/// Windows older than this are deleted by `purge_expired` (longer than any configured window).
pub(super) const KEEP_MS: i64 = 24 * 60 * 60 * 1000;

/// The failures under `key` in the window that is still running at `now_ms`.
pub(super) async fn throttled_failures(
    pool: &Pool,
    key: [u8; 32],
    now_ms: i64,
    window_ms: i64,
) -> Result<Option<u32>, StoreError> {
    let client = client(pool).await?;
    let row = client
        .query_opt(
            "SELECT count FROM sign_in_failures WHERE key_hash = $1 AND $2 - window_start < $3",
            &[&key.as_slice(), &now_ms, &window_ms],
        )
        .await?;
    Ok(Some(row.map_or(0, |r| r.get::<_, i32>(0).max(0) as u32)))
}

/// Counts one failure (starting a new window if the last one ended) and returns the count.
pub(super) async fn record_throttled_failure(
    pool: &Pool,
    key: [u8; 32],
    now_ms: i64,
    window_ms: i64,
) -> Result<Option<u32>, StoreError> {
    let client = client(pool).await?;
    let row = client
        .query_one(
            "INSERT INTO sign_in_failures AS f (key_hash, window_start, count) VALUES ($1, $2, 1)
             ON CONFLICT (key_hash) DO UPDATE SET
                 window_start = CASE WHEN $2 - f.window_start >= $3 THEN $2 ELSE f.window_start END,
                 count = CASE WHEN $2 - f.window_start >= $3 THEN 1 ELSE f.count + 1 END
             RETURNING count",
            &[&key.as_slice(), &now_ms, &window_ms],
        )
        .await?;
    Ok(Some(row.get::<_, i32>(0).max(0) as u32))
}

/// Forgets the failures under `key`.
pub(super) async fn clear_throttled(pool: &Pool, key: [u8; 32]) -> Result<(), StoreError> {
    let client = client(pool).await?;
    client
        .execute(
            "DELETE FROM sign_in_failures WHERE key_hash = $1",
            &[&key.as_slice()],
        )
        .await?;
    Ok(())
}

/// Deletes windows that ended long ago (with the other expiries).
pub(super) async fn purge(pool: &Pool, now_ms: i64) -> Result<(), StoreError> {
    let client = client(pool).await?;
    client
        .execute(
            "DELETE FROM sign_in_failures WHERE window_start < $1",
            &[&(now_ms - KEEP_MS)],
        )
        .await?;
    Ok(())
}

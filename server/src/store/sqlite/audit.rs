//! The append-only, hash-chained audit trail, and the counts of the administration overview.
//!
//! Every row carries `prev_hash`, the `hash` of the row before it (by id; 32 zero bytes for the
//! first), and `hash`, a SHA-256 over the row's own content and `prev_hash` ([`row_hash`]). Changing,
//! deleting or inserting a row anywhere but at the end breaks the chain at that row or the next,
//! which [`verify`] finds. [`append`] is the one way a row is written.

use hearth_shared::ids::DocumentId;
use hearth_shared::permissions::Role;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::store::audit_chain::{ChainWalk, GENESIS, link_to, row_hash};
use crate::store::{AuditChain, AuditEvent, AuditPage, AuditQuery, AuditRow, Overview, StoreError};

/// The id and hash the next row links to: `(1, GENESIS)` for an empty table; see [`link_to`]
/// for a last row whose hash was stripped.
fn next_link(conn: &Connection) -> Result<(i64, [u8; 32]), StoreError> {
    let last = conn
        .prepare_cached("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")?
        .query_row([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Option<Vec<u8>>>(1)?))
        })
        .optional()?;
    let Some((id, hash)) = last else {
        return Ok((1, GENESIS));
    };
    let hash = link_to(id, hash.as_deref());
    Ok((id + 1, hash))
}

/// Appends one row chained to the last. Runs on the writer connection inside whatever
/// transaction (or savepoint) the caller has open, and reads the last row in that same
/// transaction, so the chain follows commit order even when a group's savepoint is rolled back.
pub(crate) fn append(conn: &Connection, event: &AuditEvent) -> Result<(), StoreError> {
    let (id, prev) = next_link(conn)?;
    let hash = row_hash(id, &prev, event);
    conn.prepare_cached(
        "INSERT INTO audit (id, at, user_id, action, document_id, subject, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id,
        event.at_ms,
        event.user_id,
        event.action,
        event.document_id.as_ref().map(DocumentId::as_bytes),
        event.subject,
        event.detail,
        &prev[..],
        &hash[..],
    ])?;
    Ok(())
}

/// The genesis rule for rows written before the chain existed: chains every row without a hash,
/// in id order, after the last chained one. Called only by the migration step that added the
/// columns (in its transaction), never at an ordinary start: re-chaining later would bless rows
/// someone had stripped of their hashes.
pub(super) fn chain_unchained(conn: &Connection) -> Result<(), StoreError> {
    let mut rows = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT id, at, user_id, action, document_id, subject, detail FROM audit
             WHERE hash IS NULL ORDER BY id",
        )?;
        let mapped = stmt.query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, event_from_row(row, 1)?))
        })?;
        for row in mapped {
            rows.push(row?);
        }
    }
    let mut prev = GENESIS;
    for (id, event) in rows {
        let hash = row_hash(id, &prev, &event);
        conn.prepare_cached("UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE id = ?3")?
            .execute(params![&prev[..], &hash[..], id])?;
        prev = hash;
    }
    Ok(())
}

/// Walks the whole chain in id order and names the first row whose link or hash does not hold.
/// Run in the readers' read transaction: a consistent view while the server keeps appending.
pub(super) fn verify(conn: &Connection) -> Result<AuditChain, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, at, user_id, action, document_id, subject, detail, prev_hash, hash
         FROM audit ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut walk = ChainWalk::new();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let event = event_from_row(row, 1).ok();
        let stored_prev: Option<Vec<u8>> = row.get(7).unwrap_or(None);
        let stored_hash: Option<Vec<u8>> = row.get(8).unwrap_or(None);
        if !walk.row(
            id,
            event.as_ref(),
            stored_prev.as_deref(),
            stored_hash.as_deref(),
        ) {
            break;
        }
    }
    Ok(walk.finish())
}

/// Reads `at, user_id, action, document_id, subject, detail` starting at column `first`.
fn event_from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<AuditEvent> {
    Ok(AuditEvent {
        at_ms: row.get(first)?,
        user_id: row.get(first + 1)?,
        action: row.get(first + 2)?,
        document_id: row
            .get::<_, Option<[u8; 16]>>(first + 3)?
            .map(DocumentId::from_bytes),
        subject: row.get(first + 4)?,
        detail: row.get(first + 5)?,
    })
}

/// Newest first by insertion order (the autoincrement id), not by `at`: clocks of different
/// callers may disagree, the order rows were committed in cannot.
pub(super) fn recent(conn: &Connection, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(
        "SELECT at, user_id, action, document_id, subject, detail FROM audit
         ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |row| event_from_row(row, 0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

const AUDIT_FILTER: &str = "(?1 IS NULL OR a.user_id = ?1) AND (?2 IS NULL OR a.action = ?2)
     AND (?3 IS NULL OR a.at >= ?3) AND (?4 IS NULL OR a.at <= ?4)
     AND (?5 IS NULL OR a.document_id = ?5)
     AND (?6 = 0 OR a.action IN ('record_read', 'report_downloaded', 'export_downloaded'))";

pub(super) fn page(conn: &Connection, query: &AuditQuery) -> Result<AuditPage, StoreError> {
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
    let document = query.document_id.as_ref().map(DocumentId::as_bytes);
    let filter = params![
        query.user_id,
        query.action,
        query.from_ms,
        query.to_ms,
        document,
        query.reads_only
    ];
    let total: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM audit a WHERE {AUDIT_FILTER}"
        ))?
        .query_row(filter, |row| row.get(0))?;
    let sql = format!(
        "SELECT a.id, u.username, a.at, a.user_id, a.action, a.document_id, a.subject, a.detail
         FROM audit a LEFT JOIN users u ON u.id = a.user_id
         WHERE {AUDIT_FILTER} ORDER BY a.id DESC LIMIT ?7 OFFSET ?8"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            query.user_id,
            query.action,
            query.from_ms,
            query.to_ms,
            document,
            query.reads_only,
            limit,
            offset
        ],
        |row| {
            Ok(AuditRow {
                id: row.get(0)?,
                username: row.get(1)?,
                event: event_from_row(row, 2)?,
            })
        },
    )?;
    Ok(AuditPage {
        rows: rows.collect::<rusqlite::Result<Vec<_>>>()?,
        total: total.max(0) as u64,
    })
}

pub(super) fn overview(conn: &Connection, now_ms: i64) -> Result<Overview, StoreError> {
    let count = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<u64, StoreError> {
        let n: i64 = conn
            .prepare_cached(sql)?
            .query_row(args, |row| row.get(0))?;
        Ok(n.max(0) as u64)
    };
    let roles = [
        Role::Member,
        Role::Manager,
        Role::Officer,
        Role::ParticipationWorker,
        Role::YoungPerson,
        Role::Admin,
    ];
    let mut users_by_role = Vec::with_capacity(roles.len());
    for role in roles {
        let n = count(
            "SELECT count(*) FROM users WHERE role = ?1",
            &[&role.as_str()],
        )?;
        users_by_role.push((role, n));
    }
    Ok(Overview {
        users_by_role,
        disabled_users: count("SELECT count(*) FROM users WHERE disabled = 1", &[])?,
        homes: count("SELECT count(*) FROM homes WHERE archived = 0", &[])?,
        archived_homes: count("SELECT count(*) FROM homes WHERE archived = 1", &[])?,
        active_devices: count(
            "SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > ?1",
            &[&now_ms],
        )?,
    })
}

#[cfg(test)]
mod tests {
    //! The chain against real SQLite files: what verifies, and that each kind of tampering is
    //! found at the right row. All ids are synthetic.

    use super::*;
    use crate::store::Store;
    use crate::store::sqlite::{SqliteOptions, SqliteStore, schema};
    use std::path::Path;

    fn event(action: &str, detail: &str) -> AuditEvent {
        AuditEvent {
            at_ms: 1_700_000_000_000,
            user_id: Some("user-test-1".into()),
            action: action.into(),
            document_id: Some(DocumentId::from_bytes([7; 16])),
            subject: None,
            detail: detail.into(),
        }
    }

    fn open(path: &Path) -> SqliteStore {
        SqliteStore::open(path, SqliteOptions::default()).expect("open the store")
    }

    /// Appends `n` rows through the store (the writer thread, one command each).
    async fn store_with_rows(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hearth.sqlite3");
        let store = open(&path);
        for i in 0..n {
            store
                .audit(event("record_read", &i.to_string()))
                .await
                .unwrap();
        }
        (dir, path)
    }

    async fn verify_file(path: &Path) -> AuditChain {
        open(path).verify_audit().await.unwrap()
    }

    fn broken_id(chain: &AuditChain) -> Option<i64> {
        chain.broken.as_ref().map(|b| b.id)
    }

    #[tokio::test]
    async fn an_untouched_chain_verifies_and_reports_its_head() {
        let (_dir, path) = store_with_rows(5).await;
        let chain = verify_file(&path).await;
        assert_eq!(broken_id(&chain), None);
        assert_eq!(chain.rows, 5);
        let conn = Connection::open(&path).unwrap();
        let last: Vec<u8> = conn
            .query_row("SELECT hash FROM audit WHERE id = 5", [], |r| r.get(0))
            .unwrap();
        assert_eq!(&chain.head[..], &last[..]);
        let empty = store_with_rows(0).await;
        assert_eq!(verify_file(&empty.1).await.rows, 0);
    }

    #[tokio::test]
    async fn a_changed_field_breaks_the_chain_at_that_row() {
        for (column, value) in [
            ("detail", "'edited'"),
            ("user_id", "'user-test-2'"),
            ("at", "at + 1"),
            ("action", "'signed_in'"),
            ("document_id", "NULL"),
            ("subject", "'somebody'"),
        ] {
            let (_dir, path) = store_with_rows(4).await;
            Connection::open(&path)
                .unwrap()
                .execute(
                    &format!("UPDATE audit SET {column} = {value} WHERE id = 3"),
                    [],
                )
                .unwrap();
            let chain = verify_file(&path).await;
            assert_eq!(broken_id(&chain), Some(3), "{column}");
            assert_eq!(chain.rows, 2, "{column}");
        }
    }

    #[tokio::test]
    async fn a_deleted_or_rehashed_row_breaks_the_chain_at_the_next() {
        let (_dir, path) = store_with_rows(4).await;
        Connection::open(&path)
            .unwrap()
            .execute("DELETE FROM audit WHERE id = 2", [])
            .unwrap();
        assert_eq!(broken_id(&verify_file(&path).await), Some(3));

        // Someone who edits a row and recomputes its own hash still breaks the next link.
        let (_dir, path) = store_with_rows(4).await;
        let conn = Connection::open(&path).unwrap();
        let prev: Vec<u8> = conn
            .query_row("SELECT prev_hash FROM audit WHERE id = 2", [], |r| r.get(0))
            .unwrap();
        let mut forged = event("record_read", "forged");
        forged.at_ms = 1_700_000_000_000;
        let hash = row_hash(2, &prev.try_into().unwrap(), &forged);
        conn.execute(
            "UPDATE audit SET detail = 'forged', hash = ?1 WHERE id = 2",
            [&hash[..]],
        )
        .unwrap();
        assert_eq!(broken_id(&verify_file(&path).await), Some(3));

        // A row stripped of its hash is broken, and the server does not re-chain it on open.
        let (_dir, path) = store_with_rows(3).await;
        Connection::open(&path)
            .unwrap()
            .execute("UPDATE audit SET hash = NULL WHERE id = 2", [])
            .unwrap();
        assert_eq!(broken_id(&verify_file(&path).await), Some(2));
        assert_eq!(broken_id(&verify_file(&path).await), Some(2));

        // Stripped from the last row: later rows are still written, and verify still names it.
        let (_dir, path) = store_with_rows(3).await;
        Connection::open(&path)
            .unwrap()
            .execute("UPDATE audit SET hash = NULL WHERE id = 3", [])
            .unwrap();
        open(&path).audit(event("signed_in", "")).await.unwrap();
        assert_eq!(broken_id(&verify_file(&path).await), Some(3));
    }

    #[tokio::test]
    async fn rows_from_before_the_chain_are_chained_by_the_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hearth.sqlite3");
        {
            // A file as the build before the chain left it: four steps, rows without hashes.
            let conn = Connection::open(&path).unwrap();
            for step in &schema::MIGRATIONS[..4] {
                conn.execute_batch(step).unwrap();
            }
            conn.pragma_update(None, "user_version", 4).unwrap();
            for i in 0..3 {
                conn.execute(
                    "INSERT INTO audit (at, user_id, action, detail) VALUES (?1, 'u1', 'login_failed', '')",
                    [i],
                )
                .unwrap();
            }
        }
        let store = open(&path);
        store.audit(event("signed_in", "")).await.unwrap();
        let chain = store.verify_audit().await.unwrap();
        assert_eq!(broken_id(&chain), None);
        assert_eq!(chain.rows, 4);
    }

    #[tokio::test]
    async fn append_chains_inside_the_callers_transaction_and_savepoints() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hearth.sqlite3");
        drop(open(&path));
        let mut conn = Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        append(&tx, &event("change_accepted", "a")).unwrap();
        // A savepoint rolled back (a failed command in a writer group) leaves no gap.
        tx.execute_batch("SAVEPOINT command").unwrap();
        append(&tx, &event("change_accepted", "rolled back")).unwrap();
        tx.execute_batch("ROLLBACK TO command; RELEASE command")
            .unwrap();
        append(&tx, &event("change_accepted", "b")).unwrap();
        tx.commit().unwrap();
        let chain = verify_file(&path).await;
        assert_eq!(broken_id(&chain), None);
        assert_eq!(chain.rows, 2);
    }

    #[tokio::test]
    async fn audit_all_writes_every_row_or_none() {
        let (_dir, path) = store_with_rows(1).await;
        let store = open(&path);
        store
            .audit_all(vec![event("record_read", "x"), event("record_read", "y")])
            .await
            .unwrap();
        let chain = store.verify_audit().await.unwrap();
        assert_eq!((chain.rows, broken_id(&chain)), (3, None));
    }

    #[tokio::test]
    async fn the_audit_page_filters_by_document() {
        let (_dir, path) = store_with_rows(2).await;
        let store = open(&path);
        let mut other = event("record_read", "other");
        other.document_id = Some(DocumentId::from_bytes([8; 16]));
        store.audit(other).await.unwrap();
        let page = store
            .audit_page(AuditQuery {
                document_id: Some(DocumentId::from_bytes([8; 16])),
                limit: 10,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.rows[0].event.detail, "other");
        let mut change = event("change_rejected", "forbidden");
        change.document_id = Some(DocumentId::from_bytes([8; 16]));
        store.audit(change).await.unwrap();
        let reads = store
            .audit_page(AuditQuery {
                document_id: Some(DocumentId::from_bytes([8; 16])),
                reads_only: true,
                limit: 10,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(reads.total, 1);
        assert_eq!(reads.rows[0].event.action, "record_read");
    }
}

//! The append-only audit trail, and the counts of the administration overview.

use hearth_shared::ids::DocumentId;
use hearth_shared::permissions::Role;
use rusqlite::{Connection, Row, params};

use crate::store::{AuditEvent, AuditPage, AuditQuery, AuditRow, Overview, StoreError};

pub(super) fn append(conn: &Connection, event: &AuditEvent) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit (at, user_id, action, document_id, subject, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        event.at_ms,
        event.user_id,
        event.action,
        event.document_id.as_ref().map(DocumentId::as_bytes),
        event.subject,
        event.detail,
    ])?;
    Ok(())
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
     AND (?3 IS NULL OR a.at >= ?3) AND (?4 IS NULL OR a.at <= ?4)";

pub(super) fn page(conn: &Connection, query: &AuditQuery) -> Result<AuditPage, StoreError> {
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
    let filter = params![query.user_id, query.action, query.from_ms, query.to_ms];
    let total: i64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM audit a WHERE {AUDIT_FILTER}"
        ))?
        .query_row(filter, |row| row.get(0))?;
    let sql = format!(
        "SELECT a.id, u.username, a.at, a.user_id, a.action, a.document_id, a.subject, a.detail
         FROM audit a LEFT JOIN users u ON u.id = a.user_id
         WHERE {AUDIT_FILTER} ORDER BY a.id DESC LIMIT ?5 OFFSET ?6"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            query.user_id,
            query.action,
            query.from_ms,
            query.to_ms,
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

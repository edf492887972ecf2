//! The append-only audit trail.

use hearth_shared::ids::DocumentId;
use rusqlite::{Connection, params};

use crate::store::{AuditEvent, StoreError};

pub(super) fn append(conn: &Connection, event: &AuditEvent) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit (at, user_id, action, document_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        event.at_ms,
        event.user_id,
        event.action,
        event.document_id.as_ref().map(DocumentId::as_bytes),
        event.detail,
    ])?;
    Ok(())
}

/// Newest first by insertion order (the autoincrement id), not by `at`: clocks of different
/// callers may disagree, the order rows were committed in cannot.
pub(super) fn recent(conn: &Connection, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(
        "SELECT at, user_id, action, document_id, detail FROM audit ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |row| {
        Ok(AuditEvent {
            at_ms: row.get(0)?,
            user_id: row.get(1)?,
            action: row.get(2)?,
            document_id: row
                .get::<_, Option<[u8; 16]>>(3)?
                .map(DocumentId::from_bytes),
            detail: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

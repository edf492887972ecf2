//! Erasing a record: its tombstone, every row that holds it, and the audit row, in one
//! transaction on the writer (so there is never an erased record without its audit row, nor an
//! audit row for a record still stored).

use hearth_shared::ids::DocumentId;
use rusqlite::{Connection, OptionalExtension, params};

use super::{audit, documents};
use crate::store::erasure::{Erasure, ErasureCause, Tombstone};
use crate::store::{AuditEvent, StoreError};

/// Erases one record: writes its tombstone, deletes its chunks, its report distribution and
/// its `documents` row (with its reporting facts and index entries), and appends the audit row
/// `record_erased` (who, which record, why; never content). `NotFound("document")` and no
/// change for a record that is not stored (never stored, or already erased).
///
/// The deleted pages are overwritten with zeros (`secure_delete`), so the content is not left
/// readable in the database file's free pages; older copies in the WAL are overwritten at the
/// next checkpoints, and backups keep theirs until the council's backup rotation drops them.
pub(super) fn erase(conn: &Connection, erasure: &Erasure) -> Result<(), StoreError> {
    let id = erasure.id;
    let Some(meta) = documents::meta(conn, id)? else {
        return Err(StoreError::NotFound("document"));
    };
    let access = serde_json::to_string(&Tombstone::access_of(&meta))
        .map_err(|e| StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
    conn.pragma_update(None, "secure_delete", true)?;
    let deleted = delete_rows(conn, id, &access, erasure);
    // Back to the default whatever happened: the writer's other commands (compaction deletes
    // chunks it has just folded into a snapshot) need not pay for zeroing.
    conn.pragma_update(None, "secure_delete", false)?;
    deleted?;
    let (user_id, detail) = match &erasure.cause {
        ErasureCause::Retention => (None, format!("retention:{}", meta.kind.as_str())),
        ErasureCause::Admin { by, reason } => (Some(by.clone()), reason.clone()),
    };
    audit::append(
        conn,
        &AuditEvent {
            at_ms: erasure.at_ms,
            user_id,
            action: "record_erased".into(),
            document_id: Some(id),
            subject: Some(erasure.cause.code().into()),
            detail,
        },
    )
}

fn delete_rows(
    conn: &Connection,
    id: DocumentId,
    access: &str,
    erasure: &Erasure,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO document_tombstones (id, access_json, erased_at, cause) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        id.as_bytes(),
        access,
        erasure.at_ms,
        erasure.cause.code()
    ])?;
    for sql in [
        "DELETE FROM document_chunks WHERE document_id = ?1",
        "DELETE FROM report_distribution WHERE document_id = ?1",
        "DELETE FROM documents WHERE id = ?1",
    ] {
        conn.prepare_cached(sql)?.execute([id.as_bytes()])?;
    }
    Ok(())
}

/// The tombstone of an erased record, if it was erased.
pub(super) fn tombstone(
    conn: &Connection,
    id: DocumentId,
) -> Result<Option<Tombstone>, StoreError> {
    let row: Option<(String, i64, String)> = conn
        .prepare_cached(
            "SELECT access_json, erased_at, cause FROM document_tombstones WHERE id = ?1",
        )?
        .query_row([id.as_bytes()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let Some((access, erased_at_ms, cause)) = row else {
        return Ok(None);
    };
    let access = serde_json::from_str(&access).map_err(|e| {
        StoreError::Sqlite(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(e),
        ))
    })?;
    Ok(Some(Tombstone {
        access,
        erased_at_ms,
        cause,
    }))
}

/// Ids erased at or after `since_ms`, oldest first: a running server drops them from memory
/// when another process (`hearth retention run`) erased them.
pub(super) fn erased_since(
    conn: &Connection,
    since_ms: i64,
) -> Result<Vec<DocumentId>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM document_tombstones WHERE erased_at >= ?1 ORDER BY erased_at, id",
    )?;
    let rows = stmt.query_map([since_ms], |row| {
        Ok(DocumentId::from_bytes(row.get::<_, [u8; 16]>(0)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

//! Erasing a record on PostgreSQL: its tombstone, every row that holds it, and the audit row,
//! in one transaction, as SQLite does.
//!
//! Unlike SQLite's `secure_delete`, PostgreSQL leaves deleted rows in the table files until
//! VACUUM reclaims the space (autovacuum does, in time) and in the WAL and base backups until
//! they are recycled: the operator's backup rotation bounds how long content survives there.

use deadpool_postgres::Pool;
use hearth_shared::ids::DocumentId;

use super::audit::Chain;
use super::{client, decode_meta, document_id, notify};
use crate::store::erasure::{Erasure, ErasureCause, Tombstone};
use crate::store::remote::RemoteEvent;
use crate::store::{AuditEvent, StoreError};

/// Erases one record (see `Store::erase_document`). `NotFound("document")` and no change for a
/// record that is not stored (never stored, or already erased, on any server).
pub(super) async fn erase(pool: &Pool, origin: &str, erasure: &Erasure) -> Result<(), StoreError> {
    let id = &erasure.id.as_bytes()[..];
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    // The audit lock before the row lock, as every appender takes them (see `audit`).
    let mut chain = Chain::new();
    chain.lock(&tx).await?;
    // The row lock: a commit on another server waits, then sees the tombstone and refuses.
    let row = tx
        .query_opt(
            "SELECT meta_json FROM documents WHERE id = $1 FOR UPDATE",
            &[&id],
        )
        .await?;
    let Some(row) = row else {
        return Err(StoreError::NotFound("document"));
    };
    let meta = decode_meta(row.try_get(0)?)?;
    let access = serde_json::to_string(&Tombstone::access_of(&meta))
        .map_err(|_| StoreError::Invalid("metadata that cannot be stored"))?;
    tx.execute(
        "INSERT INTO document_tombstones (id, access_json, erased_at, cause)
         VALUES ($1, $2, $3, $4)",
        &[&id, &access, &erasure.at_ms, &erasure.cause.code()],
    )
    .await?;
    for sql in [
        "DELETE FROM document_chunks WHERE document_id = $1",
        "DELETE FROM report_distribution WHERE document_id = $1",
        // Actors go with the row (ON DELETE CASCADE).
        "DELETE FROM documents WHERE id = $1",
    ] {
        tx.execute(sql, &[&id]).await?;
    }
    let (user_id, detail) = match &erasure.cause {
        ErasureCause::Retention => (None, format!("retention:{}", meta.kind.as_str())),
        ErasureCause::Admin { by, reason } => (Some(by.clone()), reason.clone()),
    };
    chain
        .append(
            &tx,
            &AuditEvent {
                at_ms: erasure.at_ms,
                user_id,
                action: "record_erased".into(),
                document_id: Some(erasure.id),
                subject: Some(erasure.cause.code().into()),
                detail,
            },
        )
        .await?;
    // Other servers drop their loaded copy and tell their peers (delivered only on COMMIT).
    notify::announce(&*tx, &RemoteEvent::erased_payload(origin, erasure.id)).await?;
    tx.commit().await?;
    Ok(())
}

/// The tombstone of an erased record, if it was erased.
pub(super) async fn tombstone(
    pool: &Pool,
    id: DocumentId,
) -> Result<Option<Tombstone>, StoreError> {
    let row = client(pool)
        .await?
        .query_opt(
            "SELECT access_json, erased_at, cause FROM document_tombstones WHERE id = $1",
            &[&&id.as_bytes()[..]],
        )
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(Tombstone {
        access: decode_meta(row.try_get(0)?)?,
        erased_at_ms: row.try_get(1)?,
        cause: row.try_get(2)?,
    }))
}

/// Ids erased at or after `since_ms`, oldest first: a running server drops them from memory
/// when another server or process erased them.
pub(super) async fn erased_since(
    pool: &Pool,
    since_ms: i64,
) -> Result<Vec<DocumentId>, StoreError> {
    let rows = client(pool)
        .await?
        .query(
            "SELECT id FROM document_tombstones WHERE erased_at >= $1 ORDER BY erased_at, id",
            &[&since_ms],
        )
        .await?;
    rows.iter()
        .map(|row| document_id(row.try_get(0)?))
        .collect()
}

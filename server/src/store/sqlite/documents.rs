//! Documents and their chunks, as plain functions of a connection (the caller owns the
//! transaction: the writer thread's savepoint, or a reader's read transaction).

use hearth_shared::ids::DocumentId;
use hearth_shared::model::DocMeta;
use hearth_shared::reporting::RecordFacts;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, params};

use super::{audit, is_constraint};
use crate::store::{
    ActorClaim, ChangeCommit, ChunksAfter, DistributionEntry, DocumentSummary, NewDistribution,
    StoreError, StoredDocument,
};

/// Column index of `meta_json` in the statements below, for conversion errors.
const META_COLUMN: usize = 0;

fn decode_meta(json: &str) -> rusqlite::Result<DocMeta> {
    serde_json::from_str(json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(META_COLUMN, Type::Text, Box::new(e))
    })
}

fn encode_meta(meta: &DocMeta) -> Result<String, StoreError> {
    serde_json::to_string(meta)
        .map_err(|e| StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))
}

pub(super) fn load(
    conn: &Connection,
    id: DocumentId,
) -> Result<Option<StoredDocument>, StoreError> {
    let Some(meta) = meta(conn, id)? else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT bytes, seq FROM document_chunks WHERE document_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([id.as_bytes()], |row| {
            Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, i64>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let last_seq = rows.last().map_or(0, |(_, seq)| *seq);
    let chunks = rows.into_iter().map(|(bytes, _)| bytes).collect();
    Ok(Some(StoredDocument {
        meta,
        chunks,
        last_seq,
    }))
}

/// The chunks numbered after `after_seq`, in the caller's read transaction (so the metadata
/// and the chunks are one state). A snapshot among them means a compaction took in chunks the
/// reader lacks: its bytes are not read.
pub(super) fn chunks_after(
    conn: &Connection,
    id: DocumentId,
    after_seq: i64,
) -> Result<Option<ChunksAfter>, StoreError> {
    let Some(meta) = meta(conn, id)? else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT seq, is_snapshot, bytes FROM document_chunks
         WHERE document_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query(params![id.as_bytes(), after_seq])?;
    let mut chunks = Vec::new();
    let mut last_seq = after_seq;
    while let Some(row) = rows.next()? {
        if row.get::<_, bool>(1)? {
            return Ok(Some(ChunksAfter::Compacted));
        }
        last_seq = row.get(0)?;
        chunks.push(row.get::<_, Vec<u8>>(2)?);
    }
    Ok(Some(ChunksAfter::Appended {
        meta,
        chunks,
        last_seq,
    }))
}

pub(super) fn meta(conn: &Connection, id: DocumentId) -> Result<Option<DocMeta>, StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT meta_json FROM documents WHERE id = ?1")?
        .query_row([id.as_bytes()], |row| row.get(META_COLUMN))
        .optional()?;
    Ok(json.as_deref().map(decode_meta).transpose()?)
}

fn encode_facts(facts: &RecordFacts) -> Result<String, StoreError> {
    serde_json::to_string(facts)
        .map_err(|e| StoreError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))
}

/// Stored facts back; `None` if they no longer decode (a shape from another version): the
/// reader then treats them as unknown rather than failing every overview.
fn decode_facts(json: Option<String>) -> Option<RecordFacts> {
    serde_json::from_str(&json?).ok()
}

/// One accepted message's changes: the document row (created if new), the chunk, the actor
/// claims and the audit row. The caller (the writer thread) owns the transaction.
pub(super) fn commit_changes(conn: &Connection, commit: &ChangeCommit) -> Result<(), StoreError> {
    let ChangeCommit {
        id,
        meta,
        facts,
        chunk,
        at_ms,
        claims,
        audit: event,
    } = commit;
    // An erasure by another process (`hearth retention run` on a live server's folder) leaves
    // the server's loaded copy behind for up to a minute: a change to it must not bring the
    // record back. One primary-key lookup, in the commit's own transaction.
    let erased = conn
        .prepare_cached("SELECT 1 FROM document_tombstones WHERE id = ?1")?
        .exists([id.as_bytes()])?;
    if erased {
        return Err(StoreError::NotFound("record (it was erased)"));
    }
    let meta_json = encode_meta(meta)?;
    let facts_json = facts.as_ref().map(encode_facts).transpose()?;
    conn.prepare_cached(
        "INSERT INTO documents (id, kind, home_id, created_by, state, meta_json, facts,
                                updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET
             kind = excluded.kind, home_id = excluded.home_id,
             created_by = excluded.created_by, state = excluded.state,
             meta_json = excluded.meta_json, facts = excluded.facts,
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        id.as_bytes(),
        meta.kind.as_str(),
        meta.home_id,
        meta.created_by,
        meta.state.as_str(),
        meta_json,
        facts_json,
        at_ms,
    ])?;
    conn.prepare_cached(
        "INSERT INTO document_chunks (document_id, seq, bytes, is_snapshot)
         VALUES (?1,
                 (SELECT coalesce(max(seq), 0) + 1 FROM document_chunks WHERE document_id = ?1),
                 ?2, 0)",
    )?
    .execute(params![id.as_bytes(), chunk])?;
    for claim in claims {
        // A claim already recorded stays as it was: the first sender owns the actor.
        conn.prepare_cached(
            "INSERT INTO document_actors (document_id, actor, user_id, first_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            id.as_bytes(),
            claim.actor,
            claim.user_id,
            claim.first_at_ms
        ])?;
    }
    if let Some(event) = event {
        audit::append(conn, event)?;
    }
    Ok(())
}

/// Every actor claim of a document, oldest first.
pub(super) fn actors(conn: &Connection, id: DocumentId) -> Result<Vec<ActorClaim>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT actor, user_id, first_at FROM document_actors WHERE document_id = ?1
         ORDER BY first_at, actor",
    )?;
    let claims = stmt.query_map([id.as_bytes()], |row| {
        Ok(ActorClaim {
            actor: row.get(0)?,
            user_id: row.get(1)?,
            first_at_ms: row.get(2)?,
        })
    })?;
    Ok(claims.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Replaces the chunks numbered up to `through_seq` with `snapshot`, keeping later ones.
///
/// The snapshot takes the seq of the last chunk it replaces, so seqs stay increasing and the
/// order "snapshot, then the chunks after it" holds without renumbering.
pub(super) fn compact(
    conn: &Connection,
    id: DocumentId,
    snapshot: &[u8],
    through_seq: i64,
) -> Result<(), StoreError> {
    let last_replaced: Option<i64> = conn
        .prepare_cached("SELECT seq FROM document_chunks WHERE document_id = ?1 AND seq = ?2")?
        .query_row(params![id.as_bytes(), through_seq], |row| row.get(0))
        .optional()?;
    let Some(last_replaced) = last_replaced else {
        // The chunk the caller's snapshot ends with is gone (a compaction took it in) or never
        // was: replacing anything now could drop a chunk the snapshot does not contain.
        return Err(if meta(conn, id)?.is_some() {
            StoreError::NotFound("chunks to compact")
        } else {
            StoreError::NotFound("document")
        });
    };
    conn.prepare_cached("DELETE FROM document_chunks WHERE document_id = ?1 AND seq <= ?2")?
        .execute(params![id.as_bytes(), last_replaced])?;
    conn.prepare_cached(
        "INSERT INTO document_chunks (document_id, seq, bytes, is_snapshot) VALUES (?1, ?2, ?3, 1)",
    )?
    .execute(params![id.as_bytes(), last_replaced, snapshot])?;
    Ok(())
}

pub(super) fn list(conn: &Connection) -> Result<Vec<DocumentSummary>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT meta_json, id, updated_at FROM documents ORDER BY updated_at DESC, id",
    )?;
    let rows = stmt.query_map([], |row| {
        let meta = decode_meta(&row.get::<_, String>(META_COLUMN)?)?;
        let id = DocumentId::from_bytes(row.get::<_, [u8; 16]>(1)?);
        Ok(DocumentSummary {
            id,
            meta,
            updated_at_ms: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn facts(
    conn: &Connection,
) -> Result<Vec<(DocumentId, DocMeta, Option<RecordFacts>)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT meta_json, id, facts FROM documents ORDER BY id")?;
    let rows = stmt.query_map([], |row| {
        let meta = decode_meta(&row.get::<_, String>(META_COLUMN)?)?;
        let id = DocumentId::from_bytes(row.get::<_, [u8; 16]>(1)?);
        Ok((id, meta, decode_facts(row.get(2)?)))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn without_facts(
    conn: &Connection,
    after: Option<DocumentId>,
    limit: usize,
) -> Result<Vec<DocumentId>, StoreError> {
    let after: &[u8] = after.as_ref().map_or(&[], |id| id.as_bytes());
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM documents WHERE facts IS NULL AND id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], |row| {
        Ok(DocumentId::from_bytes(row.get::<_, [u8; 16]>(0)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(super) fn fill_facts(
    conn: &Connection,
    id: DocumentId,
    facts: &RecordFacts,
) -> Result<bool, StoreError> {
    let json = encode_facts(facts)?;
    let changed = conn
        .prepare_cached("UPDATE documents SET facts = ?2 WHERE id = ?1 AND facts IS NULL")?
        .execute(params![id.as_bytes(), json])?;
    Ok(changed == 1)
}

pub(super) fn add_distribution(
    conn: &Connection,
    entry: &NewDistribution,
) -> Result<(), StoreError> {
    if meta(conn, entry.document_id)?.is_none() {
        return Err(StoreError::NotFound("document"));
    }
    conn.prepare_cached(
        "INSERT INTO report_distribution (document_id, recipient, sent_on, recorded_by,
                                          recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        entry.document_id.as_bytes(),
        entry.recipient,
        entry.sent_on,
        entry.recorded_by,
        entry.recorded_at_ms,
    ])
    .map_err(|e| {
        if is_constraint(&e, rusqlite::ffi::SQLITE_CONSTRAINT_CHECK) {
            StoreError::Invalid("unknown recipient")
        } else {
            StoreError::Sqlite(e)
        }
    })?;
    Ok(())
}

pub(super) fn distribution(
    conn: &Connection,
    id: DocumentId,
) -> Result<Vec<DistributionEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.recipient, d.sent_on, d.recorded_by, u.display_name, d.recorded_at
         FROM report_distribution d LEFT JOIN users u ON u.id = d.recorded_by
         WHERE d.document_id = ?1
         ORDER BY d.sent_on, d.recorded_at, d.id",
    )?;
    let rows = stmt.query_map([id.as_bytes()], |row| {
        Ok(DistributionEntry {
            recipient: row.get(0)?,
            sent_on: row.get(1)?,
            recorded_by: row.get(2)?,
            recorded_by_name: row.get(3)?,
            recorded_at_ms: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

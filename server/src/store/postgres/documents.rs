//! Documents, their chunks and actors, reporting facts and reports' distribution on PostgreSQL.
//!
//! Several servers may write one document at once. Each commit takes the `documents` row's
//! lock (the upsert) before it numbers its chunk, and a compaction takes the same lock before
//! it picks the chunks it replaces, so `seq` is commit order per document and "the first N
//! chunks" means the same chunks to the compaction as to the reader it loaded them with.

use std::collections::HashMap;

use deadpool_postgres::{GenericClient, Pool};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::DocMeta;
use hearth_shared::reporting::RecordFacts;
use tokio_postgres::IsolationLevel;
use tokio_postgres::error::SqlState;

use super::audit::Chain;
use super::{client, decode_meta, document_id, notify};
use crate::store::remote::RemoteEvent;
use crate::store::{
    ActorClaim, ChangeCommit, ChunksAfter, DistributionEntry, DocumentSummary, NewDistribution,
    StoreError, StoredDocument,
};

fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|_| StoreError::Invalid("metadata that cannot be stored"))
}

/// Stored facts back; `None` if they no longer decode (a shape from another version): the
/// reader then treats them as unknown rather than failing every overview, as SQLite does.
fn decode_facts(json: Option<String>) -> Option<RecordFacts> {
    serde_json::from_str(&json?).ok()
}

fn key(id: &DocumentId) -> &[u8] {
    &id.as_bytes()[..]
}

/// A document's metadata and chunks in one statement, so one snapshot: a compaction or a
/// commit by another server is seen entirely or not at all.
pub(super) async fn load(
    pool: &Pool,
    id: DocumentId,
) -> Result<Option<StoredDocument>, StoreError> {
    let client = client(pool).await?;
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "SELECT d.meta_json, c.bytes, c.seq FROM documents d
                     LEFT JOIN document_chunks c ON c.document_id = d.id
                     WHERE d.id = $1 ORDER BY c.seq",
                )
                .await?,
            &[&key(&id)],
        )
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let meta = decode_meta(first.try_get(0)?)?;
    let chunks = rows
        .iter()
        .filter_map(|row| row.try_get::<_, Option<Vec<u8>>>(1).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let last_seq = match rows.last() {
        Some(row) => row.try_get::<_, Option<i64>>(2)?.unwrap_or(0),
        None => 0,
    };
    Ok(Some(StoredDocument {
        meta,
        chunks,
        last_seq,
    }))
}

/// The chunks numbered after `after_seq` with the metadata, in one statement (one snapshot, as
/// [`load`]). A snapshot among them means a compaction took in chunks the reader lacks: its
/// bytes are not sent.
pub(super) async fn chunks_after(
    pool: &Pool,
    id: DocumentId,
    after_seq: i64,
) -> Result<Option<ChunksAfter>, StoreError> {
    let client = client(pool).await?;
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "SELECT d.meta_json, c.seq, c.is_snapshot,
                            CASE WHEN c.is_snapshot THEN NULL ELSE c.bytes END
                     FROM documents d
                     LEFT JOIN document_chunks c ON c.document_id = d.id AND c.seq > $2
                     WHERE d.id = $1 ORDER BY c.seq",
                )
                .await?,
            &[&key(&id), &after_seq],
        )
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let meta = decode_meta(first.try_get(0)?)?;
    let mut chunks = Vec::with_capacity(rows.len());
    let mut last_seq = after_seq;
    for row in &rows {
        // No chunk after `after_seq`: the LEFT JOIN's one row of NULLs.
        let Some(seq) = row.try_get::<_, Option<i64>>(1)? else {
            continue;
        };
        if row.try_get::<_, bool>(2)? {
            return Ok(Some(ChunksAfter::Compacted));
        }
        let bytes: Vec<u8> = row.try_get(3)?;
        chunks.push(bytes);
        last_seq = seq;
    }
    Ok(Some(ChunksAfter::Appended {
        meta,
        chunks,
        last_seq,
    }))
}

/// Several documents at one consistent state (a REPEATABLE READ, read-only transaction around
/// one statement), in the order asked; unknown ids are left out.
pub(super) async fn load_many(
    pool: &Pool,
    ids: Vec<DocumentId>,
) -> Result<Vec<(DocumentId, StoredDocument)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<&[u8]> = ids.iter().map(key).collect();
    let mut client = client(pool).await?;
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let rows = tx
        .query(
            &tx.prepare_cached(
                "SELECT d.id, d.meta_json, c.bytes, c.seq FROM documents d
                 LEFT JOIN document_chunks c ON c.document_id = d.id
                 WHERE d.id = ANY($1) ORDER BY d.id, c.seq",
            )
            .await?,
            &[&keys],
        )
        .await?;
    tx.commit().await?;
    let mut found: HashMap<DocumentId, StoredDocument> = HashMap::new();
    for row in &rows {
        let id = document_id(row.try_get(0)?)?;
        let bytes: Option<Vec<u8>> = row.try_get(2)?;
        let doc = match found.entry(id) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => entry.insert(StoredDocument {
                meta: decode_meta(row.try_get(1)?)?,
                chunks: Vec::new(),
                last_seq: 0,
            }),
        };
        doc.chunks.extend(bytes);
        if let Some(seq) = row.try_get::<_, Option<i64>>(3)? {
            doc.last_seq = seq;
        }
    }
    // In the order asked; an id asked twice comes back twice, as from SQLite.
    let mut ordered: Vec<(DocumentId, StoredDocument)> = Vec::with_capacity(found.len());
    let mut placed: HashMap<DocumentId, usize> = HashMap::new();
    for id in ids {
        if let Some(doc) = found.remove(&id) {
            placed.insert(id, ordered.len());
            ordered.push((id, doc));
        } else if let Some(&at) = placed.get(&id) {
            let doc = ordered[at].1.clone();
            ordered.push((id, doc));
        }
    }
    Ok(ordered)
}

pub(super) async fn meta<C: GenericClient>(
    client: &C,
    id: DocumentId,
) -> Result<Option<DocMeta>, StoreError> {
    let row = client
        .query_opt(
            &client
                .prepare_cached("SELECT meta_json FROM documents WHERE id = $1")
                .await?,
            &[&key(&id)],
        )
        .await?;
    row.map(|row| decode_meta(row.try_get(0)?)).transpose()
}

/// One accepted message's changes: the document row (created if new), the chunk, the actor
/// claims and the audit row, in the caller's transaction (the writer's group or savepoint).
///
/// Refuses (`NotFound`, nothing written) a record that was erased, as SQLite does: the check
/// runs after the upsert has taken the row's lock, so an erasure that held the lock first has
/// committed its tombstone by then and this statement sees it.
pub(super) async fn commit_changes<C: GenericClient>(
    tx: &C,
    chain: &mut Chain,
    commit: &ChangeCommit,
) -> Result<(), StoreError> {
    let ChangeCommit {
        id,
        meta,
        facts,
        chunk,
        at_ms,
        claims,
        audit: event,
    } = commit;
    let meta_json = encode(meta)?;
    let facts_json = facts.as_ref().map(encode).transpose()?;
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO documents (id, kind, home_id, created_by, state, meta_json, facts,
                                    updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (id) DO UPDATE SET
                 kind = excluded.kind, home_id = excluded.home_id,
                 created_by = excluded.created_by, state = excluded.state,
                 meta_json = excluded.meta_json, facts = excluded.facts,
                 updated_at = excluded.updated_at",
        )
        .await?,
        &[
            &key(id),
            &meta.kind.as_str(),
            &meta.home_id,
            &meta.created_by,
            &meta.state.as_str(),
            &meta_json,
            &facts_json,
            at_ms,
        ],
    )
    .await?;
    let erased = tx
        .query_opt(
            &tx.prepare_cached("SELECT 1 FROM document_tombstones WHERE id = $1")
                .await?,
            &[&key(id)],
        )
        .await?
        .is_some();
    if erased {
        return Err(StoreError::NotFound("record (it was erased)"));
    }
    tx.execute(
        &tx.prepare_cached(
            "INSERT INTO document_chunks (document_id, seq, bytes, is_snapshot)
             VALUES ($1,
                     (SELECT coalesce(max(seq), 0) + 1 FROM document_chunks
                      WHERE document_id = $1),
                     $2, FALSE)",
        )
        .await?,
        &[&key(id), chunk],
    )
    .await?;
    if !claims.is_empty() {
        let insert = tx
            .prepare_cached(
                "INSERT INTO document_actors (document_id, actor, user_id, first_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .await?;
        for claim in claims {
            // A claim already recorded stays as it was: the first sender owns the actor.
            tx.execute(
                &insert,
                &[&key(id), &claim.actor, &claim.user_id, &claim.first_at_ms],
            )
            .await?;
        }
    }
    if let Some(event) = event {
        chain.append(tx, event).await?;
    }
    Ok(())
}

/// Every actor claim of a document, oldest first.
pub(super) async fn actors(pool: &Pool, id: DocumentId) -> Result<Vec<ActorClaim>, StoreError> {
    let client = client(pool).await?;
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "SELECT actor, user_id, first_at FROM document_actors
                     WHERE document_id = $1 ORDER BY first_at, actor",
                )
                .await?,
            &[&key(&id)],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(ActorClaim {
                actor: row.try_get(0)?,
                user_id: row.try_get(1)?,
                first_at_ms: row.try_get(2)?,
            })
        })
        .collect()
}

/// Replaces the chunks numbered up to `through_seq` with `snapshot`, keeping later ones, under
/// the document row's lock so no commit numbers a chunk meanwhile. The snapshot takes the seq
/// of the last chunk it replaces, so the order "snapshot, then later chunks" holds.
pub(super) async fn compact(
    pool: &Pool,
    origin: &str,
    id: DocumentId,
    snapshot: &[u8],
    through_seq: i64,
) -> Result<(), StoreError> {
    let mut client = client(pool).await?;
    let tx = client.transaction().await?;
    let exists = tx
        .query_opt(
            "SELECT 1 FROM documents WHERE id = $1 FOR UPDATE",
            &[&key(&id)],
        )
        .await?
        .is_some();
    if !exists {
        return Err(StoreError::NotFound("document"));
    }
    let last_replaced: Option<i64> = tx
        .query_opt(
            "SELECT seq FROM document_chunks WHERE document_id = $1 AND seq = $2",
            &[&key(&id), &through_seq],
        )
        .await?
        .map(|row| row.try_get(0))
        .transpose()?;
    let Some(last_replaced) = last_replaced else {
        // The chunk the caller's snapshot ends with is gone (another server's compaction took
        // it in) or never was: replacing anything now could drop a chunk the snapshot lacks.
        return Err(StoreError::NotFound("chunks to compact"));
    };
    tx.execute(
        "DELETE FROM document_chunks WHERE document_id = $1 AND seq <= $2",
        &[&key(&id), &last_replaced],
    )
    .await?;
    tx.execute(
        "INSERT INTO document_chunks (document_id, seq, bytes, is_snapshot)
         VALUES ($1, $2, $3, TRUE)",
        &[&key(&id), &last_replaced, &snapshot],
    )
    .await?;
    // Other servers holding the document load it again (delivered only on COMMIT).
    notify::announce(&*tx, &RemoteEvent::document_payload(origin, id)).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn list(pool: &Pool) -> Result<Vec<DocumentSummary>, StoreError> {
    let client = client(pool).await?;
    let rows = client
        .query(
            "SELECT meta_json, id, updated_at FROM documents ORDER BY updated_at DESC, id",
            &[],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(DocumentSummary {
                meta: decode_meta(row.try_get(0)?)?,
                id: document_id(row.try_get(1)?)?,
                updated_at_ms: row.try_get(2)?,
            })
        })
        .collect()
}

pub(super) async fn facts(
    pool: &Pool,
) -> Result<Vec<(DocumentId, DocMeta, Option<RecordFacts>)>, StoreError> {
    let client = client(pool).await?;
    let rows = client
        .query(
            "SELECT meta_json, id, facts FROM documents ORDER BY id",
            &[],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                document_id(row.try_get(1)?)?,
                decode_meta(row.try_get(0)?)?,
                decode_facts(row.try_get(2)?),
            ))
        })
        .collect()
}

pub(super) async fn without_facts(
    pool: &Pool,
    after: Option<DocumentId>,
    limit: usize,
) -> Result<Vec<DocumentId>, StoreError> {
    let after: &[u8] = after.as_ref().map_or(&[], key);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let client = client(pool).await?;
    let rows = client
        .query(
            "SELECT id FROM documents WHERE facts IS NULL AND id > $1 ORDER BY id LIMIT $2",
            &[&after, &limit],
        )
        .await?;
    rows.iter()
        .map(|row| document_id(row.try_get(0)?))
        .collect()
}

pub(super) async fn fill_facts(
    pool: &Pool,
    id: DocumentId,
    facts: &RecordFacts,
) -> Result<bool, StoreError> {
    let json = encode(facts)?;
    let changed = client(pool)
        .await?
        .execute(
            "UPDATE documents SET facts = $2 WHERE id = $1 AND facts IS NULL",
            &[&key(&id), &json],
        )
        .await?;
    Ok(changed == 1)
}

pub(super) async fn add_distribution(
    pool: &Pool,
    entry: &NewDistribution,
) -> Result<(), StoreError> {
    let client = client(pool).await?;
    if meta(&client, entry.document_id).await?.is_none() {
        return Err(StoreError::NotFound("document"));
    }
    client
        .execute(
            "INSERT INTO report_distribution (document_id, recipient, sent_on, recorded_by,
                                              recorded_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &key(&entry.document_id),
                &entry.recipient,
                &entry.sent_on,
                &entry.recorded_by,
                &entry.recorded_at_ms,
            ],
        )
        .await
        .map_err(|e| match e.code() {
            Some(code) if *code == SqlState::CHECK_VIOLATION => {
                StoreError::Invalid("unknown recipient")
            }
            // Erased (on any server) between the check above and the insert.
            Some(code) if *code == SqlState::FOREIGN_KEY_VIOLATION => {
                StoreError::NotFound("document")
            }
            _ => StoreError::Postgres(e),
        })?;
    Ok(())
}

pub(super) async fn distribution(
    pool: &Pool,
    id: DocumentId,
) -> Result<Vec<DistributionEntry>, StoreError> {
    let client = client(pool).await?;
    let rows = client
        .query(
            "SELECT d.recipient, d.sent_on, d.recorded_by, u.display_name, d.recorded_at
             FROM report_distribution d LEFT JOIN users u ON u.id = d.recorded_by
             WHERE d.document_id = $1
             ORDER BY d.sent_on, d.recorded_at, d.id",
            &[&key(&id)],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(DistributionEntry {
                recipient: row.try_get(0)?,
                sent_on: row.try_get(1)?,
                recorded_by: row.try_get(2)?,
                recorded_by_name: row.try_get(3)?,
                recorded_at_ms: row.try_get(4)?,
            })
        })
        .collect()
}

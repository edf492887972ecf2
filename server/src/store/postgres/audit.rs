//! The append-only, hash-chained audit trail on PostgreSQL: the same chain as SQLite's
//! ([`crate::store::audit_chain`]), so a trail copied by `hearth migrate` verifies here.
//!
//! Each row links to the one before it, so appends must not interleave, across servers too:
//! an appender takes the transaction-scoped advisory lock [`AUDIT_LOCK`] before it reads the
//! last row, and holds it until its transaction ends. Whoever will append in a transaction
//! takes this lock *before* any row lock (the writer at the start of its group, the erasure
//! before it locks the document), so two transactions never wait for each other in a circle.

use deadpool_postgres::{GenericClient, Pool};
use futures_util::{TryStreamExt, pin_mut};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::{client, document_id};
use crate::store::audit_chain::{ChainWalk, GENESIS, link_to, row_hash};
use crate::store::{
    AuditChain, AuditEvent, AuditPage, AuditQuery, AuditRow, READ_ACTIONS, StoreError,
};

/// Advisory lock serializing audit appends (B's areas use `0x4845_4152_5448_0001..=0002`).
const AUDIT_LOCK: i64 = 0x4845_4152_5448_0011;

/// The trail's head as a transaction holding [`AUDIT_LOCK`] sees it: the next row's id and
/// the hash it links to. Kept in memory for the rest of that transaction, so a group of
/// appends costs one read of the last row. A copy taken before a savepoint is put back if the
/// savepoint is rolled back.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Chain {
    head: Option<(i64, [u8; 32])>,
}

impl Chain {
    /// Not yet locked: the first append takes the lock.
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// Takes the audit lock (if this transaction does not hold it yet) and reads the head.
    pub(super) async fn lock<C: GenericClient>(&mut self, tx: &C) -> Result<(), StoreError> {
        if self.head.is_some() {
            return Ok(());
        }
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])
            .await?;
        let last = tx
            .query_opt(
                &tx.prepare_cached("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")
                    .await?,
                &[],
            )
            .await?;
        self.head = Some(match last {
            None => (1, GENESIS),
            Some(row) => {
                let id: i64 = row.try_get(0)?;
                let hash: Option<&[u8]> = row.try_get(1)?;
                (id + 1, link_to(id, hash))
            }
        });
        Ok(())
    }

    /// Appends one row chained to the head, in the caller's transaction.
    pub(super) async fn append<C: GenericClient>(
        &mut self,
        tx: &C,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        self.lock(tx).await?;
        let (id, prev) = self.head.expect("locked above");
        let hash = row_hash(id, &prev, event);
        let document = event.document_id.as_ref().map(|d| &d.as_bytes()[..]);
        tx.execute(
            &tx.prepare_cached(
                "INSERT INTO audit (id, at, user_id, action, document_id, subject, detail,
                                    prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .await?,
            &[
                &id,
                &event.at_ms,
                &event.user_id,
                &event.action,
                &document,
                &event.subject,
                &event.detail,
                &&prev[..],
                &&hash[..],
            ],
        )
        .await?;
        self.head = Some((id + 1, hash));
        Ok(())
    }
}

/// Walks the whole chain in id order (streamed, one consistent snapshot: one statement) and
/// names the first row whose link or hash does not hold.
pub(super) async fn verify(pool: &Pool) -> Result<AuditChain, StoreError> {
    let client = client(pool).await?;
    let rows = client
        .query_raw(
            "SELECT id, at, user_id, action, document_id, subject, detail, prev_hash, hash
             FROM audit ORDER BY id",
            Vec::<i64>::new(),
        )
        .await?;
    pin_mut!(rows);
    let mut walk = ChainWalk::new();
    while let Some(row) = rows.try_next().await? {
        let id: i64 = row.try_get(0)?;
        let event = event_from_row(&row, 1).ok();
        let stored_prev: Option<&[u8]> = row.try_get(7).unwrap_or(None);
        let stored_hash: Option<&[u8]> = row.try_get(8).unwrap_or(None);
        if !walk.row(id, event.as_ref(), stored_prev, stored_hash) {
            break;
        }
    }
    Ok(walk.finish())
}

/// Reads `at, user_id, action, document_id, subject, detail` starting at column `first`.
fn event_from_row(row: &Row, first: usize) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        at_ms: row.try_get(first)?,
        user_id: row.try_get(first + 1)?,
        action: row.try_get(first + 2)?,
        document_id: row
            .try_get::<_, Option<&[u8]>>(first + 3)?
            .map(document_id)
            .transpose()?,
        subject: row.try_get(first + 4)?,
        detail: row.try_get(first + 5)?,
    })
}

/// Newest first by id (the chain's order), not by `at`: clocks of different servers may
/// disagree, the order rows were appended in cannot.
pub(super) async fn recent(pool: &Pool, limit: usize) -> Result<Vec<AuditEvent>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let client = client(pool).await?;
    let rows = client
        .query(
            &client
                .prepare_cached(
                    "SELECT at, user_id, action, document_id, subject, detail FROM audit
                     ORDER BY id DESC LIMIT $1",
                )
                .await?,
            &[&limit],
        )
        .await?;
    rows.iter().map(|row| event_from_row(row, 0)).collect()
}

/// The filter of [`page`], as SQLite's: `$1` user, `$2` action, `$3`/`$4` time range, `$5`
/// document, `$6` reads only, `$7` the read actions.
const AUDIT_FILTER: &str = "($1::text IS NULL OR a.user_id = $1)
     AND ($2::text IS NULL OR a.action = $2)
     AND ($3::bigint IS NULL OR a.at >= $3) AND ($4::bigint IS NULL OR a.at <= $4)
     AND ($5::bytea IS NULL OR a.document_id = $5)
     AND (NOT $6::boolean OR a.action = ANY($7::text[]))";

/// A filtered page, newest first, and the total that matches, both from one snapshot.
pub(super) async fn page(pool: &Pool, query: &AuditQuery) -> Result<AuditPage, StoreError> {
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
    let document = query.document_id.as_ref().map(|d| &d.as_bytes()[..]);
    let reads: &[&str] = &READ_ACTIONS;
    let filter: [&(dyn ToSql + Sync); 7] = [
        &query.user_id,
        &query.action,
        &query.from_ms,
        &query.to_ms,
        &document,
        &query.reads_only,
        &reads,
    ];
    let mut client = client(pool).await?;
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let total: i64 = tx
        .query_one(
            &tx.prepare_cached(&format!(
                "SELECT count(*) FROM audit a WHERE {AUDIT_FILTER}"
            ))
            .await?,
            &filter,
        )
        .await?
        .try_get(0)?;
    let mut params = filter.to_vec();
    params.push(&limit);
    params.push(&offset);
    let rows = tx
        .query(
            &tx.prepare_cached(&format!(
                "SELECT a.id, u.username, a.at, a.user_id, a.action, a.document_id, a.subject,
                        a.detail
                 FROM audit a LEFT JOIN users u ON u.id = a.user_id
                 WHERE {AUDIT_FILTER} ORDER BY a.id DESC LIMIT $8 OFFSET $9"
            ))
            .await?,
            &params,
        )
        .await?;
    tx.commit().await?;
    let rows = rows
        .iter()
        .map(|row| {
            Ok(AuditRow {
                id: row.try_get(0)?,
                username: row.try_get(1)?,
                event: event_from_row(row, 2)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(AuditPage {
        rows,
        total: total.max(0) as u64,
    })
}

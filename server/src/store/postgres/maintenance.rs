//! The administration overview's counts, Hearth's integrity checks, and why `hearth backup`
//! does not apply to PostgreSQL.

use deadpool_postgres::Pool;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::DocMeta;
use hearth_shared::permissions::Role;

use super::client;
use crate::store::{Overview, StoreError};

/// What `hearth backup` answers for a PostgreSQL store: SQLite's file copy has no equivalent a
/// server should run; the database's own tools give consistent and point-in-time backups.
pub(super) const BACKUP_ADVICE: &str = "a PostgreSQL store is not backed up by `hearth backup`: \
     use pg_dump (a consistent dump while Hearth runs) or the server's continuous archiving \
     (base backups and WAL, for point-in-time recovery)";

/// The overview's roles, in the order SQLite's overview lists them.
const ROLES: [Role; 6] = [
    Role::Member,
    Role::Manager,
    Role::Officer,
    Role::ParticipationWorker,
    Role::YoungPerson,
    Role::Admin,
];

pub(super) async fn overview(pool: &Pool, now_ms: i64) -> Result<Overview, StoreError> {
    let client = client(pool).await?;
    // One statement, so the counts agree with each other.
    let row = client
        .query_one(
            "SELECT
                 (SELECT count(*) FROM users WHERE role = $2),
                 (SELECT count(*) FROM users WHERE role = $3),
                 (SELECT count(*) FROM users WHERE role = $4),
                 (SELECT count(*) FROM users WHERE role = $5),
                 (SELECT count(*) FROM users WHERE role = $6),
                 (SELECT count(*) FROM users WHERE role = $7),
                 (SELECT count(*) FROM users WHERE disabled),
                 (SELECT count(*) FROM homes WHERE NOT archived),
                 (SELECT count(*) FROM homes WHERE archived),
                 (SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > $1)",
            &[
                &now_ms,
                &ROLES[0].as_str(),
                &ROLES[1].as_str(),
                &ROLES[2].as_str(),
                &ROLES[3].as_str(),
                &ROLES[4].as_str(),
                &ROLES[5].as_str(),
            ],
        )
        .await?;
    let count =
        |i: usize| -> Result<u64, StoreError> { Ok(row.try_get::<_, i64>(i)?.max(0) as u64) };
    let mut users_by_role = Vec::with_capacity(ROLES.len());
    for (i, role) in ROLES.into_iter().enumerate() {
        users_by_role.push((role, count(i)?));
    }
    Ok(Overview {
        users_by_role,
        disabled_users: count(6)?,
        homes: count(7)?,
        archived_homes: count(8)?,
        active_devices: count(9)?,
    })
}

/// Hearth's invariants, as SQLite's check has them; one string per problem, naming tables and
/// document ids only, never content. PostgreSQL enforces foreign keys itself, and its page
/// checksums and `amcheck` are the operator's tools for the files underneath.
pub(super) async fn check(pool: &Pool) -> Result<Vec<String>, StoreError> {
    let client = client(pool).await?;
    let rows = client
        .query(
            "SELECT d.id, d.meta_json,
                    (SELECT count(*) FROM document_chunks c WHERE c.document_id = d.id),
                    (SELECT count(*) FROM document_chunks c WHERE c.document_id = d.id
                         AND c.is_snapshot
                         AND c.seq > (SELECT min(seq) FROM document_chunks m
                                      WHERE m.document_id = d.id))
             FROM documents d",
            &[],
        )
        .await?;
    let mut problems = Vec::new();
    for row in &rows {
        let id: &[u8] = row.try_get(0)?;
        let meta_json: &str = row.try_get(1)?;
        let chunks: i64 = row.try_get(2)?;
        let late_snapshots: i64 = row.try_get(3)?;
        let id = match <[u8; 16]>::try_from(id) {
            Ok(bytes) => DocumentId::from_bytes(bytes).to_string(),
            Err(_) => {
                problems.push(format!("document id of {} bytes", id.len()));
                continue;
            }
        };
        if chunks == 0 {
            problems.push(format!("document {id} has no chunks"));
        }
        if late_snapshots > 0 {
            problems.push(format!("document {id} has a snapshot after other chunks"));
        }
        if serde_json::from_str::<DocMeta>(meta_json).is_err() {
            problems.push(format!("document {id} has unreadable metadata"));
        }
    }
    tracing::debug!(
        documents = rows.len(),
        problems = problems.len(),
        "store checked"
    );
    Ok(problems)
}

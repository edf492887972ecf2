//! Backup, integrity checks and the raw fsync measurement.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::time::{Duration, Instant};

use hearth_shared::ids::DocumentId;
use hearth_shared::model::DocMeta;
use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};

use super::{configure_writer, failure};
use crate::store::StoreError;

/// How often a backup retries when the source is momentarily locked before giving up.
const BACKUP_BUSY_RETRIES: u32 = 50;

/// Copies the whole database behind `source` to a new file at `target`.
///
/// The target is created with `create_new`, so an existing file (an earlier backup) is never
/// overwritten, and two concurrent backups to one path cannot both proceed. On failure the
/// partial file is removed, so a file at `target` always means a complete backup.
pub(super) fn backup(source: &Connection, target: &Path) -> Result<(), StoreError> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target)?;
    let result = copy_into(source, target);
    if result.is_err() {
        let _ = std::fs::remove_file(target);
    }
    result
}

fn copy_into(source: &Connection, target: &Path) -> Result<(), StoreError> {
    let started = Instant::now();
    {
        let mut dest = Connection::open(target)?;
        let backup = Backup::new(source, &mut dest)?;
        let mut retries = 0;
        loop {
            // -1: every page in one step, so the copy is one consistent read of the source
            // (in WAL mode that read does not hold up the writer).
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                StepResult::Busy | StepResult::Locked if retries < BACKUP_BUSY_RETRIES => {
                    retries += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                StepResult::Busy | StepResult::Locked => {
                    return Err(failure("backup gave up: the database stayed locked").into());
                }
                _ => return Err(failure("backup stopped with an unknown step result").into()),
            }
        }
    }
    // The copy is only a backup once it is on disk, and its directory entry too.
    File::open(target)?.sync_all()?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        sync_dir(dir);
    }
    tracing::debug!(
        millis = started.elapsed().as_millis() as u64,
        "backup written"
    );
    Ok(())
}

/// Best effort: not every platform can fsync a directory (Windows cannot open one).
fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// Runs SQLite's own checks and Hearth's invariants; one string per problem found. Problems
/// name tables, row ids and document ids only, never content.
pub(super) fn check(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();

    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    for line in stmt.query_map([], |row| row.get::<_, String>(0))? {
        let line = line?;
        if line != "ok" {
            problems.push(format!("integrity: {line}"));
        }
    }

    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, Option<i64>>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (table, rowid, parent) = row?;
        let rowid = rowid.map_or_else(|| "?".to_owned(), |r| r.to_string());
        problems.push(format!(
            "foreign key: {table} row {rowid} refers to a missing {parent} row"
        ));
    }

    let mut stmt = conn.prepare(
        "SELECT d.id, d.meta_json,
                (SELECT count(*) FROM document_chunks c WHERE c.document_id = d.id),
                (SELECT count(*) FROM document_chunks c WHERE c.document_id = d.id
                     AND c.is_snapshot = 1
                     AND c.seq > (SELECT min(seq) FROM document_chunks m WHERE m.document_id = d.id))
         FROM documents d",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, Vec<u8>>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, i64>(3)?,
        ))
    })?;
    let mut documents = 0_u64;
    for row in rows {
        let (id, meta_json, chunks, late_snapshots) = row?;
        documents += 1;
        let id = match <[u8; 16]>::try_from(id.as_slice()) {
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
        if serde_json::from_str::<DocMeta>(&meta_json).is_err() {
            problems.push(format!("document {id} has unreadable metadata"));
        }
    }
    tracing::debug!(documents, problems = problems.len(), "store checked");
    Ok(problems)
}

/// See [`super::measure_fsync_commit_rate`].
pub(super) fn measure_fsync_commit_rate(dir: &Path, commits: usize) -> Result<f64, StoreError> {
    std::fs::create_dir_all(dir)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let path = dir.join(format!(
        "hearth-fsync-probe-{}-{nanos}.sqlite",
        std::process::id()
    ));
    let result = (|| {
        let conn = Connection::open(&path)?;
        configure_writer(&conn, Duration::from_secs(5))?;
        conn.execute_batch("CREATE TABLE probe (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")?;
        let payload = [0_u8; 64];
        let started = Instant::now();
        for _ in 0..commits {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            conn.prepare_cached("INSERT INTO probe (payload) VALUES (?1)")?
                .execute([&payload[..]])?;
            conn.execute_batch("COMMIT")?;
        }
        let seconds = started.elapsed().as_secs_f64();
        Ok(if commits == 0 || seconds == 0.0 {
            0.0
        } else {
            commits as f64 / seconds
        })
    })();
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.clone().into_os_string();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
    result
}

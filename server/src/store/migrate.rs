//! `hearth migrate --to postgres://…`: copies a SQLite data folder into an empty PostgreSQL
//! database, row for row, so a council can move from one server to several.
//!
//! What it promises:
//! - **All or nothing.** Every table is copied in one PostgreSQL transaction; any failure (a
//!   count that differs, a value that does not fit, the SQLite file changing underneath) rolls
//!   it back and leaves the target as it was.
//! - **A consistent copy.** The SQLite side is read in one read transaction on a read-only
//!   connection, a snapshot even if something else writes the file; a write by anyone else
//!   during the copy is noticed (`PRAGMA data_version`) and the copy refused.
//! - **Only into an empty target.** It refuses (and writes nothing) if any table it would copy
//!   into already holds a row, so it can never merge two Hearth databases or run twice.
//! - **The same audit chain.** Audit rows keep their ids, `prev_hash` and `hash` byte for byte;
//!   both backends hash rows the same way, so the PostgreSQL store's `verify_audit` reaches the
//!   same row count and head as SQLite's did.
//! - **The same storage.** The data folder's storage id becomes the PostgreSQL store's, so
//!   devices treat the new servers as the storage they already synced with.
//!
//! The copy is generic by column name: each SQLite column goes into the PostgreSQL column of
//! the same name, converted to that column's type ([`Field`]). A SQLite table this build does
//! not list in [`TABLES`], or a column the PostgreSQL schema lacks, stops the migration rather
//! than leave data behind.

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use bytes::{BufMut, BytesMut};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::mpsc;
use tokio_postgres::Transaction;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::audit_chain::ChainWalk;
use super::postgres::PgStore;
use super::{AuditChain, AuditEvent, Store, StoreError};
use hearth_shared::ids::DocumentId;

/// Every table of the SQLite schema, in an order their foreign keys allow inserting in
/// (users before what references them, sessions before their tickets, documents before their
/// chunks). A SQLite table missing here stops the migration: a new table must be added here
/// (a test checks the list against a fresh SQLite file).
pub const TABLES: &[&str] = &[
    "users",
    "homes",
    "assignments",
    "sessions",
    "sync_tickets",
    "kiosk_setup_codes",
    "documents",
    "document_chunks",
    "document_actors",
    "report_distribution",
    "document_tombstones",
    "audit",
];

/// Rows read from SQLite that may wait for PostgreSQL at once (a document chunk is a row, so
/// this bounds memory, not only row count).
const PIPE_ROWS: usize = 64;

/// One table's rows on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    /// The table.
    pub table: &'static str,
    /// `count(*)` in the SQLite snapshot that was copied.
    pub sqlite: u64,
    /// `count(*)` in PostgreSQL after the copy, inside the copying transaction.
    pub postgres: u64,
}

/// Why a migration stopped. Except [`MigrateError::ChainDiffers`] (found after the commit),
/// nothing was written to the target when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The store (either side) failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading the SQLite file failed.
    #[error("reading the SQLite database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused something (its message and SQLSTATE only).
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// The thread reading SQLite stopped without an error of its own (it panicked).
    #[error("reading the SQLite database: {0}")]
    Reader(String),
    /// The target already holds Hearth data.
    #[error(
        "the target database is not empty (rows in {0}); `hearth migrate` only copies into an \
         empty database (a server started on it creates `admin`: create a new, empty one), \
         nothing was written"
    )]
    NotEmpty(String),
    /// The SQLite file has a table this build does not know how to copy (or lacks one).
    #[error("the SQLite database's tables are not the ones this build copies: {0}")]
    Schema(String),
    /// A SQLite column has nowhere to go.
    #[error("PostgreSQL's {table} table has no column {column} to copy SQLite's into")]
    MissingColumn {
        /// The table.
        table: String,
        /// The SQLite column PostgreSQL lacks.
        column: String,
    },
    /// A value could not be written (a type that does not fit).
    #[error("copying {table}: {reason}")]
    Copy {
        /// The table being copied.
        table: &'static str,
        /// What PostgreSQL or the conversion said.
        reason: String,
    },
    /// The copy does not hold the rows it should.
    #[error("row counts differ ({0}); nothing was written")]
    CountsDiffer(String),
    /// Another connection wrote the SQLite file while it was being read.
    #[error(
        "the SQLite database changed while it was being copied (is a server still running on \
         the data folder? stop it first); nothing was written"
    )]
    SourceChanged,
    /// After the commit, the PostgreSQL audit chain does not verify as SQLite's did.
    #[error(
        "the copy was committed but its audit chain does not verify as the SQLite one did \
         ({0}); do not use it: drop the database, create it empty and migrate again"
    )]
    ChainDiffers(String),
}

impl From<tokio_postgres::Error> for MigrateError {
    fn from(error: tokio_postgres::Error) -> Self {
        MigrateError::Postgres(super::postgres::describe(&error))
    }
}

/// A copy error for `table`: PostgreSQL's message, or the conversion's (which names the types,
/// never the value).
fn copy_error(table: &'static str, error: tokio_postgres::Error) -> MigrateError {
    let reason = match (error.as_db_error(), StdError::source(&error)) {
        (None, Some(cause)) => format!("{error}: {cause}"),
        _ => super::postgres::describe(&error),
    };
    MigrateError::Copy { table, reason }
}

/// A SQLite value on its way into a PostgreSQL column, converted to whatever type the column
/// has: SQLite stores flags as 0/1 integers, ids and hashes as blobs, JSON as text.
#[derive(Debug)]
pub(crate) struct Field(pub(crate) Value);

impl ToSql for Field {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match (&self.0, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Integer(0), &Type::BOOL) => false.to_sql(ty, out),
            (Value::Integer(1), &Type::BOOL) => true.to_sql(ty, out),
            (Value::Integer(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Integer(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Integer(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Text(s), &Type::TEXT | &Type::VARCHAR | &Type::BPCHAR | &Type::NAME) => {
                s.as_str().to_sql(ty, out)
            }
            (Value::Text(s), &Type::JSON) => {
                out.put_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            (Value::Text(s), &Type::JSONB) => {
                // jsonb's binary form: a version byte, then the JSON text.
                out.put_u8(1);
                out.put_slice(s.as_bytes());
                Ok(IsNull::No)
            }
            (Value::Blob(b), &Type::BYTEA) => b.as_slice().to_sql(ty, out),
            (Value::Blob(b), &Type::UUID) if b.len() == 16 => {
                out.put_slice(b);
                Ok(IsNull::No)
            }
            (value, ty) => Err(format!(
                "a SQLite {} value does not fit a PostgreSQL {ty} column",
                kind(value)
            )
            .into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Checked per value in `to_sql`: the SQLite value decides, not the Rust type.
        true
    }

    to_sql_checked!();
}

/// SQLite's name for a value's storage class, for error messages (never the value).
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "NULL",
        Value::Integer(0 | 1) => "INTEGER (0/1)",
        Value::Integer(_) => "INTEGER",
        Value::Real(_) => "REAL",
        Value::Text(_) => "TEXT",
        Value::Blob(_) => "BLOB",
    }
}

/// What the SQLite reader sends, in order: for each table its header, then its rows; last,
/// whether the file stayed unchanged.
enum Read {
    Table {
        name: &'static str,
        columns: Vec<String>,
        count: u64,
    },
    Row(Vec<Field>),
    Done {
        unchanged: bool,
        chain: AuditChain,
    },
}

/// Walks the audit rows as they are read, so the chain the copy carries is checked on exactly
/// the snapshot copied.
struct AuditWalk {
    /// Indices of `id, at, user_id, action, document_id, subject, detail, prev_hash, hash`.
    columns: [usize; 9],
    walk: ChainWalk,
}

impl AuditWalk {
    const NAMES: [&'static str; 9] = [
        "id",
        "at",
        "user_id",
        "action",
        "document_id",
        "subject",
        "detail",
        "prev_hash",
        "hash",
    ];

    fn new(columns: &[String]) -> Result<Self, MigrateError> {
        let mut found = [0; 9];
        for (slot, name) in found.iter_mut().zip(Self::NAMES) {
            *slot = columns.iter().position(|c| c == name).ok_or_else(|| {
                MigrateError::Schema(format!("the SQLite audit table has no {name} column"))
            })?;
        }
        Ok(Self {
            columns: found,
            walk: ChainWalk::new(),
        })
    }

    fn row(&mut self, fields: &[Field]) {
        let [
            id,
            at,
            user_id,
            action,
            document_id,
            subject,
            detail,
            prev_hash,
            hash,
        ] = self.columns.map(|i| &fields[i].0);
        let Value::Integer(id) = *id else {
            // Not an id at all: the walk cannot place the row; it is broken where it stands.
            self.walk.row(i64::MAX, None, None, None);
            return;
        };
        let text = |v: &Value| match v {
            Value::Text(s) => Some(Some(s.clone())),
            Value::Null => Some(None),
            _ => None,
        };
        let bytes = |v: &Value| match v {
            Value::Blob(b) => Some(b.clone()),
            _ => None,
        };
        let event = (|| {
            Some(AuditEvent {
                at_ms: match at {
                    Value::Integer(at) => *at,
                    _ => return None,
                },
                user_id: text(user_id)?,
                action: text(action)??,
                document_id: match document_id {
                    Value::Null => None,
                    Value::Blob(b) => Some(DocumentId::from_bytes(b.as_slice().try_into().ok()?)),
                    _ => return None,
                },
                subject: text(subject)?,
                detail: text(detail)??,
            })
        })();
        self.walk.row(
            id,
            event.as_ref(),
            bytes(prev_hash).as_deref(),
            bytes(hash).as_deref(),
        );
    }
}

/// Reads every table of the SQLite file at `path` in one read transaction and sends it down
/// `pipe`. Blocking: runs on its own thread.
fn read_sqlite(path: &Path, pipe: mpsc::Sender<Read>) -> Result<(), MigrateError> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let version_before: i64 = conn.pragma_query_value(None, "data_version", |r| r.get(0))?;
    let tx = conn.transaction()?;
    let found = sqlite_tables(&tx)?;
    let expected: Vec<String> = {
        let mut t: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
        t.sort();
        t
    };
    if found != expected {
        let unknown: Vec<&String> = found.iter().filter(|t| !expected.contains(t)).collect();
        let missing: Vec<&String> = expected.iter().filter(|t| !found.contains(t)).collect();
        return Err(MigrateError::Schema(format!(
            "unknown {unknown:?}, missing {missing:?}"
        )));
    }
    // A send fails only when the PostgreSQL side stopped: its error says why, so the reader
    // just stops too.
    let mut chain = None;
    for &table in TABLES {
        let columns = sqlite_columns(&tx, table)?;
        let mut audit = match table {
            "audit" => Some(AuditWalk::new(&columns)?),
            _ => None,
        };
        let count: i64 = tx.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
            r.get(0)
        })?;
        let header = Read::Table {
            name: table,
            columns: columns.clone(),
            count: u64::try_from(count).unwrap_or(0),
        };
        if pipe.blocking_send(header).is_err() {
            return Ok(());
        }
        let list = quoted(&columns);
        // The audit in id order: the order its chain is walked in.
        let order = if audit.is_some() { " ORDER BY id" } else { "" };
        let mut stmt = tx.prepare(&format!("SELECT {list} FROM \"{table}\"{order}"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let fields = (0..columns.len())
                .map(|i| row.get::<_, Value>(i).map(Field))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            if let Some(audit) = audit.as_mut() {
                audit.row(&fields);
            }
            if pipe.blocking_send(Read::Row(fields)).is_err() {
                return Ok(());
            }
        }
        if let Some(audit) = audit {
            chain = Some(audit.walk.finish());
        }
    }
    let chain = chain.expect("TABLES lists the audit");
    tx.commit()?;
    let version_after: i64 = conn.pragma_query_value(None, "data_version", |r| r.get(0))?;
    // Ignored if the other side already stopped, as above.
    let _ = pipe.blocking_send(Read::Done {
        unchanged: version_before == version_after,
        chain,
    });
    Ok(())
}

/// The SQLite file's own tables, sorted (SQLite's internal ones left out).
fn sqlite_tables(conn: &Connection) -> Result<Vec<String>, MigrateError> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         ORDER BY name",
    )?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(names.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A SQLite table's columns, in their order.
fn sqlite_columns(conn: &Connection, table: &str) -> Result<Vec<String>, MigrateError> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
    let names = stmt.query_map([table], |r| r.get::<_, String>(0))?;
    Ok(names.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// `"a", "b"`: identifiers quoted for either database (they come from our own schema).
fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses a target that holds any row in a table the copy writes; locks those tables first
/// (against writers, not readers) so a server starting meanwhile cannot slip a row in before
/// the copy commits.
pub(crate) async fn refuse_non_empty(tx: &Transaction<'_>) -> Result<(), MigrateError> {
    let all = TABLES
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ");
    tx.batch_execute(&format!("LOCK TABLE {all} IN EXCLUSIVE MODE"))
        .await?;
    let mut held = Vec::new();
    for &table in TABLES {
        let n = pg_count(tx, table).await?;
        if n > 0 {
            held.push(format!("{table}: {n}"));
        }
    }
    if held.is_empty() {
        Ok(())
    } else {
        Err(MigrateError::NotEmpty(held.join(", ")))
    }
}

async fn pg_count(tx: &Transaction<'_>, table: &str) -> Result<u64, MigrateError> {
    let n: i64 = tx
        .query_one(&format!("SELECT count(*) FROM \"{table}\""), &[])
        .await?
        .get(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// PostgreSQL's columns of `table` in the current schema.
async fn pg_columns(tx: &Transaction<'_>, table: &str) -> Result<Vec<String>, MigrateError> {
    let rows = tx
        .query(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1",
            &[&table],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Copies every table of the SQLite file at `sqlite_path` into `tx` (which must be empty:
/// see [`refuse_non_empty`]) and returns both sides' counts, refusing if any differs or the
/// file changed during the read. Sequences behind copied ids are moved past the copied ids.
/// Nothing is committed here: the caller commits `tx`.
pub(crate) async fn copy_tables(
    sqlite_path: PathBuf,
    tx: &Transaction<'_>,
) -> Result<(Vec<TableCount>, AuditChain), MigrateError> {
    let (pipe, mut rows) = mpsc::channel(PIPE_ROWS);
    let reader = tokio::task::spawn_blocking(move || read_sqlite(&sqlite_path, pipe));
    let copied = write_tables(&mut rows, tx).await;
    // Closing our end stops a reader still sending (after a failure on our side).
    drop(rows);
    let read = reader
        .await
        .map_err(|e| MigrateError::Reader(e.to_string()))?;
    // A SQLite error first (it explains a pipe that closed early), else PostgreSQL's.
    read?;
    let (counts, unchanged, chain) = copied?;
    if !unchanged {
        return Err(MigrateError::SourceChanged);
    }
    let differ: Vec<String> = counts
        .iter()
        .filter(|c| c.sqlite != c.postgres)
        .map(|c| {
            format!(
                "{}: {} in SQLite, {} in PostgreSQL",
                c.table, c.sqlite, c.postgres
            )
        })
        .collect();
    if !differ.is_empty() {
        return Err(MigrateError::CountsDiffer(differ.join("; ")));
    }
    for &table in TABLES {
        advance_sequences(tx, table).await?;
    }
    Ok((counts, chain))
}

type Copying = (&'static str, u64, Pin<Box<BinaryCopyInWriter>>);

/// The PostgreSQL end of the pipe: one `COPY … FROM STDIN (FORMAT binary)` per table.
async fn write_tables(
    rows: &mut mpsc::Receiver<Read>,
    tx: &Transaction<'_>,
) -> Result<(Vec<TableCount>, bool, AuditChain), MigrateError> {
    let mut counts = Vec::new();
    let mut current: Option<Copying> = None;
    while let Some(read) = rows.recv().await {
        match read {
            Read::Table {
                name,
                columns,
                count,
            } => {
                if let Some(done) = current.take() {
                    counts.push(finish(tx, done).await?);
                }
                let target = pg_columns(tx, name).await?;
                if target.is_empty() {
                    return Err(MigrateError::Schema(format!(
                        "PostgreSQL has no {name} table"
                    )));
                }
                if let Some(column) = columns.iter().find(|c| !target.contains(c)) {
                    return Err(MigrateError::MissingColumn {
                        table: name.into(),
                        column: column.clone(),
                    });
                }
                let list = quoted(&columns);
                let probe = tx
                    .prepare(&format!("SELECT {list} FROM \"{name}\" LIMIT 0"))
                    .await?;
                let types: Vec<Type> = probe.columns().iter().map(|c| c.type_().clone()).collect();
                let sink = tx
                    .copy_in(&format!(
                        "COPY \"{name}\" ({list}) FROM STDIN (FORMAT binary)"
                    ))
                    .await?;
                current = Some((name, count, Box::pin(BinaryCopyInWriter::new(sink, &types))));
            }
            Read::Row(fields) => {
                let Some((table, _, writer)) = current.as_mut() else {
                    return Err(MigrateError::Schema("a row before its table".into()));
                };
                let values: Vec<&(dyn ToSql + Sync)> =
                    fields.iter().map(|f| f as &(dyn ToSql + Sync)).collect();
                writer
                    .as_mut()
                    .write(&values)
                    .await
                    .map_err(|e| copy_error(table, e))?;
            }
            Read::Done { unchanged, chain } => {
                if let Some(done) = current.take() {
                    counts.push(finish(tx, done).await?);
                }
                return Ok((counts, unchanged, chain));
            }
        }
    }
    // The reader stopped early; its own error says why.
    Err(MigrateError::Reader("it stopped before the end".into()))
}

/// Ends one table's COPY and counts what PostgreSQL holds.
async fn finish(tx: &Transaction<'_>, copying: Copying) -> Result<TableCount, MigrateError> {
    let (table, sqlite, mut writer) = copying;
    writer
        .as_mut()
        .finish()
        .await
        .map_err(|e| copy_error(table, e))?;
    Ok(TableCount {
        table,
        sqlite,
        postgres: pg_count(tx, table).await?,
    })
}

/// Moves every sequence that feeds a column of `table` (serial or identity ids: the audit's,
/// the report distribution's) past the largest copied value, so the next row PostgreSQL
/// numbers itself does not collide with a copied one.
async fn advance_sequences(tx: &Transaction<'_>, table: &str) -> Result<(), MigrateError> {
    let owned = tx
        .query(
            "SELECT a.attname::text, pg_get_serial_sequence(quote_ident($1), a.attname)
             FROM pg_attribute a
             WHERE a.attrelid = quote_ident($1)::regclass AND a.attnum > 0
               AND NOT a.attisdropped",
            &[&table],
        )
        .await?;
    for row in owned {
        let column: String = row.get(0);
        let Some(sequence) = row.get::<_, Option<String>>(1) else {
            continue;
        };
        tx.execute(
            &format!(
                "SELECT setval($1::text::regclass, m) FROM (SELECT max(\"{column}\") AS m \
                 FROM \"{table}\") s WHERE m IS NOT NULL"
            ),
            &[&sequence],
        )
        .await?;
    }
    Ok(())
}

/// What a migration did, for the operator to compare.
#[derive(Debug, Clone)]
pub struct Migration {
    /// Every table's rows in SQLite and in PostgreSQL (equal, or the migration failed).
    pub tables: Vec<TableCount>,
    /// The audit chain of the SQLite snapshot that was copied.
    pub sqlite_chain: AuditChain,
    /// The PostgreSQL store's `verify_audit` after the commit: the same rows and head.
    pub postgres_chain: AuditChain,
    /// The storage id the PostgreSQL store now has (the data folder's).
    pub storage_id: String,
}

/// Copies the SQLite database at `sqlite_path` (at this build's schema version: open it with
/// [`super::sqlite::SqliteStore`] first) into `target`, which must hold no Hearth data, in one
/// transaction, and gives `target` the storage id `storage_id`. Then checks `target`'s audit
/// chain against the copied one. Stop every server using the SQLite file first: a write
/// during the copy is noticed and refused, one after it would be left behind.
pub async fn migrate(
    sqlite_path: &Path,
    storage_id: &str,
    target: &PgStore,
) -> Result<Migration, MigrateError> {
    let mut client = target.pool().get().await.map_err(StoreError::from)?;
    let tx = client.transaction().await?;
    refuse_non_empty(&tx).await?;
    let (tables, sqlite_chain) = copy_tables(sqlite_path.to_owned(), &tx).await?;
    let updated = tx
        .execute("UPDATE cluster SET storage_id = $1", &[&storage_id])
        .await?;
    if updated != 1 {
        return Err(MigrateError::Schema(
            "PostgreSQL's cluster table does not hold its one row".into(),
        ));
    }
    tx.commit().await?;
    let postgres_chain = target.verify_audit().await?;
    let same = postgres_chain.rows == sqlite_chain.rows
        && postgres_chain.head == sqlite_chain.head
        && postgres_chain.broken.as_ref().map(|b| b.id)
            == sqlite_chain.broken.as_ref().map(|b| b.id);
    if !same {
        return Err(MigrateError::ChainDiffers(format!(
            "SQLite: {}; PostgreSQL: {}",
            describe_chain(&sqlite_chain),
            describe_chain(&postgres_chain)
        )));
    }
    Ok(Migration {
        tables,
        sqlite_chain,
        postgres_chain,
        storage_id: storage_id.to_owned(),
    })
}

/// A chain as `hearth audit verify` says it: `ok <rows> rows, head <hash>` or where it breaks.
pub fn describe_chain(chain: &AuditChain) -> String {
    match &chain.broken {
        None => format!("ok {} rows, head {}", chain.rows, hex::encode(chain.head)),
        Some(broken) => format!(
            "broken at audit row {}: {} ({} rows before it hold)",
            broken.id, broken.reason, chain.rows
        ),
    }
}

#[cfg(test)]
mod tests;

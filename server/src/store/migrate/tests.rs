//! `hearth migrate` against real files and a real PostgreSQL (a fresh database per test from
//! `test_pg`; skipped without one, failing under CI). All names and ids are synthetic.

use std::path::PathBuf;

use bytes::BytesMut;
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{DocMeta, RecordKind, WorkflowState};
use hearth_shared::permissions::Role;
use hearth_shared::reporting::RecordFacts;
use rusqlite::types::Value;
use tempfile::TempDir;
use tokio_postgres::types::{ToSql, Type};

use super::{Field, MigrateError, TABLES, migrate};
use crate::store::erasure::{Erasure, ErasureCause};
use crate::store::postgres::PgStore;
use crate::store::sqlite::{SqliteOptions, SqliteStore};
use crate::store::test_pg::fresh_pg_url;
use crate::store::{
    ActorClaim, AuditEvent, AuditQuery, ChangeCommit, NewAccount, NewDistribution, NewSession,
    NewUser, RevokedBy, SetupCode, Store,
};

/// 2026-03-31 10:00 UTC.
const T0: i64 = 1_774_951_200_000;

fn sqlite_folder() -> (TempDir, PathBuf, SqliteStore) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("hearth.sqlite3");
    let store = SqliteStore::open(&path, SqliteOptions::default()).expect("open SQLite");
    (dir, path, store)
}

fn new_user(username: &str, role: Role) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: format!("Test {username}"),
        role,
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$synthetic${username}"),
        must_change_password: false,
    }
}

fn visit_note(home_id: &str, created_by: &str, state: WorkflowState) -> DocMeta {
    DocMeta {
        kind: RecordKind::VisitNote,
        home_id: Some(home_id.into()),
        created_by: created_by.into(),
        state,
        title: "Visit note (synthetic)".into(),
        consultation_id: None,
    }
}

fn event(action: &str, user_id: Option<&str>, at_ms: i64) -> AuditEvent {
    AuditEvent {
        at_ms,
        user_id: user_id.map(str::to_owned),
        action: action.into(),
        document_id: None,
        subject: None,
        detail: String::new(),
    }
}

/// What the seed made that the comparison needs to look up again.
struct Seeded {
    documents: Vec<DocumentId>,
    erased: DocumentId,
    session_hash: [u8; 32],
    revoked_hash: [u8; 32],
    ticket_hash: [u8; 32],
    code_hash: [u8; 32],
    member: String,
}

/// A SQLite store with a row in every table, written through the `Store` trait as the app
/// writes them: accounts with homes, devices (one revoked), a ticket, a set-up code, records
/// with several chunks each (one compacted) committed with actor claims and `change_accepted`
/// rows, reports' distribution, an erased record and operator audit rows.
async fn seed(store: &SqliteStore) -> Seeded {
    let admin = store
        .create_user(new_user("admin", Role::Admin))
        .await
        .unwrap();
    let home = store.create_home("Synthetic House").await.unwrap();
    let archived = store.create_home("Old Synthetic House").await.unwrap();
    store
        .update_home(&archived.id, None, Some(true))
        .await
        .unwrap();
    let member = store
        .create_account(NewAccount {
            user: new_user("Member.One", Role::Member),
            homes: vec![home.id.clone(), archived.id.clone()],
            kiosk_consultation_id: None,
        })
        .await
        .unwrap();
    let officer = store
        .create_user(new_user("officer", Role::Officer))
        .await
        .unwrap();
    let worker = store
        .create_user(new_user("worker", Role::ParticipationWorker))
        .await
        .unwrap();
    store.set_user_disabled(&officer.id, true).await.unwrap();
    store
        .audit_all(vec![
            event("user_created", None, T0),
            event("home_created", None, T0 + 1),
        ])
        .await
        .unwrap();

    let device = |label: &str| NewSession {
        user_id: member.id.clone(),
        label: label.into(),
        created_at_ms: T0,
        expires_at_ms: T0 + 86_400_000,
    };
    let (session_hash, revoked_hash) = ([7u8; 32], [8u8; 32]);
    let session = store
        .create_session(session_hash, device("Firefox on Linux"))
        .await
        .unwrap();
    let revoked = store
        .create_session(revoked_hash, device("Safari on iPad"))
        .await
        .unwrap();
    store
        .revoke_device(
            &revoked.device_id,
            RevokedBy::Owner,
            Some(&member.id),
            T0 + 5,
        )
        .await
        .unwrap();
    let ticket_hash = [9u8; 32];
    store
        .create_ticket(ticket_hash, &session.device_id, T0 + 60_000)
        .await
        .unwrap();
    let code_hash = [10u8; 32];
    store
        .create_setup_code(
            code_hash,
            SetupCode {
                consultation_id: "consultation-synthetic-1".into(),
                issued_by: worker.id.clone(),
                expires_at_ms: T0 + 600_000,
            },
        )
        .await
        .unwrap();

    let mut documents = Vec::new();
    for d in 0..3u8 {
        let id = DocumentId::random();
        for n in 0..4u8 {
            let state = if n < 3 {
                WorkflowState::Draft
            } else {
                WorkflowState::Submitted
            };
            let mut audit = event("change_accepted", Some(&member.id), T0 + i64::from(n));
            audit.document_id = Some(id);
            audit.detail = "title".into();
            store
                .commit_changes(ChangeCommit {
                    id,
                    meta: visit_note(&home.id, &member.id, state),
                    facts: Some(RecordFacts::VisitNote {
                        home_id: home.id.clone(),
                        state: state.as_str().into(),
                    }),
                    // Every byte value, so nothing is lost to an encoding.
                    chunk: (0..=255u8).map(|b| b ^ d ^ n).collect(),
                    at_ms: T0 + i64::from(n),
                    claims: vec![ActorClaim {
                        actor: vec![d, n, 0xff],
                        user_id: member.id.clone(),
                        first_at_ms: T0 + i64::from(n),
                    }],
                    audit: Some(audit),
                })
                .await
                .unwrap();
        }
        documents.push(id);
    }
    store
        .compact(documents[0], b"synthetic snapshot".to_vec(), 2)
        .await
        .unwrap();
    for (i, recipient) in ["ofsted", "registeredManager"].into_iter().enumerate() {
        store
            .add_distribution(NewDistribution {
                document_id: documents[1],
                recipient: recipient.into(),
                sent_on: format!("2026-04-0{}", i + 1),
                recorded_by: officer.id.clone(),
                recorded_at_ms: T0 + 10 + i as i64,
            })
            .await
            .unwrap();
    }
    let erased = documents.pop().expect("three documents");
    store
        .erase_document(Erasure {
            id: erased,
            cause: ErasureCause::Admin {
                by: admin.id.clone(),
                reason: "synthetic: entered in error".into(),
            },
            at_ms: T0 + 20,
        })
        .await
        .unwrap();
    Seeded {
        documents,
        erased,
        session_hash,
        revoked_hash,
        ticket_hash,
        code_hash,
        member: member.id,
    }
}

/// Everything a user of the store can read, as text, so two stores compare in one assertion.
async fn everything(store: &dyn Store, seeded: &Seeded) -> Vec<String> {
    let mut seen = Vec::new();
    let mut summaries = store.list_documents().await.unwrap();
    summaries.sort_by_key(|s| s.id);
    seen.push(format!("{summaries:?}"));
    for &id in &seeded.documents {
        let doc = store.load_document(id).await.unwrap().expect("stored");
        seen.push(format!("{:?} {:?}", doc.meta, doc.chunks));
        seen.push(format!("{:?}", store.document_actors(id).await.unwrap()));
        seen.push(format!("{:?}", store.distribution(id).await.unwrap()));
    }
    let mut facts = store.document_facts().await.unwrap();
    facts.sort_by_key(|f| f.0);
    seen.push(format!("{facts:?}"));
    seen.push(format!(
        "{:?} {:?}",
        store.tombstone(seeded.erased).await.unwrap(),
        store.erased_since(0).await.unwrap()
    ));
    seen.push(format!(
        "{:?}",
        store.load_document(seeded.erased).await.unwrap()
    ));
    seen.push(format!("{:?}", store.list_users().await.unwrap()));
    let page = store
        .find_users(crate::store::UserQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    seen.push(format!("{:?} {}", page.users, page.total));
    seen.push(format!(
        "{:?}",
        store.user_by_username("member.one").await.unwrap()
    ));
    seen.push(format!("{:?}", store.list_homes().await.unwrap()));
    seen.push(format!("{:?}", store.home_people().await.unwrap()));
    seen.push(format!(
        "{:?}",
        store.homes_of(&seeded.member).await.unwrap()
    ));
    seen.push(format!("{}", store.count_admins().await.unwrap()));
    for hash in [seeded.session_hash, seeded.revoked_hash] {
        seen.push(format!("{:?}", store.session(hash).await.unwrap()));
    }
    seen.push(format!("{:?}", store.devices(None, T0).await.unwrap()));
    seen.push(format!("{:?}", store.overview(T0).await.unwrap()));
    let audit = store
        .audit_page(AuditQuery {
            limit: 1_000,
            ..Default::default()
        })
        .await
        .unwrap();
    seen.push(format!("{:?} {}", audit.rows, audit.total));
    let chain = store.verify_audit().await.unwrap();
    seen.push(format!("{chain:?}"));
    seen
}

/// The single-use things, taken: they must work once on the new store as they would have on
/// the old one.
async fn take_once(store: &dyn Store, seeded: &Seeded) -> String {
    let ticket = store.take_ticket(seeded.ticket_hash).await.unwrap();
    let again = store.take_ticket(seeded.ticket_hash).await.unwrap();
    let tablet = store
        .redeem_setup_code(seeded.code_hash, T0, new_user("kiosk-1", Role::YoungPerson))
        .await
        .unwrap()
        .map(|u| (u.username, u.kiosk_consultation_id));
    format!("{ticket:?} {again:?} {tablet:?}")
}

async fn pg_target() -> Option<(String, PgStore)> {
    let url = fresh_pg_url().await?;
    let store = PgStore::connect(&url).await.expect("connect the target");
    Some((url, store))
}

#[tokio::test]
async fn a_sqlite_folder_moves_to_postgres_whole_with_its_audit_chain_and_storage_id() {
    let Some((url, target)) = pg_target().await else {
        return;
    };
    let (dir, path, source) = sqlite_folder();
    let seeded = seed(&source).await;
    let storage_id = crate::app::storage_id(dir.path()).unwrap();

    let done = migrate(&path, &storage_id, &target)
        .await
        .expect("migrates");

    let tables: Vec<&str> = done.tables.iter().map(|t| t.table).collect();
    assert_eq!(tables, TABLES);
    for t in &done.tables {
        assert_eq!(t.sqlite, t.postgres, "{t:?}");
        // The seed reaches every table, so a table left out of the copy would show here.
        assert!(t.sqlite > 0, "the seed wrote no row to {}", t.table);
    }
    let chain = source.verify_audit().await.unwrap();
    assert!(chain.broken.is_none());
    assert!(chain.rows > 10, "{chain:?}");
    assert_eq!(
        (done.sqlite_chain.rows, done.sqlite_chain.head),
        (chain.rows, chain.head)
    );
    assert_eq!(
        (done.postgres_chain.rows, done.postgres_chain.head),
        (chain.rows, chain.head)
    );
    let audit_rows = done.tables.iter().find(|t| t.table == "audit").unwrap();
    assert_eq!(audit_rows.postgres, chain.rows);

    let before = everything(&source, &seeded).await;
    let after = everything(&target, &seeded).await;
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a);
    }
    assert_eq!(before.len(), after.len());

    // A server connecting afterwards serves the data folder's storage, so devices carry on.
    let reconnected = PgStore::connect(&url).await.unwrap();
    assert_eq!(reconnected.storage_id().unwrap(), storage_id);

    // Tickets and set-up codes still work once, as they would have in SQLite.
    assert_eq!(
        take_once(&target, &seeded).await,
        take_once(&source, &seeded).await
    );

    // The new store carries on where the old one stopped: chunks after the copied ones, the
    // next audit row chained to the copied head, distribution ids after the copied ones.
    let id = seeded.documents[0];
    let stored = target.load_document(id).await.unwrap().unwrap();
    target
        .append_chunk(id, stored.meta.clone(), None, b"after".to_vec(), T0 + 99)
        .await
        .unwrap();
    let mut chunks = stored.chunks.clone();
    chunks.push(b"after".to_vec());
    assert_eq!(
        target.load_document(id).await.unwrap().unwrap().chunks,
        chunks
    );
    target
        .add_distribution(NewDistribution {
            document_id: seeded.documents[1],
            recipient: "placingAuthority".into(),
            sent_on: "2026-04-09".into(),
            recorded_by: seeded.member.clone(),
            recorded_at_ms: T0 + 99,
        })
        .await
        .expect("a new distribution row gets an id after the copied ones");
    assert_eq!(
        target
            .distribution(seeded.documents[1])
            .await
            .unwrap()
            .len(),
        3
    );
    target
        .audit(event("signed_in", Some(&seeded.member), T0 + 99))
        .await
        .unwrap();
    let grown = target.verify_audit().await.unwrap();
    assert!(grown.broken.is_none(), "{grown:?}");
    assert_eq!(
        grown.rows,
        chain.rows + 1,
        "the sign-in, chained to the copied head"
    );
}

#[tokio::test]
async fn a_second_migration_into_the_same_database_is_refused_and_changes_nothing() {
    let Some((url, target)) = pg_target().await else {
        return;
    };
    let (dir, path, source) = sqlite_folder();
    let seeded = seed(&source).await;
    let storage_id = crate::app::storage_id(dir.path()).unwrap();
    migrate(&path, &storage_id, &target)
        .await
        .expect("migrates");
    let before = everything(&target, &seeded).await;

    // Another folder (another storage id) into the same database: refused outright.
    let (other_dir, other_path, other) = sqlite_folder();
    seed(&other).await;
    let other_id = crate::app::storage_id(other_dir.path()).unwrap();
    for (path, id) in [(&path, &storage_id), (&other_path, &other_id)] {
        let refused = migrate(path, id, &target).await.expect_err("refused");
        assert!(matches!(refused, MigrateError::NotEmpty(_)), "{refused}");
        let said = refused.to_string();
        assert!(
            said.contains("not empty") && said.contains("users"),
            "{said}"
        );
    }
    assert_eq!(everything(&target, &seeded).await, before);
    assert_eq!(
        PgStore::connect(&url).await.unwrap().storage_id().unwrap(),
        storage_id
    );
}

#[tokio::test]
async fn a_target_with_a_single_account_is_not_empty() {
    let Some((_url, target)) = pg_target().await else {
        return;
    };
    // What a server started on the new database first does: create `admin`.
    target
        .create_user(new_user("admin", Role::Admin))
        .await
        .unwrap();
    let (dir, path, source) = sqlite_folder();
    seed(&source).await;
    let storage_id = crate::app::storage_id(dir.path()).unwrap();
    let refused = migrate(&path, &storage_id, &target)
        .await
        .expect_err("refused");
    assert!(matches!(refused, MigrateError::NotEmpty(_)), "{refused}");
    assert_eq!(target.list_users().await.unwrap().len(), 1);
    assert!(target.list_documents().await.unwrap().is_empty());
    assert_eq!(target.verify_audit().await.unwrap().rows, 0);
}

#[tokio::test]
async fn a_tampered_audit_chain_is_copied_as_it_is_and_breaks_at_the_same_row() {
    let Some((_url, target)) = pg_target().await else {
        return;
    };
    let (dir, path, source) = sqlite_folder();
    seed(&source).await;
    // Someone edited row 3 in the SQLite file: the copy must not bless (or hide) that.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE audit SET detail = 'edited' WHERE id = 3", [])
        .unwrap();
    drop(conn);
    let chain = source.verify_audit().await.unwrap();
    assert_eq!(chain.broken.as_ref().map(|b| b.id), Some(3));
    let storage_id = crate::app::storage_id(dir.path()).unwrap();

    let done = migrate(&path, &storage_id, &target)
        .await
        .expect("migrates");
    for copied in [&done.sqlite_chain, &done.postgres_chain] {
        assert_eq!(copied.rows, chain.rows);
        assert_eq!(copied.head, chain.head);
        assert_eq!(copied.broken.as_ref().map(|b| b.id), Some(3));
    }
}

#[tokio::test]
async fn a_value_that_does_not_fit_stops_the_copy_and_leaves_the_target_empty() {
    let Some((_url, target)) = pg_target().await else {
        return;
    };
    let (dir, path, source) = sqlite_folder();
    seed(&source).await;
    // The last table copied holds a time that is text (SQLite's typing allows it): every
    // table before it was already copied in the transaction when PostgreSQL refuses it.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE audit SET at = 'yesterday' WHERE id = 2", [])
        .unwrap();
    drop(conn);
    let storage_id = crate::app::storage_id(dir.path()).unwrap();

    let refused = migrate(&path, &storage_id, &target)
        .await
        .expect_err("refused");
    assert!(
        matches!(refused, MigrateError::Copy { table: "audit", .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("does not fit"), "{refused}");
    assert!(!refused.to_string().contains("yesterday"), "{refused}");
    assert!(target.list_users().await.unwrap().is_empty());
    assert!(target.list_homes().await.unwrap().is_empty());
    assert!(target.list_documents().await.unwrap().is_empty());
    assert_eq!(target.verify_audit().await.unwrap().rows, 0);
    // Nothing half-done stands in the way of trying again once the file is put right.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE audit SET at = 1 WHERE id = 2", [])
        .unwrap();
    drop(conn);
    let done = migrate(&path, &storage_id, &target)
        .await
        .expect("migrates");
    assert_eq!(
        done.postgres_chain.broken.as_ref().map(|b| b.id),
        Some(2),
        "the edited row is still named"
    );
}

#[tokio::test]
async fn the_copy_lists_every_table_of_the_sqlite_schema() {
    // No PostgreSQL needed: a new SQLite table must be added to the copy (or it would be left
    // behind), and the reader refuses a file whose tables differ.
    let (_dir, path, _store) = sqlite_folder();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let found = super::sqlite_tables(&conn).unwrap();
    let mut listed: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed);
}

fn encode(value: Value, ty: &Type) -> Result<Vec<u8>, String> {
    let mut out = BytesMut::new();
    Field(value)
        .to_sql_checked(ty, &mut out)
        .map(|_| out.to_vec())
        .map_err(|e| e.to_string())
}

#[test]
fn sqlite_values_convert_to_the_postgres_column_types_or_are_refused() {
    assert_eq!(encode(Value::Integer(1), &Type::BOOL), Ok(vec![1]));
    assert_eq!(encode(Value::Integer(0), &Type::BOOL), Ok(vec![0]));
    assert_eq!(
        encode(Value::Integer(-2), &Type::INT8),
        Ok((-2i64).to_be_bytes().to_vec())
    );
    assert_eq!(
        encode(Value::Blob(vec![0, 255]), &Type::BYTEA),
        Ok(vec![0, 255])
    );
    assert_eq!(
        encode(Value::Text("{}".into()), &Type::JSONB),
        Ok(vec![1, b'{', b'}'])
    );
    assert_eq!(encode(Value::Text("é".into()), &Type::TEXT), Ok("é".into()));
    // A flag that is neither 0 nor 1, text into a hash column, a number too big: refused, and
    // the message names the types, never the value.
    for (value, ty) in [
        (Value::Integer(2), Type::BOOL),
        (Value::Text("secret-ish".into()), Type::BYTEA),
        (Value::Blob(vec![1, 2]), Type::TEXT),
    ] {
        let refused = encode(value, &ty).expect_err("refused");
        assert!(refused.contains("does not fit"), "{refused}");
        assert!(!refused.contains("secret-ish"), "{refused}");
    }
    assert!(encode(Value::Integer(i64::MAX), &Type::INT4).is_err());
}

#[tokio::test]
async fn hearth_migrate_copies_the_data_folder_audits_itself_and_refuses_a_second_run() {
    use clap::Parser;
    let Some(url) = fresh_pg_url().await else {
        return;
    };
    let (dir, _path, source) = sqlite_folder();
    seed(&source).await;
    let rows = source.verify_audit().await.unwrap().rows;
    source.close().await;
    let storage_id = crate::app::storage_id(dir.path()).unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let command = || {
        crate::cli::Cli::try_parse_from(["hearth", "--data-dir", data_dir, "migrate", "--to", &url])
            .expect("the command line parses")
    };

    crate::cli::run(command()).await.expect("migrates");

    let target = PgStore::connect(&url).await.unwrap();
    assert_eq!(target.storage_id().unwrap(), storage_id);
    let chain = target.verify_audit().await.unwrap();
    assert!(chain.broken.is_none(), "{chain:?}");
    assert_eq!(
        chain.rows,
        rows + 1,
        "the copied rows, then the migration's own"
    );
    let last = target
        .audit_page(AuditQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .rows
        .remove(0);
    assert_eq!(last.event.action, "store_migrated");
    assert_eq!(
        last.event.user_id, None,
        "an operator's command: no account"
    );
    assert_eq!(last.event.subject.as_deref(), Some(storage_id.as_str()));

    let refused = crate::cli::run(command()).await.expect_err("refused");
    assert!(refused.to_string().contains("not empty"), "{refused}");
    assert_eq!(target.verify_audit().await.unwrap().rows, rows + 1);

    // A folder without a database is not a source (and is not created as one).
    let empty = tempfile::tempdir().unwrap();
    let refused = crate::cli::run(
        crate::cli::Cli::try_parse_from([
            "hearth",
            "--data-dir",
            empty.path().to_str().unwrap(),
            "migrate",
            "--to",
            &url,
        ])
        .unwrap(),
    )
    .await
    .expect_err("refused");
    assert!(
        refused.to_string().contains("no Hearth database"),
        "{refused}"
    );
    assert!(!empty.path().join("hearth.sqlite3").exists());
}

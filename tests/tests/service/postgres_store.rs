//! The server on PostgreSQL (`HEARTH_DATABASE_URL`): people sign in and sync records as on
//! SQLite, two servers on one database serve the same records under one storage id, a restart
//! keeps everything, and the URL (which may hold a password) is never printed.
//!
//! Each test makes its own database on the cluster `cargo xtask test` starts
//! (`HEARTH_TEST_DATABASE_URL`); without it they skip, except under `CI=true`.

use automerge::transaction::Transactable;
use hearth_e2e::postgres::fresh_database_url;
use hearth_e2e::{Api, TestServer, now_ms, read_root_text, root_text, server_bin};
use hearth_shared::model::{Inspection, Record};
use hearth_shared::permissions::Role;

#[tokio::test]
async fn a_server_on_postgresql_syncs_a_record_that_a_second_server_and_a_restart_keep() {
    let Some(url) = fresh_database_url().await else {
        return;
    };
    let mut server = TestServer::start_with(server_bin!(), &[("HEARTH_DATABASE_URL", &url)]).await;
    let home = server.home("Synthetic House One").await;
    let (alice_api, alice) = server.user(Role::Member, &[&home]).await;
    let (_, bob) = server.user(Role::Member, &[&home]).await;

    let mut a = alice_api.sync().await;
    let id = a.create(&Record::Inspection(Inspection::new(
        &alice.id,
        &home,
        now_ms(),
    )));
    let premises = root_text(a.doc(id), "premises");
    a.doc(id)
        .splice_text(&premises, 0, 0, "The kitchen is clean.")
        .unwrap();
    a.doc(id).commit();
    a.sync_doc(id).await.expect("the new record is accepted");
    assert!(
        !server.data_dir().join("hearth.sqlite3").exists(),
        "no SQLite file: the records are in PostgreSQL"
    );

    // A second server on the same database: same accounts, same record, same storage id.
    let second = server.another_server().await;
    let bob_api = Api::new(&second.base);
    bob_api
        .sign_in(&bob.username, &bob.password)
        .await
        .expect("an account made through one server signs in on the other");
    let mut b = bob_api.sync().await;
    b.fetch(id)
        .await
        .expect("the other server serves the record");
    assert_eq!(
        read_root_text(b.doc(id), "premises"),
        "The kitchen is clean."
    );
    assert!(a.storage_id.is_some(), "the server announces a storage id");
    assert_eq!(
        b.storage_id, a.storage_id,
        "one storage id for the database, whichever server a device reaches"
    );
    let b_premises = root_text(b.doc(id), "premises");
    let len = read_root_text(b.doc(id), "premises").chars().count();
    b.doc(id)
        .splice_text(&b_premises, len, 0, " The garden needs work.")
        .unwrap();
    b.doc(id).commit();
    b.sync_doc(id)
        .await
        .expect("an edit through the second server is accepted");
    let heads = b.heads(id);
    let storage_id = a.storage_id.clone();
    b.close().await;
    a.close().await;

    server.restart().await;
    let (carol_api, _) = server.user(Role::Officer, &[]).await;
    let mut c = carol_api.sync().await;
    assert_eq!(
        c.storage_id, storage_id,
        "the storage id survives a restart"
    );
    c.fetch(id).await.expect("the record survives a restart");
    assert_eq!(
        read_root_text(c.doc(id), "premises"),
        "The kitchen is clean. The garden needs work.",
        "with the edit made through the other server"
    );
    assert_eq!(c.heads(id), heads);
}

/// Runs the server binary with `args` and `HEARTH_DATABASE_URL=url`; its exit success and
/// everything it printed (stdout and stderr, debug logging on).
async fn hearth(url: &str, args: &[&str]) -> (bool, String) {
    let data = tempfile::tempdir().expect("a temp dir can be made");
    let output = tokio::process::Command::new(server_bin!())
        .args(args)
        .env("HEARTH_DATA_DIR", data.path())
        .env("HEARTH_DATABASE_URL", url)
        .env("RUST_LOG", "debug")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("the server binary runs");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), printed)
}

#[tokio::test]
async fn the_database_url_and_its_password_are_never_printed() {
    let secret = "s3cret-pw-e2e";
    // Nothing listens on port 1: connecting fails, and the error must not quote the URL.
    let unreachable = format!("postgres://hearth:{secret}@127.0.0.1:1/hearth");
    let (ok, printed) = hearth(&unreachable, &["user", "list"]).await;
    assert!(!ok, "no database, no user list");
    assert!(
        printed.contains("PostgreSQL"),
        "says what failed: {printed}"
    );
    assert!(!printed.contains(secret), "{printed}");

    let (ok, printed) = hearth(&format!("mysql://root:{secret}@127.0.0.1/x"), &["check"]).await;
    assert!(!ok);
    assert!(printed.contains("postgres://"), "{printed}");
    assert!(!printed.contains(secret), "{printed}");

    let (ok, printed) = hearth(&unreachable, &["--help"]).await;
    assert!(ok);
    assert!(printed.contains("--database-url"), "{printed}");
    assert!(
        !printed.contains(secret),
        "--help hides the variable's value"
    );

    let (ok, printed) = hearth(&unreachable, &["demo"]).await;
    assert!(
        !ok,
        "the demo never writes into a database that may hold real records"
    );
    assert!(printed.contains("HEARTH_DATABASE_URL"), "{printed}");
}

#[tokio::test]
async fn operator_commands_work_on_postgresql_and_backup_points_to_pg_dump() {
    let Some(url) = fresh_database_url().await else {
        return;
    };
    let (ok, printed) = hearth(&url, &["home", "add", "Synthetic House Two"]).await;
    assert!(ok, "{printed}");
    let (ok, printed) = hearth(&url, &["home", "list"]).await;
    assert!(ok && printed.contains("Synthetic House Two"), "{printed}");
    let (ok, printed) = hearth(&url, &["check"]).await;
    assert!(ok && printed.contains("ok"), "{printed}");
    let (ok, printed) = hearth(&url, &["audit", "verify"]).await;
    assert!(ok && printed.contains("ok 1 rows"), "{printed}");
    let (ok, printed) = hearth(&url, &["backup", "/tmp/hearth-never-written.sqlite3"]).await;
    assert!(!ok, "{printed}");
    assert!(printed.contains("pg_dump"), "{printed}");
}

//! `hearth migrate` end to end: a served SQLite data folder moves to PostgreSQL and its devices
//! carry on against a server there (same storage, same record, same accounts). Needs the test
//! cluster (`HEARTH_TEST_DATABASE_URL`); skipped without it, failing under CI. Synthetic data.

use hearth_e2e::{Api, TestServer, WAIT, now_ms, server_bin};
use hearth_shared::model::{Record, VisitNote};
use hearth_shared::permissions::Role;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// `hearth serve` on the PostgreSQL database `url` (a migrated one: no first-start password),
/// with its own empty data folder; returns its base URL and the process (killed on drop).
async fn serve_on(url: &str, data: &std::path::Path) -> (String, Child) {
    let mut child = Command::new(server_bin!())
        .arg("serve")
        .env("HEARTH_DATA_DIR", data)
        .env("HEARTH_BIND", "127.0.0.1:0")
        .env("HEARTH_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let base = tokio::time::timeout(WAIT, async {
        while let Some(line) = lines.next_line().await.expect("stdout reads") {
            assert!(
                !line.starts_with("One-time password"),
                "a migrated database has its administrator already"
            );
            if let Some(base) = line.strip_prefix("Hearth listening on ") {
                return base.trim().to_string();
            }
        }
        panic!("the server exited before listening");
    })
    .await
    .expect("the server listens in time");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (base, child)
}

/// The `table sqlite postgresql` lines `hearth migrate` prints, as (table, sqlite, postgresql).
fn counts(stdout: &str) -> Vec<(String, u64, u64)> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let table = words.next()?.to_string();
            let sqlite = words.next()?.parse().ok()?;
            let postgres = words.next()?.parse().ok()?;
            words.next().is_none().then_some((table, sqlite, postgres))
        })
        .collect()
}

#[tokio::test]
async fn a_served_data_folder_moves_to_postgres_and_its_devices_carry_on_there() {
    let Some(url) = hearth_e2e::postgres::fresh_database_url().await else {
        return;
    };
    let mut server = TestServer::start_sqlite(server_bin!()).await;
    let home = server.home("Synthetic House Migrate").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    let mut device = api.sync().await;
    let mut note = VisitNote::new(&member.id, &home, now_ms());
    note.attendees = vec!["Cllr Test Migrate".into()];
    let id = device.create(&Record::VisitNote(note));
    device.sync_doc(id).await.expect("stored in SQLite");
    let heads = device.heads(id);
    let storage = device
        .storage_id
        .clone()
        .expect("the server names its storage");
    device.close().await;
    server.stop().await;

    let out = server
        .hearth()
        .args(["migrate", "--to", &url])
        .output()
        .await
        .expect("hearth migrate runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts = counts(&stdout);
    assert_eq!(counts.len(), 12, "{stdout}");
    for (table, sqlite, postgres) in &counts {
        assert_eq!(sqlite, postgres, "{table}");
    }
    let rows = |table: &str| counts.iter().find(|c| c.0 == table).map(|c| c.1);
    assert_eq!(rows("documents"), Some(1));
    assert_eq!(rows("users"), Some(2), "the administrator and the member");
    assert!(
        !stdout.contains(&url),
        "the URL may hold a password: never printed"
    );
    let chains: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("audit chain in "))
        .filter_map(|l| l.split_once(" ok ").map(|(_, rest)| rest))
        .collect();
    assert_eq!(chains.len(), 2, "{stdout}");
    assert_eq!(chains[0], chains[1], "the same audit chain on both sides");

    // A server on PostgreSQL serves the same storage: the device's record, its heads, the
    // member's password and the administrator's.
    let data = tempfile::tempdir().unwrap();
    let (base, _pg_server) = serve_on(&url, data.path()).await;
    let api = Api::new(&base);
    api.sign_in(&member.username, &member.password)
        .await
        .expect("the member's account moved");
    let mut device = api.sync().await;
    match device.fetch(id).await.expect("the record moved") {
        Record::VisitNote(note) => assert_eq!(note.attendees, vec!["Cllr Test Migrate"]),
        other => panic!("expected a visit note, got {other:?}"),
    }
    assert_eq!(device.heads(id), heads);
    assert_eq!(device.storage_id.as_deref(), Some(storage.as_str()));
    let admin = Api::new(&base);
    admin
        .sign_in(&server.admin_username, &server.admin_password)
        .await
        .expect("the administrator's account moved");
    let (status, audit) = admin.get("/api/admin/audit?action=store_migrated").await;
    assert_eq!(status, 200, "{audit}");
    assert!(
        audit.to_string().contains(&storage),
        "the migration is audited: {audit}"
    );

    // Running it again (the folder is still there) is refused and changes nothing.
    let again = server
        .hearth()
        .args(["migrate", "--to", &url])
        .output()
        .await
        .expect("hearth migrate runs");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let mut other = api.sync().await;
    other.fetch(id).await.expect("still there");
    assert_eq!(other.heads(id), heads);
}

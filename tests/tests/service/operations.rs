//! Running the server: memory bounds, connection limits, the operator's commands and serving
//! the client.

use hearth_e2e::{SyncError, TestServer, now_ms, server_bin};
use hearth_shared::model::{Record, VisitNote};
use hearth_shared::permissions::Role;

#[tokio::test]
async fn documents_evicted_from_memory_reload_from_the_database() {
    let server = TestServer::start_with(server_bin!(), &[("HEARTH_DOCUMENT_CACHE", "2")]).await;
    let home = server.home("Synthetic House Eleven").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    let mut writer = api.sync().await;
    let mut ids = Vec::new();
    for n in 0..6 {
        let mut note = VisitNote::new(&member.id, &home, now_ms());
        note.attendees = vec![format!("Cllr Test {n}")];
        let id = writer.create(&Record::VisitNote(note));
        writer.sync_doc(id).await.expect("stored");
        ids.push((id, writer.heads(id)));
    }
    // With room for two documents, reading all six back means most come from SQLite.
    let mut reader = api.sync().await;
    for (n, (id, heads)) in ids.iter().enumerate() {
        match reader.fetch(*id).await.expect("reloaded on demand") {
            Record::VisitNote(note) => assert_eq!(note.attendees, vec![format!("Cllr Test {n}")]),
            other => panic!("expected a visit note, got {other:?}"),
        }
        assert_eq!(&reader.heads(*id), heads);
    }
}

#[tokio::test]
async fn a_connection_may_only_sync_so_many_documents() {
    let server =
        TestServer::start_with(server_bin!(), &[("HEARTH_MAX_DOCS_PER_CONNECTION", "2")]).await;
    let home = server.home("Synthetic House Twelve").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    let mut c = api.sync().await;
    for _ in 0..2 {
        let id = c.create(&Record::VisitNote(VisitNote::new(
            &member.id,
            &home,
            now_ms(),
        )));
        c.sync_doc(id).await.expect("within the limit");
    }
    let third = c.create(&Record::VisitNote(VisitNote::new(
        &member.id,
        &home,
        now_ms(),
    )));
    match c.sync_doc(third).await {
        Err(SyncError::Rejected { code, .. }) => assert_eq!(code, "too_many_documents"),
        other => panic!("expected too_many_documents, got {other:?}"),
    }
    let mut fresh = api.sync().await;
    fresh.insert(third, c.doc(third).clone());
    fresh
        .sync_doc(third)
        .await
        .expect("a new connection can sync it");
}

#[tokio::test]
async fn idle_sync_connections_are_closed() {
    let server = TestServer::start_with(server_bin!(), &[("HEARTH_IDLE_TIMEOUT_SECS", "1")]).await;
    let (api, _) = server.user(Role::Officer, &[]).await;
    let mut c = api.sync().await;
    // Waits for the server's close, not for a fixed time.
    assert!(matches!(c.next_frame().await, Err(SyncError::Closed)));
}

#[tokio::test]
async fn backup_and_check_work_while_the_server_runs() {
    // A backup is a copy of the SQLite file; on PostgreSQL, `hearth backup` points to pg_dump
    // (tests/tests/service/postgres_store.rs).
    let server = TestServer::start_sqlite(server_bin!()).await;
    let home = server.home("Synthetic House Thirteen").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    let mut c = api.sync().await;
    let id = c.create(&Record::VisitNote(VisitNote::new(
        &member.id,
        &home,
        now_ms(),
    )));
    c.sync_doc(id).await.unwrap();

    let backup_dir = tempfile::tempdir().unwrap();
    let backup = backup_dir.path().join("hearth-backup.sqlite3");
    let run = |args: Vec<String>, data: std::path::PathBuf| async move {
        tokio::process::Command::new(server_bin!())
            .args(&args)
            .env("HEARTH_DATA_DIR", data)
            .env("RUST_LOG", "warn")
            .output()
            .await
            .expect("the command runs")
    };
    let out = run(
        vec!["backup".into(), backup.display().to_string()],
        server.data_dir().to_path_buf(),
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(backup.exists());

    // The copy is a complete data folder's database: check it, and serve from it.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&backup, restored.path().join("hearth.sqlite3")).unwrap();
    let out = run(vec!["check".into()], restored.path().to_path_buf()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    let out = run(
        vec!["user".into(), "list".into()],
        restored.path().to_path_buf(),
    )
    .await;
    assert!(String::from_utf8_lossy(&out.stdout).contains(&member.username));
}

#[tokio::test]
async fn operator_commands_manage_users_and_homes() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(server_bin!())
            .args(args)
            .env("HEARTH_DATA_DIR", data.path())
            .env("RUST_LOG", "warn")
            .output()
            .expect("the command runs")
    };
    let out = run(&["home", "add", "Synthetic House Fourteen"]);
    assert!(out.status.success());
    let out = run(&[
        "user",
        "add",
        "--username",
        "test-cli",
        "--display-name",
        "Test Cli",
        "--role",
        "member",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("password: "));
    let out = run(&[
        "assign",
        "--user",
        "test-cli",
        "--home",
        "Synthetic House Fourteen",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "user",
        "add",
        "--username",
        "test-cli",
        "--display-name",
        "X",
        "--role",
        "member",
    ]);
    assert!(
        !out.status.success(),
        "a second user with the same name is refused"
    );
    let out = run(&[
        "user",
        "add",
        "--username",
        "x",
        "--display-name",
        "X",
        "--role",
        "wizard",
    ]);
    assert!(!out.status.success());
    let out = run(&["user", "disable", "test-cli"]);
    assert!(out.status.success());
    let out = run(&["user", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("disabled"));
}

#[tokio::test]
async fn serves_the_client_with_the_right_types_and_no_stale_cache() {
    let client = tempfile::tempdir().unwrap();
    std::fs::write(
        client.path().join("index.html"),
        "<!doctype html><title>Hearth</title>",
    )
    .unwrap();
    std::fs::write(client.path().join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(client.path().join("app.js"), "export default 1;").unwrap();
    let dir = client.path().display().to_string();
    let server = TestServer::start_with(server_bin!(), &[("HEARTH_CLIENT_DIR", &dir)]).await;
    let http = reqwest::Client::new();
    let get = |path: &'static str| http.get(format!("{}{path}", server.base)).send();

    let index = get("/").await.unwrap();
    assert_eq!(index.status(), 200);
    assert!(
        index.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(index.headers()["cache-control"], "no-cache");
    assert!(index.headers().contains_key("content-security-policy"));
    let wasm = get("/app_bg.wasm").await.unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    let js = get("/app.js").await.unwrap();
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(get("/missing.js").await.unwrap().status(), 404);
    assert_eq!(get("/../../etc/passwd").await.unwrap().status(), 404);
}

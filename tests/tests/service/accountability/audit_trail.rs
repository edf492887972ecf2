//! The audit trail end to end: the hash chain and `hearth audit verify` against the real SQLite
//! file, the account events with their reason codes, reads of records (first sync on a
//! connection, bulk download), "who has read this record", the CSV export (itself audited),
//! and who may read any of it. All names are synthetic.

use hearth_e2e::{Api, TestServer, WAIT, now_ms, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Record, VisitNote};
use hearth_shared::permissions::Role;
use serde_json::{Value, json};
use std::path::Path;

/// `hearth audit verify` on a data folder: (success, stdout).
async fn verify(data_dir: &Path) -> (bool, String) {
    let out = tokio::process::Command::new(server_bin!())
        .args(["audit", "verify"])
        .env("HEARTH_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("the command runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The audit rows with `action`, newest first, as `reader` sees them through `/api/audit`.
async fn rows(reader: &Api, action: &str) -> Vec<Value> {
    let (status, page) = reader
        .get(&format!("/api/audit?action={action}&perPage=200"))
        .await;
    assert_eq!(status, 200, "{page}");
    page["rows"].as_array().expect("rows").clone()
}

/// The reads of `id` as `reader` sees them, waiting (up to [`WAIT`]) until there are at least
/// `at_least`: a sync read's row is written beside the reply, not before it.
async fn reads_of(reader: &Api, id: DocumentId, at_least: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, page) = reader.get(&format!("/api/audit/reads/{id}")).await;
        assert_eq!(status, 200, "{page}");
        let rows = page["rows"].as_array().expect("rows").clone();
        if rows.len() >= at_least || tokio::time::Instant::now() > deadline {
            return rows;
        }
        tokio::task::yield_now().await;
    }
}

/// A visit note the member creates over sync.
async fn visit_note(api: &Api, member_id: &str, home: &str) -> DocumentId {
    let mut writer = api.sync().await;
    let id = writer.create(&Record::VisitNote(VisitNote::new(
        member_id,
        home,
        now_ms(),
    )));
    writer.sync_doc(id).await.expect("stored");
    writer.close().await;
    id
}

#[tokio::test]
async fn audit_verify_names_the_row_edited_in_the_sqlite_file() {
    let mut server = TestServer::start_sqlite(server_bin!()).await;
    let home = server.home("Synthetic Audit House").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    visit_note(&api, &member.id, &home).await;
    let stranger = Api::new(&server.base);
    assert!(stranger.sign_in("nobody-synthetic", "wrong").await.is_err());

    let (ok, out) = verify(server.data_dir()).await;
    assert!(ok, "{out}");
    assert!(out.starts_with("ok "), "{out}");
    server.stop().await;

    // An operator's command is audited like the app's admin actions, in the same chain.
    let out = tokio::process::Command::new(server_bin!())
        .args(["home", "add", "Synthetic Operator House"])
        .env("HEARTH_DATA_DIR", server.data_dir())
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("the command runs");
    assert!(out.status.success());
    let (ok, out) = verify(server.data_dir()).await;
    assert!(ok, "{out}");

    // Someone with the file changes one row's detail, as if a sign-in had not failed.
    let db = server.data_dir().join("hearth.sqlite3");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let total: i64 = conn
        .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
        .unwrap();
    assert!(total >= 4, "rows to tamper with: {total}");
    let operator: (Option<String>, String) = conn
        .query_row(
            "SELECT user_id, subject FROM audit WHERE action = 'home_created' ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(operator.0, None, "no account acts on the command line");
    assert!(!operator.1.is_empty());
    let target: i64 = conn
        .query_row(
            "SELECT id FROM audit WHERE action = 'login_failed' ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "UPDATE audit SET detail = 'signed_in' WHERE id = ?1",
        [target],
    )
    .unwrap();
    drop(conn);

    let (ok, out) = verify(server.data_dir()).await;
    assert!(!ok, "verify must fail after tampering: {out}");
    assert!(
        out.contains(&format!("broken at audit row {target}:")),
        "names the row: {out}"
    );
}

#[tokio::test]
async fn sign_in_failures_carry_a_reason_and_account_events_are_audited() {
    let server = TestServer::start(server_bin!()).await;
    let (_, member) = server.user(Role::Member, &[]).await;
    let officer_api = server.user(Role::Officer, &[]).await.0;
    let device = Api::new(&server.base);
    assert!(
        device
            .sign_in(&member.username, "not-the-password")
            .await
            .is_err()
    );
    assert!(
        device
            .sign_in("no-such-user-synthetic", "whatever-password")
            .await
            .is_err()
    );
    device
        .sign_in(&member.username, &member.password)
        .await
        .expect("signs in");
    let (status, _) = device
        .post(
            "/api/me/password",
            &json!({ "currentPassword": "not-the-password", "newPassword": "a-new-synthetic-pass" }),
        )
        .await;
    assert_eq!(status, 401);
    let (status, body) = device
        .post(
            "/api/me/password",
            &json!({ "currentPassword": member.password, "newPassword": "a-new-synthetic-pass" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = device.delete("/api/session").await;
    assert_eq!(status, 200);

    let failed = rows(&officer_api, "login_failed").await;
    let reason_for = |user: Value| {
        failed
            .iter()
            .filter(|r| r["userId"] == user)
            .map(|r| r["detail"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(reason_for(json!(member.id)), ["wrong_password"]);
    assert_eq!(reason_for(Value::Null), ["unknown_user"]);
    // Two sign-ins: the test server's (which made the account) and this device's.
    for (action, times) in [
        ("signed_in", 2),
        ("password_change_failed", 1),
        ("password_changed", 1),
        ("signed_out", 1),
    ] {
        let mine: Vec<_> = rows(&officer_api, action)
            .await
            .into_iter()
            .filter(|r| r["userId"] == json!(member.id))
            .collect();
        assert_eq!(mine.len(), times, "{action}: {mine:?}");
    }
    // Nothing typed is kept: neither the unknown username nor any password.
    let (_, all) = officer_api.get("/api/audit?perPage=200").await;
    let text = all.to_string();
    for secret in [
        "no-such-user-synthetic",
        "not-the-password",
        "a-new-synthetic-pass",
        member.password.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} in the audit");
    }
}

#[tokio::test]
async fn reads_are_audited_and_an_officer_sees_who_has_read_a_record() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic Reading House").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let (officer_api, officer) = server.user(Role::Officer, &[]).await;
    let id = visit_note(&member_api, &member.id, &home).await;

    // Creating a record is not reading it.
    assert!(reads_of(&officer_api, id, 0).await.is_empty());

    // The officer opens it over sync: one read for the connection, however often it syncs.
    let mut reader = officer_api.sync().await;
    reader.fetch(id).await.expect("the officer may read it");
    reader.sync_doc(id).await.expect("syncs again");
    let reads = reads_of(&officer_api, id, 1).await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0]["userId"], json!(officer.id));
    assert_eq!(reads[0]["action"], "record_read");
    assert_eq!(reads[0]["detail"], "sync");
    reader.close().await;

    // A bulk download reads it too; its row is written before anything is sent.
    let res = officer_api
        .post_raw(
            "/api/documents/snapshot",
            &json!({ "ids": [id.to_string()] }),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.bytes().await.expect("the download completes");
    let reads = reads_of(&officer_api, id, 2).await;
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert_eq!(reads[0]["detail"], "download");

    // Only reads are listed, only of this record; unknown ids are 404.
    let other = visit_note(&member_api, &member.id, &home).await;
    assert!(reads_of(&officer_api, other, 0).await.is_empty());
    let (status, _) = officer_api
        .get(&format!("/api/audit/reads/{}", DocumentId::random()))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn only_admins_and_officers_read_and_export_the_audit() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic Closed House").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let (manager_api, _) = server.user(Role::Manager, &[&home]).await;
    let (worker_api, _) = server.user(Role::ParticipationWorker, &[]).await;
    let id = visit_note(&member_api, &member.id, &home).await;
    for api in [&member_api, &manager_api, &worker_api] {
        for path in [
            "/api/audit".to_string(),
            "/api/audit.csv".to_string(),
            format!("/api/audit/reads/{id}"),
            "/api/admin/audit".to_string(),
        ] {
            let (status, body) = api.get(&path).await;
            assert_eq!(status, 403, "{path}: {body}");
            assert_eq!(body["error"]["code"], "forbidden");
        }
    }
    let (status, _) = Api::new(&server.base).get("/api/audit").await;
    assert_eq!(status, 401);
    assert!(
        rows(&server.admin().await, "audit_exported")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_audit_exports_as_csv_and_the_export_is_itself_audited() {
    let server = TestServer::start(server_bin!()).await;
    let (officer_api, officer) = server.user(Role::Officer, &[]).await;
    let res = officer_api
        .raw(reqwest::Method::GET, "/api/audit.csv?action=signed_in")
        .await;
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"audit-"),
        "{disposition}"
    );
    let body = res.text().await.unwrap();
    let mut lines = body.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next(),
        Some("id,time (UTC),user id,username,action,record,subject,detail")
    );
    let officer_row = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|cells| cells[2] == officer.id)
        .expect("the officer's sign-in is exported");
    assert_eq!(officer_row[3], officer.username);
    assert_eq!(officer_row[4], "signed_in");

    let exported = rows(&officer_api, "audit_exported").await;
    assert_eq!(exported.len(), 1, "{exported:?}");
    assert_eq!(exported[0]["userId"], json!(officer.id));
    assert!(
        exported[0]["detail"].as_str().unwrap().starts_with("csv "),
        "{}",
        exported[0]
    );
}

#[tokio::test]
async fn report_downloads_and_exports_are_reads_of_the_records_they_were_made_from() {
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic Report Reading House").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let (officer_api, officer) = server.user(Role::Officer, &[]).await;
    let id = hearth_e2e::records::signed_off_inspection(
        &member_api,
        &member.id,
        &home,
        "2026-11-03",
        |_| {},
    )
    .await;
    for path in [
        format!("/api/reports/inspections/{id}/pdf"),
        "/api/exports/recommendations.csv".to_string(),
    ] {
        let res = officer_api.raw(reqwest::Method::GET, &path).await;
        assert_eq!(res.status(), 200, "{path}");
        res.bytes().await.expect("the download completes");
    }
    let officers: Vec<(String, String)> = reads_of(&officer_api, id, 1)
        .await
        .into_iter()
        .filter(|r| r["userId"] == json!(officer.id))
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        officers,
        [
            ("record_read".to_string(), "csv recommendations".to_string()),
            (
                "report_downloaded".to_string(),
                "pdf inspectionReport".to_string()
            ),
        ]
    );
}

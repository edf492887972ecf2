//! `hearth demo`: a separate folder of synthetic data that every role can look around in.

use hearth_e2e::api::Api;
use hearth_e2e::{TestServer, server_bin};
use hearth_server::demo::{ACCOUNTS, DEMO_PASSWORD, RESPONSES, TALK_TO_SOMEONE};
use hearth_shared::permissions::Role;
use serde_json::Value;
use std::collections::BTreeMap;

async fn signed_in(server: &TestServer, username: &str) -> Api {
    let api = Api::new(&server.base);
    api.sign_in(username, DEMO_PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("{username} signs in with the demo password: {e:?}"));
    api
}

/// `(kind, state)` → how many records this user can list.
async fn records_by_kind_and_state(api: &Api) -> BTreeMap<(String, String), usize> {
    let (status, body) = api.get("/api/documents").await;
    assert_eq!(status, 200, "{body}");
    let mut counts = BTreeMap::new();
    for row in body.as_array().expect("a list") {
        let key = (
            row["kind"].as_str().unwrap_or_default().to_string(),
            row["state"].as_str().unwrap_or_default().to_string(),
        );
        *counts.entry(key).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn the_demo_prints_its_accounts_and_every_one_signs_in_without_a_forced_password_change() {
    let server = TestServer::start_demo(server_bin!()).await;
    let banner = server.banner.join("\n");
    assert!(banner.contains(DEMO_PASSWORD), "{banner}");
    for account in ACCOUNTS {
        assert!(banner.contains(account.username), "{banner}");
        let api = signed_in(&server, account.username).await;
        let (status, me) = api.get("/api/me").await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["user"]["mustChangePassword"], Value::Bool(false), "{me}");
        if matches!(account.role, Role::Member | Role::Manager) {
            assert_eq!(
                me["homes"].as_array().map(Vec::len).unwrap_or_default(),
                account.homes.len(),
                "{}'s assigned homes: {me}",
                account.username
            );
        }
    }
}

#[tokio::test]
async fn the_demo_holds_records_in_every_workflow_state_and_a_consultation_with_thirty_answers() {
    let server = TestServer::start_demo(server_bin!()).await;
    let officer = signed_in(&server, "demo-officer").await;
    let counts = records_by_kind_and_state(&officer).await;
    for state in ["draft", "submitted", "signedOff", "responded", "closed"] {
        assert!(
            counts.contains_key(&("inspection".to_string(), state.to_string())),
            "a Regulation 33 record {state}: {counts:?}"
        );
    }
    for state in ["draft", "closed"] {
        assert!(
            counts.contains_key(&("visitNote".to_string(), state.to_string())),
            "a visit note {state}: {counts:?}"
        );
    }
    assert_eq!(
        counts.get(&("consultation".to_string(), "open".to_string())),
        Some(&1)
    );
    assert_eq!(
        counts.get(&("consultationResponse".to_string(), "submitted".to_string())),
        Some(&RESPONSES)
    );

    // The answers are real documents: the worker's sync client reads them, and exactly two ask
    // to talk to someone.
    let worker = signed_in(&server, "demo-worker").await;
    let (_, rows) = worker.get("/api/documents").await;
    let mut sync = worker.sync().await;
    let mut talk = 0;
    for row in rows.as_array().unwrap() {
        if row["kind"] != "consultationResponse" {
            continue;
        }
        let id = row["id"].as_str().unwrap().parse().expect("a document id");
        let record = sync.fetch(id).await.expect("the worker reads a response");
        if let hearth_shared::model::Record::ConsultationResponse(r) = record {
            talk += usize::from(r.talk_to_someone);
        }
    }
    assert_eq!(talk, TALK_TO_SOMEONE);

    // A manager sees only their home's records, and only from submitted on.
    let manager = signed_in(&server, "demo-manager-1").await;
    let counts = records_by_kind_and_state(&manager).await;
    assert!(
        counts
            .keys()
            .all(|(kind, state)| kind == "inspection" && state != "draft"),
        "{counts:?}"
    );
    assert!(!counts.is_empty(), "the manager has records to respond to");
}

#[tokio::test]
async fn a_restarted_demo_keeps_its_data_and_is_not_seeded_twice() {
    let mut server = TestServer::start_demo(server_bin!()).await;
    let before = records_by_kind_and_state(&signed_in(&server, "demo-officer").await).await;
    server.restart().await;
    let after = records_by_kind_and_state(&signed_in(&server, "demo-officer").await).await;
    assert_eq!(before, after);
    assert!(
        !server.banner.join("\n").contains("Demo data created"),
        "{:?}",
        server.banner
    );
}

#[tokio::test]
async fn the_demo_refuses_a_data_folder_that_holds_real_records() {
    // Real records in the data folder's SQLite file, whatever store the other tests use.
    let mut real = TestServer::start_sqlite(server_bin!()).await;
    real.home("Synthetic Real Home").await;
    real.stop().await;
    let output = tokio::process::Command::new(server_bin!())
        .arg("demo")
        .env("HEARTH_DATA_DIR", real.data_dir())
        .env("HEARTH_BIND", "127.0.0.1:0")
        .output()
        .await
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a demo's"), "{stderr}");
    // Nothing was added to the real folder.
    real.start_again().await;
    let (_, homes) = real.admin().await.get("/api/admin/homes").await;
    assert_eq!(homes.as_array().map(Vec::len), Some(1), "{homes}");
}

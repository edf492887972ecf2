//! A stock automerge-repo JavaScript client (the reference implementation of the protocol)
//! creates a visit note; the Rust client reads the same record back.
//!
//! Needs `npm ci` in tests/js (`cargo xtask test` runs it when needed). Missing Node or packages fail the test.

use hearth_e2e::{TestServer, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::Record;
use hearth_shared::permissions::Role;
use std::path::PathBuf;

fn js_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js")
}

#[tokio::test]
async fn javascript_automerge_repo_client_creates_a_visit_note_the_rust_client_reads() {
    let dir = js_dir();
    assert!(
        dir.join("node_modules/@automerge/automerge-repo").exists(),
        "run `npm ci` in {} first (`cargo xtask test` does)",
        dir.display()
    );
    let server = TestServer::start(server_bin!()).await;
    let home = server.home("Synthetic House Nine").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;

    let output = tokio::process::Command::new("node")
        .arg(dir.join("visit_note_client.mjs"))
        .env("HEARTH_URL", &server.base)
        .env("HEARTH_USER", &member.username)
        .env("HEARTH_PASSWORD", &member.password)
        .env("HEARTH_HOME_ID", &home)
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the JS client succeeded; stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value =
        serde_json::from_str(stdout.lines().last().expect("one line of JSON")).expect("JSON");
    let id = DocumentId::from_url(result["url"].as_str().expect("url")).expect("a document id");

    let mut rust = api.sync().await;
    let record = rust
        .fetch(id)
        .await
        .expect("the Rust client reads the JS client's note");
    let heads: Vec<String> = rust.heads(id).iter().map(|h| h.to_string()).collect();
    let mut js_heads: Vec<String> = result["heads"]
        .as_array()
        .expect("heads")
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect();
    js_heads.sort();
    let mut heads = heads;
    heads.sort();
    assert_eq!(
        heads, js_heads,
        "the server stored exactly what the JS client acknowledged"
    );
    match record {
        Record::VisitNote(note) => {
            assert_eq!(note.created_by, member.id);
            assert_eq!(note.home_id, home);
            assert_eq!(note.visit_date, "2026-11-03");
            assert_eq!(note.attendees, vec!["Cllr Test Member".to_string()]);
            assert!(note.body.as_str().contains("Synthetic test note"));
            assert_eq!(note.actions.len(), 1);
        }
        other => panic!("expected a visit note, got {other:?}"),
    }
}

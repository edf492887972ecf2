//! The end-to-end test harness: start a real `hearth` server process on loopback with its own
//! SQLite file (or its own PostgreSQL database, see [`postgres`]), sign users in over HTTP, and
//! sync documents over a real WebSocket.
//!
//! Builders keep tests short and synthetic: `TestServer::start(server_bin!())`,
//! `server.user(Role::Member, &[&home]).await`.

pub mod accessibility;
pub mod api;
pub mod app_steps;
pub mod bench;
pub mod browser;
pub mod client_bench;
pub mod history_bench;
pub mod postgres;
pub mod records;
pub mod report_bench;
pub mod server;
pub mod sync_client;

pub use api::Api;
pub use server::TestServer;
pub use sync_client::{SyncClient, SyncError};

/// The path of the server binary built for these tests. A macro because Cargo only tells
/// integration tests (not this library) where it is.
#[macro_export]
macro_rules! server_bin {
    () => {
        env!("CARGO_BIN_EXE_hearth-e2e-server")
    };
}

/// How long any single wait in a test may take before the test fails (not a sleep: waits end
/// as soon as what they wait for happens).
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_millis() as i64
}

/// The object id of a text field at the document root (e.g. an inspection's `premises`).
pub fn root_text(doc: &automerge::AutoCommit, field: &str) -> automerge::ObjId {
    use automerge::ReadDoc;
    let (value, id) = doc
        .get(automerge::ROOT, field)
        .expect("the document reads")
        .unwrap_or_else(|| panic!("the root has {field}"));
    assert!(
        matches!(value, automerge::Value::Object(automerge::ObjType::Text)),
        "{field} is text"
    );
    id
}

/// The string content of a root text field.
pub fn read_root_text(doc: &automerge::AutoCommit, field: &str) -> String {
    use automerge::ReadDoc;
    let id = root_text(doc, field);
    doc.text(&id).expect("the text reads")
}

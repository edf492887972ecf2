//! Erasure reaches devices: in headless Chromium against the real server, a record an
//! administrator erases (through the app's "Erase a record" screen, with a confirmation) while
//! a device is without signal is gone from that device (its encrypted IndexedDB document and
//! its index entry) and from its list at the device's next sync; its other records stay.

use std::time::Duration;

use hearth_e2e::app_steps::{
    indexed_db_dump, new_visit_note, open_home, sign_in_admin, sign_in_at, unlock,
    wait_saved_everywhere,
};
use hearth_e2e::browser::{BrowserEnv, NO_SIGNAL, NetworkLink, Profile};
use hearth_e2e::{WAIT, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::permissions::Role;
use serde_json::Value;
use tokio::time::Instant;

/// Whether the device's IndexedDB store `store` holds `user`'s document `id` (or its index
/// entry): the key `<user>/<id>`. A deletion's mark (`<user>/~marked/<id>`) is not the entry.
fn holds(dump: &Value, store: &str, user: &str, id: DocumentId) -> bool {
    let key = format!("{user}/{id}");
    dump["hearth"][store]["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|k| k.as_str() == Some(key.as_str()))
}

fn row(id: DocumentId) -> String {
    format!(".record-row[data-document-id=\"{id}\"]")
}

#[tokio::test]
async fn a_device_drops_an_erased_record_at_its_next_sync() {
    let Some(env) = BrowserEnv::get("a_device_drops_an_erased_record_at_its_next_sync").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic Erasure House").await;
    let (_, member) = server.user(Role::Member, &[&home]).await;
    let link = NetworkLink::to(&server).await;
    let device = env.browser(&Profile::new("erasure-device")).await;
    sign_in_at(&device, &link.base, &member).await;
    open_home(&device, &home).await;
    let erased = new_visit_note(&device).await;
    device.fill("#body", "Synthetic words to be erased.").await;
    wait_saved_everywhere(&device).await;
    device.goto(&format!("{}/#/homes/{home}", link.base)).await;
    device.wait_for("#new-visit-note").await;
    let kept = new_visit_note(&device).await;
    device.fill("#body", "Synthetic words to keep.").await;
    wait_saved_everywhere(&device).await;

    // Reloaded, the records are listed from the index, not loaded: the erased one is dropped
    // even though the device never opens it again.
    device.goto(&format!("{}/#/homes/{home}", link.base)).await;
    device.reload().await;
    unlock(&device, &member).await;
    device.wait_for(&row(erased)).await;
    device.wait_for(&row(kept)).await;
    let dump = indexed_db_dump(&device).await;
    assert!(
        holds(&dump, "documents", &member.id, erased) && holds(&dump, "index", &member.id, erased)
    );

    // The device loses signal; an administrator erases the record in the app.
    link.cut();
    let admin = env.browser(&Profile::new("erasure-admin")).await;
    sign_in_admin(&admin, &server).await;
    admin.click("#admin-link-erase").await;
    admin.wait_for_text("main h1", "Erase a record").await;
    admin.fill("#erase-id", &erased.to_string()).await;
    admin
        .fill("#erase-reason", "Synthetic test: entered on the wrong home")
        .await;
    admin.click("#erase-continue").await;
    admin
        .wait_for_text("#erase-confirm-text", &erased.to_string())
        .await;
    admin.click("#erase-confirm").await;
    admin.wait_for("#admin-success").await;
    let (_, body) = server
        .admin()
        .await
        .get("/api/admin/audit?action=record_erased")
        .await;
    assert_eq!(
        body["rows"][0]["documentId"],
        Value::from(erased.to_string())
    );
    admin.close().await;

    // Back online: at its next sync the device drops its copy, and keeps the other.
    link.restore();
    device.wait_gone(&row(erased)).await;
    let deadline = Instant::now() + WAIT;
    loop {
        let dump = indexed_db_dump(&device).await;
        if !holds(&dump, "documents", &member.id, erased)
            && !holds(&dump, "index", &member.id, erased)
        {
            assert!(
                holds(&dump, "documents", &member.id, kept)
                    && holds(&dump, "index", &member.id, kept)
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the device still holds the erased record after {WAIT:?}: {dump}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    device.wait_for(&row(kept)).await;
    device.assert_no_console_errors_but(&[NO_SIGNAL]).await;
    device.close().await;
}

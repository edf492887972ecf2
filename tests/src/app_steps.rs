//! Steps through the real app that several browser tests share: signing in, unlocking, opening
//! a home, starting a visit note or a consultation, waiting for a record to be saved, reading
//! the route, and waiting for the server to list a record.

use crate::browser::Browser;
use crate::server::TestUser;
use crate::{Api, TestServer, WAIT};
use hearth_shared::ids::DocumentId;
use std::time::{Duration, Instant};

/// The sync status once the server has acknowledged everything.
pub const SAVED: &str = "#sync-status[data-state=\"saved\"]";

/// Signs `user` in through the sign-in page and waits for the homes page.
pub async fn sign_in(browser: &Browser, server: &TestServer, user: &TestUser) {
    sign_in_at(browser, &server.base, user).await;
}

/// Signs `user` in at `base` (the server, or a network link to it) and waits for the homes
/// page (every role but a young person's lands there, with or without homes).
pub async fn sign_in_at(browser: &Browser, base: &str, user: &TestUser) {
    browser.goto(&format!("{base}/#/sign-in")).await;
    browser.fill("#username", &user.username).await;
    browser.fill("#password", &user.password).await;
    browser.click("#sign-in").await;
    browser.wait_for_text("main h1", "Homes").await;
}

/// Unlocks the records kept (encrypted) on the device after a reload or restart: needs the
/// password, not the network.
pub async fn unlock(browser: &Browser, user: &TestUser) {
    browser.fill("#unlock-password", &user.password).await;
    browser.click("#unlock").await;
    browser.wait_gone("#unlock-password").await;
}

/// Opens a home's records list from the homes page.
pub async fn open_home(browser: &Browser, home: &str) {
    browser
        .click(&format!("a.home-link[data-home-id=\"{home}\"]"))
        .await;
    browser.wait_for_text("main h1", "Records").await;
}

/// Waits until the page says its record is saved on the device (IndexedDB): every editor's
/// `#local-save` indicator, `data-state="saved"`.
pub async fn wait_saved_on_device(browser: &Browser) {
    browser.wait_for("#local-save[data-state=\"saved\"]").await;
}

/// Waits for the device's local save (IndexedDB) and then for the server's acknowledgement.
pub async fn wait_saved_everywhere(browser: &Browser) {
    wait_saved_on_device(browser).await;
    browser.wait_for(SAVED).await;
}

/// Creates a visit note from the records list and returns its id (the editor's
/// `data-document-id`).
pub async fn new_visit_note(browser: &Browser) -> DocumentId {
    browser.click("#new-visit-note").await;
    browser.wait_for("#visit-note-editor #body").await;
    let id = browser
        .attribute("#visit-note-editor", "data-document-id")
        .await
        .expect("the editor names its document");
    id.parse().expect("a document id")
}

/// Starts a new consultation from the consultations page (a participation worker, signed in)
/// and returns its id once the builder shows the draft.
pub async fn new_consultation(browser: &Browser) -> DocumentId {
    browser.click("#nav-consultations").await;
    browser.wait_for_text("main h1", "Consultations").await;
    browser.click("#new-consultation").await;
    let id = route_id(browser, "#/consultations/").await;
    browser
        .wait_for("#consultation-builder[data-state=\"draft\"]")
        .await;
    id
}

/// The document id after `prefix` in the page's route (`#/records/`, `#/consultations/`).
pub async fn route_id(browser: &Browser, prefix: &str) -> DocumentId {
    let script = format!(
        "return location.hash.startsWith('{prefix}') && location.hash.slice({}).split('/')[0];",
        prefix.len()
    );
    let id = browser
        .wait_until(&format!("a page under {prefix}"), &script)
        .await;
    id.as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a document id in the route: {id}"))
}

/// Polls `GET /api/documents` as `api` until `found` picks something out of the listing, and
/// returns it; fails after [`WAIT`] naming `what`.
pub async fn wait_for_listing<T>(
    api: &Api,
    what: &str,
    found: impl Fn(&[serde_json::Value]) -> Option<T>,
) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, list) = api.get("/api/documents").await;
        assert_eq!(status, 200, "the document list loads: {list}");
        let rows = list.as_array().map(Vec::as_slice).unwrap_or_default();
        if let Some(result) = found(rows) {
            return result;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not list {what} within {WAIT:?}: {list}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the server lists `id` and returns its entry.
pub async fn wait_for_server_document(api: &Api, id: DocumentId) -> serde_json::Value {
    wait_for_listing(api, &id.to_string(), |rows| {
        rows.iter().find(|d| d["id"] == id.to_string()).cloned()
    })
    .await
}

/// Signs the first administrator in through the sign-in page and waits for the administration
/// overview, where an admin lands (an admin has no homes).
pub async fn sign_in_admin(browser: &Browser, server: &TestServer) {
    browser.goto(&format!("{}/#/sign-in", server.base)).await;
    browser.fill("#username", "admin").await;
    browser.fill("#password", &server.admin_password).await;
    browser.click("#sign-in").await;
    browser.wait_for_text("main h1", "Administration").await;
    browser.wait_for("#admin-overview").await;
}

/// Opens an administration screen from the menu (`#nav-admin-users`, `#nav-admin-homes`,
/// `#nav-admin-audit`, `#nav-admin`) and waits for its heading.
pub async fn open_admin(browser: &Browser, nav: &str, heading: &str) {
    browser.click(nav).await;
    browser.wait_for_text("main h1", heading).await;
}

/// Ticks the GOV.UK radio or checkbox `id` the way a person does (through its label: GOV.UK
/// draws the input with it) and waits until it is checked.
pub async fn check_by_label(browser: &Browser, id: &str) {
    browser.click(&format!("label[for=\"{id}\"]")).await;
    browser
        .wait_until(
            &format!("`#{id}` to be checked"),
            &format!("return document.getElementById('{id}')?.checked === true;"),
        )
        .await;
}

/// Signs in with a one-time password an administrator was shown and replaces it with
/// `chosen` on the page the app insists on first; waits until the page has gone.
pub async fn sign_in_with_one_time_password(
    browser: &Browser,
    base: &str,
    username: &str,
    one_time: &str,
    chosen: &str,
) {
    browser.goto(&format!("{base}/#/sign-in")).await;
    browser.fill("#username", username).await;
    browser.fill("#password", one_time).await;
    browser.click("#sign-in").await;
    browser
        .wait_for_text("main h1", "Choose your own password")
        .await;
    browser.fill("#current-password", one_time).await;
    browser.fill("#new-password", chosen).await;
    browser.fill("#confirm-password", chosen).await;
    browser.click("#change-password").await;
    browser.wait_gone("#password-must-change").await;
}

/// The administration screens for checks that look at each one (accessibility, zoom): its name
/// for screenshots, its route, and what is shown once its data has loaded. `home_id` and
/// `user_id` name a home and a member that exist.
pub fn admin_screens(home_id: &str, user_id: &str) -> Vec<(&'static str, String, &'static str)> {
    vec![
        ("admin-overview", "#/admin".into(), "#admin-overview"),
        ("admin-users", "#/admin/users".into(), "#user-table"),
        (
            "admin-new-user",
            "#/admin/users/new".into(),
            "#new-user-form",
        ),
        (
            "admin-user",
            format!("#/admin/users/{user_id}"),
            "#user-summary",
        ),
        ("admin-homes", "#/admin/homes".into(), "#home-table"),
        (
            "admin-home",
            format!("#/admin/homes/{home_id}"),
            "#home-people",
        ),
        ("admin-audit", "#/admin/audit".into(), "#audit-table"),
    ]
}

/// Goes to `route` inside the running app (a hash change, as a link does: no reload, so no
/// unlock) and waits for `ready`.
pub async fn open_route(browser: &Browser, route: &str, ready: &str) {
    browser
        .execute(
            "location.hash = arguments[0];",
            vec![serde_json::json!(route)],
        )
        .await;
    browser.wait_for(ready).await;
}

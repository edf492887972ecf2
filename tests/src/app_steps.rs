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

/// Opens `#/devices` from the header's "Devices" link and waits for the user's own list.
pub async fn open_devices(browser: &Browser) {
    browser.click("#nav-devices").await;
    browser.wait_for_text("main h1", "Your devices").await;
    browser.wait_for("#my-devices").await;
}

/// This browser's own device (session) id, as its Devices page marks it ("This device").
pub async fn this_device_id(browser: &Browser) -> String {
    open_devices(browser).await;
    browser
        .attribute(".device-row[data-current=\"true\"]", "data-device-id")
        .await
        .expect("the devices page marks this device")
}

/// Everything the page's origin keeps in IndexedDB, read raw (no app code): for each database,
/// each object store's record count, its keys, and those of its values that are strings, as
/// `{db: {store: {count, keys: [..], strings: [..]}}}`. Binary values (encrypted records) show
/// in the count only.
const INDEXED_DB_DUMP: &str = r#"
const done = arguments[arguments.length - 1];
(async () => {
  const out = {};
  for (const { name } of await indexedDB.databases()) {
    const db = await new Promise((ok, fail) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => ok(open.result);
      open.onerror = () => fail(open.error);
    });
    out[name] = {};
    for (const store of db.objectStoreNames) {
      const tx = db.transaction(store, 'readonly');
      const keys = tx.objectStore(store).getAllKeys();
      const values = tx.objectStore(store).getAll();
      await new Promise((ok, fail) => { tx.oncomplete = ok; tx.onerror = () => fail(tx.error); });
      out[name][store] = {
        count: keys.result.length,
        keys: keys.result.map(String),
        strings: values.result.filter(v => typeof v === 'string'),
      };
    }
    db.close();
  }
  return out;
})().then(done, e => done({ error: String(e) }));
"#;

/// The raw contents of the page's IndexedDB ([`INDEXED_DB_DUMP`]).
pub async fn indexed_db_dump(browser: &Browser) -> serde_json::Value {
    let dump = browser.execute_async(INDEXED_DB_DUMP, vec![]).await;
    assert!(
        dump.get("error").is_none(),
        "IndexedDB could not be read: {dump}"
    );
    dump
}

/// Fails unless the device's IndexedDB holds nothing of `user`: no records, cached profile or
/// wrapped key at all, and no key or text value naming their id or username anywhere.
pub async fn assert_nothing_stored_of(browser: &Browser, user: &TestUser) {
    let dump = indexed_db_dump(browser).await;
    let hearth = &dump["hearth"];
    for store in ["documents", "user", "keys"] {
        assert_eq!(
            hearth[store]["count"], 0,
            "the device still holds {store} after the user was removed: {dump}"
        );
    }
    for (db, stores) in dump.as_object().into_iter().flatten() {
        for (store, contents) in stores.as_object().into_iter().flatten() {
            for field in ["keys", "strings"] {
                for entry in contents[field].as_array().into_iter().flatten() {
                    let text = entry.as_str().unwrap_or_default();
                    assert!(
                        !text.contains(&user.id) && !text.contains(&user.username),
                        "{db}/{store} still names the user: {text}"
                    );
                }
            }
        }
    }
}

/// An open consultation with one question, made by `worker` over sync (for tests about what a
/// tablet does with it, not about the builder); waits until the server lists it.
pub async fn open_consultation_over_sync(api: &Api, worker: &TestUser, title: &str) -> DocumentId {
    use hearth_shared::model::{Consultation, Question, QuestionType, Record, WorkflowState};
    let mut sync = api.sync().await;
    let mut consultation = Consultation::new(&worker.id, title, crate::now_ms());
    consultation.questions.push(Question::new(
        "q1",
        QuestionType::EmojiScale,
        "How do you like the food?",
    ));
    let id = sync.create(&Record::Consultation(consultation));
    sync.sync_doc(id).await.expect("the worker saves the draft");
    sync.edit(id, |r| {
        if let Record::Consultation(c) = r {
            c.state = WorkflowState::Open;
        }
    });
    sync.sync_doc(id).await.expect("the worker opens it");
    id
}

/// On the worker's consultation page, "Set up a tablet": waits for the set-up code and returns
/// it with the address the QR code holds.
pub async fn tablet_set_up_code(browser: &Browser, consultation: DocumentId) -> (String, String) {
    open_route(
        browser,
        &format!("#/consultations/{consultation}"),
        "#set-up-a-tablet",
    )
    .await;
    browser.click("#set-up-a-tablet").await;
    browser.wait_for_text("main h1", "Set up a tablet").await;
    browser.wait_for("#setup-qr").await;
    let code = browser.text("#setup-code").await;
    let url = browser
        .attribute("#setup-code", "data-url")
        .await
        .expect("the code page names the address the QR code holds");
    (code, url)
}

/// On the tablet: opens the set-up address (what scanning the QR code does) and sets the exit
/// PIN on the screen the tablet goes straight to; waits for kiosk mode's first screen.
pub async fn set_up_tablet_and_start_kiosk(tablet: &Browser, url: &str, pin: &str) {
    tablet.goto(url).await;
    tablet
        .wait_for_text("main h1", "Set a PIN to leave kiosk mode")
        .await;
    tablet.fill("#kiosk-pin-new", pin).await;
    tablet.fill("#kiosk-pin-confirm", pin).await;
    tablet.click("#kiosk-pin-save").await;
    tablet.wait_for("#kiosk[data-screen=\"consent\"]").await;
}

/// `GET /api/me` with `session` as the session cookie, as the device holding it could: the
/// status (401 once that session has ended on the server).
pub async fn me_status(base: &str, session: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/api/me"))
        .header("cookie", format!("hearth_session={session}"))
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
}

//! `hearth demo` in the real app: every demo account signs in with the demo password and each
//! role's main screens render the synthetic data (screenshots under `target/screenshots/demo-*`).

use hearth_e2e::browser::{Browser, BrowserEnv, Profile};
use hearth_e2e::server_bin;
use hearth_server::demo::{DEMO_PASSWORD, RESPONSES, TALK_TO_SOMEONE};

/// Signs `username` in with the demo password on a fresh profile and waits for `landing`.
async fn signed_in(env: &BrowserEnv, base: &str, username: &str, landing: &str) -> Browser {
    let browser = env.browser(&Profile::new(username)).await;
    browser.goto(&format!("{base}/#/sign-in")).await;
    browser.fill("#username", username).await;
    browser.fill("#password", DEMO_PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_for_text("main h1", landing).await;
    browser
}

/// Goes to `hash` and waits for `ready`.
async fn open(browser: &Browser, base: &str, hash: &str, ready: &str) {
    browser.goto(&format!("{base}/{hash}")).await;
    browser.wait_for(ready).await;
}

/// Opens the home whose link names `name` from the homes page.
async fn open_home_named(browser: &Browser, name: &str) {
    wait_count(browser, "a.home-link", 1).await;
    browser
        .execute(
            "[...document.querySelectorAll('a.home-link')]\
               .find(a => a.textContent.includes(arguments[0])).click();",
            vec![serde_json::json!(name)],
        )
        .await;
}

/// How many elements match `css` right now.
async fn count(browser: &Browser, css: &str) -> u64 {
    browser
        .execute(
            "return document.querySelectorAll(arguments[0]).length;",
            vec![serde_json::json!(css)],
        )
        .await
        .as_u64()
        .unwrap_or_default()
}

/// Waits until at least `n` elements match `css`.
async fn wait_count(browser: &Browser, css: &str, n: usize) {
    browser
        .wait_until(
            &format!("{n} of {css}"),
            &format!(
                "return document.querySelectorAll({}).length >= {n};",
                serde_json::json!(css)
            ),
        )
        .await;
}

#[tokio::test]
async fn the_demo_data_loads_and_every_main_screen_renders_for_every_role() {
    let Some(env) =
        BrowserEnv::get("the_demo_data_loads_and_every_main_screen_renders_for_every_role").await
    else {
        return;
    };
    let server = env.start_demo_server(server_bin!()).await;
    let base = server.base.clone();

    // A member: their two homes, a home's records, a Regulation 33 record that has the
    // manager's responses, and a visit note.
    let member = signed_in(&env, &base, "demo-member-1", "Homes").await;
    wait_count(&member, "a.home-link", 2).await;
    member.screenshot("demo-member-homes").await;
    open_home_named(&member, "Willow House").await;
    member.wait_for_text("main h1", "Records").await;
    wait_count(&member, ".record-row", 2).await;
    member.screenshot("demo-member-records").await;
    let responded = member
        .attribute(".record-row[data-state=\"responded\"]", "data-document-id")
        .await
        .expect("the member's home has a responded Reg 33 record");
    open(&member, &base, &format!("#/records/{responded}"), "main h1").await;
    member.screenshot("demo-member-reg33").await;
    member.assert_no_console_errors().await;
    member.close().await;

    // A manager: their home's records, from submitted on.
    let manager = signed_in(&env, &base, "demo-manager-1", "Homes").await;
    open_home_named(&manager, "Willow House").await;
    manager.wait_for_text("main h1", "Records").await;
    wait_count(&manager, ".record-row", 1).await;
    assert_eq!(
        count(&manager, ".record-row[data-state=\"draft\"]").await,
        0,
        "a manager never sees a draft"
    );
    manager.screenshot("demo-manager-records").await;
    manager.assert_no_console_errors().await;
    manager.close().await;

    // The participation worker: the consultation and its results, with the two young people
    // who asked to talk to someone.
    let worker = signed_in(&env, &base, "demo-worker", "Homes").await;
    open(&worker, &base, "#/consultations", "a.results-link").await;
    worker.screenshot("demo-worker-consultations").await;
    // The open (autumn) round; the closed spring round is listed too.
    worker
        .click(".consultation-row[data-state=\"open\"] a.results-link")
        .await;
    worker.wait_for_text("main h1", "Demo consultation").await;
    worker
        .wait_for_text("#consultation-results", &format!("{RESPONSES} responses"))
        .await;
    worker
        .wait_for_text(
            "#talk-to-someone-list",
            &format!("{TALK_TO_SOMEONE} young people asked to talk to someone"),
        )
        .await;
    worker.screenshot("demo-worker-results").await;
    worker.assert_no_console_errors().await;
    worker.close().await;

    // The officer: every home.
    let officer = signed_in(&env, &base, "demo-officer", "Homes").await;
    wait_count(&officer, "a.home-link", 3).await;
    officer.screenshot("demo-officer-homes").await;
    officer.assert_no_console_errors().await;
    officer.close().await;

    // The administrator: the overview, users, homes and audit.
    let admin = signed_in(&env, &base, "demo-admin", "Administration").await;
    admin.screenshot("demo-admin-overview").await;
    open(&admin, &base, "#/admin/users", "main h1").await;
    admin.wait_for_text("main", "Cllr Demo Member One").await;
    admin.screenshot("demo-admin-users").await;
    open(&admin, &base, "#/admin/homes", "main h1").await;
    admin.wait_for_text("main", "Demo Home: Willow House").await;
    admin.screenshot("demo-admin-homes").await;
    open(&admin, &base, "#/admin/audit", "main h1").await;
    admin.wait_for_text("main h1", "Audit").await;
    admin.assert_no_console_errors().await;
    admin.close().await;

    // The kiosk account: the open consultation, ready for kiosk mode.
    let kiosk = signed_in(&env, &base, "demo-kiosk", "Consultations for kiosk mode").await;
    kiosk.wait_for("#start-kiosk").await;
    kiosk.screenshot("demo-kiosk-start").await;
    kiosk.assert_no_console_errors().await;
    kiosk.close().await;
}

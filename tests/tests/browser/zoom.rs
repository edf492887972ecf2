//! WCAG 2.2 reflow: at 200% zoom (a 1280-pixel window seen at twice the size, 640 CSS pixels
//! wide) the main screens fit the width without scrolling sideways, and their buttons stay
//! big enough to tap.

use hearth_e2e::app_steps::{
    admin_screens, check_by_label, new_visit_note, open_home, open_route, sign_in, sign_in_admin,
};
use hearth_e2e::browser::{Browser, BrowserEnv, Profile};
use hearth_e2e::server_bin;
use hearth_shared::permissions::Role;

/// Emulates 200% zoom of a 1280×900 window: the page lays out at 640×450 CSS pixels.
async fn zoom_to_200_percent(browser: &Browser) {
    browser
        .driver()
        .cdp()
        .send_raw(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({ "width": 640, "height": 450, "deviceScaleFactor": 2, "mobile": false }),
        )
        .await
        .expect("Chromium accepts the zoom emulation");
}

/// No sideways scrolling, and every visible button at least 40 CSS pixels tall (GOV.UK's
/// button; the 44-pixel target includes its shadow and margin).
async fn assert_reflows(browser: &Browser, screen: &str) {
    let report = browser
        .execute(
            r#"
            const doc = document.documentElement;
            const overflow = doc.scrollWidth - doc.clientWidth;
            const small = [...document.querySelectorAll('button, .govuk-button')]
                .filter(b => b.offsetParent !== null)
                .filter(b => b.getBoundingClientRect().height < 40)
                .map(b => b.textContent.trim());
            return { overflow, small, width: window.innerWidth };
            "#,
            vec![],
        )
        .await;
    browser.screenshot(&format!("zoom-200-{screen}")).await;
    assert_eq!(report["width"], 640, "{screen} is laid out as at 200% zoom");
    assert!(
        report["overflow"].as_i64().unwrap_or(1) <= 0,
        "{screen} scrolls sideways at 200% zoom by {} px",
        report["overflow"]
    );
    assert_eq!(
        report["small"],
        serde_json::json!([]),
        "{screen}: buttons smaller than a finger at 200% zoom"
    );
}

#[tokio::test]
async fn main_screens_reflow_at_200_percent_zoom() {
    let Some(env) = BrowserEnv::get("main_screens_reflow_at_200_percent_zoom").await else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Zoom").await;
    let (_, member) = server.user(Role::Member, &[&home]).await;
    let browser = env.browser(&Profile::new("zoom")).await;
    zoom_to_200_percent(&browser).await;

    browser.goto(&format!("{}/#/sign-in", server.base)).await;
    browser.wait_for("#username").await;
    assert_reflows(&browser, "sign-in").await;

    sign_in(&browser, &server, &member).await;
    assert_reflows(&browser, "homes").await;
    open_home(&browser, &home).await;
    assert_reflows(&browser, "records").await;
    new_visit_note(&browser).await;
    assert_reflows(&browser, "visit-note").await;
    browser.click("a.govuk-back-link").await;
    browser.wait_for("#new-inspection").await;
    browser.click("#new-inspection").await;
    browser.wait_for("a.task-link").await;
    assert_reflows(&browser, "inspection").await;
    browser.assert_no_console_errors().await;
    browser.close().await;
}

/// Issue 8's administration screens reflow at 200% zoom too, with their data loaded.
#[tokio::test]
async fn admin_screens_reflow_at_200_percent_zoom() {
    let Some(env) = BrowserEnv::get("admin_screens_reflow_at_200_percent_zoom").await else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Zoom Admin").await;
    let (_, member) = server.user(Role::Member, &[&home]).await;
    let browser = env.browser(&Profile::new("zoom-admin")).await;
    zoom_to_200_percent(&browser).await;
    sign_in_admin(&browser, &server).await;
    for (name, route, ready) in admin_screens(&home, &member.id) {
        open_route(&browser, &route, ready).await;
        if name == "admin-new-user" {
            check_by_label(&browser, "role-member").await;
        }
        assert_reflows(&browser, name).await;
        // The screen's own content (the top is the header at this size).
        browser
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});",
                vec![serde_json::json!(ready)],
            )
            .await;
        browser
            .screenshot(&format!("zoom-200-{name}-content"))
            .await;
    }
    browser.assert_no_console_errors().await;
    browser.close().await;
}

/// Issue 8's devices and tablet set-up screens reflow at 200% zoom too: an admin's devices
/// (everyone's, the widest table), a worker's set-up code page and the tablet's set-up page.
#[tokio::test]
async fn devices_and_tablet_set_up_screens_reflow_at_200_percent_zoom() {
    use hearth_e2e::app_steps::{open_consultation_over_sync, open_devices, tablet_set_up_code};
    let Some(env) =
        BrowserEnv::get("devices_and_tablet_set_up_screens_reflow_at_200_percent_zoom").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let (worker_api, worker) = server.user(Role::ParticipationWorker, &[]).await;
    let cid = open_consultation_over_sync(&worker_api, &worker, "Synthetic survey at zoom").await;

    let admin = env.browser(&Profile::new("zoom-devices-admin")).await;
    zoom_to_200_percent(&admin).await;
    sign_in_admin(&admin, &server).await;
    open_devices(&admin).await;
    admin.wait_for("#all-devices .device-revoke").await;
    assert_reflows(&admin, "devices").await;
    admin.click("#all-devices .device-revoke").await;
    admin.wait_for("#revoke-confirmation").await;
    assert_reflows(&admin, "devices-confirm-revoke").await;
    admin.assert_no_console_errors().await;
    admin.close().await;

    let desk = env.browser(&Profile::new("zoom-tablet-setup")).await;
    zoom_to_200_percent(&desk).await;
    sign_in(&desk, &server, &worker).await;
    tablet_set_up_code(&desk, cid).await;
    assert_reflows(&desk, "kiosk-setup-code").await;
    desk.assert_no_console_errors().await;
    desk.close().await;

    // The tablet's side, signed out.
    let tablet = env.browser(&Profile::new("zoom-tablet-entry")).await;
    zoom_to_200_percent(&tablet).await;
    tablet.goto(&format!("{}/#/kiosk-setup", server.base)).await;
    tablet.wait_for("#setup-code-input").await;
    assert_reflows(&tablet, "kiosk-setup-entry").await;
    tablet.assert_no_console_errors().await;
    tablet.close().await;
}

//! Setting up a tablet for a consultation with a set-up code: the worker asks for a code on
//! the consultation, the tablet opens the QR code's address, signs itself in as a kiosk bound
//! to that consultation (nobody types a password), the worker sets the exit PIN, and a young
//! person answers there. A reload unlocks by itself; the code works once; the tablet can be
//! revoked like any other device.
//!
//! DOM contract: the consultation page's `#set-up-a-tablet`; the code page's `#setup-code`
//! (with `data-url`, the QR code's address), `#setup-qr`, `#setup-code-expiry`; the tablet's
//! set-up page `#setup-code-input`, `#set-up-tablet`, `#setup-problem`; kiosk mode's
//! `#kiosk-pin-new`, `#kiosk-pin-confirm`, `#kiosk-pin-save`, `#kiosk[data-screen]`.

use hearth_e2e::app_steps::{
    open_consultation_over_sync, open_route, set_up_tablet_and_start_kiosk, sign_in,
    tablet_set_up_code,
};
use hearth_e2e::browser::{BrowserEnv, Profile};
use hearth_e2e::server_bin;
use hearth_shared::permissions::Role;

#[tokio::test]
async fn a_worker_sets_up_a_tablet_with_a_code_and_a_young_person_answers_there() {
    let Some(env) =
        BrowserEnv::get("a_worker_sets_up_a_tablet_with_a_code_and_a_young_person_answers_there")
            .await
    else {
        return;
    };
    let server = env
        // One or two answers: counts shown as they are (small-group suppression is
        // `service/reporting_api.rs`'s and `browser/reporting.rs`'s to test).
        .start_server_with(server_bin!(), &[("HEARTH_SUPPRESS_BELOW", "1")])
        .await;
    let (worker_api, worker) = server.user(Role::ParticipationWorker, &[]).await;
    let cid =
        open_consultation_over_sync(&worker_api, &worker, "Synthetic survey about food").await;

    // The worker's screen: the code as text and as a QR code, and until when it works.
    let desk = env.browser(&Profile::new("setup-worker")).await;
    sign_in(&desk, &server, &worker).await;
    let (code, url) = tablet_set_up_code(&desk, cid).await;
    assert_eq!(url, format!("{}/#/kiosk-setup/{code}", server.base));
    let qr = desk
        .attribute("#setup-qr", "src")
        .await
        .expect("the QR code is an image");
    assert!(
        qr.starts_with("data:image/svg+xml;base64,"),
        "the QR code is the server's SVG as an image: {qr:.60}"
    );
    assert!(
        desk.attribute("#setup-qr", "alt")
            .await
            .is_some_and(|alt| alt.contains(&code)),
        "the QR code has alternative text"
    );
    assert!(
        desk.text("#setup-code-expiry").await.contains("works once"),
        "the page says how long the code works"
    );
    desk.screenshot("kiosk-setup-code").await;

    // The tablet: the QR code's address, then straight to the worker's PIN, then kiosk mode.
    let tablet = env.browser(&Profile::new("setup-tablet")).await;
    set_up_tablet_and_start_kiosk(&tablet, &url, "2468").await;
    tablet.click("#kiosk-consent-yes").await;
    tablet.wait_for("#kiosk[data-screen=\"question-1\"]").await;
    tablet.click(".emoji-option[data-value=\"4\"]").await;
    tablet.click("#kiosk-submit").await;
    tablet.wait_for("#kiosk-thank-you").await;

    // The answer reaches the server: the worker's results show it.
    open_route(
        &desk,
        &format!("#/consultations/{cid}/results"),
        "#consultation-results",
    )
    .await;
    desk.wait_for_text("#consultation-results", "1 response with consent")
        .await;

    // A reload of the tablet unlocks by itself, still in kiosk mode for that consultation.
    tablet.reload().await;
    tablet.wait_for("#kiosk[data-screen=\"consent\"]").await;
    assert_eq!(
        tablet
            .execute(
                "return !!document.querySelector('#unlock-password');",
                vec![]
            )
            .await,
        false,
        "nobody is asked for the kiosk account's password"
    );

    // The tablet is a device the admin sees, marked as a kiosk.
    let admin = server.admin().await;
    let (status, devices) = admin.get("/api/admin/devices").await;
    assert_eq!(status, 200, "{devices}");
    let kiosk_device = devices
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["kiosk"] == true)
        .and_then(|d| d["id"].as_str())
        .unwrap_or_else(|| panic!("the kiosk tablet is in the admin's device list: {devices}"))
        .to_string();

    // The code worked once: used again, the app says so plainly.
    open_route(&desk, &format!("#/kiosk-setup/{code}"), "#setup-problem").await;
    assert!(
        desk.text("#setup-problem")
            .await
            .contains("has expired or has already been used"),
        "a used code is refused with a clear message"
    );
    desk.screenshot("kiosk-setup-code-used").await;

    // Revoked like any other device: the tablet leaves kiosk mode for the sign-in page and says
    // why (its kiosk lock and secret go with the account's data).
    let (status, body) = admin
        .delete(&format!("/api/admin/devices/{kiosk_device}"))
        .await;
    assert_eq!(status, 200, "{body}");
    tablet
        .wait_for_text(
            "#sign-in-notice",
            "This device was signed out by an administrator.",
        )
        .await;
    // Whoever signs in on it next gets their own screens, not a kiosk left from before.
    sign_in(&tablet, &server, &worker).await;
    assert!(
        !tablet.url().await.contains("#/kiosk"),
        "the revoked kiosk's lock is gone with its account"
    );
    // The refused code's request is in the browser's log (a 400, by design); nothing else.
    let errors: Vec<String> = desk
        .console_errors()
        .await
        .into_iter()
        .filter(|e| !e.contains("/api/kiosk-setup") || !e.contains("status of 400"))
        .collect();
    assert!(
        errors.is_empty(),
        "the worker's page logged errors: {errors:?}"
    );
    let errors: Vec<String> = tablet
        .console_errors()
        .await
        .into_iter()
        .filter(|e| !e.contains("status of 401"))
        .collect();
    assert!(
        errors.is_empty(),
        "the tablet's page logged errors: {errors:?}"
    );
    tablet.close().await;
    desk.close().await;
}

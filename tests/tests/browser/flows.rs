//! Issue 4's acceptance tests: the built client in headless Chromium against the real server,
//! each flow as a councillor, officer or young person would go through it.
//!
//! They use the client's DOM contract: sign-in `#username`, `#password`,
//! `#sign-in`; `#sync-status[data-state]`; `a.home-link[data-home-id]`; `#new-visit-note`,
//! `#new-inspection`; `.record-row[data-document-id]`; the visit note editor
//! `#visit-note-editor[data-document-id]`, `#visit-date`, `#attendees`, `#body`,
//! `#local-save[data-state]`, `#close-note`, `#copy-to-new-note`; the unlock page for records
//! encrypted on the device, `#unlock-password`, `#unlock`; and kiosk mode's `#start-kiosk`,
//! `#kiosk-pin-new`, `#kiosk-pin-confirm`, `#kiosk-pin-save`, `#kiosk[data-screen]`.
//!
//! A device that loses signal while another stays online goes through a [`NetworkLink`], which
//! drops its sync socket as a real loss of signal would; a device that must start offline finds
//! the server stopped.

use std::time::Duration;

use hearth_e2e::app_steps::{
    SAVED, new_visit_note, open_home, route_id, sign_in, sign_in_at, unlock,
    wait_for_server_document, wait_saved_everywhere, wait_saved_on_device,
};
use hearth_e2e::browser::{Browser, BrowserEnv, NO_SIGNAL, NetworkLink, Profile};
use hearth_e2e::{WAIT, now_ms, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Consultation, Question, QuestionType, Record, RecordKind, WorkflowState,
};
use hearth_shared::permissions::Role;
use tokio::time::Instant;

/// The sync status once everything on the device is on the server.
/// The sync status while the device cannot reach the server.
const OFFLINE: &str = "#sync-status[data-state=\"offline\"]";
/// The sync status after the server refused a change.
const REJECTED: &str = "#sync-status[data-state=\"rejected\"]";

/// Whether the service worker controls the page (the app shell is cached for offline starts).
async fn wait_for_service_worker(browser: &Browser) {
    browser
        .wait_until(
            "the service worker to control the page",
            "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
        )
        .await;
}

#[tokio::test]
async fn visit_note_survives_a_reload_and_an_officer_sees_it_after_sync() {
    let Some(env) =
        BrowserEnv::get("visit_note_survives_a_reload_and_an_officer_sees_it_after_sync").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House One").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let (_, officer) = server.user(Role::Officer, &[]).await;
    let body = "Synthetic note: the garden has a new vegetable patch; R.T. showed us round.";

    let councillor = env.browser(&Profile::new("member")).await;
    sign_in(&councillor, &server, &member).await;
    councillor.screenshot("homes").await;
    open_home(&councillor, &home).await;
    let id = new_visit_note(&councillor).await;
    councillor
        .fill("#attendees", "Registered manager, two young people")
        .await;
    councillor.fill("#body", body).await;
    wait_saved_everywhere(&councillor).await;
    councillor.screenshot("visit-note-editor").await;
    let listed = wait_for_server_document(&member_api, id).await;
    assert_eq!(listed["kind"], RecordKind::VisitNote.as_str());

    councillor.reload().await;
    unlock(&councillor, &member).await;
    councillor.wait_for_value("#body", body).await;
    councillor
        .wait_for_value("#attendees", "Registered manager, two young people")
        .await;
    councillor.assert_no_console_errors().await;

    let officer_browser = env.browser(&Profile::new("officer")).await;
    sign_in(&officer_browser, &server, &officer).await;
    officer_browser
        .goto(&format!("{}/#/records/{id}", server.base))
        .await;
    officer_browser.wait_for_value("#body", body).await;
    // Officers read visit notes; they cannot change them.
    assert_eq!(
        officer_browser
            .attribute("#body", "readonly")
            .await
            .as_deref(),
        Some("true")
    );
    officer_browser.screenshot("visit-note-officer").await;
    officer_browser.assert_no_console_errors().await;
    officer_browser.close().await;
    councillor.close().await;
}

#[tokio::test]
async fn reg33_record_made_offline_survives_a_browser_restart_and_reaches_the_server() {
    let Some(env) = BrowserEnv::get(
        "reg33_record_made_offline_survives_a_browser_restart_and_reaches_the_server",
    )
    .await
    else {
        return;
    };
    let mut server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Two").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let profile = Profile::new("offline-member");

    // One online visit: sign in, and the service worker caches the app shell.
    let browser = env.browser(&profile).await;
    sign_in(&browser, &server, &member).await;
    wait_for_service_worker(&browser).await;
    open_home(&browser, &home).await;

    // No signal: the server is gone, not just this page's network, so a restarted browser
    // is offline too.
    server.stop().await;
    browser.click("#new-inspection").await;
    let id = route_id(&browser, "#/records/").await;
    // What the person sees before closing the browser: kept on the device.
    browser
        .wait_for_text("#local-save", "Saved on this device")
        .await;
    browser.wait_for_text(OFFLINE, "Offline").await;
    browser.screenshot("inspection-offline").await;
    browser.close().await;

    // The browser starts again, still offline: the shell comes from the service worker and the
    // record from IndexedDB.
    let browser = env.browser(&profile).await;
    browser
        .goto(&format!("{}/#/homes/{home}", server.base))
        .await;
    unlock(&browser, &member).await;
    let row = format!(".record-row[data-document-id=\"{id}\"]");
    browser.wait_for(&row).await;
    browser.wait_for_text(OFFLINE, "1 change waiting").await;
    browser.screenshot("records-offline").await;

    // The server returns (same origin): the change is sent, and the status says so.
    server.start_again().await;
    browser
        .wait_for_text(SAVED, "All changes saved to the server")
        .await;
    let listed = wait_for_server_document(&member_api, id).await;
    assert_eq!(listed["kind"], RecordKind::Inspection.as_str());
    assert_eq!(listed["homeId"], home);
    browser.screenshot("records-saved").await;
    browser.close().await;
}

#[tokio::test]
async fn two_devices_edit_one_note_one_offline_and_both_end_with_both_edits() {
    let Some(env) =
        BrowserEnv::get("two_devices_edit_one_note_one_offline_and_both_end_with_both_edits").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Three").await;
    // A councillor's own visit note, on their laptop and their phone.
    let (_, member) = server.user(Role::Member, &[&home]).await;

    let laptop = env.browser(&Profile::new("laptop")).await;
    sign_in(&laptop, &server, &member).await;
    open_home(&laptop, &home).await;
    let id = new_visit_note(&laptop).await;
    laptop.fill("#body", "Started on the laptop.").await;
    wait_saved_everywhere(&laptop).await;

    let signal = NetworkLink::to(&server).await;
    let phone = env.browser(&Profile::new("phone")).await;
    sign_in_at(&phone, &signal.base, &member).await;
    phone.goto(&format!("{}/#/records/{id}", signal.base)).await;
    phone
        .wait_for_value("#body", "Started on the laptop.")
        .await;

    // The phone loses signal and keeps typing; the laptop types online meanwhile.
    signal.cut();
    phone.wait_for(OFFLINE).await;
    phone
        .type_into("#body", " Added on the phone, offline.")
        .await;
    wait_saved_on_device(&phone).await;
    phone.wait_for_text(OFFLINE, "1 change waiting").await;
    laptop
        .type_into("#body", " Added on the laptop, online.")
        .await;
    wait_saved_everywhere(&laptop).await;

    signal.restore();
    for device in [&phone, &laptop] {
        device.wait_for(SAVED).await;
        device
            .wait_for_value("#body", "Added on the phone, offline.")
            .await;
        let body = device
            .wait_for_value("#body", "Added on the laptop, online.")
            .await;
        assert!(body.starts_with("Started on the laptop."), "{body}");
    }
    phone.screenshot("visit-note-merged").await;
    // While cut, the phone's reconnection attempts fail like any request with no signal.
    phone.assert_no_console_errors_but(&[NO_SIGNAL]).await;
    laptop.assert_no_console_errors().await;
    phone.close().await;
    laptop.close().await;
}

#[tokio::test]
async fn kiosk_response_cannot_be_reopened_and_the_talk_flag_reaches_the_worker() {
    let Some(env) =
        BrowserEnv::get("kiosk_response_cannot_be_reopened_and_the_talk_flag_reaches_the_worker")
            .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let (worker_api, worker) = server.user(Role::ParticipationWorker, &[]).await;
    let (kiosk_api, kiosk_account) = server.user(Role::YoungPerson, &[]).await;

    // The worker's open consultation with one emoji-scale question (made over sync: this test
    // is about the kiosk, not the builder).
    let mut w = worker_api.sync().await;
    let mut consultation = Consultation::new(&worker.id, "Synthetic survey about food", now_ms());
    consultation.questions.push(Question::new(
        "q1",
        QuestionType::EmojiScale,
        "How do you like the food?",
    ));
    let cid = w.create(&Record::Consultation(consultation));
    w.sync_doc(cid).await.expect("the worker saves the draft");
    w.edit(cid, |r| {
        if let Record::Consultation(c) = r {
            c.state = WorkflowState::Open;
        }
    });
    w.sync_doc(cid).await.expect("the worker opens it");

    // The tablet, signed in with the kiosk account; the worker starts kiosk mode for that
    // consultation and sets the PIN that leaving it will need.
    let tablet = env.browser(&Profile::new("kiosk")).await;
    tablet.goto(&format!("{}/#/sign-in", server.base)).await;
    tablet.fill("#username", &kiosk_account.username).await;
    tablet.fill("#password", &kiosk_account.password).await;
    tablet.click("#sign-in").await;
    tablet
        .click(&format!("#start-kiosk[data-document-id=\"{cid}\"]"))
        .await;
    tablet.fill("#kiosk-pin-new", "2468").await;
    tablet.fill("#kiosk-pin-confirm", "2468").await;
    tablet.click("#kiosk-pin-save").await;
    tablet.wait_for("#kiosk[data-screen=\"consent\"]").await;
    tablet.screenshot("kiosk-consent").await;
    tablet.click("#kiosk-consent-yes").await;
    tablet.wait_for("#kiosk[data-screen=\"question-1\"]").await;
    tablet.click(".emoji-option[data-value=\"4\"]").await;
    // A GOV.UK checkbox: the input is drawn by its label.
    tablet.click("label[for=\"talk-to-someone\"]").await;
    assert_eq!(
        tablet
            .execute(
                "return document.querySelector('#talk-to-someone').checked;",
                vec![]
            )
            .await,
        true
    );
    tablet.screenshot("kiosk-question").await;
    tablet.click("#kiosk-submit").await;
    tablet.wait_for("#kiosk-thank-you").await;
    tablet.screenshot("kiosk-thank-you").await;

    // The worker gets it, flagged.
    let deadline = Instant::now() + WAIT;
    let response_id = loop {
        let (_, list) = worker_api.get("/api/documents").await;
        let found = list
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["kind"] == RecordKind::ConsultationResponse.as_str());
        if let Some(entry) = found {
            break entry["id"]
                .as_str()
                .and_then(|id| id.parse::<DocumentId>().ok())
                .expect("a response id");
        }
        assert!(
            Instant::now() < deadline,
            "no response reached the server: {list}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    match w
        .fetch(response_id)
        .await
        .expect("the worker reads responses")
    {
        Record::ConsultationResponse(r) => {
            assert!(
                r.talk_to_someone,
                "the 'talk to someone' flag reached the worker"
            );
            assert_eq!(r.consultation_id, cid.to_string());
        }
        other => panic!("expected a response, got {other:?}"),
    }

    // The next young person cannot get back to it: not by Back, and not by its address (kiosk
    // mode leads every address back to the start), nor in the kiosk account's list.
    tablet.click("#kiosk-start-again").await;
    tablet.wait_for("#kiosk[data-screen=\"consent\"]").await;
    tablet.driver().back().await.expect("history back");
    tablet.wait_for("#kiosk[data-screen=\"consent\"]").await;
    tablet
        .goto(&format!("{}/#/records/{response_id}", server.base))
        .await;
    tablet.wait_for("#kiosk[data-screen=\"consent\"]").await;
    assert!(
        !tablet.url().await.contains(&response_id.to_string()),
        "kiosk mode does not open the response's address"
    );
    let (_, list) = kiosk_api.get("/api/documents").await;
    assert!(
        !list.to_string().contains(&response_id.to_string()),
        "the kiosk account is never given its responses: {list}"
    );
    tablet.close().await;
}

#[tokio::test]
async fn a_stale_offline_edit_to_a_finished_note_is_refused_visibly_and_the_text_is_kept() {
    let Some(env) = BrowserEnv::get(
        "a_stale_offline_edit_to_a_finished_note_is_refused_visibly_and_the_text_is_kept",
    )
    .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Four").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;

    let laptop = env.browser(&Profile::new("laptop")).await;
    sign_in(&laptop, &server, &member).await;
    open_home(&laptop, &home).await;
    let id = new_visit_note(&laptop).await;
    laptop.fill("#body", "Agreed wording.").await;
    wait_saved_everywhere(&laptop).await;

    let signal = NetworkLink::to(&server).await;
    let phone = env.browser(&Profile::new("phone")).await;
    sign_in_at(&phone, &signal.base, &member).await;
    phone.goto(&format!("{}/#/records/{id}", signal.base)).await;
    phone.wait_for_value("#body", "Agreed wording.").await;

    // The phone, offline, keeps editing its now-stale copy...
    signal.cut();
    phone.wait_for(OFFLINE).await;
    let late = " A late thought typed on the phone.";
    phone.type_into("#body", late).await;
    wait_saved_on_device(&phone).await;

    // ...while the laptop marks the note finished, which locks it on the server.
    laptop.click("#close-note").await;
    laptop.wait_for(SAVED).await;
    let deadline = Instant::now() + WAIT;
    while wait_for_server_document(&member_api, id).await["state"] != WorkflowState::Closed.as_str()
    {
        assert!(
            Instant::now() < deadline,
            "the note was not closed on the server"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Back online, the server refuses the phone's edit: the phone says so, with what to do,
    // and the text typed is still there to copy.
    signal.restore();
    phone.wait_for(REJECTED).await;
    phone
        .wait_for_text(
            ".govuk-error-summary",
            "The server did not accept your change",
        )
        .await;
    phone.wait_for_value("#body", late.trim()).await;
    phone.screenshot("visit-note-rejected").await;
    phone.click("#copy-to-new-note").await;
    let copy = route_id(&phone, "#/records/").await;
    assert_ne!(copy, id, "the text went into a new note");
    phone.wait_for_value("#body", late.trim()).await;
    wait_saved_on_device(&phone).await;
    let listed = wait_for_server_document(&member_api, copy).await;
    assert_eq!(listed["state"], WorkflowState::Draft.as_str());

    // Once the text is safe, the refused copy can go: the note shows the server's version and
    // the status is clear again.
    phone.goto(&format!("{}/#/records/{id}", signal.base)).await;
    phone.click("#discard-local-copy").await;
    phone.wait_for(SAVED).await;
    phone
        .wait_until(
            "the note to show the server's finished version",
            "return document.querySelector('#body')?.value === 'Agreed wording.';",
        )
        .await;
    phone.close().await;
    laptop.close().await;
}

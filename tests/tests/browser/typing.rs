//! Typing into a Regulation 33 record (issue 10): each write to IndexedDB appends only the
//! changes since the last one to the stored full save, and the texts a view re-reads are brought
//! forward from the last read. What was typed over many writes must come back exactly, from the
//! device alone, after the browser restarts.

use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};
use hearth_e2e::app_steps::{
    open_home, route_id, sign_in, unlock, wait_saved_everywhere, wait_saved_on_device,
};
use hearth_e2e::browser::{Browser, BrowserEnv, Profile};
use hearth_e2e::server_bin;
use hearth_shared::model::Record;
use hearth_shared::permissions::Role;

/// Whether the service worker controls the page (the app shell is cached for offline starts).
async fn wait_for_service_worker(browser: &Browser) {
    browser
        .wait_until(
            "the service worker to control the page",
            "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
        )
        .await;
}

/// Opens the premises section of the open Regulation 33 record.
async fn open_premises(browser: &Browser) {
    browser.click(".task-link[data-section=\"premises\"]").await;
    browser.wait_for("#premises").await;
}

/// The whole value of `#premises`.
async fn premises_of(browser: &Browser) -> String {
    browser
        .execute("return document.getElementById('premises').value;", vec![])
        .await
        .as_str()
        .expect("the premises text is a string")
        .to_string()
}

#[tokio::test]
async fn reg33_text_typed_over_many_saves_comes_back_exactly_after_an_offline_restart() {
    let Some(env) = BrowserEnv::get(
        "reg33_text_typed_over_many_saves_comes_back_exactly_after_an_offline_restart",
    )
    .await
    else {
        return;
    };
    let mut server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic Typing House").await;
    let (_, member) = server.user(Role::Member, &[&home]).await;
    let profile = Profile::new("reg33-typist");
    let browser = env.browser(&profile).await;
    sign_in(&browser, &server, &member).await;
    wait_for_service_worker(&browser).await;
    open_home(&browser, &home).await;
    browser.click("#new-inspection").await;
    let id = route_id(&browser, "#/records/").await;
    open_premises(&browser).await;

    // Several bursts, each saved on the device before the next: every write after the first
    // appends to what is stored. Non-ASCII text too (positions are UTF-8 bytes).
    let mut typed = String::new();
    for burst in [
        "Boiler serviced in May.",
        " Kitchen clean; fridge temperatures logged.",
        " Garden gate fixed, café-style seating out.",
        " Fire doors close properly — checked all six.",
    ] {
        browser.type_into("#premises", burst).await;
        typed.push_str(burst);
        browser.wait_for_value("#premises", &typed).await;
        wait_saved_on_device(&browser).await;
    }
    assert_eq!(
        premises_of(&browser).await,
        typed,
        "the page shows what was typed"
    );
    browser.close().await;

    // No server: the restarted browser has only what IndexedDB kept.
    server.stop().await;
    let browser = env.browser(&profile).await;
    browser
        .goto(&format!("{}/#/records/{id}", server.base))
        .await;
    unlock(&browser, &member).await;
    open_premises(&browser).await;
    browser.wait_for_value("#premises", "Fire doors").await;
    assert_eq!(
        premises_of(&browser).await,
        typed,
        "exactly what was typed, from the device alone"
    );
    browser.close().await;
}

/// The premises box writes each keystroke as one splice and the page re-renders only after the
/// keystroke's frame. Text typed in bursts all reaches the server; another device's change to
/// another field and its words in the same paragraph, arriving between bursts, show on the page
/// while the box keeps its text; and nothing is lost on a reload.
#[tokio::test]
async fn reg33_text_typed_while_another_device_edits_keeps_both_and_reaches_the_server() {
    let Some(env) = BrowserEnv::get(
        "reg33_text_typed_while_another_device_edits_keeps_both_and_reaches_the_server",
    )
    .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic Bursts House").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let browser = env.browser(&Profile::new("reg33-bursts")).await;
    sign_in(&browser, &server, &member).await;
    open_home(&browser, &home).await;
    browser.click("#new-inspection").await;
    let id = route_id(&browser, "#/records/").await;
    open_premises(&browser).await;

    let mut typed = String::from("Boiler serviced in May.");
    browser.type_into("#premises", &typed).await;
    browser.wait_for_value("#premises", &typed).await;
    wait_saved_everywhere(&browser).await;

    // Another device (the same member's phone, over sync) dates the visit and adds words at the
    // start of the paragraph.
    let mut phone = member_api.sync().await;
    phone.fetch(id).await.expect("the member reads the record");
    phone.edit(id, |record| {
        if let Record::Inspection(inspection) = record {
            inspection.visit_date = "2026-03-27".into();
        }
    });
    let doc = phone.doc(id);
    let premises = doc.get(ROOT, "premises").unwrap().expect("premises").1;
    doc.splice_text(&premises, 0, 0, "Kitchen clean. ").unwrap();
    doc.commit();
    phone
        .sync_doc(id)
        .await
        .expect("the phone's changes reach the server");
    typed.insert_str(0, "Kitchen clean. ");
    browser
        .wait_for_text("#inspection-editor .govuk-caption-l", "March 2026")
        .await;
    browser.wait_for_value("#premises", &typed).await;

    // More bursts, the caret still at the end of the box's text.
    for burst in [" Garden gate fixed.", " Café-style seating out — checked."] {
        browser.type_into("#premises", burst).await;
        typed.push_str(burst);
        browser.wait_for_value("#premises", &typed).await;
    }
    wait_saved_everywhere(&browser).await;
    assert_eq!(premises_of(&browser).await, typed);
    let mut reader = member_api.sync().await;
    let Record::Inspection(stored) = reader.fetch(id).await.expect("the record is on the server")
    else {
        panic!("an inspection");
    };
    assert_eq!(
        stored.premises.as_str(),
        typed,
        "every keystroke on the server"
    );
    assert_eq!(stored.visit_date, "2026-03-27", "the phone's date kept");
    reader.close().await;
    phone.close().await;

    // A reload reads it all back.
    browser.reload().await;
    unlock(&browser, &member).await;
    open_premises(&browser).await;
    browser.wait_for_value("#premises", &typed).await;
    assert_eq!(premises_of(&browser).await, typed);
    browser.close().await;
}

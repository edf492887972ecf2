//! A record's history screen in the real app: a member writes a Regulation 33 record's
//! premises, goes offline and adds to them while another member rewrites them on her own
//! device; back online, the history names each with what the field said before and after,
//! "as it was then" shows the earlier text, a date before the record shows nothing, and after a
//! restart with the server gone the history still names them, from the device alone.

use automerge::ReadDoc;
use automerge::transaction::{CommitOptions, Transactable};
use hearth_e2e::app_steps::{
    SAVED, open_home, route_id, sign_in_at, unlock, wait_saved_everywhere, wait_saved_on_device,
};
use hearth_e2e::browser::{Browser, BrowserEnv, NO_SIGNAL, NetworkLink, Profile};
use hearth_e2e::{now_ms, root_text, server_bin};
use hearth_shared::permissions::Role;

/// The history's entries, newest first: who, and per field its key and the diff's text with
/// removed words as `[-…-]` and added ones as `{+…+}`.
async fn entries(browser: &Browser) -> Vec<(String, Vec<(String, String)>)> {
    let value = browser
        .execute(
            "return [...document.querySelectorAll('#history-entries > li')].map(li => [
                li.querySelector('.hearth-history__who').textContent,
                [...li.querySelectorAll('.hearth-history__field')].map(f => [
                    f.dataset.field,
                    [...f.querySelector('.hearth-diff').childNodes].map(n =>
                        n.nodeName === 'DEL' ? '[-' + n.textContent.replace(/^\\[removed: |\\]$/g, '') + '-]'
                        : n.nodeName === 'INS' ? '{+' + n.textContent.replace(/^\\[added: |\\]$/g, '') + '+}'
                        : n.textContent).join('')
                ])
            ]);",
            vec![],
        )
        .await;
    serde_json::from_value(value).expect("entries as [who, [[field, diff]]]")
}

/// The premises row of the "as it was" view.
async fn premises_as_it_was(browser: &Browser) -> String {
    browser.wait_for("#as-it-was").await;
    browser
        .text("#as-it-was .govuk-summary-list__row[data-field=\"premises\"] dd")
        .await
}

async fn wait_for_service_worker(browser: &Browser) {
    browser
        .wait_until(
            "the service worker to control the page",
            "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
        )
        .await;
}

#[tokio::test]
async fn history_names_two_members_edits_with_before_and_after_and_works_offline() {
    let Some(env) =
        BrowserEnv::get("history_names_two_members_edits_with_before_and_after_and_works_offline")
            .await
    else {
        return;
    };
    let mut server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic History House").await;
    let (_, ann) = server.user(Role::Member, &[&home]).await;
    let (bea_api, bea) = server.user(Role::Member, &[&home]).await;

    let signal = NetworkLink::to(&server).await;
    let profile = Profile::new("history-ann");
    let browser = env.browser(&profile).await;
    sign_in_at(&browser, &signal.base, &ann).await;
    wait_for_service_worker(&browser).await;
    open_home(&browser, &home).await;
    browser.click("#new-inspection").await;
    let id = route_id(&browser, "#/records/").await;
    browser.click(".task-link[data-section=\"premises\"]").await;
    browser
        .type_into("#premises", "The kitchen was clean.")
        .await;
    wait_saved_everywhere(&browser).await;

    // Bea's device has the record; Ann loses signal and adds to the premises meanwhile.
    let mut b = bea_api.sync().await;
    b.fetch(id).await.expect("Bea opens the draft");
    signal.cut();
    browser.type_into("#premises", " Added offline.").await;
    wait_saved_on_device(&browser).await;
    {
        let doc = b.doc(id);
        let premises = root_text(doc, "premises");
        let len = doc.length(&premises);
        doc.splice_text(
            &premises,
            0,
            len as isize,
            "The kitchen needed a deep clean.",
        )
        .unwrap();
        doc.commit_with(CommitOptions::default().with_time(now_ms() / 1000));
    }
    b.sync_doc(id).await.expect("Bea's rewrite is accepted");
    signal.restore();
    browser.wait_for(SAVED).await;
    browser.wait_for_value("#premises", "deep clean").await;

    // The history, online: both named, newest first.
    browser.click("#record-history").await;
    browser.wait_for("#history-entries > li").await;
    browser
        .wait_for_text("#history-source", "as the server recorded it")
        .await;
    let shown = entries(&browser).await;
    let premises_of = |who: &str| -> Vec<String> {
        shown
            .iter()
            .filter(|(w, _)| w == who)
            .flat_map(|(_, fields)| fields.iter())
            .filter(|(key, _)| key == "premises")
            .map(|(_, diff)| diff.clone())
            .collect()
    };
    let bea_edits = premises_of(&bea.display_name);
    assert_eq!(bea_edits.len(), 1, "one entry by Bea: {shown:#?}");
    assert!(
        bea_edits[0].contains("[-was-]{+needed a deep+}"),
        "{}",
        bea_edits[0]
    );
    let ann_edits = premises_of(&format!("{} (you)", ann.display_name)).join(" | ");
    assert!(ann_edits.contains("{+The kitchen was clean"), "{ann_edits}");
    assert!(ann_edits.contains("Added offline"), "{ann_edits}");
    browser.screenshot("record-history").await;

    // As it was just before Bea's entry: without her words; after it: with them.
    let bea_at = shown
        .iter()
        .position(|(w, _)| *w == bea.display_name)
        .expect("Bea's entry");
    let then_buttons = "#history-entries > li .hearth-history__then";
    let click_then = |index: usize| {
        let browser = &browser;
        async move {
            browser
                .execute(
                    "document.querySelectorAll(arguments[0])[arguments[1]].click();",
                    vec![then_buttons.into(), index.into()],
                )
                .await;
        }
    };
    click_then(bea_at + 1).await;
    let before_bea = premises_as_it_was(&browser).await;
    assert!(
        before_bea.contains("The kitchen was clean."),
        "{before_bea}"
    );
    assert!(!before_bea.contains("deep clean"), "{before_bea}");
    browser.screenshot("record-as-it-was").await;
    browser.click("#as-it-was-close").await;
    browser.wait_for("#history-entries").await;
    click_then(bea_at).await;
    assert!(premises_as_it_was(&browser).await.contains("deep clean"));
    browser.click("#as-it-was-close").await;

    // On a date before the record was made there was nothing.
    browser
        .execute(
            "document.getElementById('history-date').value = '2020-01-31';",
            vec![],
        )
        .await;
    browser.click("#history-date-show").await;
    browser
        .wait_for_text("#as-it-was", "The record did not exist yet")
        .await;
    browser.click("#as-it-was-close").await;
    browser.close().await;

    // No server: the restarted app shows the history from the device alone.
    server.stop().await;
    let browser = env.browser(&profile).await;
    browser
        .goto(&format!("{}/#/records/{id}/history", signal.base))
        .await;
    unlock(&browser, &ann).await;
    browser.wait_for("#history-entries > li").await;
    browser
        .wait_for_text("#history-source", "You are offline")
        .await;
    let offline = entries(&browser).await;
    assert!(
        offline.iter().any(|(w, _)| *w == bea.display_name),
        "Bea is still named offline: {offline:#?}"
    );
    browser.assert_no_console_errors_but(&[NO_SIGNAL]).await;
    browser.close().await;
}

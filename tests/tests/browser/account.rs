//! A person's account on a device. Signing out on a shared or lost device: the device's copy
//! of the user's records, their wrapped key and cached profile are deleted, and the server
//! session ends — at once when online, or as soon as the network is back when signed out
//! offline (the session cookie is HttpOnly, so until the server is told it would keep working
//! on that device). Changing the password: the device's records then unlock with the new one.
//!
//! DOM contract: `#sign-out` and `#nav-password` in the header, the sign-in page's
//! `#username`, the password page's `#current-password`, `#new-password`,
//! `#confirm-password`, `#change-password`, `#password-changed` and `.govuk-error-summary`.

use hearth_e2e::app_steps::{
    SAVED, me_status, new_visit_note, open_home, sign_in, unlock, wait_saved_everywhere,
};
use hearth_e2e::browser::{Browser, BrowserEnv, Profile};
use hearth_e2e::{WAIT, server_bin};
use hearth_shared::permissions::Role;
use std::time::{Duration, Instant};

/// The session cookie's name (`server::auth::SESSION_COOKIE`).
const SESSION_COOKIE: &str = "hearth_session";

/// How many entries the app's IndexedDB stores hold: `{documents, user, keys}`.
const STORED_COUNTS: &str = r#"
const done = arguments[arguments.length - 1];
const open = indexedDB.open('hearth');
open.onerror = () => done({ error: String(open.error) });
open.onsuccess = () => {
  const db = open.result;
  const names = ['documents', 'user', 'keys'];
  const tx = db.transaction(names, 'readonly');
  const counts = {};
  let left = names.length;
  for (const name of names) {
    const count = tx.objectStore(name).count();
    count.onsuccess = () => {
      counts[name] = count.result;
      if (--left === 0) { db.close(); done(counts); }
    };
  }
};"#;

async fn stored_counts(browser: &Browser) -> serde_json::Value {
    browser.execute_async(STORED_COUNTS, vec![]).await
}

#[tokio::test]
async fn signing_out_offline_deletes_the_device_copy_and_ends_the_session_once_online() {
    let Some(env) = BrowserEnv::get(
        "signing_out_offline_deletes_the_device_copy_and_ends_the_session_once_online",
    )
    .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Eight").await;
    let (_, member) = server.user(Role::Member, &[&home]).await;
    let tablet = env.browser(&Profile::new("shared-tablet")).await;
    sign_in(&tablet, &server, &member).await;
    open_home(&tablet, &home).await;
    new_visit_note(&tablet).await;
    tablet
        .fill("#body", "Synthetic note written on a shared tablet.")
        .await;
    wait_saved_everywhere(&tablet).await;
    let before = stored_counts(&tablet).await;
    assert!(
        before["documents"].as_u64() >= Some(1) && before["keys"] == 1 && before["user"] == 1,
        "the device holds the note, the wrapped key and the profile: {before}"
    );
    let session = tablet
        .cookie(SESSION_COOKIE)
        .await
        .expect("signed in with a session cookie");

    // Offline, everything sent: signing out needs no confirmation.
    tablet.set_offline(true).await;
    tablet.click("#sign-out").await;
    tablet.wait_for("#username").await;
    let after = stored_counts(&tablet).await;
    assert_eq!(
        after,
        serde_json::json!({ "documents": 0, "user": 0, "keys": 0 }),
        "nothing of the user's is left on the device"
    );
    // The server could not be told yet: the cookie left on the device still works there.
    assert_eq!(me_status(&server.base, &session).await, 200);

    // Back online: the app ends that session without anyone signing in.
    tablet.set_offline(false).await;
    let started = Instant::now();
    while me_status(&server.base, &session).await != 401 {
        assert!(
            started.elapsed() < WAIT,
            "the server session was still open {WAIT:?} after the network came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Requests made while the network was cut are logged by the browser; nothing else may be.
    tablet
        .assert_no_console_errors_but(&["net::ERR_INTERNET_DISCONNECTED"])
        .await;
    tablet.close().await;
}

#[tokio::test]
async fn a_changed_password_unlocks_the_records_on_this_device() {
    let Some(env) = BrowserEnv::get("a_changed_password_unlocks_the_records_on_this_device").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Nine").await;
    let (_, mut member) = server.user(Role::Member, &[&home]).await;
    let laptop = env.browser(&Profile::new("password-changer")).await;
    sign_in(&laptop, &server, &member).await;
    open_home(&laptop, &home).await;
    let id = new_visit_note(&laptop).await;
    let body = "Synthetic note kept across a password change.";
    laptop.fill("#body", body).await;
    wait_saved_everywhere(&laptop).await;

    laptop.click("#nav-password").await;
    laptop
        .wait_for_text("main h1", "Change your password")
        .await;
    let new_password = "synthetic-changed-password-9";
    laptop
        .fill("#current-password", "not-the-password-at-all")
        .await;
    laptop.fill("#new-password", new_password).await;
    laptop.fill("#confirm-password", new_password).await;
    laptop.click("#change-password").await;
    laptop
        .wait_for_text(".govuk-error-summary", "Your current password is not right")
        .await;
    laptop.fill("#current-password", &member.password).await;
    laptop.click("#change-password").await;
    laptop
        .wait_for_text("#password-changed", "Your password has been changed")
        .await;
    laptop.screenshot("password-changed").await;

    // The records on this device open with the new password.
    member.password = new_password.to_string();
    laptop
        .goto(&format!("{}/#/records/{id}", server.base))
        .await;
    laptop.reload().await;
    unlock(&laptop, &member).await;
    laptop.wait_for_value("#body", body).await;
    // The browser logs the refused wrong password; nothing else may be logged.
    laptop
        .assert_no_console_errors_but(&[
            "/api/me/password - Failed to load resource: the server responded with a status of 401",
        ])
        .await;
    laptop.close().await;
}

#[tokio::test]
async fn a_generated_password_is_replaced_before_anything_else() {
    let Some(env) = BrowserEnv::get("a_generated_password_is_replaced_before_anything_else").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Ten").await;
    let admin = server.admin().await;
    let (status, body) = admin
        .post(
            "/api/admin/users",
            &serde_json::json!({ "username": "test-new-member", "displayName": "Test New Member", "role": "member" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let generated = body["password"].as_str().expect("a generated password");
    let id = body["user"]["id"].as_str().expect("an id");
    let (status, body) = admin
        .post(
            "/api/admin/assignments",
            &serde_json::json!({ "userId": id, "homeId": home }),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let browser = env.browser(&Profile::new("first-sign-in")).await;
    browser.goto(&format!("{}/#/sign-in", server.base)).await;
    browser.fill("#username", "test-new-member").await;
    browser.fill("#password", generated).await;
    browser.click("#sign-in").await;
    browser
        .wait_for_text("main h1", "Choose your own password")
        .await;
    browser.screenshot("password-must-change").await;
    let chosen = "synthetic-chosen-password-10";
    browser.fill("#current-password", generated).await;
    browser.fill("#new-password", chosen).await;
    browser.fill("#confirm-password", chosen).await;
    browser.click("#change-password").await;
    // Then the app is theirs: the homes page, and their home's records list syncs.
    browser.wait_for_text("main h1", "Homes").await;
    open_home(&browser, &home).await;
    browser.wait_for(SAVED).await;
    // Before the change the server refused the listings (403), which the
    // browser logs; nothing else may be logged.
    browser
        .assert_no_console_errors_but(&["the server responded with a status of 403"])
        .await;
    browser.close().await;
}

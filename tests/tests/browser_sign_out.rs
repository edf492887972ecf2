//! Signing out on a shared or lost device: the device's copy of the user's records, their
//! wrapped key and cached profile are deleted, and the server session ends — at once when
//! online, or as soon as the network is back when signed out offline (the session cookie is
//! HttpOnly, so until the server is told it would keep working on that device).
//!
//! DOM contract: `#sign-out` in the header, the sign-in page's `#username`.

use hearth_e2e::app_steps::{SAVED, open_home, sign_in};
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

/// `GET /api/me` with `session` as the cookie, as the device holding it could: the status.
async fn me_status(base: &str, session: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/api/me"))
        .header("cookie", format!("{SESSION_COOKIE}={session}"))
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
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
    tablet.click("#new-visit-note").await;
    tablet
        .fill("#body", "Synthetic note written on a shared tablet.")
        .await;
    tablet.wait_for("#local-save[data-state=\"saved\"]").await;
    tablet.wait_for(SAVED).await;
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
    let errors: Vec<String> = tablet
        .console_errors()
        .await
        .into_iter()
        .filter(|e| !e.contains("net::ERR_INTERNET_DISCONNECTED"))
        .collect();
    assert!(errors.is_empty(), "the page logged errors: {errors:?}");
    tablet.close().await;
}

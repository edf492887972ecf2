//! First sync of a new device (issue 10, goal 4): a member whose caseload is on the server signs
//! in on a fresh browser profile; timed from the click on "Sign in" to every record stored
//! encrypted in IndexedDB, in the page. Also the server's part alone: the bulk download
//! (`GET /api/documents/snapshot`) of the same records over loopback.

use super::{data, fill_sign_in, probe};
use crate::browser::{Browser, BrowserEnv, Profile};
use crate::server::TestUser;
use hearth_shared::permissions::Role;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a first sync may take before the bench gives up on it.
const LIMIT: Duration = Duration::from_secs(300);

/// Watches IndexedDB from inside the page: every 10 ms counts the user's stored documents and
/// marks `performance.now()` once there are `arguments[1]` of them. Each count opens and closes
/// its own connection, so the app's database upgrades are never blocked.
const WATCH_STORED: &str = r#"
const [user, wanted] = arguments;
const range = IDBKeyRange.bound(user + '/', user + '/\uffff');
window.__firstSyncStored = null;
const poll = () => {
  const open = indexedDB.open('hearth');
  open.onerror = () => setTimeout(poll, 10);
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('documents')) { db.close(); setTimeout(poll, 10); return; }
    const count = db.transaction('documents').objectStore('documents').count(range);
    count.onsuccess = () => {
      db.close();
      if (count.result >= wanted) window.__firstSyncStored = performance.now();
      else setTimeout(poll, 10);
    };
    count.onerror = () => { db.close(); setTimeout(poll, 10); };
  };
};
poll();"#;

/// The first-sync figures, in milliseconds, one value per run.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstSync {
    /// Records the member may read (all of them are downloaded).
    pub records: usize,
    /// The bulk download's body, in bytes.
    pub download_bytes: usize,
    /// `GET /api/documents/snapshot` → whole body received, over loopback (the server's part).
    pub server_download_ms: Vec<f64>,
    /// "Sign in" clicked → every record stored encrypted in IndexedDB, fresh profile each run.
    pub sign_in_to_stored_ms: Vec<f64>,
}

/// Measures a first sync of `records` visit notes, `runs` times, against a server of its own.
pub async fn measure(
    env: &BrowserEnv,
    server_bin: &Path,
    records: usize,
    runs: usize,
) -> FirstSync {
    let server = env.start_server(&server_bin.to_string_lossy()).await;
    let home = server.home("Synthetic First Sync House").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    eprintln!("client bench: first sync, creating {records} visit notes");
    data::visit_notes(&api, &member.id, &home, records).await;

    let mut server_download_ms = Vec::with_capacity(runs);
    let mut download_bytes = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let res = api
            .raw(reqwest::Method::GET, "/api/documents/snapshot")
            .await;
        assert_eq!(res.status().as_u16(), 200, "the bulk download is served");
        let body = res.bytes().await.expect("the whole body arrives");
        server_download_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        download_bytes = body.len();
    }

    let mut sign_in_to_stored_ms = Vec::with_capacity(runs);
    for n in 0..runs {
        eprintln!("client bench: first sync, run {} of {runs}", n + 1);
        let browser = env.browser(&Profile::new("first-sync")).await;
        sign_in_to_stored_ms.push(one_run(&browser, &server.base, &member, records).await);
        browser.close().await;
    }
    FirstSync {
        records,
        download_bytes,
        server_download_ms,
        sign_in_to_stored_ms,
    }
}

/// One new device: signs in and waits until IndexedDB holds every record; returns the
/// milliseconds from the click to that moment, both taken in the page.
pub async fn one_run(browser: &Browser, base: &str, member: &TestUser, records: usize) -> f64 {
    probe::install(browser, 0, "").await;
    fill_sign_in(browser, base, member).await;
    browser
        .execute(
            WATCH_STORED,
            vec![
                serde_json::Value::from(member.id.as_str()),
                serde_json::Value::from(records),
            ],
        )
        .await;
    browser.click("#sign-in").await;
    let [clicked] = probe::wait_for_marks(browser, LIMIT, &["signInClick"]).await;
    let stored = browser
        .wait_until_within(
            LIMIT,
            &format!("{records} records stored in IndexedDB"),
            "return window.__firstSyncStored || false;",
        )
        .await;
    stored.as_f64().expect("a timestamp") - clicked
}

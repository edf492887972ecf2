//! Cold start with many records on the device: Chromium starts on a profile that holds the
//! records (encrypted in IndexedDB) and the service worker's app shell, with the server gone,
//! and opens the records list. The list shows [`PAGE_ROWS`] rows a page, read from the
//! metadata index, so "interactive" is its first page with the summary counting every record.

use super::{data, probe, sign_in, unlock};
use crate::browser::{Browser, BrowserEnv, Profile};
use crate::server::TestUser;
use hearth_shared::permissions::Role;
use std::path::Path;
use std::time::{Duration, Instant};

/// Rows on the first page of the records list (the client's `RECORDS_PER_PAGE`).
pub const PAGE_ROWS: usize = 50;

/// The rows the list renders for `records` records: its first page.
fn first_page(records: usize) -> usize {
    records.min(PAGE_ROWS)
}

/// How long the first online visit may take to bring every record down and store it.
const SYNC_DOWN_LIMIT: Duration = Duration::from_secs(600);
/// How long an offline start may take from navigation to an interactive list.
const START_LIMIT: Duration = Duration::from_secs(180);

/// Counts this profile's stored records (one user on it) that have their metadata index entry:
/// the smaller of the IndexedDB `documents` and `index` stores' counts.
const COUNT_STORED: &str = r#"
const done = arguments[arguments.length - 1];
const open = indexedDB.open('hearth');
open.onerror = () => done(-1);
open.onsuccess = () => {
  const db = open.result;
  const tx = db.transaction(['documents', 'index']);
  const docs = tx.objectStore('documents').count();
  const entries = tx.objectStore('index').count();
  tx.oncomplete = () => { db.close(); done(Math.min(docs.result, entries.result)); };
  tx.onerror = () => { db.close(); done(-1); };
};"#;

/// Counts the marks of writes not yet covered by the metadata index's checkpoint (keys
/// `<user>/~marked/<id>` of the `index` store): each is an entry the next unlock reads on its own.
const MARKS_LEFT: &str = r#"
const done = arguments[arguments.length - 1];
const open = indexedDB.open('hearth');
open.onerror = () => done(-1);
open.onsuccess = () => {
  const db = open.result;
  const keys = db.transaction('index').objectStore('index').getAllKeys();
  keys.onsuccess = () => { db.close(); done(keys.result.filter((k) => k.includes('/~marked/')).length); };
  keys.onerror = () => { db.close(); done(-1); };
};"#;

/// The records list's summary: how many records it counts, and how many are still downloading.
const LIST_SUMMARY: &str = "const s = document.getElementById('records-summary'); \
     return s ? [Number(s.dataset.total), Number(s.dataset.downloading)] : [-1, -1];";

/// What the client's unlock path is made of, measured separately in the same page: reading the
/// metadata index (what unlock reads: one small entry per record, no document), PBKDF2 with the
/// vault's parameters, and AES-GCM decryption of envelopes the size of the stored entries, one
/// after another and all at once (as the client does).
const CRYPTO_COSTS: &str = r#"
const done = arguments[arguments.length - 1];
(async () => {
  const readAll = () => new Promise((resolve, reject) => {
    const open = indexedDB.open('hearth');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const all = db.transaction('index').objectStore('index').getAll();
      all.onsuccess = () => { db.close(); resolve(all.result); };
      all.onerror = () => { db.close(); reject(all.error); };
    };
  });
  let t = performance.now();
  const stored = await readAll();
  const idbReadMs = performance.now() - t;
  const sizes = stored.map((value) => value.byteLength);
  const subtle = crypto.subtle;
  const password = await subtle.importKey('raw', new TextEncoder().encode('synthetic password'),
    'PBKDF2', false, ['deriveBits']);
  t = performance.now();
  await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16),
    iterations: 600000 }, password, 256);
  const pbkdf2Ms = performance.now() - t;
  const key = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false,
    ['encrypt', 'decrypt']);
  const sealed = await Promise.all(sizes.map(async (size) => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = new Uint8Array(Math.max(0, size - 29));
    return { iv, data: await subtle.encrypt({ name: 'AES-GCM', iv }, key, plain) };
  }));
  t = performance.now();
  for (const s of sealed) await subtle.decrypt({ name: 'AES-GCM', iv: s.iv }, key, s.data);
  const sequentialMs = performance.now() - t;
  t = performance.now();
  await Promise.all(sealed.map((s) => subtle.decrypt({ name: 'AES-GCM', iv: s.iv }, key, s.data)));
  const concurrentMs = performance.now() - t;
  done({ count: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0), idbReadMs, pbkdf2Ms,
    sequentialMs, concurrentMs });
})().catch((error) => done({ error: String(error) }));"#;

/// One offline cold start's figures, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColdRun {
    /// WebDriver session creation: Chromium's own start (not part of the app's figures).
    pub chromium_start_ms: f64,
    /// Navigation start → the app shell's HTML has arrived.
    pub shell_response_ms: f64,
    /// Whether the service worker served the navigation.
    pub from_service_worker: bool,
    /// Navigation start → the Unlock page is shown.
    pub unlock_page_ms: f64,
    /// Unlock pressed → the list's first page of rows is rendered (every record counted).
    pub unlock_to_rows_ms: f64,
    /// Unlock pressed → the first frame after that (the list answers input).
    pub unlock_to_interactive_ms: f64,
    /// With the records already in memory: in-app navigation → the list's first frame (the
    /// rendering part of the above).
    pub rerender_ms: f64,
}

/// The client's unlock path in parts, from [`CRYPTO_COSTS`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CryptoCosts {
    /// Records stored.
    pub count: u64,
    /// Their encrypted size, all together.
    pub bytes: u64,
    /// One `getAll` of the documents store.
    pub idb_read_ms: f64,
    /// PBKDF2-SHA-256, 600,000 iterations (the vault's key derivation, once per unlock).
    pub pbkdf2_ms: f64,
    /// Decrypting every record, awaiting each before the next.
    pub sequential_decrypt_ms: f64,
    /// Decrypting every record with all requests in flight at once.
    pub concurrent_decrypt_ms: f64,
}

/// The first online visit on a fresh profile: signs `member` in at `base`, opens `home`'s
/// records list and waits until all `records` rows are there, the status says saved and every
/// record is stored in IndexedDB. Closes the browser and returns the profile and how long that
/// took from pressing "Sign in".
pub async fn first_visit(
    env: &BrowserEnv,
    base: &str,
    member: &TestUser,
    home: &str,
    records: usize,
) -> (Profile, Duration) {
    let profile = Profile::new("cold-start");
    let browser = env.browser(&profile).await;
    probe::install(&browser, first_page(records), "").await;
    let started = Instant::now();
    sign_in(&browser, base, member).await;
    browser
        .wait_until(
            "the service worker to control the page",
            "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
        )
        .await;
    probe::navigate(&browser, &format!("#/homes/{home}")).await;
    browser
        .wait_until_within(
            SYNC_DOWN_LIMIT,
            &format!("{records} downloaded records and the status 'saved'"),
            &format!(
                "const s = document.getElementById('records-summary'); \
                 return !!s && Number(s.dataset.total) >= {records} \
                 && s.dataset.downloading === '0' \
                 && !!document.querySelector('#sync-status[data-state=\"saved\"]');"
            ),
        )
        .await;
    wait_stored(&browser, records).await;
    let took = started.elapsed();
    // A device in use has its index checkpointed (written once the download's marks add up):
    // the cold starts measure that, not the one start after a download that reads every entry.
    wait_checkpointed(&browser).await;
    browser.screenshot("bench-records-online").await;
    browser.close().await;
    (profile, took)
}

/// Waits until IndexedDB holds `records` documents (they are written a moment after they
/// arrive), so closing the browser loses none.
async fn wait_stored(browser: &Browser, records: usize) {
    let deadline = Instant::now() + SYNC_DOWN_LIMIT;
    loop {
        let stored = browser.execute_async(COUNT_STORED, vec![]).await;
        if stored.as_u64().is_some_and(|n| n >= records as u64) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "IndexedDB held {stored} of {records} records after {SYNC_DOWN_LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the metadata index's checkpoint covers every write ([`MARKS_LEFT`] is 0).
async fn wait_checkpointed(browser: &Browser) {
    let deadline = Instant::now() + SYNC_DOWN_LIMIT;
    loop {
        let left = browser.execute_async(MARKS_LEFT, vec![]).await;
        if left.as_u64() == Some(0) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{left} index entries were still marked after {SYNC_DOWN_LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One cold start on `profile` with the server unreachable: Chromium starts, opens `home`'s
/// records at `base`, the member unlocks, and the list shows all `records`. With `measure_parts`
/// also returns [`CryptoCosts`] measured in the same page afterwards.
pub async fn cold_start(
    env: &BrowserEnv,
    profile: &Profile,
    base: &str,
    member: &TestUser,
    home: &str,
    records: usize,
    measure_parts: bool,
) -> (ColdRun, Option<CryptoCosts>) {
    let launched = Instant::now();
    let browser = env.browser(profile).await;
    let chromium_start_ms = launched.elapsed().as_secs_f64() * 1000.0;
    probe::install(&browser, first_page(records), "").await;
    browser.goto(&format!("{base}/#/homes/{home}")).await;
    let [unlock_page_ms] = marks(&browser, &["unlockPage"]).await;
    let shell = probe::shell_timing(&browser).await;
    browser.screenshot("bench-unlock-offline").await;
    unlock(&browser, member).await;
    let [click, rows, frame] = marks(&browser, &["unlockClick", "rows", "rowsFrame"]).await;
    browser.screenshot("bench-records-offline").await;
    // The first page is not the whole story unless the list counts every record.
    let summary = browser.execute(LIST_SUMMARY, vec![]).await;
    assert_eq!(
        summary,
        serde_json::json!([records, 0]),
        "the offline list counts every stored record, none downloading"
    );

    // The same list again with the records already in memory: what rendering alone costs.
    probe::navigate(&browser, "#/").await;
    browser.wait_for("a.home-link").await;
    probe::navigate(&browser, &format!("#/homes/{home}")).await;
    let [navigated, _, rerendered] = marks(&browser, &["navigate", "rows", "rowsFrame"]).await;

    let parts = if measure_parts {
        Some(crypto_costs(&browser).await)
    } else {
        None
    };
    browser.close().await;
    (
        ColdRun {
            chromium_start_ms,
            shell_response_ms: shell.response_end_ms,
            from_service_worker: shell.from_service_worker,
            unlock_page_ms,
            unlock_to_rows_ms: rows - click,
            unlock_to_interactive_ms: frame - click,
            rerender_ms: rerendered - navigated,
        },
        parts,
    )
}

async fn marks<const N: usize>(browser: &Browser, names: &[&str; N]) -> [f64; N] {
    probe::wait_for_marks(browser, START_LIMIT, names).await
}

async fn crypto_costs(browser: &Browser) -> CryptoCosts {
    let costs = browser.execute_async(CRYPTO_COSTS, vec![]).await;
    assert!(
        costs["error"].is_null(),
        "measuring the unlock path's parts: {costs}"
    );
    let ms = |name: &str| costs[name].as_f64().unwrap_or(f64::NAN);
    CryptoCosts {
        count: costs["count"].as_u64().unwrap_or(0),
        bytes: costs["bytes"].as_u64().unwrap_or(0),
        idb_read_ms: ms("idbReadMs"),
        pbkdf2_ms: ms("pbkdf2Ms"),
        sequential_decrypt_ms: ms("sequentialMs"),
        concurrent_decrypt_ms: ms("concurrentMs"),
    }
}

/// One caseload measured on its own server: `records` visit notes by one member, their first
/// online visit, and `runs` offline cold starts (the unlock path's parts in the last one).
#[derive(Debug, Clone)]
pub struct Caseload {
    /// Records on the device.
    pub records: usize,
    /// Creating them through the sync client (not part of the figures).
    pub setup: Duration,
    /// The first online visit: "Sign in" pressed → every record stored in IndexedDB.
    pub first_visit: Duration,
    /// Each offline cold start.
    pub cold: Vec<ColdRun>,
    /// The unlock path's parts, measured in the last cold start's page.
    pub parts: Option<CryptoCosts>,
}

/// Measures a [`Caseload`] of `records` on a fresh server started from `server_bin` (stopped
/// before the cold starts, so they are offline).
pub async fn caseload(
    env: &BrowserEnv,
    server_bin: &Path,
    records: usize,
    runs: usize,
) -> Caseload {
    let mut server = env.start_server(&server_bin.to_string_lossy()).await;
    let home = server.home("Synthetic Caseload House").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    eprintln!("client bench: creating {records} visit notes");
    let started = Instant::now();
    data::visit_notes(&api, &member.id, &home, records).await;
    let setup = started.elapsed();
    eprintln!("client bench: first online visit, {records} records to the device");
    let (profile, first_visit) = first_visit(env, &server.base, &member, &home, records).await;
    server.stop().await;
    let mut cold = Vec::with_capacity(runs);
    let mut parts = None;
    for n in 0..runs {
        eprintln!(
            "client bench: offline cold start with {records} records, run {} of {runs}",
            n + 1
        );
        let (run, measured) = cold_start(
            env,
            &profile,
            &server.base,
            &member,
            &home,
            records,
            n + 1 == runs,
        )
        .await;
        cold.push(run);
        parts = parts.or(measured);
    }
    Caseload {
        records,
        setup,
        first_visit,
        cold,
        parts,
    }
}

//! Opening a Regulation 33 record with a long edit history: on a new device right after
//! signing in (downloaded from the server), from memory, and from IndexedDB after a reload.

use super::{fill_sign_in, probe, unlock};
use crate::browser::{Browser, BrowserEnv, Profile};
use crate::server::TestUser;
use hearth_shared::ids::DocumentId;
use serde_json::Value;
use std::time::Duration;

/// What is typed at the end of the premises text, one key at a time.
pub const KEYS: &str = " Synthetic note: boiler serviced.";

/// How long one open may take.
const OPEN_LIMIT: Duration = Duration::from_secs(120);

/// Opens the record as soon as the homes page appears after signing in, as a councillor
/// following a link would, so the download from the server is part of the measured open.
const OPEN_AFTER_SIGN_IN: &str = r#"
const hash = arguments[0];
const bench = window.__hearthBench;
const watch = new MutationObserver(() => {
  if (!document.querySelector('a.home-link')) return;
  watch.disconnect();
  bench.mark('navigate');
  location.hash = hash;
});
watch.observe(document, { childList: true, subtree: true });"#;

/// One run's figures, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reg33Run {
    /// New device, online: route change → the editor's first frame with the record read
    /// (premises included), the record downloaded from the server meanwhile.
    pub online_open_ms: f64,
    /// Whether the page said "Downloading this record" first (the open included the download).
    pub downloaded_during_open: bool,
    /// Pressing "Sign in" → the same frame.
    pub sign_in_to_editor_ms: f64,
    /// Opening the premises section → its textarea holds the whole text (next frame).
    pub premises_section_ms: f64,
    /// Typing at the end of the premises text, one key per frame: input event → the next
    /// frame, median and slowest of [`KEYS`].
    pub keystroke_ms: f64,
    /// The slowest of those keystrokes.
    pub slowest_keystroke_ms: f64,
    /// The record already in memory: route change → the editor's first frame.
    pub memory_open_ms: f64,
    /// After a reload: unlock pressed → the editor's first frame, from IndexedDB.
    pub local_unlock_to_editor_ms: f64,
}

/// One run on a fresh profile for `member`, who wrote the record `id` for `home`.
pub async fn run(
    env: &BrowserEnv,
    base: &str,
    member: &TestUser,
    home: &str,
    id: DocumentId,
    run: usize,
) -> Reg33Run {
    let browser = env.browser(&Profile::new(&format!("reg33-{run}"))).await;
    probe::install(&browser, 0, super::data::PREMISES_TAIL).await;
    let record = format!("#/records/{id}");

    fill_sign_in(&browser, base, member).await;
    browser
        .execute(OPEN_AFTER_SIGN_IN, vec![Value::from(record.as_str())])
        .await;
    browser.click("#sign-in").await;
    let [signed_in, navigated, _, online] = marks(
        &browser,
        &["signInClick", "navigate", "editor", "editorFrame"],
    )
    .await;
    let downloaded_during_open = probe::has_mark(&browser, "downloading").await;
    browser.screenshot("bench-reg33-task-list").await;

    browser.click(".task-link[data-section=\"premises\"]").await;
    let [clicked, _, premises] =
        marks(&browser, &["premisesClick", "premises", "premisesFrame"]).await;
    browser.screenshot("bench-reg33-premises").await;
    let (keystroke_ms, slowest_keystroke_ms) = type_keys(&browser, "the app").await;
    let typed = browser
        .execute("return document.getElementById('premises').value;", vec![])
        .await;

    probe::navigate(&browser, &format!("#/homes/{home}")).await;
    browser.wait_for(".record-row").await;
    probe::navigate(&browser, &record).await;
    let [memory_start, _, memory] = marks(&browser, &["navigate", "editor", "editorFrame"]).await;

    // Everything stored and acknowledged before the reload, so the reload reads it all locally.
    browser.wait_for("#local-save").await;
    browser
        .wait_until(
            "the record saved on the device and the server",
            "return !!document.querySelector('#sync-status[data-state=\"saved\"]') \
             && document.getElementById('local-save').textContent.includes('Saved on this device');",
        )
        .await;
    browser.reload().await;
    unlock(&browser, member).await;
    let [unlocked, _, local] = marks(&browser, &["unlockClick", "editor", "editorFrame"]).await;
    plain_textarea(&browser, typed).await;
    browser.close().await;

    Reg33Run {
        online_open_ms: online - navigated,
        downloaded_during_open,
        sign_in_to_editor_ms: online - signed_in,
        premises_section_ms: premises - clicked,
        keystroke_ms,
        slowest_keystroke_ms,
        memory_open_ms: memory - memory_start,
        local_unlock_to_editor_ms: local - unlocked,
    }
}

async fn marks<const N: usize>(browser: &Browser, names: &[&str; N]) -> [f64; N] {
    probe::wait_for_marks(browser, OPEN_LIMIT, names).await
}

/// Where each keystroke's time goes, printed with the figures (not part of them): from the
/// key's `keydown` event (`timeStamp`: when the browser created it, so time the key waited for
/// the page's main thread counts) to the `input` event, the page's own handling of the input
/// (every listener, the app's and the render it schedules, until the event has bubbled to the
/// window), the wait for the next frame, and that frame (style, layout, paint) until a task can
/// run after it.
const BREAKDOWN: &str = r#"
const steps = window.__hearthKeySteps = [];
let key = null;
addEventListener('keydown', (e) => { key = { down: e.timeStamp }; }, true);
addEventListener('input', (e) => {
  if (!key || e.target.id !== 'premises') return;
  key.input = performance.now();
}, true);
addEventListener('input', (e) => {
  if (!key || e.target.id !== 'premises') return;
  const k = key; key = null;
  k.handled = performance.now();
  requestAnimationFrame(() => {
    k.frame = performance.now();
    setTimeout(() => {
      k.drawn = performance.now();
      steps.push([k.input - k.down, k.handled - k.input, k.frame - k.handled, k.drawn - k.frame,
                  k.drawn - k.down]);
    }, 0);
  });
}, false);
return true;"#;

/// Types [`KEYS`] at the end of `#premises`, waiting for each key's frame before the next key
/// (a person's pace, so each figure is one keystroke's own cost), and returns the median and
/// the slowest input-to-frame time.
async fn type_keys(browser: &Browser, label: &str) -> (f64, f64) {
    let field = browser.wait_for("#premises").await;
    browser
        .execute(
            "const t = document.getElementById('premises'); t.focus(); \
             t.setSelectionRange(t.value.length, t.value.length); return true;",
            vec![],
        )
        .await;
    browser.execute(BREAKDOWN, vec![]).await;
    for (n, key) in KEYS.chars().enumerate() {
        field
            .send_keys(key.to_string())
            .await
            .expect("typing into the premises text");
        browser
            .wait_until(
                "the keystroke's frame",
                &format!("return window.__hearthBench.keys.length >= {};", n + 1),
            )
            .await;
    }
    let keys: Vec<f64> = serde_json::from_value(
        browser
            .execute("return window.__hearthBench.keys;", vec![])
            .await,
    )
    .expect("keystroke times are numbers");
    let steps: Vec<[f64; 5]> = serde_json::from_value(
        browser
            .execute("return window.__hearthKeySteps;", vec![])
            .await,
    )
    .unwrap_or_default();
    print_breakdown(label, &keys, &steps);
    let spread = super::report::Spread::of(keys.iter().copied());
    (spread.median, spread.max)
}

/// The same keys typed into a plain `<textarea>` holding `text` on an empty page, in the same
/// browser at the same time: what the browser itself needs per keystroke with that much text,
/// for scale. Printed with the breakdown, not part of the figures.
async fn plain_textarea(browser: &Browser, text: Value) {
    browser.goto("about:blank").await;
    browser.execute(&probe::script(0, ""), vec![]).await;
    browser
        .execute(
            "document.body.innerHTML = '<textarea id=\"premises\" rows=\"10\" \
             style=\"width: 100%; font: 19px sans-serif\"></textarea>'; \
             document.getElementById('premises').value = arguments[0]; return true;",
            vec![text],
        )
        .await;
    let (median, slowest) = type_keys(browser, "a plain <textarea>").await;
    eprintln!(
        "client bench: a plain <textarea> with the same text on an empty page: keystroke -> \
         next frame {median:.1} ms median, {slowest:.1} ms slowest"
    );
}

/// Prints each keystroke's figure and [`BREAKDOWN`]'s steps, then their medians and maxima.
fn print_breakdown(label: &str, keys: &[f64], steps: &[[f64; 5]]) {
    let shown = |v: &[f64]| {
        v.iter()
            .map(|ms| format!("{ms:.0}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    eprintln!(
        "client bench: {label}: keystroke -> next frame, each key (ms): {}",
        shown(keys)
    );
    let names = [
        "keydown -> input",
        "input handled",
        "wait for the frame",
        "the frame",
        "keydown -> after the frame",
    ];
    for (n, name) in names.iter().enumerate() {
        let column: Vec<f64> = steps.iter().map(|s| s[n]).collect();
        let spread = super::report::Spread::of(column.iter().copied());
        eprintln!(
            "client bench:   {name:<28} median {:>6.1}  max {:>6.1}  ({})",
            spread.median,
            spread.max,
            shown(&column)
        );
    }
}

//! The in-page stopwatch: a script installed on every document before the app's own scripts,
//! which timestamps with `performance.now()` (milliseconds since that document's navigation
//! started) the moments the bench cares about, as the page reaches them. Timing in the page
//! keeps WebDriver's polling and round trips out of the figures.
//!
//! Marks (each recorded once per document, or once per [`navigate`] for in-app navigation):
//! - `unlockPage`: the Unlock page's `#unlock-password` is in the document;
//! - `signInClick`, `unlockClick`: `#sign-in` / `#unlock` was clicked (capture phase, before
//!   the app sees the click);
//! - `rows` / `rowsFrame`: the records list holds the wanted number of `.record-row`s / the
//!   first frame after that has been produced, so the page answers input again;
//! - `navigate`: [`navigate`] changed the route;
//! - `downloading`: the record page said it was downloading the record from the server;
//! - `editor` / `editorFrame`: `#inspection-editor` is rendered with the premises section
//!   marked complete (the record was read, premises text included) / the next frame;
//! - `premisesClick`, `premises` / `premisesFrame`: the premises section was opened / its
//!   `#premises` textarea holds the whole text, the expected tail included (earlier runs type
//!   after it) / the next frame.
//!
//! And `keys`: for each `input` event on `#premises`, the milliseconds from the event to the
//! first frame after it (the app has written the keystroke, re-rendered, and can take the next
//! one).

use crate::browser::Browser;
use serde_json::Value;
use std::time::Duration;

/// The probe, with `__ROWS__` and `__TAIL__` to fill in.
const PROBE: &str = r#"(() => {
  if (window.__hearthBench) return;
  const marks = {};
  const bench = {
    marks,
    rowsWanted: __ROWS__,
    premisesTail: __TAIL__,
    mark(name) { if (!(name in marks)) marks[name] = performance.now(); },
    reset() { for (const name of Object.keys(marks)) delete marks[name]; },
    navigate(hash) { bench.reset(); bench.mark('navigate'); location.hash = hash; },
  };
  window.__hearthBench = bench;
  const mark = bench.mark;
  // The first frame after a render: the page can take input again.
  const afterFrame = (name) => requestAnimationFrame(() => setTimeout(() => mark(name), 0));
  const check = () => {
    if (document.getElementById('unlock-password')) mark('unlockPage');
    if (!('rows' in marks) && bench.rowsWanted > 0
        && document.getElementsByClassName('record-row').length >= bench.rowsWanted) {
      mark('rows');
      afterFrame('rowsFrame');
    }
    if (!location.hash.startsWith('#/records/')) return;
    if (!('editor' in marks)) {
      const status = document.getElementById('task-premises-status');
      if (document.getElementById('inspection-editor') && status
          && status.textContent.includes('Completed')) {
        mark('editor');
        afterFrame('editorFrame');
      }
      const main = document.querySelector('main');
      if (main && main.textContent.includes('Downloading this record')) mark('downloading');
    }
    const premises = document.getElementById('premises');
    if (!('premises' in marks) && premises && premises.value.includes(bench.premisesTail)) {
      mark('premises');
      afterFrame('premisesFrame');
    }
  };
  bench.keys = [];
  addEventListener('input', (event) => {
    if (!(event.target instanceof Element) || event.target.id !== 'premises') return;
    const start = performance.now();
    requestAnimationFrame(() => setTimeout(() => bench.keys.push(performance.now() - start), 0));
  }, true);
  addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest('#sign-in')) mark('signInClick');
    if (target.closest('#unlock')) mark('unlockClick');
    if (target.closest('.task-link[data-section="premises"]')) mark('premisesClick');
  }, true);
  new MutationObserver(check)
    .observe(document, { childList: true, subtree: true, characterData: true });
})();"#;

/// The probe's source for a records list of `rows` rows and a premises text ending in `tail`.
pub fn script(rows: usize, tail: &str) -> String {
    PROBE
        .replace("__ROWS__", &rows.to_string())
        .replace("__TAIL__", &Value::from(tail).to_string())
}

/// Installs the probe on every document `browser` loads from now on.
pub async fn install(browser: &Browser, rows: usize, tail: &str) {
    browser.run_on_every_page(&script(rows, tail)).await;
}

/// Changes the app's route in the page (as a link would), resetting the marks and marking
/// `navigate` first.
pub async fn navigate(browser: &Browser, hash: &str) {
    browser
        .execute(
            "window.__hearthBench.navigate(arguments[0]);",
            vec![Value::from(hash)],
        )
        .await;
}

/// Waits (up to `limit`) until the page has recorded every mark in `names`, and returns each
/// in milliseconds since navigation start, in the same order.
pub async fn wait_for_marks<const N: usize>(
    browser: &Browser,
    limit: Duration,
    names: &[&str; N],
) -> [f64; N] {
    let wanted = Value::from(names.to_vec()).to_string();
    let script = format!(
        "const m = window.__hearthBench && window.__hearthBench.marks; \
         const wanted = {wanted}; \
         return !!m && wanted.every((name) => name in m) && wanted.map((name) => m[name]);"
    );
    let found = browser
        .wait_until_within(limit, &format!("the page to record {wanted}"), &script)
        .await;
    let values: Vec<f64> = found
        .as_array()
        .map(|values| values.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    values
        .try_into()
        .unwrap_or_else(|_| panic!("the marks {wanted} are numbers: {found}"))
}

/// Whether the page has recorded `name` (since the document loaded or the last [`navigate`]).
pub async fn has_mark(browser: &Browser, name: &str) -> bool {
    browser
        .execute(
            "const m = window.__hearthBench && window.__hearthBench.marks; \
             return !!m && arguments[0] in m;",
            vec![Value::from(name)],
        )
        .await
        == true
}

/// The navigation's own timing: when the app shell's HTML arrived and when the document was
/// parsed (ms since navigation start), and whether a service worker answered it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShellTiming {
    /// `responseEnd`: the HTML is in.
    pub response_end_ms: f64,
    /// `domContentLoadedEventEnd`: `boot.js` has run its synchronous part.
    pub dom_content_loaded_ms: f64,
    /// `workerStart > 0`: the service worker handled the navigation.
    pub from_service_worker: bool,
}

/// Reads the current document's [`ShellTiming`].
pub async fn shell_timing(browser: &Browser) -> ShellTiming {
    let entry = browser
        .execute(
            "const n = performance.getEntriesByType('navigation')[0]; \
             return n ? n.toJSON() : null;",
            vec![],
        )
        .await;
    let field = |name: &str| entry[name].as_f64().unwrap_or(f64::NAN);
    ShellTiming {
        response_end_ms: field("responseEnd"),
        dom_content_loaded_ms: field("domContentLoadedEventEnd"),
        from_service_worker: field("workerStart") > 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_is_filled_in_with_a_js_string_literal() {
        let source = script(500, "end of \"notes\".");
        assert!(source.contains("rowsWanted: 500,"));
        assert!(source.contains(r#"premisesTail: "end of \"notes\".","#));
        assert!(
            !source.contains("__ROWS__") && !source.contains("__TAIL__"),
            "every placeholder is filled"
        );
    }
}

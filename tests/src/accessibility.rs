//! The accessibility smoke check every screen's browser test runs: what a machine can tell
//! without a person (names of controls, one h1, unique ids, links between ids, the menu's
//! current item, charts with a text alternative and their numbers in a table beside them).

use crate::browser::Browser;

/// What a machine can tell about a screen's accessibility, as sentences (empty when nothing is
/// wrong): every form control has a name from a `<label for>` (or wrapping label), `aria-label`
/// or `aria-labelledby`; every button says what it does; the page has exactly one `h1`; ids are
/// unique (a duplicate breaks `for` and `aria-*` links) and every id an `aria-labelledby`,
/// `aria-describedby` or `label[for]` names exists; where the menu is shown, it marks exactly
/// one item as where the person is (`aria-current`); every SVG not hidden from assistive
/// technology is an image with a text alternative, and a chart (`[data-chart]`) has a table of
/// its numbers beside it.
pub const ACCESSIBILITY_SMOKE_CHECK: &str = r#"
const problems = [];
const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.name ? '[name=' + el.name + ']' : '') + (el.className ? '.' + String(el.className).trim().split(/\s+/).join('.') : '');
const textOf = ids => (ids || '').split(/\s+/).filter(Boolean)
    .map(id => document.getElementById(id)?.textContent.trim() || '').join(' ').trim();
for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const labelled = [...(el.labels || [])].some(l => l.textContent.trim())
        || (el.getAttribute('aria-label') || '').trim()
        || textOf(el.getAttribute('aria-labelledby'));
    if (!labelled) problems.push(describe(el) + ' has no label');
}
for (const el of document.querySelectorAll('button, [role=button], input[type=submit], input[type=button]')) {
    const named = (el.textContent || '').trim() || (el.getAttribute('aria-label') || '').trim()
        || textOf(el.getAttribute('aria-labelledby')) || (el.value || '').trim();
    if (!named) problems.push(describe(el) + ' has no text');
}
const h1s = document.querySelectorAll('h1');
if (h1s.length !== 1) problems.push('the page has ' + h1s.length + ' h1 elements: '
    + [...h1s].map(h => JSON.stringify(h.textContent.trim())).join(', '));
const seen = new Map();
for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
for (const [id, n] of seen) if (n > 1) problems.push('the id ' + JSON.stringify(id) + ' is used ' + n + ' times');
for (const attr of ['aria-labelledby', 'aria-describedby']) {
    for (const el of document.querySelectorAll('[' + attr + ']')) {
        for (const id of el.getAttribute(attr).split(/\s+/).filter(Boolean)) {
            if (!document.getElementById(id)) problems.push(describe(el) + ' ' + attr + ' names a missing #' + id);
        }
    }
}
for (const label of document.querySelectorAll('label[for]')) {
    if (!document.getElementById(label.htmlFor)) problems.push('a label is for a missing #' + label.htmlFor);
}
const menu = document.querySelector('nav[aria-label="Menu"]');
if (menu) {
    const current = menu.querySelectorAll('a[aria-current]');
    if (current.length !== 1) problems.push('the menu marks ' + current.length + ' items as where you are, not 1');
}
for (const svg of document.querySelectorAll('svg')) {
    if (svg.closest('[aria-hidden="true"]') || svg.getAttribute('aria-hidden') === 'true') continue;
    if (svg.getAttribute('role') !== 'img') { problems.push(describe(svg) + ' is neither role=img nor aria-hidden'); continue; }
    const name = (svg.getAttribute('aria-label') || '').trim() || textOf(svg.getAttribute('aria-labelledby'))
        || (svg.querySelector(':scope > title')?.textContent || '').trim();
    if (!name) problems.push(describe(svg) + ' (a chart) has no text alternative');
    if (svg.closest('[data-chart]') && !svg.closest('[data-chart]').querySelector('table')) {
        problems.push(describe(svg) + ' (a chart) has no table of its numbers beside it');
    }
}
return problems;
"#;

/// Runs [`ACCESSIBILITY_SMOKE_CHECK`] on the current screen and fails with what it found.
pub async fn assert_accessible(browser: &Browser, screen: &str) {
    let found = browser.execute(ACCESSIBILITY_SMOKE_CHECK, vec![]).await;
    let problems: Vec<String> = serde_json::from_value(found.clone())
        .unwrap_or_else(|e| panic!("the check returns a list of sentences ({e}): {found}"));
    assert!(
        problems.is_empty(),
        "accessibility problems on the {screen} screen:\n{}",
        problems.join("\n")
    );
}

//! Acting on what was recorded, in the real app on `hearth demo`'s synthetic data: an officer's
//! overview, a signed-off Regulation 33 record with its report links and distribution, the
//! report itself (screen and print), a participation worker's results with charts over two
//! rounds and small-group suppression, and the Panel summary. Each screen is saved under
//! `target/screenshots/` and passes the accessibility smoke check (charts included).
//!
//! DOM contract: `#nav-overview`, `#overview-homes`, `tr#overview-home-<homeId>[data-visit]`,
//! `#overview-consultations`; the record's `#report-link`,
//! `#report-pdf-link`, `#distribution-list`, `#distribution-form`, `#distribution-recipient`,
//! `#distribution-date`, `#distribution-add`; results: `#results-filters`, `#results-home`,
//! `#results-apply`, `[data-chart]` holding an `svg[role=img]` and its `table`,
//! `#question-<id>-chart`, `#question-<id>-table`, `#panel-summary-link`, `#export-csv-link`.

use hearth_e2e::Api;
use hearth_e2e::accessibility::assert_accessible;
use hearth_e2e::browser::{Browser, BrowserEnv, Profile};
use hearth_e2e::server_bin;
use hearth_server::demo::{DEMO_PASSWORD, HOMES};
use serde_json::{Value, json};

/// Signs `username` in with the demo password on a fresh profile and waits for the app.
async fn signed_in(env: &BrowserEnv, base: &str, username: &str) -> Browser {
    let browser = env.browser(&Profile::new(username)).await;
    browser.goto(&format!("{base}/#/sign-in")).await;
    browser.fill("#username", username).await;
    browser.fill("#password", DEMO_PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_for("main h1").await;
    browser.wait_for("nav[aria-label=\"Menu\"]").await;
    browser
}

/// The demo account signed in over the API.
async fn api(base: &str, username: &str) -> Api {
    let api = Api::new(base);
    api.sign_in(username, DEMO_PASSWORD)
        .await
        .expect("a demo account signs in");
    api
}

/// The id of the first listed record of `kind` in `state`.
async fn record_in(api: &Api, kind: &str, state: &str) -> String {
    let (status, rows) = api.get("/api/documents").await;
    assert_eq!(status, 200, "{rows}");
    rows.as_array()
        .expect("a list")
        .iter()
        .find(|r| r["kind"] == kind && r["state"] == state)
        .and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("a {kind} {state} in {rows}"))
        .to_string()
}

/// Sets a date input as its picker would (typing into one depends on the browser's locale),
/// firing the events the app listens to.
async fn set_date(browser: &Browser, css: &str, yyyy_mm_dd: &str) {
    browser.wait_for(css).await;
    browser
        .execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
             el.dispatchEvent(new Event('input', {bubbles: true})); \
             el.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(css), json!(yyyy_mm_dd)],
        )
        .await;
    browser.wait_for_value(css, yyyy_mm_dd).await;
}

/// Scrolls `css` into view and saves a screenshot of it.
async fn screenshot_at(browser: &Browser, css: &str, name: &str) {
    browser.wait_for(css).await;
    browser
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});",
            vec![json!(css)],
        )
        .await;
    browser.screenshot(name).await;
}

#[tokio::test]
async fn officers_and_workers_see_the_overview_reports_and_results_with_charts() {
    let Some(env) =
        BrowserEnv::get("officers_and_workers_see_the_overview_reports_and_results_with_charts")
            .await
    else {
        return;
    };
    let server = env.start_demo_server(server_bin!()).await;
    let base = server.base.clone();

    // The officer's overview: every demo home with its visit status.
    let officer = signed_in(&env, &base, "demo-officer").await;
    officer.click("#nav-overview").await;
    officer.wait_for("#overview-homes").await;
    let statuses = officer
        .wait_until(
            "every demo home in the overview",
            &format!(
                "const rows = [...document.querySelectorAll('tr[id^=\"overview-home-\"]')]; \
                 return rows.length === {} && rows.map(r => r.dataset.visit);",
                HOMES.len()
            ),
        )
        .await;
    for status in statuses.as_array().expect("statuses") {
        assert!(
            ["done", "due", "overdue"].contains(&status.as_str().unwrap_or("")),
            "{statuses}"
        );
    }
    officer.wait_for("#overview-consultations").await;
    assert_accessible(&officer, "overview").await;
    officer.screenshot("overview").await;

    // A signed-off record: the report links, and the officer records where it was sent.
    let officer_api = api(&base, "demo-officer").await;
    let signed_off = record_in(&officer_api, "inspection", "signedOff").await;
    officer
        .goto(&format!("{base}/#/records/{signed_off}"))
        .await;
    officer.wait_for("#report-link").await;
    officer.wait_for("#report-pdf-link").await;
    officer.wait_for("#distribution-form").await;
    officer
        .click("#distribution-recipient option[value=\"registeredProvider\"]")
        .await;
    set_date(&officer, "#distribution-date", "2026-11-02").await;
    officer.click("#distribution-add").await;
    officer
        .wait_for_text("#distribution-list", "registered provider")
        .await;
    assert_accessible(&officer, "record with report and distribution").await;
    screenshot_at(&officer, "#report-link", "reg33-record-report-links").await;

    // The report as a page: screen, then as printed.
    officer
        .goto(&format!("{base}/api/reports/inspections/{signed_off}"))
        .await;
    officer.wait_for_text("h1", "Regulation 33").await;
    officer.wait_for_text("body", "Registered provider").await;
    assert_accessible(&officer, "Regulation 33 report").await;
    officer.screenshot("reg33-report").await;
    // The print stylesheet applies (it hides nothing of the report, and the page is A4).
    officer.emulate_print(true).await;
    officer.wait_for_text("h1", "Regulation 33").await;
    officer.screenshot("reg33-report-print").await;
    officer.emulate_print(false).await;
    officer.assert_no_console_errors().await;
    officer.close().await;

    // The participation worker: the open round's results beside the spring round, with charts.
    let worker = signed_in(&env, &base, "demo-worker").await;
    worker.goto(&format!("{base}/#/consultations")).await;
    worker
        .click(".consultation-row[data-state=\"open\"] a.results-link")
        .await;
    worker.wait_for("#results-filters").await;
    worker.wait_for("[data-chart] svg[role=\"img\"]").await;
    worker.wait_for("#question-q2-table").await;
    worker
        .wait_for_text("#question-q2-table", "Spring round")
        .await;
    worker
        .wait_for_text("#question-q2-table", "Autumn round")
        .await;
    worker
        .wait_for_text("main", "National survey (demo figure)")
        .await;
    // The table counts by hand: the demo's answers to q2 cycle yes, no, not sure, so 8 each of
    // spring's 24 and 10 each of autumn's 30; the chart's bars say the same.
    let table = worker
        .execute(
            "return [...document.querySelectorAll('#question-q2-table tbody tr[data-option]')]\
               .flatMap(r => [...r.querySelectorAll('td[data-round]')]\
                 .map(td => [r.dataset.option, td.dataset.round, td.dataset.count]));",
            vec![],
        )
        .await;
    let bars = worker
        .execute(
            "return [...document.querySelectorAll('#question-q2-chart g.hearth-chart__bar')]\
               .map(g => [g.dataset.option, g.dataset.round, g.dataset.count]);",
            vec![],
        )
        .await;
    let counts = |rows: &Value| -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = rows
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                (
                    r[0].as_str().unwrap_or("").into(),
                    r[2].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let hand: Vec<(String, String)> = ["no", "notSure", "yes"]
        .iter()
        .flat_map(|o| {
            [
                (o.to_string(), "10".to_string()),
                (o.to_string(), "8".to_string()),
            ]
        })
        .collect();
    assert_eq!(counts(&table), hand, "the table: {table}");
    assert_eq!(counts(&bars), hand, "the chart: {bars}");
    assert_accessible(&worker, "consultation results").await;
    worker.screenshot("results-charts").await;
    screenshot_at(&worker, "#question-q2-chart", "results-chart-rounds").await;

    // Birch Cottage has fewer than five answers a round: suppressed, not counted out.
    let birch = worker
        .execute(
            "return [...document.querySelectorAll('#results-home option')]\
               .find(o => o.textContent.includes('Birch Cottage'))?.value;",
            vec![],
        )
        .await;
    let birch = birch
        .as_str()
        .expect("Birch Cottage can be chosen")
        .to_string();
    worker
        .click(&format!("#results-home option[value=\"{birch}\"]"))
        .await;
    worker.click("#results-apply").await;
    worker
        .wait_for_text("#question-q2-table", "fewer than 5")
        .await;
    assert_accessible(&worker, "consultation results filtered to a small home").await;
    screenshot_at(&worker, "#results-filters", "results-suppressed").await;

    // The Panel summary.
    let summary = worker
        .attribute("#panel-summary-link", "href")
        .await
        .expect("a Panel summary link");
    worker.goto(&format!("{base}{summary}")).await;
    worker.wait_for("h1").await;
    worker.wait_for_text("body", "You said, we did").await;
    // One page of tables (a headline figure per question): no charts.
    worker.wait_for("table caption").await;
    assert_accessible(&worker, "Panel summary").await;
    worker.screenshot("panel-summary").await;
    let text: Value = worker
        .execute("return document.body.innerText;", vec![])
        .await;
    assert!(
        !text
            .as_str()
            .unwrap_or("")
            .contains("more trips out please"),
        "no free text on the Panel summary"
    );
    worker.assert_no_console_errors().await;
    worker.close().await;
}

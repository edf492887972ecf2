//! The app shell in a real browser: the built client, served by the real server, in headless
//! Chromium. Also checks the harness's two ways of taking a device offline, which the offline
//! flows in `flows.rs` rely on.

use hearth_e2e::browser::{BrowserEnv, NetworkLink, Profile};
use hearth_e2e::server_bin;

/// The service name in the GOV.UK header (the service navigation component), rendered by the
/// wasm app: once it shows, the module has loaded and started.
const HEADER_SERVICE_NAME: &str = "header[role=banner] .govuk-service-navigation__service-name";

#[tokio::test]
async fn app_shell_loads_with_the_gov_uk_header_and_no_console_errors() {
    let Some(env) =
        BrowserEnv::get("app_shell_loads_with_the_gov_uk_header_and_no_console_errors").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let browser = env.browser(&Profile::new("shell")).await;

    browser.goto(&server.base).await;
    browser.wait_for_text(HEADER_SERVICE_NAME, "Hearth").await;
    browser.wait_for_text("main h1", "Sign in").await;
    assert_eq!(browser.title().await, "Hearth");
    let skip_link = browser.wait_present("a.govuk-skip-link").await;
    assert_eq!(
        skip_link
            .attr("href")
            .await
            .expect("the href reads")
            .as_deref(),
        Some("#main-content"),
        "the skip link leads to the main content"
    );

    let shot = browser.screenshot("sign-in").await;
    assert!(
        std::fs::metadata(&shot).is_ok_and(|m| m.len() > 1_000),
        "{} is a real screenshot",
        shot.display()
    );
    browser.assert_no_console_errors().await;
    browser.close().await;
}

#[tokio::test]
async fn gov_uk_frontend_styles_and_their_assets_are_served_from_the_client() {
    let Some(env) =
        BrowserEnv::get("gov_uk_frontend_styles_and_their_assets_are_served_from_the_client").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let browser = env.browser(&Profile::new("styles")).await;
    browser.goto(&server.base).await;
    browser.wait_for(HEADER_SERVICE_NAME).await;

    // Fetched from the page (same origin, same CSP) rather than by the test's own HTTP client.
    let stylesheet = browser
        .execute(
            "return fetch('govuk-frontend.min.css').then(async r => \
               ({status: r.status, type: r.headers.get('content-type'), text: await r.text()}));",
            vec![],
        )
        .await;
    assert_eq!(
        stylesheet["status"], 200,
        "xtask build wrote the stylesheet"
    );
    assert!(
        stylesheet["type"]
            .as_str()
            .unwrap_or("")
            .starts_with("text/css"),
        "served as CSS: {}",
        stylesheet["type"]
    );
    let css = stylesheet["text"].as_str().unwrap_or("");
    assert!(css.contains(".govuk-button"), "it is GOV.UK Frontend");
    assert!(
        !css.contains("GDS Transport"),
        "the GOV.UK-only font is left out"
    );

    // Every asset the stylesheet references resolves relative to it.
    let assets = browser
        .execute(
            "const css = arguments[0]; \
             const urls = [...css.matchAll(/url\\((assets\\/[^)?#]+)/g)].map(m => m[1]); \
             return Promise.all([...new Set(urls)].map(u => \
               fetch(new URL(u, new URL('govuk-frontend.min.css', location.href))) \
                 .then(r => [u, r.status])));",
            vec![serde_json::json!(css)],
        )
        .await;
    let assets = assets.as_array().expect("a list of [url, status]");
    assert!(!assets.is_empty(), "the stylesheet references its assets");
    for asset in assets {
        assert_eq!(asset[1], 200, "{} is served", asset[0]);
    }
    browser.close().await;
}

#[tokio::test]
async fn the_harness_can_cut_the_network_or_stop_the_server_without_changing_origin() {
    let Some(env) = BrowserEnv::get(
        "the_harness_can_cut_the_network_or_stop_the_server_without_changing_origin",
    )
    .await
    else {
        return;
    };
    let mut server = env.start_server(server_bin!()).await;
    let profile = Profile::new("offline");
    let browser = env.browser(&profile).await;
    browser.goto(&server.base).await;
    browser.wait_for(HEADER_SERVICE_NAME).await;
    let health = "return fetch('/healthz', {cache: 'no-store'}) \
                    .then(r => r.status, e => 'failed: ' + e.name);";

    assert_eq!(browser.execute(health, vec![]).await, 200);
    browser.set_offline(true).await;
    let offline = browser.execute(health, vec![]).await;
    assert!(
        offline.as_str().is_some_and(|s| s.starts_with("failed")),
        "fetch fails with the network cut: {offline}"
    );
    browser.set_offline(false).await;
    assert_eq!(browser.execute(health, vec![]).await, 200);

    // A network link cuts one device off while the server stays up for others.
    let link = NetworkLink::to(&server).await;
    browser.goto(&link.base).await;
    browser.wait_for(HEADER_SERVICE_NAME).await;
    assert_eq!(browser.execute(health, vec![]).await, 200);
    link.cut();
    let cut = browser.execute(health, vec![]).await;
    assert!(
        cut.as_str().is_some_and(|s| s.starts_with("failed")),
        "fetch fails with the link cut: {cut}"
    );
    link.restore();
    assert_eq!(browser.execute(health, vec![]).await, 200);
    browser.goto(&server.base).await;
    browser.wait_for(HEADER_SERVICE_NAME).await;

    // Stopping the server is the other way; it must come back on the same origin, or the
    // browser would see a different site (another service worker, IndexedDB and cookies).
    let origin = server.base.clone();
    server.stop().await;
    let stopped = browser.execute(health, vec![]).await;
    assert!(
        stopped.as_str().is_some_and(|s| s.starts_with("failed")),
        "fetch fails with the server stopped: {stopped}"
    );
    server.start_again().await;
    assert_eq!(server.base, origin, "the server restarts on the same port");
    assert_eq!(browser.execute(health, vec![]).await, 200);

    // The same profile can be closed and opened again with its storage (the offline flow
    // relies on it).
    browser
        .execute("localStorage.setItem('harness-check', 'kept');", vec![])
        .await;
    browser.close().await;
    let again = env.browser(&profile).await;
    again.goto(&server.base).await;
    again.wait_for(HEADER_SERVICE_NAME).await;
    assert_eq!(
        again
            .execute("return localStorage.getItem('harness-check');", vec![])
            .await,
        "kept"
    );
    again.close().await;
}

#[tokio::test]
async fn pages_are_styled_by_the_pinned_gov_uk_frontend() {
    let Some(env) = BrowserEnv::get("pages_are_styled_by_the_pinned_gov_uk_frontend").await else {
        return;
    };
    let package: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../client/package.json"
        ))
        .expect("client/package.json reads"),
    )
    .expect("client/package.json is JSON");
    let pinned = package["dependencies"]["govuk-frontend"]
        .as_str()
        .expect("govuk-frontend is a dependency");

    let server = env.start_server(server_bin!()).await;
    let browser = env.browser(&Profile::new("styled")).await;
    browser.goto(&server.base).await;
    browser.wait_for(HEADER_SERVICE_NAME).await;
    // govuk-frontend stamps its version on :root; only its stylesheet sets this property.
    let version = browser
        .execute(
            "return getComputedStyle(document.documentElement) \
               .getPropertyValue('--govuk-frontend-version').trim();",
            vec![],
        )
        .await;
    assert_eq!(
        version,
        format!("\"{pinned}\""),
        "govuk-frontend's stylesheet is applied"
    );
    browser.assert_no_console_errors().await;
    browser.close().await;
}

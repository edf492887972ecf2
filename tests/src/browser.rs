//! Browser tests' harness: the real built client, served by a real server, in headless Chromium
//! driven over WebDriver by a chromedriver this harness starts.
//!
//! ```text
//! let Some(env) = BrowserEnv::get("visit_note_survives_a_reload").await else { return };
//! let server = env.start_server(server_bin!()).await;
//! let profile = Profile::new("member");
//! let browser = env.browser(&profile).await;
//! browser.goto(&server.base).await;
//! browser.fill("#username", "test-member-1").await;
//! browser.click("#sign-in").await;
//! browser.wait_for_text("#sync-status", "All changes saved").await;
//! browser.close().await; // the profile keeps its IndexedDB and service worker for a relaunch
//! ```
//!
//! Chromium and chromedriver are Debian's (`/usr/bin/chromium`, `/usr/bin/chromedriver`); the
//! client is the one `cargo xtask test` built, named by `HEARTH_CLIENT_DIR`. When either is
//! missing a browser test fails under `CI=true` and is skipped with a notice elsewhere, so a plain
//! `cargo test` on a machine without a browser still runs everything else.
//!
//! Every wait polls until what it waits for is there, bounded by [`crate::WAIT`]; a timed-out
//! wait saves a screenshot and fails with the selector, the page's URL and the last error.

use crate::TestServer;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use thirtyfour::cdp::domains::network::NetworkConditions;
use thirtyfour::error::WebDriverErrorInner;
use thirtyfour::prelude::*;
use thirtyfour::{ChromiumLikeCapabilities, LoggingPrefsLogLevel};
use tokio::process::{Child, Command};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// Debian's Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver, built for that Chromium.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How often a wait asks the browser again.
const POLL: Duration = Duration::from_millis(50);

/// Chromium's switches for a test browser: headless, no background traffic to the outside
/// world (there is none), a fixed window so screenshots are comparable.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
    // Containers often have a small /dev/shm; Chromium's renderers crash when it fills.
    "--disable-dev-shm-usage",
    "--password-store=basic",
    "--disable-crash-reporter",
];

/// One browser test at a time per test binary: each runs one or two Chromiums, and on the
/// two-core machines this project targets, more at once makes every wait slower than the
/// feature it tests. Test binaries already run one after another.
static ONE_BROWSER_TEST_AT_A_TIME: Semaphore = Semaphore::const_new(1);

/// Whether this is a CI run, where a missing browser or client is a failure, not a skip.
fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// What a browser test needs before it can start: a chromedriver, the built client, and its
/// turn. Dropping it ends the chromedriver (after any [`Browser`] that still uses it).
pub struct BrowserEnv {
    /// Absolute path of the built client (`client/dist`).
    pub client_dir: PathBuf,
    chromedriver: Arc<Chromedriver>,
    _turn: SemaphorePermit<'static>,
}

impl BrowserEnv {
    /// Everything a browser test needs, or `None` after printing why the test `name` is skipped.
    /// Under `CI=true` a missing Chromium, chromedriver or client fails the test instead.
    pub async fn get(name: &str) -> Option<Self> {
        let missing = missing_requirements();
        if !missing.is_empty() {
            let why = missing.join("; ");
            assert!(
                !under_ci(),
                "browser test {name} cannot run under CI=true: {why}. \
                 `bash .ci/run` installs Chromium and chromedriver (Debian packages chromium, \
                 chromium-driver) and runs `cargo xtask test`, which builds the client and sets \
                 HEARTH_CLIENT_DIR."
            );
            eprintln!(
                "notice: skipping browser test {name}: {why}. Run `cargo xtask test` with \
                 Debian's chromium and chromium-driver installed to run it."
            );
            return None;
        }
        let client_dir = PathBuf::from(
            std::env::var_os("HEARTH_CLIENT_DIR").expect("checked by missing_requirements"),
        );
        let turn = ONE_BROWSER_TEST_AT_A_TIME
            .acquire()
            .await
            .expect("the semaphore is never closed");
        Some(Self {
            client_dir,
            chromedriver: Arc::new(Chromedriver::start().await),
            _turn: turn,
        })
    }

    /// Starts the server on the built client, on a port fixed for its lifetime: the browser's
    /// origin (and so its service worker, IndexedDB and cookies) stays the same across
    /// [`TestServer::stop`] + [`TestServer::start_again`] or [`TestServer::restart`].
    pub async fn start_server(&self, bin: &str) -> TestServer {
        self.start_server_with(bin, &[]).await
    }

    /// [`BrowserEnv::start_server`] with extra `HEARTH_*` environment variables.
    pub async fn start_server_with(&self, bin: &str, env: &[(&str, &str)]) -> TestServer {
        let bind = format!("127.0.0.1:{}", free_port());
        let client_dir = self.client_dir.to_string_lossy().into_owned();
        let mut all = vec![
            ("HEARTH_CLIENT_DIR", client_dir.as_str()),
            ("HEARTH_BIND", bind.as_str()),
        ];
        all.extend_from_slice(env);
        TestServer::start_with(bin, &all).await
    }

    /// Like [`BrowserEnv::start_server`], but `hearth demo`: the synthetic demo data.
    pub async fn start_demo_server(&self, bin: &str) -> TestServer {
        let bind = format!("127.0.0.1:{}", free_port());
        let client_dir = self.client_dir.to_string_lossy().into_owned();
        TestServer::start_demo_with(
            bin,
            &[
                ("HEARTH_CLIENT_DIR", client_dir.as_str()),
                ("HEARTH_BIND", bind.as_str()),
            ],
        )
        .await
    }

    /// Launches Chromium on `profile` (its own user data folder).
    pub async fn browser(&self, profile: &Profile) -> Browser {
        Browser::launch(self.chromedriver.clone(), profile).await
    }
}

/// What is missing for browser tests on this machine, as sentences; empty when nothing is.
fn missing_requirements() -> Vec<String> {
    let mut missing = Vec::new();
    for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
        if !Path::new(path).is_file() {
            missing.push(format!("{path} is missing (Debian package {package})"));
        }
    }
    match std::env::var_os("HEARTH_CLIENT_DIR") {
        None => missing.push("HEARTH_CLIENT_DIR is not set".into()),
        Some(dir) if !Path::new(&dir).join("index.html").is_file() => missing.push(format!(
            "HEARTH_CLIENT_DIR={} has no index.html (not a built client)",
            Path::new(&dir).display()
        )),
        Some(_) => {}
    }
    missing
}

/// What the browser logs for a request made while its [`NetworkLink`] is cut (the connection
/// fails at once, as with no signal): `net::ERR_CONNECTION_RESET`, `net::ERR_EMPTY_RESPONSE`...
/// A device that reconnects with backoff may make such a request whenever a test cuts it.
pub const NO_SIGNAL: &str = "net::ERR_";

/// One device's own path to the server: a loopback TCP relay that a test can cut, as when a
/// phone loses signal. Unlike [`Browser::set_offline`] (DevTools emulation, which fails new
/// requests but leaves an open WebSocket connected), cutting the link drops every open
/// connection, sync socket included, and refuses new ones until it is restored; the server stays
/// up for other devices. Open the app at [`NetworkLink::base`] instead of the server's address.
/// The link's port, and so the browser's origin, stays the same for its lifetime; keep one link
/// per profile.
pub struct NetworkLink {
    /// `http://127.0.0.1:PORT`: the server, through this link.
    pub base: String,
    online: tokio::sync::watch::Sender<bool>,
    relay: tokio::task::JoinHandle<()>,
}

impl NetworkLink {
    /// A new link to `server` (which must keep its address, as [`BrowserEnv::start_server`]'s
    /// servers do across restarts).
    pub async fn to(server: &TestServer) -> Self {
        let upstream = server
            .base
            .strip_prefix("http://")
            .expect("the test server speaks plain HTTP")
            .to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port can be bound");
        let base = format!(
            "http://{}",
            listener
                .local_addr()
                .expect("a bound listener has an address")
        );
        let (online, _) = tokio::sync::watch::channel(true);
        let state = online.clone();
        let relay = tokio::spawn(async move {
            while let Ok((mut device, _)) = listener.accept().await {
                if !*state.borrow() {
                    // No signal: the connection fails at once.
                    drop(device);
                    continue;
                }
                let mut cut = state.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else {
                        return; // server stopped: the device sees the connection close
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut device, &mut server) => {}
                        _ = cut.wait_for(|online| !online) => {}
                    }
                });
            }
        });
        Self {
            base,
            online,
            relay,
        }
    }

    /// Drops every open connection through the link and fails new ones (the browser logs such
    /// a request as a `net::ERR_...` failure: see [`NO_SIGNAL`]).
    pub fn cut(&self) {
        self.online.send_replace(false);
    }

    /// Lets connections through again.
    pub fn restore(&self) {
        self.online.send_replace(true);
    }
}

impl Drop for NetworkLink {
    fn drop(&mut self) {
        self.online.send_replace(false);
        self.relay.abort();
    }
}

/// A loopback port that was free a moment ago (the OS picks it; the race with another process
/// taking it before we bind is negligible on a test machine).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a loopback port can be bound")
        .port()
}

/// A running chromedriver on a loopback port, in a process group of its own with the Chromiums
/// it starts; the whole group is killed when dropped, so a failed test leaves no browser behind.
struct Chromedriver {
    url: String,
    child: Child,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: plain killpg(2) on the group our own child leads (`process_group(0)`).
            unsafe { libc::killpg(pid as i32, libc::SIGKILL) };
        }
    }
}

impl Chromedriver {
    /// Spawns chromedriver and waits until its `/status` says it is ready.
    async fn start() -> Self {
        let port = free_port();
        let mut child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            // It prints a start-up banner on stdout; its errors still reach stderr.
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{CHROMEDRIVER} starts: {e}"));
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(500))
            .build()
            .expect("an HTTP client can be built");
        let deadline = Instant::now() + crate::WAIT;
        loop {
            if let Some(status) = child.try_wait().expect("chromedriver's status is readable") {
                panic!("chromedriver exited before it was ready: {status}");
            }
            let ready = match http.get(format!("{url}/status")).send().await {
                Ok(res) => res
                    .json::<serde_json::Value>()
                    .await
                    .is_ok_and(|body| body["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                return Self { url, child };
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver on port {port} did not become ready within {:?}",
                crate::WAIT
            );
            tokio::time::sleep(POLL).await;
        }
    }
}

/// A browser profile: a user data folder that outlives the browsers launched on it, so a test
/// can close Chromium and start it again with the same service worker, IndexedDB and cookies.
#[derive(Clone)]
pub struct Profile {
    name: String,
    dir: Arc<tempfile::TempDir>,
}

impl Profile {
    /// A fresh, empty profile; `name` labels screenshots and failure messages.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            dir: Arc::new(
                tempfile::Builder::new()
                    .prefix(&format!("hearth-chromium-{name}-"))
                    .tempdir()
                    .expect("a temp dir can be made"),
            ),
        }
    }

    /// The user data folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// One headless Chromium on one [`Profile`], with helpers that wait instead of sleeping.
pub struct Browser {
    driver: WebDriver,
    name: String,
    // The profile folder and the chromedriver must outlive the browser using them.
    _profile: Profile,
    _chromedriver: Arc<Chromedriver>,
}

impl Browser {
    async fn launch(chromedriver: Arc<Chromedriver>, profile: &Profile) -> Self {
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).expect("binary capability");
        for arg in CHROMIUM_ARGS {
            caps.add_arg(arg).expect("argument capability");
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.dir().display()))
            .expect("argument capability");
        // Console messages and uncaught errors, for `console_errors`.
        caps.set_browser_log_level(LoggingPrefsLogLevel::All)
            .expect("logging capability");
        // No pooled connections: thirtyfour's fallback when a session is dropped without
        // `close` (a failed test) reuses this client from a fresh runtime on another thread, and a
        // keep-alive connection owned by the test's blocked runtime would hang it for the whole
        // request timeout. A new loopback connection per command costs nothing measurable.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(3 * crate::WAIT)
            .build()
            .expect("an HTTP client can be built");
        // A cold Chromium start on a busy two-core machine can take a while.
        let driver = tokio::time::timeout(
            2 * crate::WAIT,
            WebDriver::builder(chromedriver.url.as_str(), caps).client(http),
        )
        .await
        .unwrap_or_else(|_| panic!("Chromium ({}) did not start in time", profile.name))
        .unwrap_or_else(|e| panic!("Chromium ({}) starts: {e}", profile.name));
        Self {
            driver,
            name: profile.name.clone(),
            _profile: profile.clone(),
            _chromedriver: chromedriver,
        }
    }

    /// The WebDriver session, for anything the helpers do not cover.
    pub fn driver(&self) -> &WebDriver {
        &self.driver
    }

    /// Opens `url` and waits for the document to load (not for the app to render: follow with
    /// a `wait_for`).
    pub async fn goto(&self, url: &str) {
        self.driver
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("[{}] opening {url}: {e}", self.name));
    }

    /// Reloads the page.
    pub async fn reload(&self) {
        self.driver
            .refresh()
            .await
            .unwrap_or_else(|e| panic!("[{}] reloading: {e}", self.name));
    }

    /// The document's title.
    pub async fn title(&self) -> String {
        self.driver
            .title()
            .await
            .unwrap_or_else(|e| panic!("[{}] reading the title: {e}", self.name))
    }

    /// The page's current URL.
    pub async fn url(&self) -> String {
        self.driver
            .current_url()
            .await
            .map(|url| url.to_string())
            .unwrap_or_else(|e| format!("(unknown: {e})"))
    }

    /// Waits until an element matching `css` is displayed, and returns it.
    pub async fn wait_for(&self, css: &str) -> WebElement {
        self.poll(&format!("`{css}` to be displayed"), || async {
            for element in self.driver.find_all(By::Css(css)).await? {
                if element.is_displayed().await? {
                    return Ok(Some(element));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Waits until an element matching `css` is in the document, displayed or not (e.g. a skip
    /// link, hidden until focused), and returns it.
    pub async fn wait_present(&self, css: &str) -> WebElement {
        self.poll(&format!("`{css}` to be in the document"), || async {
            Ok(self.driver.find_all(By::Css(css)).await?.into_iter().next())
        })
        .await
    }

    /// Waits until a displayed element matching `css` has text containing `text`, and returns it.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> WebElement {
        self.poll(&format!("`{css}` to show {text:?}"), || async {
            for element in self.driver.find_all(By::Css(css)).await? {
                if element.is_displayed().await? && element.text().await?.contains(text) {
                    return Ok(Some(element));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Waits until no displayed element matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        self.poll(&format!("`{css}` to go away"), || async {
            for element in self.driver.find_all(By::Css(css)).await? {
                if element.is_displayed().await? {
                    return Ok(None);
                }
            }
            Ok(Some(()))
        })
        .await
    }

    /// The visible text of the first displayed element matching `css` (waiting for it).
    pub async fn text(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        element
            .text()
            .await
            .unwrap_or_else(|e| panic!("[{}] reading the text of `{css}`: {e}", self.name))
    }

    /// An attribute of the first displayed element matching `css` (waiting for it).
    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let element = self.wait_for(css).await;
        element
            .attr(name)
            .await
            .unwrap_or_else(|e| panic!("[{}] reading {name} of `{css}`: {e}", self.name))
    }

    /// Replaces the content of the form field matching `css` with `text`, typed as keystrokes
    /// (so the app sees the same input events as from a person).
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        // WebDriver's "clear" fires no input event, so an app holding the value in its state
        // would not see it; select everything and type over it instead.
        let typed = async {
            element.send_keys(Key::Control + "a").await?;
            element.send_keys(Key::Delete).await?;
            element.send_keys(text).await
        };
        typed
            .await
            .unwrap_or_else(|e| panic!("[{}] typing into `{css}`: {e}", self.name));
    }

    /// Types `text` at the end of the field matching `css`, keeping what is there.
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        element
            .send_keys(Key::End + text)
            .await
            .unwrap_or_else(|e| panic!("[{}] typing into `{css}`: {e}", self.name));
    }

    /// The current value of the form field matching `css`.
    pub async fn value(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        element
            .prop("value")
            .await
            .unwrap_or_else(|e| panic!("[{}] reading the value of `{css}`: {e}", self.name))
            .unwrap_or_default()
    }

    /// Waits until the form field matching `css` has a value containing `text` (e.g. a record's
    /// text after a reload or a sync), and returns the whole value.
    pub async fn wait_for_value(&self, css: &str, text: &str) -> String {
        self.poll(&format!("`{css}` to hold {text:?}"), || async {
            for element in self.driver.find_all(By::Css(css)).await? {
                let value = element.prop("value").await?.unwrap_or_default();
                if value.contains(text) {
                    return Ok(Some(value));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Waits until `script` (a function body, e.g. `return !!navigator.serviceWorker.controller`)
    /// returns something truthy in the page, and returns it.
    pub async fn wait_until(&self, what: &str, script: &str) -> serde_json::Value {
        self.wait_until_within(crate::WAIT, what, script).await
    }

    /// [`wait_until`](Self::wait_until) with its own bound, for what legitimately takes longer
    /// than [`crate::WAIT`] (a benchmark's setup, e.g. syncing hundreds of records down).
    pub async fn wait_until_within(
        &self,
        limit: Duration,
        what: &str,
        script: &str,
    ) -> serde_json::Value {
        self.poll_within(limit, what, || async {
            let value = self.driver.execute(script, vec![]).await?.json().clone();
            let truthy = !matches!(
                &value,
                serde_json::Value::Null | serde_json::Value::Bool(false)
            ) && value != 0
                && value != "";
            Ok(truthy.then_some(value))
        })
        .await
    }

    /// Clicks the element matching `css` once it is displayed and enabled (retrying while
    /// something else, e.g. a closing banner, is in the way).
    pub async fn click(&self, css: &str) {
        self.poll(&format!("`{css}` to be clickable"), || async {
            for element in self.driver.find_all(By::Css(css)).await? {
                if element.is_displayed().await? && element.is_enabled().await? {
                    return match element.click().await {
                        Ok(()) => Ok(Some(())),
                        Err(e)
                            if matches!(
                                e.as_inner(),
                                WebDriverErrorInner::ElementClickIntercepted(_)
                            ) =>
                        {
                            Ok(None)
                        }
                        Err(e) => Err(e),
                    };
                }
            }
            Ok(None)
        })
        .await
    }

    /// Runs `script` at the start of every document this browser loads from now on, before the
    /// page's own scripts (DevTools' `Page.addScriptToEvaluateOnNewDocument`): e.g. a probe that
    /// timestamps what the page renders from navigation start.
    pub async fn run_on_every_page(&self, script: &str) {
        self.driver
            .cdp()
            .page()
            .add_script_to_evaluate_on_new_document(script)
            .await
            .unwrap_or_else(|e| panic!("[{}] adding a script to every page: {e}", self.name));
    }

    /// Runs `script` (a function body whose last argument is a callback it calls with its
    /// result) in the page and returns that result as JSON.
    pub async fn execute_async(
        &self,
        script: &str,
        args: Vec<serde_json::Value>,
    ) -> serde_json::Value {
        self.driver
            .execute_async(script, args)
            .await
            .unwrap_or_else(|e| panic!("[{}] running an async script: {e}", self.name))
            .json()
            .clone()
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) in the page and returns its
    /// result as JSON.
    pub async fn execute(&self, script: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        self.driver
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("[{}] running a script: {e}", self.name))
            .json()
            .clone()
    }

    /// Saves a PNG of the viewport as `target/screenshots/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        let path = dir.join(format!("{name}.png"));
        let png = self
            .driver
            .screenshot_as_png()
            .await
            .unwrap_or_else(|e| panic!("[{}] taking a screenshot: {e}", self.name));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }

    /// Console errors, uncaught exceptions and failed loads logged since the last call (the
    /// browser's log is drained by reading it). A missing `/favicon.ico` is not counted: the
    /// browser asks for it by itself, not the app.
    pub async fn console_errors(&self) -> Vec<String> {
        self.driver
            .browser_log()
            .await
            .unwrap_or_else(|e| panic!("[{}] reading the browser log: {e}", self.name))
            .into_iter()
            .filter(|entry| entry.level == "SEVERE")
            .map(|entry| entry.message)
            .filter(|message| !is_missing_favicon(message))
            .collect()
    }

    /// Fails the test if anything was logged as an error since the last check.
    pub async fn assert_no_console_errors(&self) {
        self.assert_no_console_errors_but(&[]).await;
    }

    /// Like [`Browser::assert_no_console_errors`], but lines containing any of `expected` (a
    /// failure the test caused on purpose: `"status of 401"`, or [`NO_SIGNAL`] for requests
    /// made while a [`NetworkLink`] was cut) are allowed.
    pub async fn assert_no_console_errors_but(&self, expected: &[&str]) {
        let errors: Vec<String> = self
            .console_errors()
            .await
            .into_iter()
            .filter(|e| !expected.iter().any(|allowed| e.contains(allowed)))
            .collect();
        assert!(
            errors.is_empty(),
            "[{}] the page logged errors:\n{}",
            self.name,
            errors.join("\n")
        );
    }

    /// Cuts (or restores) this page's network with the DevTools protocol's
    /// `Network.emulateNetworkConditions`: `navigator.onLine` turns false and new requests and
    /// WebSockets fail, while the server keeps running. A WebSocket already open stays
    /// connected, so for a device that loses its sync connection use a [`NetworkLink`]; to
    /// start a browser offline, stop the server. Applies to this page only, until it closes.
    pub async fn set_offline(&self, offline: bool) {
        let cdp = self.driver.cdp();
        // Without the Network domain enabled, Chromium accepts the conditions but does not
        // apply them.
        let applied = async {
            cdp.network().enable().await?;
            cdp.network()
                .emulate_network_conditions(NetworkConditions {
                    offline,
                    ..NetworkConditions::default()
                })
                .await
        };
        applied
            .await
            .unwrap_or_else(|e| panic!("[{}] setting offline={offline}: {e}", self.name));
    }

    /// Slows this page's CPU by `rate` (DevTools' `Emulation.setCPUThrottlingRate`; 1 is full
    /// speed), as on a cheap tablet: rendering then takes long enough for the browser to run
    /// input events between parts of one render, the conditions a race there needs.
    pub async fn slow_cpu(&self, rate: f64) {
        self.driver
            .cdp()
            .send_raw(
                "Emulation.setCPUThrottlingRate",
                serde_json::json!({ "rate": rate }),
            )
            .await
            .unwrap_or_else(|e| panic!("[{}] throttling the CPU by {rate}: {e}", self.name));
    }

    /// Renders this page as for print (`Emulation.setEmulatedMedia`), so a screenshot shows
    /// what the print stylesheet makes of it; `false` goes back to the screen.
    pub async fn emulate_print(&self, print: bool) {
        self.driver
            .cdp()
            .send_raw(
                "Emulation.setEmulatedMedia",
                serde_json::json!({ "media": if print { "print" } else { "" } }),
            )
            .await
            .unwrap_or_else(|e| panic!("[{}] emulating print={print}: {e}", self.name));
    }

    /// The value of this browser's cookie `name` for the current site, HttpOnly ones included
    /// (WebDriver sees what the page's scripts cannot); `None` when there is none.
    pub async fn cookie(&self, name: &str) -> Option<String> {
        self.driver
            .get_all_cookies()
            .await
            .unwrap_or_else(|e| panic!("[{}] reading cookies: {e}", self.name))
            .into_iter()
            .find(|c| c.name == name)
            .map(|c| c.value)
    }

    /// Quits Chromium (its profile folder stays, for a later [`BrowserEnv::browser`]).
    pub async fn close(self) {
        let name = self.name.clone();
        self.driver
            .quit()
            .await
            .unwrap_or_else(|e| panic!("[{name}] closing the browser: {e}"));
    }

    /// Polls `check` until it yields `Some`, failing after [`crate::WAIT`] with `what`, the
    /// page's URL, the last WebDriver error and a screenshot.
    async fn poll<T, F, Fut>(&self, what: &str, check: F) -> T
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = WebDriverResult<Option<T>>>,
    {
        self.poll_within(crate::WAIT, what, check).await
    }

    /// [`poll`](Self::poll), failing after `limit` instead.
    async fn poll_within<T, F, Fut>(&self, limit: Duration, what: &str, check: F) -> T
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = WebDriverResult<Option<T>>>,
    {
        let deadline = Instant::now() + limit;
        let mut last_error = None;
        loop {
            match check().await {
                Ok(Some(found)) => return found,
                Ok(None) => {}
                // An element replaced between finding and reading it: look again.
                Err(e) => last_error = Some(e.to_string()),
            }
            if Instant::now() >= deadline {
                let shot = self
                    .screenshot(&format!("timed-out-{}", self.name))
                    .await
                    .display()
                    .to_string();
                panic!(
                    "[{}] waited {limit:?} for {what} on {}{}; screenshot: {shot}",
                    self.name,
                    self.url().await,
                    last_error.map_or(String::new(), |e| format!(" (last error: {e})")),
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Chromium's log line for the favicon it requests on its own, e.g.
/// `http://127.0.0.1:1234/favicon.ico - Failed to load resource: ... 404 (Not Found)`.
fn is_missing_favicon(message: &str) -> bool {
    message.split_once(" - ").is_some_and(|(url, error)| {
        url.ends_with("/favicon.ico") && error.starts_with("Failed to load resource")
    })
}

/// `target/screenshots` in the workspace's target directory (`CARGO_TARGET_DIR` if set).
pub fn screenshot_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| workspace.join("target"), |dir| workspace.join(dir));
    target.join("screenshots")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_browsers_own_favicon_request_is_forgiven() {
        assert!(is_missing_favicon(
            "http://127.0.0.1:41069/favicon.ico - Failed to load resource: the server \
             responded with a status of 404 (Not Found)"
        ));
        assert!(!is_missing_favicon(
            "http://127.0.0.1:41069/hearth_client_bg.wasm - Failed to load resource: the \
             server responded with a status of 404 (Not Found)"
        ));
        assert!(!is_missing_favicon(
            "http://127.0.0.1:41069/boot.js 12:3 \"Hearth failed to start\" /favicon.ico - x"
        ));
    }
}

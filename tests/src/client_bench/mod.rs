//! The client benchmark behind `hearth-client-bench`: the built app in headless Chromium against
//! a real server, timing (1) an offline cold start to an interactive records list with many
//! records stored on the device and (2) opening a Regulation 33 record with a long edit
//! history. It prints figures and asserts nothing about speed.
//!
//! Method: a probe script installed on every page before the app's own scripts
//! ([`probe`]) takes `performance.now()` timestamps in the page, from navigation start, as a
//! `MutationObserver` sees each milestone (and the first frame after it), so WebDriver's
//! polling is not in the figures. Typing the password is not timed: the unlock figures start
//! at the click on "Unlock".

mod cold_start;
mod data;
pub mod first_sync;
mod probe;
mod reg33_open;
mod report;

use crate::browser::{Browser, BrowserEnv};
use crate::server::TestUser;
pub use cold_start::{Caseload, ColdRun, CryptoCosts, caseload};
use hearth_shared::permissions::Role;
pub use reg33_open::Reg33Run;
pub use report::{ClientReport, Spread};
use std::path::Path;
use std::time::Instant;

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientBenchConfig {
    /// Visit notes on the device for the cold start.
    pub records: usize,
    /// Edits in the Regulation 33 record's history.
    pub edits: usize,
    /// Cold starts, and Regulation 33 runs (each on a fresh profile); medians are reported.
    pub runs: usize,
}

impl ClientBenchConfig {
    /// Issue 4's figures with issue 10's history: 500 records, 10,000 edits, three runs of each.
    pub const DEFAULT: ClientBenchConfig = ClientBenchConfig {
        records: 500,
        edits: 10_000,
        runs: 3,
    };

    /// `--quick`: proves the bench works end to end.
    pub const QUICK: ClientBenchConfig = ClientBenchConfig {
        records: 20,
        edits: 100,
        runs: 1,
    };
}

/// The `--help` text.
pub const USAGE: &str = "\
Usage: hearth-client-bench [--records N] [--edits K] [--runs R] [--quick]

Starts a real Hearth server (hearth-e2e-server, next to this binary) on the built client named by
HEARTH_CLIENT_DIR and drives Debian's headless Chromium (/usr/bin/chromium, /usr/bin/chromedriver):

  1. a member with N visit notes opens them once online, then Chromium starts again on that
     profile with the server stopped: navigation -> Unlock page, and Unlock -> the list's first
     page rendered (all N counted) / the list's next frame; then the same with 10 x N notes;
  2. a Regulation 33 record with K edits to its premises text is opened on a new device right
     after signing in (downloaded meanwhile), its premises text is typed into (each keystroke
     -> the next frame), and it is opened from memory and from IndexedDB after a reload;
  3. a new device's first sync of 2 x N visit notes: Sign in -> all stored encrypted in
     IndexedDB, and the server's bulk download alone over loopback.

  --records N   visit notes on the device (default 500)
  --edits K     edits in the Regulation 33 record's history (default 10000)
  --runs R      cold starts and Regulation 33 runs; medians are printed (default 3)
  --quick       smoke run: 20 records, 100 edits, 1 run (explicit flags still win)

`cargo xtask bench` builds everything and runs this after the sync benchmark.";

/// What the command line asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the benchmark.
    Run(ClientBenchConfig),
    /// Print [`USAGE`].
    Help,
}

/// Parses the arguments after the program name.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let Some(crate::bench::CountArgs {
        quick,
        counts: [records, edits, runs],
    }) = crate::bench::parse_counts(args, ["records", "edits", "runs"])?
    else {
        return Ok(Command::Help);
    };
    let base = if quick {
        ClientBenchConfig::QUICK
    } else {
        ClientBenchConfig::DEFAULT
    };
    Ok(Command::Run(ClientBenchConfig {
        records: records.unwrap_or(base.records),
        edits: edits.unwrap_or(base.edits),
        runs: runs.unwrap_or(base.runs),
    }))
}

/// Runs the benchmark against a fresh server started from `server_bin`, or returns `None`
/// (after saying why) when Chromium, chromedriver or the built client is missing. Progress goes
/// to stderr.
pub async fn run(config: ClientBenchConfig, server_bin: &Path) -> Option<ClientReport> {
    let env = BrowserEnv::get("hearth-client-bench").await?;
    let mut server = env.start_server(&server_bin.to_string_lossy()).await;
    // Two homes, so neither member's list holds the other's records.
    let notes_home = server.home("Synthetic Bench House").await;
    let reg33_home = server.home("Synthetic Inspection House").await;
    let (notes_api, notes_member) = server.user(Role::Member, &[&notes_home]).await;
    let (reg33_api, reg33_member) = server.user(Role::Member, &[&reg33_home]).await;

    let setup_started = Instant::now();
    eprintln!(
        "client bench: creating {} visit notes and a Regulation 33 record with {} edits",
        config.records, config.edits
    );
    data::visit_notes(&notes_api, &notes_member.id, &notes_home, config.records).await;
    let (reg33_id, premises_chars, reg33_bytes) =
        data::inspection_with_history(&reg33_api, &reg33_member.id, &reg33_home, config.edits)
            .await;
    let setup = setup_started.elapsed();

    let mut reg33 = Vec::with_capacity(config.runs);
    for n in 0..config.runs {
        eprintln!(
            "client bench: Regulation 33 record, run {} of {}",
            n + 1,
            config.runs
        );
        reg33.push(
            reg33_open::run(&env, &server.base, &reg33_member, &reg33_home, reg33_id, n).await,
        );
    }

    eprintln!(
        "client bench: first online visit, {} records to the device",
        config.records
    );
    let (profile, first_visit) = cold_start::first_visit(
        &env,
        &server.base,
        &notes_member,
        &notes_home,
        config.records,
    )
    .await;
    // No network for the cold starts: the server is gone, not just the page's connection.
    server.stop().await;
    let mut cold = Vec::with_capacity(config.runs);
    let mut parts = None;
    for n in 0..config.runs {
        eprintln!(
            "client bench: offline cold start, run {} of {}",
            n + 1,
            config.runs
        );
        let last = n + 1 == config.runs;
        let (run, measured) = cold_start::cold_start(
            &env,
            &profile,
            &server.base,
            &notes_member,
            &notes_home,
            config.records,
            last,
        )
        .await;
        cold.push(run);
        parts = parts.or(measured);
    }
    // Issue 10: start-up must not grow with the caseload, so it is measured again with ten
    // times the records, on a server of its own.
    let large = cold_start::caseload(&env, server_bin, config.records * 10, config.runs).await;
    // Issue 10: a new device's first sync of twice the records (1,000 by default), from the
    // click on "Sign in" to every record stored encrypted.
    let first_sync = first_sync::measure(&env, server_bin, config.records * 2, config.runs).await;

    Some(ClientReport {
        config,
        first_visit,
        cold,
        parts,
        reg33,
        premises_chars,
        reg33_bytes,
        setup,
        large: Some(large),
        first_sync: Some(first_sync),
    })
}

/// Opens the sign-in page at `base` and fills in `user`'s name and password.
async fn fill_sign_in(browser: &Browser, base: &str, user: &TestUser) {
    browser.goto(&format!("{base}/#/sign-in")).await;
    browser.fill("#username", &user.username).await;
    browser.fill("#password", &user.password).await;
}

/// Signs `user` in at `base` and waits for their homes.
async fn sign_in(browser: &Browser, base: &str, user: &TestUser) {
    fill_sign_in(browser, base, user).await;
    browser.click("#sign-in").await;
    browser.wait_for_text("main h1", "Homes").await;
}

/// Types `user`'s password on the Unlock page and presses Unlock (the probe times the click).
async fn unlock(browser: &Browser, user: &TestUser) {
    browser.fill("#unlock-password", &user.password).await;
    browser.click("#unlock").await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults_are_the_issues_figures_and_quick_is_smaller() {
        assert_eq!(
            parse_args(args(&[])),
            Ok(Command::Run(ClientBenchConfig::DEFAULT))
        );
        let Ok(Command::Run(c)) = parse_args(args(&["--runs", "5", "--quick"])) else {
            panic!("parses");
        };
        assert_eq!((c.records, c.edits, c.runs), (20, 100, 5));
        assert!(parse_args(args(&["--records", "0"])).is_err());
        assert!(parse_args(args(&["--client"])).is_err());
    }
}

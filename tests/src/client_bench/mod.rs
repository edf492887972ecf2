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
mod probe;
mod reg33_open;

use crate::browser::{Browser, BrowserEnv};
use crate::server::TestUser;
pub use cold_start::{ColdRun, CryptoCosts};
use hearth_shared::permissions::Role;
pub use reg33_open::Reg33Run;
use std::path::Path;
use std::time::{Duration, Instant};

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
    /// Issue 4's figures: 500 records, 2,000 edits, three runs of each.
    pub const DEFAULT: ClientBenchConfig = ClientBenchConfig {
        records: 500,
        edits: 2_000,
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
     profile with the server stopped: navigation -> Unlock page, and Unlock -> all N rows
     rendered / the list's next frame;
  2. a Regulation 33 record with K edits to its premises text is opened on a new device right
     after signing in (downloaded meanwhile), from memory, and from IndexedDB after a reload.

  --records N   visit notes on the device (default 500)
  --edits K     edits in the Regulation 33 record's history (default 2000)
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
    let mut quick = false;
    let (mut records, mut edits, mut runs) = (None, None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--quick" => {
                quick = true;
                continue;
            }
            "--records" => &mut records,
            "--edits" => &mut edits,
            "--runs" => &mut runs,
            other => return Err(format!("unknown argument `{other}`")),
        };
        let value = args.next().ok_or_else(|| format!("{arg} needs a number"))?;
        let n: usize = value
            .parse()
            .map_err(|_| format!("{arg} needs a whole number, got `{value}`"))?;
        if n == 0 {
            return Err(format!("{arg} must be at least 1"));
        }
        *slot = Some(n);
    }
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

/// Everything one run measured.
#[derive(Debug, Clone)]
pub struct ClientReport {
    /// What was run.
    pub config: ClientBenchConfig,
    /// The first online visit: "Sign in" pressed → every record stored in IndexedDB.
    pub first_visit: Duration,
    /// Each offline cold start.
    pub cold: Vec<ColdRun>,
    /// The unlock path's parts, measured in the last cold start's page.
    pub parts: Option<CryptoCosts>,
    /// Each Regulation 33 run.
    pub reg33: Vec<Reg33Run>,
    /// The record's premises length, in characters.
    pub premises_chars: usize,
    /// The record saved as one Automerge document, in bytes.
    pub reg33_bytes: usize,
    /// Creating the synthetic records through the sync client (not part of the figures).
    pub setup: Duration,
}

/// The median, smallest and largest of some runs' milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The middle value (the mean of the two middle ones for an even count).
    pub median: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

impl Spread {
    /// The spread of `values`; all NaN when empty.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Spread {
        let mut v: Vec<f64> = values.into_iter().collect();
        if v.is_empty() {
            return Spread {
                median: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
            };
        }
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        let median = if v.len().is_multiple_of(2) {
            (v[mid - 1] + v[mid]) / 2.0
        } else {
            v[mid]
        };
        Spread {
            median,
            min: v[0],
            max: v[v.len() - 1],
        }
    }

    fn show(&self, runs: usize) -> String {
        if runs <= 1 {
            format!("{:.0} ms", self.median)
        } else {
            format!(
                "{:.0} ms  (min {:.0}, max {:.0})",
                self.median, self.min, self.max
            )
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "median": round1(self.median),
            "min": round1(self.min),
            "max": round1(self.max),
        })
    }
}

impl ClientReport {
    fn cold_spread(&self, f: impl Fn(&ColdRun) -> f64) -> Spread {
        Spread::of(self.cold.iter().map(f))
    }

    fn reg33_spread(&self, f: impl Fn(&Reg33Run) -> f64) -> Spread {
        Spread::of(self.reg33.iter().map(f))
    }

    /// Navigation start → interactive list, leaving out the time a person takes to type the
    /// password: the Unlock page's time plus the unlock-to-interactive time, per run.
    pub fn cold_start_total(&self) -> Spread {
        self.cold_spread(|r| r.unlock_page_ms + r.unlock_to_interactive_ms)
    }

    /// A small aligned table for people.
    pub fn table(&self) -> String {
        let c = &self.config;
        let cold_runs = self.cold.len();
        let reg_runs = self.reg33.len();
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut row = |label: &str, value: String| rows.push((label.to_string(), value));
        row(
            "",
            format!(
                "-- offline cold start, {} records on the device --",
                c.records
            ),
        );
        row(
            "navigation -> Unlock page",
            self.cold_spread(|r| r.unlock_page_ms).show(cold_runs),
        );
        row(
            &format!("Unlock -> {} rows rendered", c.records),
            self.cold_spread(|r| r.unlock_to_rows_ms).show(cold_runs),
        );
        row(
            "Unlock -> list interactive",
            self.cold_spread(|r| r.unlock_to_interactive_ms)
                .show(cold_runs),
        );
        row(
            "cold start total",
            format!(
                "{}  (Unlock page + Unlock -> interactive; typing not counted)",
                self.cold_start_total().show(cold_runs)
            ),
        );
        row(
            "list re-render from memory",
            self.cold_spread(|r| r.rerender_ms).show(cold_runs),
        );
        let from_sw = self.cold.iter().filter(|r| r.from_service_worker).count();
        row(
            "app shell HTML",
            format!(
                "{} (service worker in {from_sw} of {cold_runs} starts)",
                self.cold_spread(|r| r.shell_response_ms).show(cold_runs)
            ),
        );
        row(
            "Chromium start (not counted)",
            self.cold_spread(|r| r.chromium_start_ms).show(cold_runs),
        );
        if let Some(p) = &self.parts {
            row(
                "",
                "-- the unlock path in parts (same page, plain JS) --".into(),
            );
            row(
                "IndexedDB read, all records",
                format!(
                    "{:.0} ms  ({} records, {:.0} KiB encrypted)",
                    p.idb_read_ms,
                    p.count,
                    p.bytes as f64 / 1024.0
                ),
            );
            row(
                "PBKDF2-SHA-256 x 600,000",
                format!("{:.0} ms  (once per unlock)", p.pbkdf2_ms),
            );
            row(
                "AES-GCM decrypt, one by one",
                format!("{:.0} ms", p.sequential_decrypt_ms),
            );
            row(
                "AES-GCM decrypt, all at once",
                format!("{:.0} ms", p.concurrent_decrypt_ms),
            );
        }
        row(
            "",
            format!(
                "-- Regulation 33 record, {} edits ({} premises chars, {:.0} KiB saved) --",
                c.edits,
                self.premises_chars,
                self.reg33_bytes as f64 / 1024.0
            ),
        );
        let downloaded = self
            .reg33
            .iter()
            .filter(|r| r.downloaded_during_open)
            .count();
        row(
            "new device: route -> editor",
            format!(
                "{}  (downloaded during the open in {downloaded} of {reg_runs})",
                self.reg33_spread(|r| r.online_open_ms).show(reg_runs)
            ),
        );
        row(
            "new device: Sign in -> editor",
            self.reg33_spread(|r| r.sign_in_to_editor_ms).show(reg_runs),
        );
        row(
            "premises section -> text shown",
            self.reg33_spread(|r| r.premises_section_ms).show(reg_runs),
        );
        row(
            "in memory: route -> editor",
            self.reg33_spread(|r| r.memory_open_ms).show(reg_runs),
        );
        row(
            "after reload: Unlock -> editor",
            format!(
                "{}  (from IndexedDB, PBKDF2 included)",
                self.reg33_spread(|r| r.local_unlock_to_editor_ms)
                    .show(reg_runs)
            ),
        );
        row("", "-- not part of the figures --".into());
        row(
            &format!("first visit: {} records stored", c.records),
            format!(
                "{:.1} s  (Sign in -> all in IndexedDB, online)",
                self.first_visit.as_secs_f64()
            ),
        );
        row(
            "setup (sync client)",
            format!("{:.1} s", self.setup.as_secs_f64()),
        );

        let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
        let mut out = format!(
            "Hearth client benchmark: headless Chromium, {} runs, median (min, max); \
             times from performance.now() in the page\n",
            c.runs
        );
        for (label, value) in rows {
            if label.is_empty() {
                out.push_str(&format!("  {value}\n"));
            } else {
                out.push_str(&format!("    {label:<width$}  {value}\n"));
            }
        }
        out
    }

    /// The same figures as one JSON object, for scripts and CI logs.
    pub fn json(&self) -> serde_json::Value {
        let c = &self.config;
        serde_json::json!({
            "records": c.records,
            "edits": c.edits,
            "runs": c.runs,
            "coldStart": {
                "unlockPageMs": self.cold_spread(|r| r.unlock_page_ms).json(),
                "unlockToRowsMs": self.cold_spread(|r| r.unlock_to_rows_ms).json(),
                "unlockToInteractiveMs": self.cold_spread(|r| r.unlock_to_interactive_ms).json(),
                "totalMs": self.cold_start_total().json(),
                "rerenderMs": self.cold_spread(|r| r.rerender_ms).json(),
                "shellResponseMs": self.cold_spread(|r| r.shell_response_ms).json(),
                "fromServiceWorker": self.cold.iter().all(|r| r.from_service_worker),
                "chromiumStartMs": self.cold_spread(|r| r.chromium_start_ms).json(),
            },
            "unlockParts": self.parts.map(|p| serde_json::json!({
                "records": p.count,
                "encryptedBytes": p.bytes,
                "idbReadMs": round1(p.idb_read_ms),
                "pbkdf2Ms": round1(p.pbkdf2_ms),
                "sequentialDecryptMs": round1(p.sequential_decrypt_ms),
                "concurrentDecryptMs": round1(p.concurrent_decrypt_ms),
            })),
            "reg33": {
                "premisesChars": self.premises_chars,
                "savedBytes": self.reg33_bytes,
                "newDeviceOpenMs": self.reg33_spread(|r| r.online_open_ms).json(),
                "downloadedDuringOpen": self.reg33.iter().filter(|r| r.downloaded_during_open).count(),
                "signInToEditorMs": self.reg33_spread(|r| r.sign_in_to_editor_ms).json(),
                "premisesSectionMs": self.reg33_spread(|r| r.premises_section_ms).json(),
                "memoryOpenMs": self.reg33_spread(|r| r.memory_open_ms).json(),
                "unlockToEditorMs": self.reg33_spread(|r| r.local_unlock_to_editor_ms).json(),
            },
            "firstVisitSeconds": round1(self.first_visit.as_secs_f64()),
        })
    }
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

    Some(ClientReport {
        config,
        first_visit,
        cold,
        parts,
        reg33,
        premises_chars,
        reg33_bytes,
        setup,
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

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults_are_issue_4s_figures_and_quick_is_smaller() {
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

    #[test]
    fn spread_takes_the_middle_run() {
        let s = Spread::of([30.0, 10.0, 20.0]);
        assert_eq!((s.median, s.min, s.max), (20.0, 10.0, 30.0));
        assert_eq!(Spread::of([10.0, 20.0]).median, 15.0);
        assert!(Spread::of([]).median.is_nan());
    }
}

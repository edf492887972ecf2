//! The client bench's figures: medians of the runs, as an aligned table for people and one JSON
//! object for scripts.

use super::first_sync::FirstSync;
use super::{Caseload, ClientBenchConfig, ColdRun, CryptoCosts, Reg33Run};
use std::time::Duration;

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
    /// The cold start again with ten times the records (issue 10), if measured.
    pub large: Option<Caseload>,
    /// A new device's first sync (issue 10), if measured.
    pub first_sync: Option<FirstSync>,
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
            &format!(
                "Unlock -> first page rendered ({} of {})",
                c.records.min(super::cold_start::PAGE_ROWS),
                c.records
            ),
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
        if let Some(l) = &self.large {
            let runs = l.cold.len();
            let spread = |f: fn(&ColdRun) -> f64| Spread::of(l.cold.iter().map(f)).show(runs);
            row(
                "",
                format!(
                    "-- offline cold start, {} records on the device --",
                    l.records
                ),
            );
            row("navigation -> Unlock page", spread(|r| r.unlock_page_ms));
            row(
                &format!(
                    "Unlock -> first page rendered ({} of {})",
                    l.records.min(super::cold_start::PAGE_ROWS),
                    l.records
                ),
                spread(|r| r.unlock_to_rows_ms),
            );
            row(
                "Unlock -> list interactive",
                spread(|r| r.unlock_to_interactive_ms),
            );
            row(
                "cold start total",
                spread(|r| r.unlock_page_ms + r.unlock_to_interactive_ms),
            );
            if let Some(p) = &l.parts {
                row(
                    "unlock's parts (plain JS)",
                    format!(
                        "index read {:.0} ms ({} entries, {:.0} KiB), PBKDF2 {:.0} ms, \
                         decrypt all at once {:.0} ms",
                        p.idb_read_ms,
                        p.count,
                        p.bytes as f64 / 1024.0,
                        p.pbkdf2_ms,
                        p.concurrent_decrypt_ms
                    ),
                );
            }
        }
        if let Some(p) = &self.parts {
            row(
                "",
                "-- the unlock path in parts (same page, plain JS) --".into(),
            );
            row(
                "IndexedDB read, the index",
                format!(
                    "{:.0} ms  ({} entries, {:.0} KiB encrypted)",
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
            "keystroke -> next frame (median)",
            format!(
                "{}  ({} keys typed at the end of the premises text, one per frame)",
                self.reg33_spread(|r| r.keystroke_ms).show(reg_runs),
                super::reg33_open::KEYS.chars().count()
            ),
        );
        row(
            "slowest keystroke -> next frame",
            self.reg33_spread(|r| r.slowest_keystroke_ms).show(reg_runs),
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
        if let Some(l) = &self.large {
            row(
                &format!("first visit: {} records stored", l.records),
                format!(
                    "{:.1} s  (setup {:.1} s)",
                    l.first_visit.as_secs_f64(),
                    l.setup.as_secs_f64()
                ),
            );
        }
        if let Some(f) = &self.first_sync {
            let runs = f.sign_in_to_stored_ms.len();
            row(
                "",
                format!("-- new device, first sync of {} records --", f.records),
            );
            row(
                "Sign in -> all stored encrypted",
                Spread::of(f.sign_in_to_stored_ms.iter().copied()).show(runs),
            );
            row(
                &format!(
                    "bulk download alone ({} KiB)",
                    f.download_bytes.div_ceil(1024)
                ),
                Spread::of(f.server_download_ms.iter().copied()).show(runs),
            );
        }

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
                "keystrokeMs": self.reg33_spread(|r| r.keystroke_ms).json(),
                "slowestKeystrokeMs": self.reg33_spread(|r| r.slowest_keystroke_ms).json(),
                "memoryOpenMs": self.reg33_spread(|r| r.memory_open_ms).json(),
                "unlockToEditorMs": self.reg33_spread(|r| r.local_unlock_to_editor_ms).json(),
            },
            "firstVisitSeconds": round1(self.first_visit.as_secs_f64()),
            "largeCaseload": self.large.as_ref().map(|l| {
                let spread = |f: fn(&ColdRun) -> f64| Spread::of(l.cold.iter().map(f)).json();
                serde_json::json!({
                    "records": l.records,
                    "unlockPageMs": spread(|r| r.unlock_page_ms),
                    "unlockToRowsMs": spread(|r| r.unlock_to_rows_ms),
                    "unlockToInteractiveMs": spread(|r| r.unlock_to_interactive_ms),
                    "totalMs": spread(|r| r.unlock_page_ms + r.unlock_to_interactive_ms),
                    "pbkdf2Ms": l.parts.map(|p| round1(p.pbkdf2_ms)),
                    "indexReadMs": l.parts.map(|p| round1(p.idb_read_ms)),
                    "firstVisitSeconds": round1(l.first_visit.as_secs_f64()),
                })
            }),
            "firstSync": self.first_sync.as_ref().map(|f| serde_json::json!({
                "records": f.records,
                "downloadBytes": f.download_bytes,
                "signInToStoredMs": Spread::of(f.sign_in_to_stored_ms.iter().copied()).json(),
                "serverDownloadMs": Spread::of(f.server_download_ms.iter().copied()).json(),
            })),
        })
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_the_middle_run() {
        let s = Spread::of([30.0, 10.0, 20.0]);
        assert_eq!((s.median, s.min, s.max), (20.0, 10.0, 30.0));
        assert_eq!(Spread::of([10.0, 20.0]).median, 15.0);
        assert!(Spread::of([]).median.is_nan());
    }
}

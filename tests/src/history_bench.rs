//! The history benchmark behind the `hearth-history-bench` binary: one member types into one
//! Regulation 33 record, one character per change, over a real WebSocket speaking the
//! automerge-repo protocol, against a real server process; every change waits for the server's
//! acknowledgement (its heads cover the change) before the next is made.
//!
//! What it shows is whether the server's cost of one change grows with the record's history:
//! the median acknowledgement of the first and of the last changes, their ratio, and the server
//! process's CPU time per change (user + system, from `/proc/<pid>/stat`). It asserts nothing
//! about speed.
//!
//! An acknowledgement is timed from the change's message handed to the socket until the
//! server's reply is read off it. The bench client's own work on either side (plain automerge:
//! building the message, and taking in the reply, whose `filter_changes` walks every ancestor of
//! the heads) grows with the history too, and timing it made the last 200 look 1.87x the first
//! 200 on a quiet machine where the server's part was flat (0.98x).

use crate::bench::{parse_counts, percentile};
use crate::{SyncError, TestServer, now_ms, root_text};
use automerge::ReadDoc;
use automerge::transaction::Transactable;
use hearth_shared::model::{Inspection, Record};
use hearth_shared::permissions::Role;
use std::path::Path;
use std::time::{Duration, Instant};

/// How many changes to send, and how many at each end to compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryConfig {
    /// Changes sent one after another to the same record, each acknowledged before the next.
    pub changes: usize,
    /// How many changes at the start and at the end of the run the medians are taken over.
    pub window: usize,
}

impl HistoryConfig {
    /// The run issue 10 measures: a long visit typed into one record.
    pub const DEFAULT: HistoryConfig = HistoryConfig {
        changes: 10_000,
        window: 200,
    };

    /// `--quick`: a smoke run that proves the benchmark works end to end.
    pub const QUICK: HistoryConfig = HistoryConfig {
        changes: 500,
        window: 100,
    };
}

/// The `--help` text.
pub const USAGE: &str = "\
Usage: hearth-history-bench [--changes N] [--quick]

Starts a real Hearth server (hearth-e2e-server, next to this binary), has one member type N
characters into one Regulation 33 record, one change per character, each waiting for the
server's acknowledgement, and prints the median acknowledgement of the first and last 200
changes, their ratio, and the server's CPU time per change.

  --changes N   changes to send (default 10000)
  --quick       smoke run: 500 changes, medians over the first and last 100

Build both binaries first: cargo build --release -p hearth-e2e --bins";

/// Parses the arguments after the program name; `Ok(None)` when help was asked for.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<HistoryConfig>, String> {
    let Some(parsed) = parse_counts(args, ["changes"])? else {
        return Ok(None);
    };
    let base = if parsed.quick {
        HistoryConfig::QUICK
    } else {
        HistoryConfig::DEFAULT
    };
    let changes = parsed.counts[0].unwrap_or(base.changes);
    Ok(Some(HistoryConfig {
        changes,
        // Two windows that do not overlap, however few changes were asked for.
        window: base.window.min(changes.div_ceil(2)),
    }))
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum HistoryBenchError {
    /// The server refused or dropped a change, or did not answer in time.
    #[error("change {change}: {source}")]
    Sync {
        /// Which change (0-based; creating the record is change 0).
        change: usize,
        /// What went wrong.
        source: SyncError,
    },
    /// A local Automerge edit failed (a bug in the benchmark, not the server).
    #[error("local edit: {0}")]
    Edit(#[from] automerge::AutomergeError),
}

/// The figures from one run.
#[derive(Debug, Clone)]
pub struct HistoryReport {
    /// What was run.
    pub config: HistoryConfig,
    /// Each change's acknowledgement time, in the order the changes were sent.
    pub acks: Vec<Duration>,
    /// From the first change sent to the last acknowledged.
    pub wall: Duration,
    /// The server process's CPU time (user + system) over the timed changes, if `/proc` could
    /// tell.
    pub server_cpu: Option<Duration>,
}

impl HistoryReport {
    /// The median acknowledgement of the first `window` changes.
    pub fn first_median(&self) -> Duration {
        median(&self.acks[..self.config.window.min(self.acks.len())])
    }

    /// The median acknowledgement of the last `window` changes.
    pub fn last_median(&self) -> Duration {
        let from = self.acks.len().saturating_sub(self.config.window);
        median(&self.acks[from..])
    }

    /// Last median ÷ first median: 1 when a change costs the same however long the history.
    pub fn ratio(&self) -> f64 {
        let first = self.first_median().as_secs_f64();
        if first > 0.0 {
            self.last_median().as_secs_f64() / first
        } else {
            0.0
        }
    }

    /// The server's CPU time per acknowledged change, in milliseconds.
    pub fn cpu_ms_per_change(&self) -> Option<f64> {
        let cpu = self.server_cpu?;
        (!self.acks.is_empty()).then(|| cpu.as_secs_f64() * 1000.0 / self.acks.len() as f64)
    }

    /// A small aligned table for people.
    pub fn table(&self) -> String {
        let w = self.config.window;
        let rows = [
            ("changes acknowledged", format!("{}", self.acks.len())),
            ("wall time", format!("{:.2} s", self.wall.as_secs_f64())),
            (&*format!("median ack, first {w}"), ms(self.first_median())),
            (&*format!("median ack, last {w}"), ms(self.last_median())),
            (
                "last / first",
                format!(
                    "{:.2}x  (1.0: a change costs the same at any history)",
                    self.ratio()
                ),
            ),
            (
                "server CPU per change",
                match self.cpu_ms_per_change() {
                    Some(cpu) => format!("{cpu:.3} ms  (user + system, /proc/<pid>/stat)"),
                    None => "unknown".to_string(),
                },
            ),
        ]
        .map(|(label, value)| (label.to_string(), value));
        let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
        let mut out = format!(
            "Hearth history benchmark: {} one-character changes to one Regulation 33 record\n",
            self.config.changes
        );
        for (label, value) in rows {
            out.push_str(&format!("  {label:<width$}  {value}\n"));
        }
        out
    }

    /// The same figures as one JSON object, for scripts and CI logs.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "changes": self.acks.len(),
            "window": self.config.window,
            "wallSeconds": round3(self.wall.as_secs_f64()),
            "firstMedianAckMs": round3(millis(self.first_median())),
            "lastMedianAckMs": round3(millis(self.last_median())),
            "lastOverFirst": round3(self.ratio()),
            "serverCpuMsPerChange": self.cpu_ms_per_change().map(round3),
        })
    }
}

/// The median of `acks` in any order; zero when empty.
pub fn median(acks: &[Duration]) -> Duration {
    let mut sorted = acks.to_vec();
    sorted.sort_unstable();
    percentile(&sorted, 50.0)
}

/// User + system CPU time from the text of a `/proc/<pid>/stat` file, in clock ticks. The
/// command name (field 2) may hold spaces and parentheses, so fields are counted after its
/// last `)`: utime and stime are fields 14 and 15.
pub fn parse_stat_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// A live process's CPU time so far (Linux only; `None` elsewhere).
fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let ticks = parse_stat_ticks(&stat)?;
    // SAFETY: sysconf only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let per_second = u64::try_from(per_second).ok().filter(|&t| t > 0)?;
    Some(Duration::from_secs_f64(ticks as f64 / per_second as f64))
}

/// What the member types, one character per change, over and over.
const TYPED: &str = "The lounge was tidy and the staff were welcoming. ";

/// Runs the benchmark against a fresh server started from `server_bin`. Progress goes to
/// stderr; the figures come back in the [`HistoryReport`].
pub async fn run(
    config: HistoryConfig,
    server_bin: &Path,
) -> Result<HistoryReport, HistoryBenchError> {
    let mut server = TestServer::start(&server_bin.to_string_lossy()).await;
    let home = server.home("Synthetic History House").await;
    let (api, member) = server.user(Role::Member, &[&home]).await;
    let mut sync = api.sync().await;
    let mut inspection = Inspection::new(&member.id, &home, now_ms());
    inspection.time_in = "10:00".into();
    inspection.time_out = "12:30".into();
    let id = sync.create(&Record::Inspection(inspection));
    sync.sync_doc(id)
        .await
        .map_err(|source| HistoryBenchError::Sync { change: 0, source })?;
    let pid = server.pid();
    eprintln!(
        "server pid {} at {}; typing {} characters into one record",
        pid.map_or("?".into(), |p| p.to_string()),
        server.base,
        config.changes
    );

    let cpu_before = pid.and_then(process_cpu);
    let started = Instant::now();
    let mut acks = Vec::with_capacity(config.changes);
    for (change, character) in TYPED.chars().cycle().take(config.changes).enumerate() {
        let doc = sync.doc(id);
        let premises = root_text(doc, "premises");
        let end = doc.length(&premises);
        doc.splice_text(&premises, end, 0, &character.to_string())?;
        doc.commit();
        let sent = Instant::now();
        sync.sync_doc(id)
            .await
            .map_err(|source| HistoryBenchError::Sync {
                change: change + 1,
                source,
            })?;
        // From the change handed to the socket until the server's acknowledgement was read
        // off it: this client's own work on either side is automerge's (its sync bookkeeping,
        // `filter_changes`, walks the history on every reply) and not the server's cost. One
        // change is one message and one reply; anything else is timed whole.
        let on_the_wire = match (sync.last_send_at(), sync.last_frame_at()) {
            (Some(out), Some(back)) if sent <= out && out <= back => Some(back - out),
            _ => None,
        };
        acks.push(on_the_wire.unwrap_or_else(|| sent.elapsed()));
        if (change + 1) % 1000 == 0 {
            eprintln!(
                "  {} changes, last ack {}",
                change + 1,
                ms(*acks.last().expect("just pushed"))
            );
        }
    }
    let wall = started.elapsed();
    let cpu_after = pid.and_then(process_cpu);
    sync.close().await;
    server.stop().await;

    Ok(HistoryReport {
        config,
        acks,
        wall,
        server_cpu: cpu_before.zip(cpu_after).map(|(b, a)| a.saturating_sub(b)),
    })
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", millis(d))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn quick_and_explicit_counts() {
        assert_eq!(parse_args(args(&[])), Ok(Some(HistoryConfig::DEFAULT)));
        assert_eq!(
            parse_args(args(&["--quick"])),
            Ok(Some(HistoryConfig::QUICK))
        );
        assert_eq!(
            parse_args(args(&["--changes", "50"])),
            Ok(Some(HistoryConfig {
                changes: 50,
                window: 25
            }))
        );
        assert_eq!(parse_args(args(&["--help"])), Ok(None));
        assert!(parse_args(args(&["--clients", "2"])).is_err());
    }

    #[test]
    fn cpu_ticks_are_read_after_the_command_name() {
        let stat = "4242 (hearth (e2e) server) S 1 4242 4242 0 -1 4194560 2000 0 0 0 \
                    1234 567 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_stat_ticks(stat), Some(1234 + 567));
        assert_eq!(parse_stat_ticks("garbage"), None);
    }

    #[test]
    fn medians_compare_the_two_ends_in_sending_order() {
        let acks: Vec<Duration> = [3, 1, 2, 10, 30, 20]
            .into_iter()
            .map(Duration::from_millis)
            .collect();
        let report = HistoryReport {
            config: HistoryConfig {
                changes: 6,
                window: 3,
            },
            acks,
            wall: Duration::from_secs(1),
            server_cpu: Some(Duration::from_millis(12)),
        };
        assert_eq!(report.first_median(), Duration::from_millis(2));
        assert_eq!(report.last_median(), Duration::from_millis(20));
        assert_eq!(report.ratio(), 10.0);
        assert_eq!(report.cpu_ms_per_change(), Some(2.0));
        assert!(report.table().contains("10.00x"));
    }
}

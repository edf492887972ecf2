//! The sync throughput benchmark behind the `hearth-bench` binary: N clients (devices, each its
//! own WebSocket and its own visit notes) edit at the same time against a real server process,
//! and every edit waits for the server's durable acknowledgement. It reports figures and
//! asserts nothing about speed, so it never fails because a machine is slow.
//!
//! It runs two timed phases on the same devices. **Saturated:** every device sends its next edit
//! as soon as the last is acknowledged, which finds the server's capacity (and, by Little's law,
//! makes latency the number of devices ÷ throughput, whatever the server does). **Paced:** every
//! device sends an edit on a fixed schedule, together twice the disk's raw rate of fsync'd
//! single-row commits (or half the saturated throughput, if that is less): a load that one commit
//! per change could not carry, so durable changes/s above the raw rate with a low p99 is group
//! commit paying off. Paced latency counts from when an edit was due, not when it was sent, so a
//! server falling behind shows (no coordinated omission).
//!
//! The figure to read is the ratio of acknowledged changes per second to the disk's raw rate of
//! fsync'd single-row commits: above 1, the server's group commit is paying for several clients'
//! changes with one fsync. The server's own counters (read from the admin overview before and
//! after the timed phase) say how many changes each commit carried, and `/proc` says how much
//! CPU the server and this process spent per change: the bench runs on the same cores as the
//! server, so it keeps its own work small (one note's text object looked up once, small
//! WebSocket read buffers).
//!
//! **Pushes**, in the paced phase: the first note of every [`WATCH_EVERY`]th device (one note in
//! eight by default) is also open on another device of its member that only reads: one on the
//! writer's server and, with several servers, one on the next. Each watched change is timed from
//! its writer reading the server's acknowledgement off its socket (the moment the writer's user
//! sees it saved) to the reader reading the change off its own: how long until a colleague on
//! this server, or on another one behind the same proxy, has it.

use crate::{SyncClient, SyncError, TestServer, now_ms, root_text};
use automerge::transaction::Transactable;
use automerge::{ChangeHash, ReadDoc};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{Record, VisitNote};
use hearth_shared::permissions::Role;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How much load to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchConfig {
    /// Concurrent clients, each with its own sync connection and its own notes. They belong
    /// to `clients / CLIENTS_PER_MEMBER` members (rounded up): every sign-in costs an argon2
    /// hash, which would make setup, not the timed phase, most of the run.
    pub clients: usize,
    /// Visit notes each member creates.
    pub docs: usize,
    /// Edits per note, each synced and acknowledged before the next.
    pub changes: usize,
    /// Single-row commits for the raw fsync probe.
    pub fsync_commits: usize,
    /// Server processes the clients are spread over (client i on server i mod N). More than one
    /// needs PostgreSQL (`HEARTH_E2E_STORE=postgres`): servers share only a PostgreSQL store.
    pub servers: usize,
}

impl BenchConfig {
    /// The default run: 64 devices syncing at once, the load group commit is for; well under a
    /// minute on two cores.
    pub const DEFAULT: BenchConfig = BenchConfig {
        clients: 64,
        docs: 2,
        changes: 30,
        fsync_commits: 500,
        servers: 1,
    };

    /// `--quick`: a smoke run that proves the benchmark works end to end.
    pub const QUICK: BenchConfig = BenchConfig {
        clients: 4,
        docs: 2,
        changes: 5,
        fsync_commits: 50,
        servers: 1,
    };

    /// Members signed in: each holds up to [`CLIENTS_PER_MEMBER`] of the clients.
    pub fn members(&self) -> usize {
        self.clients.div_ceil(CLIENTS_PER_MEMBER)
    }

    /// The number of acknowledged edits the run makes (note creation not included).
    pub fn durable_changes(&self) -> usize {
        self.clients * self.docs * self.changes
    }
}

/// Clients (devices) per signed-in member: each has its own ticket, connection and notes.
pub const CLIENTS_PER_MEMBER: usize = 8;

/// What the command line asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the benchmark.
    Run(BenchConfig),
    /// Print [`USAGE`].
    Help,
}

/// The `--help` text.
pub const USAGE: &str = "\
Usage: hearth-bench [--clients N] [--docs M] [--changes K] [--servers S] [--quick]

Starts a real Hearth server (hearth-e2e-server, next to this binary), has N clients (devices,
8 per member) each create M visit notes and make K acknowledged edits to each, concurrently, and
prints, for a saturated phase (each device sends its next edit once the last is acknowledged)
and a paced one (the devices together offer twice the raw commit rate, at most half the
saturated throughput), durable changes/s, ack latency (p50/p95/p99), changes per commit, CPU
per change and the ratio to the disk's raw fsync'd commit rate; and the server's peak RSS. In the
paced phase, one note in 8 is also open on a reading device of its member on the same server
(and, with --servers 2 or more, on the next server): push latency (p50/p95/p99/max) is from the
writer reading its acknowledgement to the reader reading the change.

  --clients N   concurrent clients, each with its own sync connection and notes (default 64)
  --docs M      visit notes per client (default 2)
  --changes K   edits per note, each waiting for the server's acknowledgement (default 30)
  --servers S   server processes on one store, clients spread over them (default 1; more
                than one needs HEARTH_E2E_STORE=postgres and HEARTH_TEST_DATABASE_URL)
  --quick       smoke run: 4 clients, 2 docs, 5 changes (explicit flags still win)

The store is SQLite, or PostgreSQL with HEARTH_E2E_STORE=postgres (a fresh database on the
cluster HEARTH_TEST_DATABASE_URL names; `cargo xtask bench` starts one).

Build both binaries first: cargo build --release -p hearth-e2e --bins";

/// What a bench's command line said: whether `--quick` was given, and each named count.
pub struct CountArgs<const N: usize> {
    /// `--quick` was given (anywhere).
    pub quick: bool,
    /// `--NAME n` for each name, in the order the names were passed.
    pub counts: [Option<usize>; N],
}

/// Parses `--help`, `--quick` and `--NAME n` (a whole number of at least 1) for each of
/// `names`; `Ok(None)` when help was asked for. Shared by both bench programs.
pub fn parse_counts<const N: usize>(
    args: impl IntoIterator<Item = String>,
    names: [&str; N],
) -> Result<Option<CountArgs<N>>, String> {
    let mut parsed = CountArgs {
        quick: false,
        counts: [None; N],
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--quick" => {
                parsed.quick = true;
                continue;
            }
            _ => {}
        }
        let slot = names
            .iter()
            .position(|name| arg.strip_prefix("--") == Some(name))
            .ok_or_else(|| format!("unknown argument `{arg}`"))?;
        let value = args.next().ok_or_else(|| format!("{arg} needs a number"))?;
        let n: usize = value
            .parse()
            .map_err(|_| format!("{arg} needs a whole number, got `{value}`"))?;
        if n == 0 {
            return Err(format!("{arg} must be at least 1"));
        }
        parsed.counts[slot] = Some(n);
    }
    Ok(Some(parsed))
}

/// Parses the arguments after the program name. `--quick` picks the smaller defaults wherever
/// it appears; explicit counts override either set.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let Some(CountArgs {
        quick,
        counts: [clients, docs, changes, servers],
    }) = parse_counts(args, ["clients", "docs", "changes", "servers"])?
    else {
        return Ok(Command::Help);
    };
    let base = if quick {
        BenchConfig::QUICK
    } else {
        BenchConfig::DEFAULT
    };
    Ok(Command::Run(BenchConfig {
        clients: clients.unwrap_or(base.clients),
        docs: docs.unwrap_or(base.docs),
        changes: changes.unwrap_or(base.changes),
        fsync_commits: base.fsync_commits,
        servers: servers.unwrap_or(base.servers),
    }))
}

/// Why a benchmark run stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The raw fsync probe could not run in the temp folder.
    #[error("measuring the raw fsync'd commit rate in {dir}: {source}")]
    FsyncProbe {
        /// The folder the probe ran in.
        dir: String,
        /// What the store reported.
        source: hearth_server::store::StoreError,
    },
    /// A temp folder could not be made.
    #[error("making a temp folder: {0}")]
    TempDir(#[from] std::io::Error),
    /// A client's sync failed: the server refused or dropped it, or did not answer in time.
    #[error("client {client}: {source}")]
    Sync {
        /// Which client (0-based).
        client: usize,
        /// What went wrong.
        source: SyncError,
    },
    /// A local Automerge edit failed (a bug in the benchmark, not the server).
    #[error("client {client}: local edit: {source}")]
    Edit {
        /// Which client (0-based).
        client: usize,
        /// What Automerge reported.
        source: automerge::AutomergeError,
    },
    /// A client task panicked or was cancelled.
    #[error("client task: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The admin overview did not give the writer's counters.
    #[error("reading the server's write counters: {0}")]
    WriteStats(String),
    /// Several servers were asked for on SQLite, whose file one server owns.
    #[error("--servers {0} needs PostgreSQL: set HEARTH_E2E_STORE=postgres")]
    ServersNeedPostgres(usize),
    /// A member could not sign in on another server.
    #[error("signing a member in on another server: HTTP {0}")]
    SignIn(u16),
    /// The raw PostgreSQL commit probe failed.
    #[error("measuring raw PostgreSQL commits: {0}")]
    PostgresProbe(String),
    /// A reading device's sync failed.
    #[error("the reader of client {client}'s note: {source}")]
    Reader {
        /// The writer (0-based) whose note it held.
        client: usize,
        /// What went wrong.
        source: SyncError,
    },
    /// A reader's changes did not match the writers' acknowledgements.
    #[error("timing pushes: {0}")]
    Push(String),
}

/// Twice the raw commit rate: a load that one fsync per change could not carry.
pub const PACED_LOAD_VS_RAW: f64 = 2.0;

/// At most half the saturated throughput: a paced load near the server's capacity would measure
/// its queue, not its commits (on a disk much faster than the server's CPU, say).
pub const PACED_LOAD_VS_CAPACITY: f64 = 0.5;

/// In the paced phase, the first note of every this-many-th device (device 0, 4, 8, …) is also
/// open on reading devices whose pushes are timed: one note in eight with two notes per device,
/// few enough that the pushes barely change the phase's other figures.
pub const WATCH_EVERY: usize = 4;

/// Where a reading device is connected, relative to the writer of the note it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderOn {
    /// The writer's own server: the change is pushed when it is committed there.
    SameServer,
    /// The next server: the change reaches it through the store's announcement.
    OtherServer,
}

impl ReaderOn {
    /// The table's labels: the count, then p50, p95, p99 and max.
    fn labels(self) -> [&'static str; 5] {
        match self {
            ReaderOn::SameServer => [
                "pushes, same server",
                "push same server p50",
                "push same server p95",
                "push same server p99",
                "push same server max",
            ],
            ReaderOn::OtherServer => [
                "pushes, other server",
                "push other server p50",
                "push other server p95",
                "push other server p99",
                "push other server max",
            ],
        }
    }
}

/// Watched changes as reading devices received them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deliveries {
    /// For each change each reader received: from the writer reading its acknowledgement off
    /// its socket to the reader reading the change off its own; sorted ascending.
    pub latencies: Vec<Duration>,
    /// How many of those arrived before the writer had read its acknowledgement (the server
    /// may push before it replies); they count as zero in `latencies`.
    pub before_ack: usize,
}

impl Deliveries {
    /// Matches every change a reader read (`arrivals`: its hash, when) with the writer's
    /// acknowledgement of it (`acks`). A change no writer acknowledged is an error (its hash
    /// comes back): the reader would be timing something else.
    pub fn matched(
        acks: &HashMap<ChangeHash, Instant>,
        arrivals: &[(ChangeHash, Instant)],
    ) -> Result<Deliveries, ChangeHash> {
        let mut deliveries = Deliveries::default();
        for (hash, arrived) in arrivals {
            let acked = acks.get(hash).ok_or(*hash)?;
            if arrived < acked {
                deliveries.before_ack += 1;
            }
            deliveries
                .latencies
                .push(arrived.saturating_duration_since(*acked));
        }
        deliveries.latencies.sort_unstable();
        Ok(deliveries)
    }

    /// The `p`th percentile push latency.
    pub fn latency(&self, p: f64) -> Duration {
        percentile(&self.latencies, p)
    }

    fn rows(&self, on: ReaderOn) -> Vec<(&'static str, String)> {
        let [count, p50, p95, p99, max] = on.labels();
        let which = match on {
            ReaderOn::SameServer => {
                format!("every {WATCH_EVERY}th device's first note, read on its writer's server")
            }
            ReaderOn::OtherServer => "the same notes, read on the next server".to_string(),
        };
        vec![
            (
                count,
                format!(
                    "{}  ({which}, timed from the writer's ack; {} came before it: 0 ms)",
                    self.latencies.len(),
                    self.before_ack
                ),
            ),
            (p50, ms(self.latency(50.0))),
            (p95, ms(self.latency(95.0))),
            (p99, ms(self.latency(99.0))),
            (max, ms(self.latency(100.0))),
        ]
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "count": self.latencies.len(),
            "beforeAck": self.before_ack,
            "p50Ms": round3(millis(self.latency(50.0))),
            "p95Ms": round3(millis(self.latency(95.0))),
            "p99Ms": round3(millis(self.latency(99.0))),
            "maxMs": round3(millis(self.latency(100.0))),
        })
    }
}

/// When the devices send their edits.
#[derive(Debug, Clone, Copy)]
enum Pace {
    /// Each device sends its next edit as soon as the last is acknowledged.
    Saturated,
    /// Each device sends one edit every `period`, the devices' schedules spread evenly over one
    /// period from `start`.
    Every {
        start: tokio::time::Instant,
        period: Duration,
    },
}

/// The figures of one timed phase.
#[derive(Debug, Clone, Default)]
pub struct Phase {
    /// Edits acknowledged by the server during the phase.
    pub durable_changes: usize,
    /// From the first edit to the last acknowledgement, all clients together.
    pub wall: Duration,
    /// Every edit's latency (change due → server acknowledged it), sorted ascending.
    pub latencies: Vec<Duration>,
    /// The server's write groups (commits) during the phase.
    pub commits: u64,
    /// The server's write commands during the phase (the edits, plus any session bookkeeping
    /// that happened to be written meanwhile).
    pub write_commands: u64,
    /// CPU (user + system) the server processes used during the phase, all together.
    pub server_cpu: Option<Duration>,
    /// CPU this benchmark process (the clients) used during the phase.
    pub bench_cpu: Option<Duration>,
}

impl Phase {
    /// Acknowledged edits per second of wall time.
    pub fn durable_changes_per_s(&self) -> f64 {
        per_second(self.durable_changes, self.wall)
    }

    /// Write commands per commit: the changes each fsync paid for.
    pub fn commands_per_commit(&self) -> f64 {
        if self.commits > 0 {
            self.write_commands as f64 / self.commits as f64
        } else {
            0.0
        }
    }

    /// CPU per acknowledged change, in milliseconds.
    fn cpu_per_change_ms(&self, cpu: Option<Duration>) -> Option<f64> {
        (self.durable_changes > 0)
            .then_some(cpu)
            .flatten()
            .map(|cpu| millis(cpu) / self.durable_changes as f64)
    }

    /// The `p`th percentile latency.
    pub fn latency(&self, p: f64) -> Duration {
        percentile(&self.latencies, p)
    }

    fn rows(&self, raw_commits_per_s: f64) -> Vec<(&'static str, String)> {
        vec![
            ("durable changes", format!("{}", self.durable_changes)),
            ("wall time", format!("{:.2} s", self.wall.as_secs_f64())),
            (
                "durable changes/s",
                format!("{:.1}", self.durable_changes_per_s()),
            ),
            ("ack latency p50", ms(self.latency(50.0))),
            ("ack latency p95", ms(self.latency(95.0))),
            ("ack latency p99", ms(self.latency(99.0))),
            ("ack latency max", ms(self.latency(100.0))),
            (
                "commits (groups)",
                format!(
                    "{}  ({:.1} write commands per commit)",
                    self.commits,
                    self.commands_per_commit()
                ),
            ),
            (
                "server CPU per change",
                per_change(self.cpu_per_change_ms(self.server_cpu)),
            ),
            (
                "bench CPU per change",
                per_change(self.cpu_per_change_ms(self.bench_cpu)),
            ),
            (
                "group-commit ratio",
                format!(
                    "{:.2}x  (durable changes/s / raw commits/s; >1: group commit pays off)",
                    ratio(self.durable_changes_per_s(), raw_commits_per_s)
                ),
            ),
        ]
    }

    fn json(&self, raw_commits_per_s: f64) -> serde_json::Value {
        serde_json::json!({
            "durableChanges": self.durable_changes,
            "wallSeconds": round3(self.wall.as_secs_f64()),
            "durableChangesPerSecond": round3(self.durable_changes_per_s()),
            "ackP50Ms": round3(millis(self.latency(50.0))),
            "ackP95Ms": round3(millis(self.latency(95.0))),
            "ackP99Ms": round3(millis(self.latency(99.0))),
            "ackMaxMs": round3(millis(self.latency(100.0))),
            "commits": self.commits,
            "writeCommands": self.write_commands,
            "commandsPerCommit": round3(self.commands_per_commit()),
            "serverCpuMsPerChange": self.cpu_per_change_ms(self.server_cpu).map(round3),
            "benchCpuMsPerChange": self.cpu_per_change_ms(self.bench_cpu).map(round3),
            "groupCommitRatio": round3(ratio(self.durable_changes_per_s(), raw_commits_per_s)),
        })
    }
}

/// The figures from one run.
#[derive(Debug, Clone)]
pub struct Report {
    /// What was run.
    pub config: BenchConfig,
    /// Devices sending as fast as acknowledgements come back.
    pub saturated: Phase,
    /// Devices sending on a schedule (see [`PACED_LOAD_VS_RAW`]).
    pub paced: Phase,
    /// The paced phase's offered load, all devices together, in edits per second.
    pub paced_offered_per_s: f64,
    /// The server process's peak resident set (`VmHWM`) over its whole life, setup included
    /// (where argon2 sign-ins, 19 MiB each, usually set it), if `/proc` could tell.
    pub server_peak_rss_kib: Option<u64>,
    /// The server's resident set (`VmRSS`) when setup ended and when the timed phases ended: the
    /// difference is what syncing added. (Resetting the peak after setup would not isolate the
    /// sync phase: the allocator keeps the sign-ins' memory, so RSS stays at the setup peak.)
    pub server_rss_kib: (Option<u64>, Option<u64>),
    /// Raw fsync'd single-row commits per second on the filesystem holding the server's data.
    pub fsync_commits_per_s: f64,
    /// On PostgreSQL: raw single-row commits per second (`synchronous_commit = on`), one
    /// connection, the same run: the store's own raw rate.
    pub postgres_commits_per_s: Option<f64>,
    /// Whether the probe folder and the server's data folder are on the same filesystem (if not,
    /// the ratio compares different disks).
    pub same_filesystem: bool,
    /// Time to sign members in, connect and create the notes (not part of the figures).
    pub setup: Duration,
    /// In the paced phase: watched changes pushed to readers on the writer's server.
    pub push_same_server: Deliveries,
    /// In the paced phase, with several servers: the same changes pushed to readers on the
    /// next server.
    pub push_other_server: Option<Deliveries>,
}

impl Report {
    /// The saturated phase's durable changes/s ÷ raw fsync'd commits/s: above 1, one fsync is
    /// paying for several changes. (The paced phase offers at most half the saturated rate, so
    /// on a disk faster than the server's CPU its ratio stays below 1 by construction.)
    pub fn group_commit_ratio(&self) -> f64 {
        ratio(
            self.saturated.durable_changes_per_s(),
            self.raw_commits_per_s(),
        )
    }

    /// The raw commit rate of the store the servers ran on: PostgreSQL's when they used it,
    /// else SQLite's.
    pub fn raw_commits_per_s(&self) -> f64 {
        self.postgres_commits_per_s
            .unwrap_or(self.fsync_commits_per_s)
    }

    /// "SQLite" or "PostgreSQL", with the number of servers.
    pub fn store_label(&self) -> String {
        let store = if self.postgres_commits_per_s.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        match self.config.servers {
            1 => format!("{store}, one server"),
            n => format!("{store}, {n} servers"),
        }
    }

    /// A small aligned table for people.
    pub fn table(&self) -> String {
        let c = &self.config;
        let mib = |kib: Option<u64>| match kib {
            Some(kib) => format!("{:.1} MiB", kib as f64 / 1024.0),
            None => "unknown".to_string(),
        };
        let raw = self.raw_commits_per_s();
        let mut common = vec![(
            "raw fsync'd commits/s",
            format!(
                "{:.1}  ({} single-row SQLite commits, WAL, synchronous=FULL)",
                self.fsync_commits_per_s, c.fsync_commits
            ),
        )];
        if let Some(pg) = self.postgres_commits_per_s {
            common.push((
                "raw PostgreSQL commits/s",
                format!(
                    "{pg:.1}  ({} single-row commits, synchronous_commit=on; the ratios' base)",
                    c.fsync_commits
                ),
            ));
        }
        common.extend([
            ("server peak RSS", mib(self.server_peak_rss_kib)),
            ("server RSS after setup", mib(self.server_rss_kib.0)),
            ("server RSS at end", mib(self.server_rss_kib.1)),
            (
                "setup (not timed)",
                format!("{:.2} s", self.setup.as_secs_f64()),
            ),
        ]);
        let saturated = self.saturated.rows(raw);
        let mut paced = self.paced.rows(raw);
        paced.extend(self.push_same_server.rows(ReaderOn::SameServer));
        if let Some(other) = &self.push_other_server {
            paced.extend(other.rows(ReaderOn::OtherServer));
            let same = &self.push_same_server;
            let times = |p: f64| ratio(millis(other.latency(p)), millis(same.latency(p)));
            paced.push((
                "push other / same server",
                format!("{:.2}x at p50, {:.2}x at p99", times(50.0), times(99.0)),
            ));
        }
        let width = common
            .iter()
            .chain(&saturated)
            .chain(&paced)
            .map(|(label, _)| label.len())
            .max()
            .unwrap_or(0);
        let mut out = format!(
            "Hearth sync benchmark ({}): {} clients x {} docs x {} changes, twice\n",
            self.store_label(),
            c.clients,
            c.docs,
            c.changes
        );
        let mut section = |title: String, rows: &[(&str, String)]| {
            out.push_str(&format!("  -- {title} --\n"));
            for (label, value) in rows {
                out.push_str(&format!("    {label:<width$}  {value}\n"));
            }
        };
        section(
            "saturated: each device sends its next edit once the last is acknowledged".into(),
            &saturated,
        );
        section(
            format!(
                "paced: {:.1} edits/s offered ({} devices, one edit each every {:.0} ms; latency \
                 from when the edit was due)",
                self.paced_offered_per_s,
                c.clients,
                millis(self.paced_period())
            ),
            &paced,
        );
        section("both".into(), &common);
        if !self.same_filesystem {
            out.push_str(
                "  note: the fsync probe and the server's data were on different filesystems\n",
            );
        }
        out
    }

    /// How often each device sends an edit in the paced phase.
    pub fn paced_period(&self) -> Duration {
        paced_period(self.config.clients, self.paced_offered_per_s)
    }

    /// The same figures as one JSON object, for scripts and CI logs.
    pub fn json(&self) -> serde_json::Value {
        let c = &self.config;
        let raw = self.raw_commits_per_s();
        serde_json::json!({
            "store": self.store_label(),
            "servers": c.servers,
            "rawPostgresCommitsPerSecond": self.postgres_commits_per_s.map(round3),
            "clients": c.clients,
            "docsPerClient": c.docs,
            "changesPerDoc": c.changes,
            "saturated": self.saturated.json(raw),
            "paced": self.paced.json(raw),
            "pacedOfferedPerSecond": round3(self.paced_offered_per_s),
            "serverPeakRssKib": self.server_peak_rss_kib,
            "serverRssAfterSetupKib": self.server_rss_kib.0,
            "serverRssAtEndKib": self.server_rss_kib.1,
            "rawFsyncCommitsPerSecond": round3(self.fsync_commits_per_s),
            "fsyncProbeCommits": c.fsync_commits,
            "groupCommitRatio": round3(self.group_commit_ratio()),
            "sameFilesystem": self.same_filesystem,
            "pushSameServer": self.push_same_server.json(),
            "pushOtherServer": self.push_other_server.as_ref().map(Deliveries::json),
        })
    }
}

/// The paced phase's offered load: [`PACED_LOAD_VS_RAW`] times the raw commit rate, but at most
/// [`PACED_LOAD_VS_CAPACITY`] of the saturated throughput.
pub fn paced_load(raw_commits_per_s: f64, saturated_per_s: f64) -> f64 {
    (PACED_LOAD_VS_RAW * raw_commits_per_s).min(PACED_LOAD_VS_CAPACITY * saturated_per_s)
}

/// Each of `clients` devices sends one edit every this long to offer `per_s` edits a second.
fn paced_period(clients: usize, per_s: f64) -> Duration {
    if per_s > 0.0 {
        Duration::from_secs_f64(clients as f64 / per_s)
    } else {
        Duration::ZERO
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// The nearest-rank percentile of `sorted` (ascending); zero when empty. `p` is 0–100.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A `kB` field of a `/proc/<pid>/status` file, e.g. `VmHWM` (peak resident set) or `VmRSS`.
pub fn parse_status_kib(status: &str, field: &str) -> Option<u64> {
    let value = status.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        (name == field).then_some(value)
    })?;
    value.split_whitespace().next()?.parse().ok()
}

/// User + system CPU time from the text of a `/proc/<pid>/stat` file, in clock ticks (fields 14
/// and 15; the command name, field 2, may hold spaces, so fields are counted after its `)`).
pub fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// CPU time a process (`"self"` or a pid) has used so far, from `/proc` (Linux only).
pub fn process_cpu(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks_per_s = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks_per_s = u64::try_from(ticks_per_s).ok().filter(|t| *t > 0)?;
    let ticks = parse_stat_cpu_ticks(&stat)?;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / ticks_per_s))
}

/// The server's write counters (groups, commands) from the admin overview.
/// Every server's write counters added up (each process counts its own commits).
async fn all_write_stats(admins: &[crate::api::Api]) -> Result<(u64, u64), BenchError> {
    let mut total = (0, 0);
    for admin in admins {
        let (groups, commands) = write_stats(admin).await?;
        total = (total.0 + groups, total.1 + commands);
    }
    Ok(total)
}

/// The CPU the server processes have used, all together (`None` if any cannot be read).
fn servers_cpu(pids: &[String]) -> Option<Duration> {
    pids.iter().map(|pid| process_cpu(pid)).sum()
}

async fn write_stats(admin: &crate::api::Api) -> Result<(u64, u64), BenchError> {
    let (status, body) = admin.get("/api/admin/overview").await;
    let count = |field: &str| body["writes"][field].as_u64();
    match (status, count("groups"), count("commands")) {
        (200, Some(groups), Some(commands)) => Ok((groups, commands)),
        _ => Err(BenchError::WriteStats(format!("status {status}"))),
    }
}

/// A `kB` field of a live process's `/proc/<pid>/status` (Linux only; `None` elsewhere).
pub fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_kib(&status, field)
}

/// Runs the benchmark against a fresh server started from `server_bin`. Progress goes to
/// stderr; the figures come back in the [`Report`].
pub async fn run(config: BenchConfig, server_bin: &Path) -> Result<Report, BenchError> {
    // The harness puts the server's data in a `tempfile::tempdir()`, so a sibling temp folder
    // is on the same filesystem (checked below, since TMPDIR could point anywhere).
    let probe = tempfile::tempdir()?;
    eprintln!(
        "measuring raw fsync'd commits ({} commits) in {}",
        config.fsync_commits,
        probe.path().display()
    );
    let probe_path = probe.path().to_path_buf();
    let fsync_commits_per_s = tokio::task::spawn_blocking(move || {
        hearth_server::store::measure_fsync_commit_rate(&probe_path, config.fsync_commits)
    })
    .await?
    .map_err(|source| BenchError::FsyncProbe {
        dir: probe.path().display().to_string(),
        source,
    })?;

    let on_postgres = crate::postgres::selected();
    if config.servers > 1 && !on_postgres {
        return Err(BenchError::ServersNeedPostgres(config.servers));
    }
    let postgres_commits_per_s = if on_postgres {
        Some(postgres_commit_rate(config.fsync_commits).await?)
    } else {
        None
    };

    let setup_started = Instant::now();
    let mut server = TestServer::start(&server_bin.to_string_lossy()).await;
    let mut others = Vec::new();
    for _ in 1..config.servers {
        others.push(server.another_server().await);
    }
    let same_filesystem = same_filesystem(probe.path(), server.data_dir());
    let pids: Vec<String> = std::iter::once(&server)
        .chain(&others)
        .filter_map(|s| s.pid().map(|p| p.to_string()))
        .collect();
    eprintln!(
        "server pid(s) {} at {}; signing in {} members for {} clients",
        pids.join(", "),
        server.base,
        config.members(),
        config.clients
    );
    let home = server.home("Synthetic Bench House").await;
    let mut admins = vec![server.admin().await];
    for other in &others {
        admins.push(other.admin().await);
    }
    // members[m][k]: member m signed in on server k (each server its own cookie).
    let mut members = Vec::with_capacity(config.members());
    for _ in 0..config.members() {
        let (api, member) = server.user(Role::Member, &[&home]).await;
        let mut apis = vec![std::sync::Arc::new(api)];
        for other in &others {
            let api = crate::Api::new(&other.base);
            api.sign_in(&member.username, &member.password)
                .await
                .map_err(|(status, _)| BenchError::SignIn(status))?;
            apis.push(std::sync::Arc::new(api));
        }
        members.push((apis, member));
    }

    // Setup: every client connects and creates (and syncs) its notes before the clock starts,
    // so the timed phase is edits only. Client i talks to server i mod N.
    let mut setups = Vec::with_capacity(config.clients);
    for client in 0..config.clients {
        let (apis, member) = &members[client / CLIENTS_PER_MEMBER];
        let api = apis[client % apis.len()].clone();
        let member = member.clone();
        let home = home.clone();
        setups.push(tokio::spawn(async move {
            let mut sync = api.sync().await;
            let mut ids = Vec::with_capacity(config.docs);
            for _ in 0..config.docs {
                let mut note = VisitNote::new(&member.id, &home, now_ms());
                note.attendees = vec![format!("Cllr Bench Member {client}")];
                let id = sync.create(&Record::VisitNote(note));
                sync.sync_doc(id)
                    .await
                    .map_err(|source| BenchError::Sync { client, source })?;
                ids.push(id);
            }
            Ok::<_, BenchError>((client, sync, ids))
        }));
    }
    let mut clients = Vec::with_capacity(config.clients);
    for setup in setups {
        clients.push(setup.await??);
    }
    let setup = setup_started.elapsed();
    eprintln!(
        "{} clients ready with {} notes each; timing {} edits",
        config.clients,
        config.docs,
        config.durable_changes()
    );

    let rss_after_setup = server.pid().and_then(|pid| proc_status_kib(pid, "VmRSS"));

    let (clients, saturated, _) =
        timed_phase(clients, config.changes, Pace::Saturated, &pids, &admins).await?;
    let raw_commits_per_s = postgres_commits_per_s.unwrap_or(fsync_commits_per_s);
    let paced_offered_per_s = paced_load(raw_commits_per_s, saturated.durable_changes_per_s());
    let period = paced_period(config.clients, paced_offered_per_s);
    eprintln!(
        "saturated: {:.1} changes/s; paced: {paced_offered_per_s:.1} changes/s offered, one \
         edit per device every {:.0} ms",
        saturated.durable_changes_per_s(),
        millis(period)
    );
    // The watched notes' readers open them now, after the saturated phase, so they time only
    // the paced one: the writer's member on the writer's server and, with several, the next.
    let mut readers = Vec::new();
    for (client, _, ids) in clients.iter().filter(|(c, _, _)| c % WATCH_EVERY == 0) {
        let (apis, _) = &members[client / CLIENTS_PER_MEMBER];
        let here = client % apis.len();
        let mut sides = vec![(ReaderOn::SameServer, here)];
        if apis.len() > 1 {
            sides.push((ReaderOn::OtherServer, (here + 1) % apis.len()));
        }
        for (on, server) in sides {
            let mut sync = apis[server].sync().await;
            sync.fetch(ids[0])
                .await
                .map_err(|source| BenchError::Reader {
                    client: *client,
                    source,
                })?;
            let reading = read_pushes(*client, sync, ids[0], config.changes);
            readers.push((on, tokio::spawn(reading)));
        }
    }
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let (clients, paced, acks) = timed_phase(
        clients,
        config.changes,
        Pace::Every { start, period },
        &pids,
        &admins,
    )
    .await?;
    let (mut same, mut other) = (Vec::new(), Vec::new());
    for (on, reading) in readers {
        let (sync, arrivals) = reading.await??;
        sync.close().await;
        match on {
            ReaderOn::SameServer => same.extend(arrivals),
            ReaderOn::OtherServer => other.extend(arrivals),
        }
    }
    let unacknowledged =
        |hash| BenchError::Push(format!("a reader got change {hash} no writer acknowledged"));
    let push_same_server = Deliveries::matched(&acks, &same).map_err(unacknowledged)?;
    let push_other_server = if config.servers > 1 {
        Some(Deliveries::matched(&acks, &other).map_err(unacknowledged)?)
    } else {
        None
    };
    for (_, sync, _) in clients {
        sync.close().await;
    }

    // VmHWM is the peak over the process's life, so reading it once at the end is enough.
    let server_peak_rss_kib = server.pid().and_then(|pid| proc_status_kib(pid, "VmHWM"));
    let rss_at_end = server.pid().and_then(|pid| proc_status_kib(pid, "VmRSS"));
    for mut other in others {
        other.stop().await;
    }
    server.stop().await;

    Ok(Report {
        config,
        saturated,
        paced,
        paced_offered_per_s,
        server_peak_rss_kib,
        server_rss_kib: (rss_after_setup, rss_at_end),
        fsync_commits_per_s,
        postgres_commits_per_s,
        same_filesystem,
        setup,
        push_same_server,
        push_other_server,
    })
}

/// A reading device holding a watched note (`id`, written by device `client`): takes in what
/// the server pushes until `expected` new changes have come, and returns each change's hash
/// with when the frame that brought it was read off the socket.
async fn read_pushes(
    client: usize,
    mut sync: SyncClient,
    id: DocumentId,
    expected: usize,
) -> Result<(SyncClient, Vec<(ChangeHash, Instant)>), BenchError> {
    let failed = |source| BenchError::Reader { client, source };
    let mut known = sync.heads(id);
    let mut arrivals = Vec::with_capacity(expected);
    while arrivals.len() < expected {
        if sync.receive().await.map_err(failed)? != Some(id) {
            continue;
        }
        let arrived = sync.last_frame_at().expect("a frame was just read");
        let new = sync.doc(id).get_changes(&known);
        arrivals.extend(new.iter().map(|change| (change.hash(), arrived)));
        known = sync.heads(id);
    }
    Ok((sync, arrivals))
}

/// Raw single-row commits per second on a fresh PostgreSQL database of the test cluster, one
/// connection, each INSERT its own transaction with `synchronous_commit = on`: what one commit
/// per change could reach, the base of the group-commit ratio on PostgreSQL.
async fn postgres_commit_rate(commits: usize) -> Result<f64, BenchError> {
    let probe = |e: tokio_postgres::Error| BenchError::PostgresProbe(e.to_string());
    let url = crate::postgres::fresh_database_url()
        .await
        .ok_or_else(|| BenchError::PostgresProbe("no HEARTH_TEST_DATABASE_URL".into()))?;
    // The store's own connector, so the probe pays for the same transport (TLS when the
    // cluster offers it) as the store it is compared with.
    let (client, connection) = hearth_server::store::postgres::connect::connect_once(&url)
        .await
        .map_err(|e| BenchError::PostgresProbe(e.to_string()))?;
    let connection = tokio::spawn(connection);
    client
        .batch_execute(
            "SET synchronous_commit = on; \
             CREATE TABLE probe (id BIGSERIAL PRIMARY KEY, bytes BYTEA NOT NULL)",
        )
        .await
        .map_err(probe)?;
    let insert = client
        .prepare("INSERT INTO probe (bytes) VALUES ($1)")
        .await
        .map_err(probe)?;
    let row = vec![7u8; 200];
    let started = Instant::now();
    for _ in 0..commits {
        client.execute(&insert, &[&row]).await.map_err(probe)?;
    }
    let per_s = per_second(commits, started.elapsed());
    drop(client);
    let _ = connection.await;
    Ok(per_s)
}

/// A device in the timed phases: its number, its sync connection and its notes.
type Device = (usize, SyncClient, Vec<DocumentId>);

/// Every device makes `changes` rounds of edits over its notes at `pace`; the server's write
/// counters and both processes' CPU are read before and after. The devices come back for the
/// next phase, with when each watched note's change (see [`WATCH_EVERY`]) was acknowledged
/// (paced only).
async fn timed_phase(
    devices: Vec<Device>,
    changes: usize,
    pace: Pace,
    server_pids: &[String],
    admins: &[crate::api::Api],
) -> Result<(Vec<Device>, Phase, HashMap<ChangeHash, Instant>), BenchError> {
    let count = devices.len();
    let writes_before = all_write_stats(admins).await?;
    let cpu_before = (servers_cpu(server_pids), process_cpu("self"));
    let started = Instant::now();
    let edits: Vec<_> = devices
        .into_iter()
        .map(|device| {
            let pace = match pace {
                Pace::Saturated => Pace::Saturated,
                // Device i starts i/count of a period after the others' first edits.
                Pace::Every { start, period } => Pace::Every {
                    start: start + period.mul_f64(device.0 as f64 / count as f64),
                    period,
                },
            };
            // Pushes are timed in the paced phase only (its readers open the notes after the
            // saturated one).
            let paced = matches!(pace, Pace::Every { .. });
            let watched = (paced && device.0 % WATCH_EVERY == 0).then(|| device.2[0]);
            tokio::spawn(edit_notes(device, changes, pace, watched))
        })
        .collect();
    let mut devices = Vec::with_capacity(count);
    let mut latencies = Vec::new();
    let mut acks = HashMap::new();
    for edit in edits {
        let (device, device_latencies, device_acks) = edit.await??;
        devices.push(device);
        latencies.extend(device_latencies);
        acks.extend(device_acks);
    }
    // Paced, the clock starts at the first edit's due time, not before the wait for it.
    let wall = match pace {
        Pace::Saturated => started.elapsed(),
        Pace::Every { start, .. } => start.elapsed(),
    };
    let cpu_after = (servers_cpu(server_pids), process_cpu("self"));
    let writes_after = all_write_stats(admins).await?;
    latencies.sort_unstable();
    let spent =
        |before: Option<Duration>, after: Option<Duration>| Some(after?.saturating_sub(before?));
    Ok((
        devices,
        Phase {
            durable_changes: latencies.len(),
            wall,
            latencies,
            commits: writes_after.0.saturating_sub(writes_before.0),
            write_commands: writes_after.1.saturating_sub(writes_before.1),
            server_cpu: spent(cpu_before.0, cpu_after.0),
            bench_cpu: spent(cpu_before.1, cpu_after.1),
        },
        acks,
    ))
}

/// What each edit appends to a note's body, in turn: a word, about what a device sends per
/// sync while someone types (the real client makes every keystroke a change), so the figures
/// are the cost of a change, not of a paragraph of text.
const WORDS: [&str; 8] = [
    "The ",
    "lounge ",
    "was ",
    "tidy ",
    "and ",
    "staff ",
    "were ",
    "welcoming. ",
];

/// One device's part of a timed phase: `changes` rounds over its notes, each round appending a
/// word to every note's body and waiting for the server to acknowledge it. Returns the device
/// and each edit's latency: from sending it when saturated, from when it was due when paced;
/// and, for the `watched` note's edits, each change's hash with when its acknowledgement was
/// read off the socket.
async fn edit_notes(
    device: Device,
    changes: usize,
    pace: Pace,
    watched: Option<DocumentId>,
) -> Result<(Device, Vec<Duration>, Vec<(ChangeHash, Instant)>), BenchError> {
    let (client, mut sync, ids) = device;
    let mut latencies = Vec::with_capacity(ids.len() * changes);
    let mut acks = Vec::new();
    // Looked up once: the bench shares the server's cores, so its own work per edit is kept
    // to the edit and the sync messages.
    let bodies: Vec<_> = ids
        .iter()
        .map(|&id| root_text(sync.doc(id), "body"))
        .collect();
    let mut edit = 0u32;
    for change in 0..changes {
        for (&id, body) in ids.iter().zip(&bodies) {
            let due = match pace {
                Pace::Saturated => None,
                Pace::Every { start, period } => {
                    let due = start + period * edit;
                    // The load model, not synchronisation: a person's next word comes when it
                    // comes, whether or not the server has answered the last.
                    tokio::time::sleep_until(due).await;
                    Some(due.into_std())
                }
            };
            edit += 1;
            let doc = sync.doc(id);
            let body = body.clone();
            // `length` counts in the document's text encoding, the unit `splice_text` takes.
            let end = doc.length(&body);
            doc.splice_text(&body, end, 0, WORDS[change % WORDS.len()])
                .map_err(|source| BenchError::Edit { client, source })?;
            doc.commit();
            let sent = due.unwrap_or_else(Instant::now);
            sync.sync_doc(id)
                .await
                .map_err(|source| BenchError::Sync { client, source })?;
            latencies.push(sent.elapsed());
            if watched == Some(id) {
                let acked = sync.last_frame_at().expect("the acknowledgement was read");
                acks.extend(sync.heads(id).into_iter().map(|hash| (hash, acked)));
            }
        }
    }
    Ok(((client, sync, ids), latencies, acks))
}

/// The server binary's name; Cargo puts it next to the bench binaries.
const SERVER_BIN: &str = "hearth-e2e-server";

/// `hearth-e2e-server` next to the running executable (a bench binary). `cargo run --bin
/// hearth-bench` builds only that binary, so a missing (or, after server changes, stale) server
/// binary is the usual mistake: say how to build both.
pub fn locate_server_bin() -> Result<PathBuf, String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot tell where this executable is: {e}"))?;
    let dir = exe
        .parent()
        .ok_or_else(|| format!("{} has no parent folder", exe.display()))?;
    let server = dir.join(format!("{SERVER_BIN}{}", std::env::consts::EXE_SUFFIX));
    if server.is_file() {
        Ok(server)
    } else {
        let profile = if cfg!(debug_assertions) {
            ""
        } else {
            " --release"
        };
        Err(format!(
            "the server binary {} is missing. Build it alongside this one:\n  \
             cargo build{profile} -p hearth-e2e --bins\n(`cargo xtask bench` does both.)",
            server.display()
        ))
    }
}

fn same_filesystem(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev(),
        _ => false,
    }
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    let seconds = elapsed.as_secs_f64();
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", millis(d))
}

fn per_change(ms: Option<f64>) -> String {
    ms.map_or_else(|| "unknown".into(), |ms| format!("{ms:.3} ms"))
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
    fn no_arguments_run_the_default_benchmark() {
        assert_eq!(
            parse_args(args(&[])),
            Ok(Command::Run(BenchConfig::DEFAULT))
        );
    }

    #[test]
    fn quick_is_smaller_and_explicit_counts_override_it_in_any_order() {
        assert_eq!(
            parse_args(args(&["--quick"])),
            Ok(Command::Run(BenchConfig::QUICK))
        );
        let Ok(Command::Run(c)) = parse_args(args(&["--clients", "3", "--quick"])) else {
            panic!("parses");
        };
        assert_eq!((c.clients, c.docs, c.changes), (3, 2, 5));
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        assert!(
            parse_args(args(&["--clients"]))
                .unwrap_err()
                .contains("needs")
        );
        assert!(
            parse_args(args(&["--docs", "x"]))
                .unwrap_err()
                .contains("`x`")
        );
        assert!(
            parse_args(args(&["--changes", "0"]))
                .unwrap_err()
                .contains("at least 1")
        );
        assert!(
            parse_args(args(&["--fast"]))
                .unwrap_err()
                .contains("--fast")
        );
        assert_eq!(parse_args(args(&["--help"])), Ok(Command::Help));
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&sorted, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&sorted, 0.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn cpu_ticks_are_read_from_proc_stat_even_with_spaces_in_the_name() {
        let stat = "4242 (hearth e2e) S 1 4242 4242 0 -1 4194560 900 0 0 0 150 25 0 0 20 0 9 0";
        assert_eq!(parse_stat_cpu_ticks(stat), Some(175));
        assert_eq!(parse_stat_cpu_ticks("4242 (x) S 1"), None);
    }

    #[test]
    fn clients_share_members_eight_to_one() {
        assert_eq!(BenchConfig::DEFAULT.members(), 8);
        let odd = BenchConfig {
            clients: 9,
            ..BenchConfig::QUICK
        };
        assert_eq!(odd.members(), 2);
    }

    #[test]
    fn peak_and_current_rss_are_read_from_proc_status() {
        let status =
            "Name:\thearth\nVmPeak:\t  900000 kB\nVmHWM:\t   23456 kB\nVmRSS:\t 20000 kB\n";
        assert_eq!(parse_status_kib(status, "VmHWM"), Some(23456));
        assert_eq!(parse_status_kib(status, "VmRSS"), Some(20000));
        assert_eq!(parse_status_kib("Name:\thearth\n", "VmHWM"), None);
    }

    #[test]
    fn ratios_compare_each_phase_with_raw_commits() {
        let phase = |changes: usize, commits: u64| Phase {
            durable_changes: changes,
            wall: Duration::from_secs(2),
            latencies: vec![Duration::from_millis(5)],
            commits,
            write_commands: changes as u64,
            server_cpu: Some(Duration::from_millis(150)),
            bench_cpu: None,
        };
        let report = Report {
            config: BenchConfig::QUICK,
            saturated: phase(600, 100),
            paced: phase(300, 60),
            paced_offered_per_s: 150.0,
            server_peak_rss_kib: Some(2048),
            server_rss_kib: (Some(1024), None),
            fsync_commits_per_s: 50.0,
            postgres_commits_per_s: None,
            same_filesystem: true,
            setup: Duration::ZERO,
            push_same_server: Deliveries {
                latencies: vec![Duration::from_millis(4)],
                before_ack: 0,
            },
            push_other_server: None,
        };
        assert_eq!(report.paced.durable_changes_per_s(), 150.0);
        assert_eq!(report.paced.commands_per_commit(), 5.0);
        assert!(report.table().contains("5.0 write commands per commit"));
        assert!(report.table().contains("6.0 write commands per commit"));
        let json = report.json();
        assert_eq!(json["paced"]["serverCpuMsPerChange"], 0.5);
        assert!(json["paced"]["benchCpuMsPerChange"].is_null());
        assert_eq!(report.group_commit_ratio(), 6.0);
        assert_eq!(json["groupCommitRatio"], 6.0);
        assert_eq!(json["paced"]["groupCommitRatio"], 3.0);
        assert_eq!(json["serverPeakRssKib"], 2048);
        assert!(report.table().contains("3.00x"));
        // 4 devices offering 150 edits/s: each sends one every 26.7 ms.
        assert_eq!(report.paced_period(), Duration::from_secs_f64(4.0 / 150.0));
        assert!(report.table().contains("(SQLite, one server)"));
        assert!(report.table().contains("push same server p99"));
        assert!(!report.table().contains("push other server"));

        // On PostgreSQL the ratios compare with PostgreSQL's own raw commit rate.
        let on_postgres = Report {
            postgres_commits_per_s: Some(100.0),
            config: BenchConfig {
                servers: 2,
                ..BenchConfig::QUICK
            },
            push_other_server: Some(Deliveries {
                latencies: vec![Duration::from_millis(10)],
                before_ack: 0,
            }),
            ..report
        };
        assert!(
            on_postgres
                .table()
                .contains("push other / same server  2.50x at p50, 2.50x at p99")
        );
        assert_eq!(on_postgres.json()["pushOtherServer"]["p99Ms"], 10.0);
        assert_eq!(on_postgres.group_commit_ratio(), 3.0);
        let json = on_postgres.json();
        assert_eq!(json["store"], "PostgreSQL, 2 servers");
        assert_eq!(json["rawPostgresCommitsPerSecond"], 100.0);
        assert_eq!(json["rawFsyncCommitsPerSecond"], 50.0);
        assert_eq!(json["paced"]["groupCommitRatio"], 1.5);
        assert!(on_postgres.table().contains("raw PostgreSQL commits/s"));
    }

    #[test]
    fn servers_default_to_one_and_take_a_count() {
        assert_eq!(BenchConfig::DEFAULT.servers, 1);
        let Ok(Command::Run(c)) = parse_args(args(&["--servers", "2", "--quick"])) else {
            panic!("parses");
        };
        assert_eq!((c.servers, c.clients), (2, 4));
    }

    #[test]
    fn a_push_counts_from_the_writers_ack_and_one_that_came_first_counts_as_zero() {
        let acked = Instant::now() + Duration::from_secs(1);
        let hash = |n: u8| ChangeHash([n; 32]);
        let acks = HashMap::from([(hash(1), acked), (hash(2), acked)]);
        let arrivals = [
            (hash(2), acked + Duration::from_millis(30)),
            (hash(1), acked + Duration::from_millis(7)),
            (hash(1), acked - Duration::from_millis(1)),
        ];
        let deliveries = Deliveries::matched(&acks, &arrivals).expect("all acknowledged");
        assert_eq!(deliveries.latency(100.0), Duration::from_millis(30));
        assert_eq!(deliveries.latency(50.0), Duration::from_millis(7));
        assert_eq!(deliveries.latencies.len(), 3);
        assert_eq!(deliveries.before_ack, 1);
        assert_eq!(deliveries.latency(0.0), Duration::ZERO);

        let unknown = [(hash(9), acked)];
        assert_eq!(Deliveries::matched(&acks, &unknown), Err(hash(9)));
    }

    #[test]
    fn the_paced_load_is_twice_the_raw_rate_within_half_the_capacity() {
        assert_eq!(paced_load(200.0, 1000.0), 400.0);
        assert_eq!(paced_load(2000.0, 1000.0), 500.0);
    }
}

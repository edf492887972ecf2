//! `cargo xtask test`: the README's test command. Builds the client the end-to-end tests load,
//! starts a throwaway PostgreSQL for the PostgreSQL store's tests, then runs every test in the
//! workspace, then the end-to-end service tests again on PostgreSQL, then each fuzz target
//! briefly. Each step's time is printed as it ends, so a slow CI run says where it was slow.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::client_build::{self, Profile};
use crate::command;
use crate::fuzz;
use crate::npm;
use crate::postgres::{self, NotInstalled, TestCluster};
use crate::workspace::{Workspace, cargo};

/// Installs `tests/js`'s npm packages when needed, starts a throwaway PostgreSQL cluster (see
/// [`postgres`]), builds the client with `profile` (release by default: the tests should
/// exercise what users run), then `cargo test --workspace <cargo_args>` with `HEARTH_CLIENT_DIR`
/// pointing at the client, `HEARTH_TEST_DATABASE_URL` at the cluster and
/// `HEARTH_TEST_DATABASE_CA` at the CA of its TLS certificate. Fails with cargo's exit
/// code if any test fails. Unnarrowed and with a PostgreSQL, it then runs the end-to-end service
/// binary again with `HEARTH_E2E_STORE=postgres` (see [`runs_postgres_pass`]). The cluster is
/// stopped and deleted either way, before the fuzz targets run.
pub fn test(workspace: &Workspace, profile: Profile, cargo_args: &[String]) -> anyhow::Result<()> {
    let mut steps = Steps::start();
    // The stock automerge-repo client that `tests/tests/service/js_client.rs` drives.
    npm::ensure_installed(
        &workspace.root.join("tests/js"),
        npm::Scripts::Run,
        "the JavaScript test client (tests/js)",
    )?;
    let cluster = test_cluster()?;
    steps.ended("starting PostgreSQL, npm packages");
    // The client first, then the tests. Building both at once (separate profiles, so separate
    // cargo locks) gained nothing on two cores, which each build alone keeps busy: 14 min 47 s
    // for both in one CI run on 2026-11-30, against 3 min 49 s + 9 min 52 s one after the other
    // in the run before.
    let built = client_build::build(workspace, profile)?;
    steps.ended("building the client");
    let cargo_test = |args: &[&str]| {
        let mut cargo_test = Command::new(cargo());
        cargo_test.args(args);
        if let Some(cluster) = &cluster {
            cargo_test
                .env(postgres::URL_VARIABLE, &cluster.url)
                .env(postgres::CA_VARIABLE, &cluster.ca);
        }
        if builds_once(std::env::var("CI").ok().as_deref())
            && std::env::var_os("CARGO_INCREMENTAL").is_none()
        {
            // A CI run compiles everything once from cold: writing incremental caches that are
            // never read again only makes that build slower.
            cargo_test.env("CARGO_INCREMENTAL", "0");
        }
        cargo_test
            .env("HEARTH_CLIENT_DIR", &built.dist)
            .current_dir(&workspace.root);
        cargo_test
    };
    let mut workspace_test = cargo_test(&["test"]);
    // cargo ignores `-p` next to `--workspace`; let `cargo xtask test -p hearth-e2e` narrow it.
    if !selects_packages(cargo_args) {
        workspace_test.arg("--workspace");
    }
    command::run(workspace_test.args(cargo_args))?;
    steps.ended("building and running every test (SQLite store)");
    let postgres_available =
        cluster.is_some() || std::env::var_os(postgres::URL_VARIABLE).is_some();
    if runs_postgres_pass(cargo_args, postgres_available) {
        // The same end-to-end service tests again, every test server on its own fresh
        // PostgreSQL database (tests/src/server.rs): the binary is already built, so this
        // costs only its run time, and every HTTP/sync behaviour is checked on both stores.
        eprintln!("xtask: the end-to-end service tests again on the PostgreSQL store");
        let listing = cargo_test(&["test", "--workspace", "--no-run", "--message-format=json"])
            .stderr(std::process::Stdio::inherit())
            .output()?;
        anyhow::ensure!(
            listing.status.success(),
            "listing the test binaries failed ({})",
            listing.status
        );
        let binary = test_executable(&String::from_utf8_lossy(&listing.stdout), SERVICE_TESTS)
            .ok_or_else(|| anyhow::anyhow!("no `{SERVICE_TESTS}` test binary was built"))?;
        let mut service = Command::new(&binary);
        // As `cargo test` runs it: from its package's folder, with the same variables.
        service
            .current_dir(workspace.root.join("tests"))
            .env("HEARTH_CLIENT_DIR", &built.dist)
            .env(E2E_STORE_VARIABLE, "postgres");
        if let Some(cluster) = &cluster {
            service
                .env(postgres::URL_VARIABLE, &cluster.url)
                .env(postgres::CA_VARIABLE, &cluster.ca);
        }
        command::run(&mut service)?;
        steps.ended("the end-to-end service tests on PostgreSQL");
    }
    drop(cluster);
    // The README's command as it is (no arguments narrowing it) also fuzzes each target briefly.
    if cargo_args.is_empty() {
        fuzz::fuzz(
            workspace,
            &fuzz::FuzzArgs {
                seconds: fuzz::SMOKE_SECONDS,
                release: false,
                targets: fuzz::TARGETS.iter().map(ToString::to_string).collect(),
            },
        )?;
        steps.ended("fuzzing");
    }
    steps.summary();
    Ok(())
}

/// How long each step of the run took: printed as each ends, and all together at the end.
struct Steps {
    started: Instant,
    last: Instant,
    ended: Vec<(String, Duration)>,
}

impl Steps {
    fn start() -> Self {
        let now = Instant::now();
        Self {
            started: now,
            last: now,
            ended: Vec::new(),
        }
    }

    /// Records that `step` has just ended.
    fn ended(&mut self, step: &str) {
        let now = Instant::now();
        let took = now - self.last;
        self.last = now;
        eprintln!("xtask: {step} took {}", minutes_and_seconds(took));
        self.ended.push((step.to_string(), took));
    }

    fn summary(&self) {
        eprintln!("xtask: every step passed:");
        for (step, took) in &self.ended {
            eprintln!("xtask: {:>10}  {step}", minutes_and_seconds(*took));
        }
        eprintln!(
            "xtask: {:>10}  in all",
            minutes_and_seconds(self.started.elapsed())
        );
    }
}

/// `took` as people read it: `4 min 07 s`, or `12 s` under a minute.
fn minutes_and_seconds(took: Duration) -> String {
    let seconds = took.as_secs();
    if seconds < 60 {
        format!("{seconds} s")
    } else {
        format!("{} min {:02} s", seconds / 60, seconds % 60)
    }
}

/// The cluster the PostgreSQL tests use: `None` when the caller already set
/// `HEARTH_TEST_DATABASE_URL` (their own server), or when PostgreSQL is not installed outside CI
/// (the PostgreSQL tests then skip, saying so). Under `CI=true` a missing PostgreSQL is an error:
/// CI must test both stores.
fn test_cluster() -> anyhow::Result<Option<TestCluster>> {
    if std::env::var_os(postgres::URL_VARIABLE).is_some() {
        // The caller's URL is not printed: it may hold a password.
        eprintln!(
            "xtask: {} is set: the PostgreSQL tests use that server",
            postgres::URL_VARIABLE
        );
        return Ok(None);
    }
    match TestCluster::start() {
        Ok(cluster) => {
            eprintln!(
                "xtask: test PostgreSQL ({}) on {} ready in {} ms",
                cluster.version,
                cluster.url,
                cluster.startup.as_millis()
            );
            Ok(Some(cluster))
        }
        Err(error) if error.downcast_ref::<NotInstalled>().is_some() => {
            if postgres::missing_is_fatal(std::env::var("CI").ok().as_deref()) {
                anyhow::bail!("CI=true and no PostgreSQL for the PostgreSQL store's tests: {error}")
            }
            eprintln!("xtask: warning: {error}; the PostgreSQL tests will be skipped");
            Ok(None)
        }
        Err(error) => Err(error.context("starting the test PostgreSQL")),
    }
}

/// The end-to-end service binary (`tests/tests/service`) the second pass runs again with
/// [`E2E_STORE_VARIABLE`] set to `postgres`. It runs the executable the first run built, found
/// with `cargo test --workspace --no-run --message-format=json` (the first run's own selection,
/// so nothing is rebuilt): any narrower `cargo test` selection (`--test service`, `-p
/// hearth-e2e`) resolves dev-dependencies' features differently and rebuilt the whole
/// dependency tree, as CI found.
const SERVICE_TESTS: &str = "service";

/// The executable of the test target `name` among the artifacts `cargo --message-format=json`
/// printed (one JSON object a line).
fn test_executable(messages: &str, name: &str) -> Option<std::path::PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "test"))
        })
        .find_map(|m| m["executable"].as_str().map(std::path::PathBuf::from))
}

/// Makes the end-to-end harness (tests/src/server.rs) give each test server a fresh PostgreSQL
/// database instead of a SQLite file.
const E2E_STORE_VARIABLE: &str = "HEARTH_E2E_STORE";

/// Whether to run the end-to-end service tests a second time on PostgreSQL: only for the README's
/// command as it is (arguments narrow the run to what the caller asked for), and only with a
/// PostgreSQL to run them on (outside CI it may be missing; the first run then said so).
fn runs_postgres_pass(cargo_args: &[String], postgres_available: bool) -> bool {
    cargo_args.is_empty() && postgres_available
}

/// Whether this run builds the workspace once and throws the build away (CI sets `CI=true`).
fn builds_once(ci: Option<&str>) -> bool {
    matches!(ci, Some("true" | "1"))
}

/// Whether cargo's own arguments (those before any `--`) pick packages with `-p`/`--package`.
fn selects_packages(cargo_args: &[String]) -> bool {
    cargo_args
        .iter()
        .take_while(|arg| *arg != "--")
        .any(|arg| arg.starts_with("-p") || arg == "--package" || arg.starts_with("--package="))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn only_ci_runs_build_without_incremental_caches() {
        assert!(builds_once(Some("true")));
        assert!(builds_once(Some("1")));
        assert!(!builds_once(Some("false")));
        assert!(!builds_once(None));
    }

    #[test]
    fn only_the_unnarrowed_command_with_postgres_runs_the_service_tests_again() {
        assert!(runs_postgres_pass(&[], true));
        assert!(!runs_postgres_pass(&[], false));
        assert!(!runs_postgres_pass(&strings(&["-p", "hearth-e2e"]), true));
        assert!(!runs_postgres_pass(&strings(&["--", "--list"]), true));
    }

    #[test]
    fn the_postgres_pass_names_an_existing_test_binary() {
        let main = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/tests")
            .join(SERVICE_TESTS)
            .join("main.rs");
        assert!(main.is_file(), "{} is missing", main.display());
    }

    #[test]
    fn step_times_read_as_minutes_and_seconds() {
        assert_eq!(minutes_and_seconds(Duration::from_millis(12_900)), "12 s");
        assert_eq!(minutes_and_seconds(Duration::from_secs(247)), "4 min 07 s");
    }

    #[test]
    fn the_service_test_executable_is_found_among_cargos_messages() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"service","kind":["lib"]},"executable":null}
not json
{"reason":"compiler-artifact","target":{"name":"browser","kind":["test"]},"executable":"/t/browser-1"}
{"reason":"compiler-artifact","target":{"name":"service","kind":["test"]},"executable":"/t/service-2"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            test_executable(messages, "service"),
            Some(std::path::PathBuf::from("/t/service-2"))
        );
        assert_eq!(test_executable(messages, "missing"), None);
    }

    #[test]
    fn the_whole_workspace_is_tested_unless_packages_are_named() {
        assert!(!selects_packages(&[]));
        assert!(!selects_packages(&strings(&["--", "-p"])));
        assert!(selects_packages(&strings(&["-p", "hearth-e2e"])));
        assert!(selects_packages(&strings(&["-phearth-e2e"])));
        assert!(selects_packages(&strings(&["--package=hearth-e2e"])));
    }
}

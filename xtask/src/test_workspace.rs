//! `cargo xtask test`: the README's test command. Builds the client the end-to-end tests load,
//! starts a throwaway PostgreSQL for the PostgreSQL store's tests, then runs every test in the
//! workspace, then each fuzz target briefly.

use std::process::Command;

use crate::client_build::{self, Profile};
use crate::command;
use crate::fuzz;
use crate::npm;
use crate::postgres::{self, NotInstalled, TestCluster};
use crate::workspace::{Workspace, cargo};

/// Builds the client with `profile` (release by default: the tests should exercise what users
/// run), installs `tests/js`'s npm packages when needed, starts a throwaway PostgreSQL cluster
/// (see [`postgres`]), then `cargo test --workspace <cargo_args>` with `HEARTH_CLIENT_DIR`
/// pointing at the client and `HEARTH_TEST_DATABASE_URL` at the cluster. Fails with cargo's exit
/// code if any test fails; the cluster is stopped and deleted either way.
pub fn test(workspace: &Workspace, profile: Profile, cargo_args: &[String]) -> anyhow::Result<()> {
    let built = client_build::build(workspace, profile)?;
    // The stock automerge-repo client that `tests/tests/js_client.rs` drives.
    npm::ensure_installed(
        &workspace.root.join("tests/js"),
        npm::Scripts::Run,
        "the JavaScript test client (tests/js)",
    )?;
    let cluster = test_cluster()?;
    let mut cargo_test = Command::new(cargo());
    cargo_test.arg("test");
    if let Some(cluster) = &cluster {
        cargo_test.env(postgres::URL_VARIABLE, &cluster.url);
    }
    if builds_once(std::env::var("CI").ok().as_deref())
        && std::env::var_os("CARGO_INCREMENTAL").is_none()
    {
        // A CI run compiles everything once from cold: writing incremental caches that are
        // never read again only makes that build slower.
        cargo_test.env("CARGO_INCREMENTAL", "0");
    }
    // cargo ignores `-p` next to `--workspace`; let `cargo xtask test -p hearth-e2e` narrow it.
    if !selects_packages(cargo_args) {
        cargo_test.arg("--workspace");
    }
    command::run(
        cargo_test
            .args(cargo_args)
            .env("HEARTH_CLIENT_DIR", &built.dist)
            .current_dir(&workspace.root),
    )?;
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
    }
    Ok(())
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
    fn the_whole_workspace_is_tested_unless_packages_are_named() {
        assert!(!selects_packages(&[]));
        assert!(!selects_packages(&strings(&["--", "-p"])));
        assert!(selects_packages(&strings(&["-p", "hearth-e2e"])));
        assert!(selects_packages(&strings(&["-phearth-e2e"])));
        assert!(selects_packages(&strings(&["--package=hearth-e2e"])));
    }
}

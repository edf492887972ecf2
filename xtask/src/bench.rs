//! `cargo xtask bench`: build the server and the benches in release, run the sync benchmark
//! (on SQLite, then on a throwaway PostgreSQL with one server and with two, when PostgreSQL is
//! installed), the history benchmark (one record, 10,000 changes) and the reporting benchmark against a
//! real server process, then build the client in release and run the client benchmark in
//! headless Chromium. They print figures; they assert nothing about speed.

use std::path::Path;
use std::process::Command;

use crate::client_build::{self, Profile};
use crate::command;
use crate::postgres::{self, NotInstalled, TestCluster};
use crate::workspace::{Workspace, cargo};

/// Debian's Chromium and chromedriver, which the client bench drives (the same paths as the
/// browser tests' harness, `hearth_e2e::browser`).
const BROWSER: [(&str, &str); 2] = [
    ("/usr/bin/chromium", "chromium"),
    ("/usr/bin/chromedriver", "chromium-driver"),
];

/// The client bench's own flags, each taking a value; everything else but `--quick` (which
/// both benches take) goes to the sync bench.
const CLIENT_FLAGS: [&str; 3] = ["--records", "--edits", "--runs"];

/// Builds `hearth-e2e`'s binaries (the server, `hearth-bench`, `hearth-client-bench`) in
/// release and runs both benches; `args` are split between them ([`split_args`]). Without
/// Chromium or chromedriver the client bench is skipped with a notice saying what to install.
pub fn bench(workspace: &Workspace, args: &[String]) -> anyhow::Result<()> {
    let (sync_args, client_args) = split_args(args);
    command::run(
        Command::new(cargo())
            .args(["build", "--release", "-p", "hearth-e2e", "--bins"])
            .current_dir(&workspace.root),
    )?;
    let release = workspace.target_dir.join("release");
    command::run(
        Command::new(release.join("hearth-bench"))
            .args(&sync_args)
            .current_dir(&workspace.root),
    )?;
    sync_bench_on_postgres(workspace, &release, &sync_args)?;
    let quick: Vec<&String> = args.iter().filter(|a| *a == "--quick").collect();
    // One record typed into 10,000 times: whether a change costs more as its history grows.
    command::run(
        Command::new(release.join("hearth-history-bench"))
            .args(&quick)
            .current_dir(&workspace.root),
    )?;
    // The reports: a full record's PDF, and the officers' overview over 3,000 records.
    command::run(
        Command::new(release.join("hearth-report-bench"))
            .args(quick)
            .current_dir(&workspace.root),
    )?;

    let missing: Vec<String> = BROWSER
        .iter()
        .filter(|(path, _)| !Path::new(path).is_file())
        .map(|(path, package)| format!("{path} (Debian package {package})"))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "cargo xtask bench: skipping the client benchmark: {} missing. Install them \
             (`apt-get install chromium chromium-driver`, as `bash .ci/run` does) to measure \
             the browser client.",
            missing.join(" and ")
        );
        return Ok(());
    }
    let built = client_build::build(workspace, Profile::Release)?;
    command::run(
        Command::new(release.join("hearth-client-bench"))
            .args(&client_args)
            .env("HEARTH_CLIENT_DIR", &built.dist)
            .current_dir(&workspace.root),
    )
}

/// The sync benchmark again on a throwaway PostgreSQL cluster, with one server and with two
/// (the devices spread over both), in the same run as SQLite's figures so the three compare.
/// Skipped with a notice when PostgreSQL is not installed.
fn sync_bench_on_postgres(
    workspace: &Workspace,
    release: &Path,
    sync_args: &[String],
) -> anyhow::Result<()> {
    let cluster = match TestCluster::start() {
        Ok(cluster) => cluster,
        Err(e) if e.downcast_ref::<NotInstalled>().is_some() => {
            eprintln!("cargo xtask bench: skipping the PostgreSQL sync benchmarks: {e}");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    for servers in ["1", "2"] {
        command::run(
            Command::new(release.join("hearth-bench"))
                .args(sync_args)
                .args(["--servers", servers])
                .env(postgres::URL_VARIABLE, &cluster.url)
                .env("HEARTH_E2E_STORE", "postgres")
                .current_dir(&workspace.root),
        )?;
    }
    Ok(())
}

/// Splits `cargo xtask bench` arguments into the sync bench's and the client bench's: the
/// client's flags ([`CLIENT_FLAGS`]) with their values go to it, `--quick` to both, the rest to
/// the sync bench (which reports anything it does not know).
fn split_args(args: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut sync, mut client) = (Vec::new(), Vec::new());
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if CLIENT_FLAGS.contains(&arg.as_str()) {
            client.push(arg.clone());
            client.extend(args.next().cloned());
        } else if arg == "--quick" {
            sync.push(arg.clone());
            client.push(arg.clone());
        } else {
            sync.push(arg.clone());
        }
    }
    (sync, client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn client_flags_go_to_the_client_bench_and_quick_to_both() {
        let (sync, client) = split_args(&strings(&[
            "--clients",
            "4",
            "--records",
            "100",
            "--quick",
            "--runs",
            "5",
        ]));
        assert_eq!(sync, strings(&["--clients", "4", "--quick"]));
        assert_eq!(
            client,
            strings(&["--records", "100", "--quick", "--runs", "5"])
        );
    }

    #[test]
    fn no_arguments_run_both_benches_with_their_defaults() {
        assert_eq!(split_args(&[]), (Vec::new(), Vec::new()));
    }
}

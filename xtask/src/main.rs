//! Hearth's developer tasks, run as `cargo xtask <task>` (the alias is in `.cargo/config.toml`).
//!
//! Each task is a plain function over the [`Workspace`] paths that shells out to `cargo` and
//! friends. A failing child process makes `cargo xtask` exit with the child's code, so CI and the
//! README's test command (`cargo xtask test`) see the failure.

mod bench;
mod client_build;
mod command;
mod fuzz;
mod govuk_styles;
mod npm;
mod postgres;
mod run_server;
mod sizes;
mod test_workspace;
mod toolchain;
mod wasm_bindgen_pin;
mod wasm_opt;
mod workspace;

use std::process::ExitCode;

use client_build::Profile;
use command::CommandFailed;
use workspace::Workspace;

const USAGE: &str = "\
Usage: cargo xtask <task> [options]

Tasks:
  build [--release|--dev]        Build the client into client/dist. --release (the default)
                                 uses the wasm-release profile that users get; --dev is faster.
                                 Runs `npm ci` in client/ (GOV.UK Frontend) when needed
  run [--release|--dev] [--demo] [ARGS]
                                 Build the client, then run the server on it
                                 (`hearth serve --client-dir client/dist ARGS`). --demo runs
                                 `hearth demo` instead: a separate data folder (data-demo)
                                 filled with synthetic homes, accounts and records
  test [--release|--dev] [ARGS]  Build the client, start a throwaway PostgreSQL (initdb and
                                 pg_ctl from PATH or /usr/lib/postgresql/*/bin; without them
                                 the PostgreSQL tests skip, or fail under CI=true), then
                                 `cargo test --workspace ARGS` with HEARTH_CLIENT_DIR set to
                                 client/dist and HEARTH_TEST_DATABASE_URL to that cluster
                                 (unless already set); without ARGS, then run each fuzz target
                                 for 10 s (as `fuzz` below)
  fuzz [--release] [--seconds N] [TARGET]...
                                 Build the libFuzzer targets in fuzz/ (wire_decode, handshake,
                                 change_ingestion) with cargo-fuzz's flags on the pinned
                                 toolchain (unoptimised; --release for long runs), and run each
                                 N seconds (default 10) from fuzz/seeds/TARGET; crashes go to
                                 target/fuzz/artifacts/
  bench [ARGS]                   Build the server and the benches in release, then drive N clients
                                 x M documents x K changes through real WebSockets and print
                                 durable changes/s, sync latency, peak RSS and the raw fsync rate
                                 (ARGS: --clients N --docs M --changes K); then build the client
                                 and time, in headless Chromium, an offline cold start with R
                                 records stored and opening a Reg 33 record with E edits
                                 (ARGS: --records R --edits E --runs N; skipped without
                                 Chromium). --quick makes both small
  help                           Show this message

Profile flags before a `--` belong to xtask. For run, what follows `--` goes to the server; for
test, the `--` itself is kept so that `cargo xtask test -- --nocapture` reaches the test binaries.
";

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
enum Task {
    Build(Profile),
    Run(Profile, run_server::Data, Vec<String>),
    Test(Profile, Vec<String>),
    Bench(Vec<String>),
    Fuzz(fuzz::FuzzArgs),
    Help,
}

fn main() -> ExitCode {
    let task = match parse(std::env::args().skip(1).collect()) {
        Ok(task) => task,
        Err(message) => {
            eprint!("cargo xtask: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match execute(task) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("cargo xtask: error: {error:#}");
            // A child that failed has printed its own diagnostics; pass its exit code on.
            ExitCode::from(
                error
                    .downcast_ref::<CommandFailed>()
                    .map_or(1, CommandFailed::exit_code),
            )
        }
    }
}

fn execute(task: Task) -> anyhow::Result<ExitCode> {
    match task {
        Task::Help => print!("{USAGE}"),
        Task::Bench(args) => bench::bench(&Workspace::locate()?, &args)?,
        Task::Fuzz(args) => fuzz::fuzz(&Workspace::locate()?, &args)?,
        Task::Build(profile) => {
            client_build::build(&Workspace::locate()?, profile)?;
        }
        Task::Run(profile, data, args) => {
            run_server::run(&Workspace::locate()?, profile, data, &args)?;
        }
        Task::Test(profile, args) => test_workspace::test(&Workspace::locate()?, profile, &args)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn parse(args: Vec<String>) -> Result<Task, String> {
    let mut args = args.into_iter();
    let Some(task) = args.next() else {
        return Err("no task given".into());
    };
    let (profile, demo, rest) = split_flags(args, task == "test");
    if demo && task != "run" {
        return Err(format!("`--demo` is for `run`, not `{task}`"));
    }
    match task.as_str() {
        "build" => match rest.first() {
            None => Ok(Task::Build(profile)),
            Some(arg) => Err(format!("`build` does not take `{arg}`")),
        },
        "run" => Ok(Task::Run(
            profile,
            if demo {
                run_server::Data::Demo
            } else {
                run_server::Data::Real
            },
            rest,
        )),
        "test" => Ok(Task::Test(profile, rest)),
        "bench" => Ok(Task::Bench(rest)),
        "fuzz" => fuzz::parse(&rest).map(Task::Fuzz),
        "help" | "--help" | "-h" => Ok(Task::Help),
        other => Err(format!("unknown task `{other}`")),
    }
}

/// Takes `--release`/`--dev` and `--demo` out of `args` (before any `--`), returning the
/// profile, whether `--demo` was given and the remaining arguments in order; the `--` itself
/// is kept only if `keep_separator`.
fn split_flags(
    mut args: impl Iterator<Item = String>,
    keep_separator: bool,
) -> (Profile, bool, Vec<String>) {
    let mut profile = Profile::Release;
    let mut demo = false;
    let mut rest = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--release" => profile = Profile::Release,
            "--dev" => profile = Profile::Dev,
            "--demo" => demo = true,
            "--" => {
                if keep_separator {
                    rest.push(arg);
                }
                rest.extend(args.by_ref());
            }
            _ => rest.push(arg),
        }
    }
    (profile, demo, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Task, String> {
        parse(args.iter().map(ToString::to_string).collect())
    }

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn build_defaults_to_the_release_profile_users_get() {
        assert_eq!(parse_str(&["build"]), Ok(Task::Build(Profile::Release)));
        assert_eq!(
            parse_str(&["build", "--dev"]),
            Ok(Task::Build(Profile::Dev))
        );
    }

    #[test]
    fn build_rejects_a_mistyped_flag_instead_of_ignoring_it() {
        assert!(parse_str(&["build", "--relase"]).is_err());
    }

    #[test]
    fn run_passes_server_arguments_through() {
        assert_eq!(
            parse_str(&["run", "--dev", "--listen", "127.0.0.1:8080"]),
            Ok(Task::Run(
                Profile::Dev,
                run_server::Data::Real,
                strings(&["--listen", "127.0.0.1:8080"])
            ))
        );
    }

    #[test]
    fn arguments_after_double_dash_pass_through_even_if_they_look_like_profile_flags() {
        assert_eq!(
            parse_str(&["run", "--", "--dev"]),
            Ok(Task::Run(
                Profile::Release,
                run_server::Data::Real,
                strings(&["--dev"])
            ))
        );
    }

    #[test]
    fn run_demo_serves_the_synthetic_demo_and_is_refused_elsewhere() {
        assert_eq!(
            parse_str(&["run", "--demo", "--dev", "--bind", "127.0.0.1:0"]),
            Ok(Task::Run(
                Profile::Dev,
                run_server::Data::Demo,
                strings(&["--bind", "127.0.0.1:0"])
            ))
        );
        assert!(parse_str(&["build", "--demo"]).is_err());
        assert!(parse_str(&["test", "--demo"]).is_err());
    }

    #[test]
    fn test_keeps_the_double_dash_so_flags_reach_the_test_binaries() {
        assert_eq!(
            parse_str(&["test", "--dev", "-p", "hearth-e2e", "--", "--nocapture"]),
            Ok(Task::Test(
                Profile::Dev,
                strings(&["-p", "hearth-e2e", "--", "--nocapture"])
            ))
        );
    }

    #[test]
    fn an_unknown_task_or_no_task_is_an_error() {
        assert!(parse_str(&["deploy"]).is_err());
        assert!(parse_str(&[]).is_err());
    }
}

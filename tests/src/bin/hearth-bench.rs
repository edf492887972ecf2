//! `hearth-bench`: concurrent members editing visit notes against a real server, reporting
//! durable changes/s, sync round latency, how soon a change reaches another device on the same
//! server (and on another, with `--servers 2`), server peak RSS and the disk's raw fsync'd
//! commit rate. A benchmark, not a test: it prints figures and never fails on speed.
//!
//! `cargo build --release -p hearth-e2e --bins && cargo run --release -p hearth-e2e --bin
//! hearth-bench -- [--clients N] [--docs M] [--changes K] [--servers S] [--quick]`

use hearth_e2e::bench::{self, Command};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match bench::parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            println!("{}", bench::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("hearth-bench: {problem}\n\n{}", bench::USAGE);
            return ExitCode::from(2);
        }
    };
    let server_bin = match bench::locate_server_bin() {
        Ok(path) => path,
        Err(problem) => {
            eprintln!("hearth-bench: {problem}");
            return ExitCode::from(2);
        }
    };
    if cfg!(debug_assertions) {
        eprintln!(
            "hearth-bench: warning: this is a debug build; figures are not representative \
             (use --release)"
        );
    }
    match bench::run(config, &server_bin).await {
        Ok(report) => {
            print!("{}", report.table());
            println!("{}", report.json());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hearth-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

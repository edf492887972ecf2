//! `hearth-client-bench`: the built client in headless Chromium against a real server, timing an
//! offline cold start to an interactive list of 500 stored records and opening a Regulation 33
//! record with 2,000 edits in its history. A benchmark, not a test: it prints figures and never
//! fails on speed.
//!
//! `cargo xtask bench` builds the client, the server and this binary in release and runs it with
//! `HEARTH_CLIENT_DIR` set; by hand: `HEARTH_CLIENT_DIR=client/dist
//! target/release/hearth-client-bench [--records N] [--edits K] [--runs R] [--quick]`

use hearth_e2e::bench::locate_server_bin;
use hearth_e2e::client_bench::{self, Command};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match client_bench::parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            println!("{}", client_bench::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("hearth-client-bench: {problem}\n\n{}", client_bench::USAGE);
            return ExitCode::from(2);
        }
    };
    let server_bin = match locate_server_bin() {
        Ok(path) => path,
        Err(problem) => {
            eprintln!("hearth-client-bench: {problem}");
            return ExitCode::from(2);
        }
    };
    if cfg!(debug_assertions) {
        eprintln!(
            "hearth-client-bench: warning: this is a debug build of the harness; the browser's \
             figures do not depend on it, but build with --release as `cargo xtask bench` does"
        );
    }
    match client_bench::run(config, &server_bin).await {
        Some(report) => {
            print!("{}", report.table());
            println!("{}", report.json());
            ExitCode::SUCCESS
        }
        // `run` has said what is missing.
        None => ExitCode::from(2),
    }
}

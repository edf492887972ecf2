//! `hearth-history-bench`: one member types 10,000 characters into one Regulation 33 record, one
//! acknowledged change per character, against a real server; prints the median acknowledgement
//! of the first and last 200 changes, their ratio, and the server's CPU time per change. A
//! benchmark, not a test: it prints figures and never fails on speed.
//!
//! `cargo build --release -p hearth-e2e --bins && target/release/hearth-history-bench
//! [--changes N] [--quick]`

use hearth_e2e::bench::locate_server_bin;
use hearth_e2e::history_bench::{self, USAGE};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match history_bench::parse_args(std::env::args().skip(1)) {
        Ok(Some(config)) => config,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("hearth-history-bench: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server_bin = match locate_server_bin() {
        Ok(path) => path,
        Err(problem) => {
            eprintln!("hearth-history-bench: {problem}");
            return ExitCode::from(2);
        }
    };
    if cfg!(debug_assertions) {
        eprintln!("hearth-history-bench: warning: a debug build; figures are not representative");
    }
    match history_bench::run(config, &server_bin).await {
        Ok(report) => {
            print!("{}", report.table());
            println!("{}", report.json());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hearth-history-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `hearth-report-bench`: the PDF of a full Regulation 33 record, and the officers' overview
//! over 50 homes × 5 years of monthly records, against a real server. A benchmark, not a test:
//! it prints figures and never fails on speed.
//!
//! `cargo build --release -p hearth-e2e --bins && target/release/hearth-report-bench [--quick]`

use hearth_e2e::bench::locate_server_bin;
use hearth_e2e::report_bench::{self, ReportBenchConfig};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut config = ReportBenchConfig::default();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quick" => config = ReportBenchConfig::quick(),
            "--help" | "-h" => {
                println!("hearth-report-bench [--quick]");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("hearth-report-bench: unknown argument `{other}`");
                return ExitCode::from(2);
            }
        }
    }
    let server_bin = match locate_server_bin() {
        Ok(path) => path,
        Err(problem) => {
            eprintln!("hearth-report-bench: {problem}");
            return ExitCode::from(2);
        }
    };
    if cfg!(debug_assertions) {
        eprintln!("hearth-report-bench: warning: a debug build; figures are not representative");
    }
    match report_bench::run(config, &server_bin.to_string_lossy()).await {
        Ok(report) => {
            print!("{}", report.table());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hearth-report-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

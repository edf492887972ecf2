//! `hearth-bench`: concurrent members editing visit notes against a real server, reporting
//! durable changes/s, sync round latency, server peak RSS and the disk's raw fsync'd commit
//! rate. A benchmark, not a test: it prints figures and never fails on speed.
//!
//! `cargo build --release -p hearth-e2e --bins && cargo run --release -p hearth-e2e --bin
//! hearth-bench -- [--clients N] [--docs M] [--changes K] [--quick]`

use hearth_e2e::bench::{self, Command};
use std::path::PathBuf;
use std::process::ExitCode;

/// The server binary's name; Cargo puts it next to this one.
const SERVER_BIN: &str = "hearth-e2e-server";

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
    let server_bin = match locate_server_bin() {
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

/// `hearth-e2e-server` next to this executable. `cargo run --bin hearth-bench` builds only this
/// binary, so a missing (or, after server changes, stale) server binary is the usual mistake:
/// say how to build both.
fn locate_server_bin() -> Result<PathBuf, String> {
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

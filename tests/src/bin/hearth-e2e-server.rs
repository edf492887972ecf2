//! The Hearth server binary, built inside the test package so tests can run it as a process.
//!
//! `HEARTH_E2E_NOW_MS` (Unix milliseconds) stops the server's calendar at that instant, so
//! tests of date rules (a visit overdue at a month's end) run on chosen dates. Only this test
//! binary reads it: the production `hearth` binary always uses the system clock.

fn main() -> std::process::ExitCode {
    let fixed_now_ms = match std::env::var("HEARTH_E2E_NOW_MS") {
        Ok(value) => match value.trim().parse::<i64>() {
            Ok(ms) => Some(ms),
            Err(_) => {
                eprintln!("hearth-e2e-server: HEARTH_E2E_NOW_MS must be Unix milliseconds");
                return std::process::ExitCode::FAILURE;
            }
        },
        Err(_) => None,
    };
    hearth_server::cli::main_with_fixed_clock(fixed_now_ms)
}

//! The Hearth server binary, built inside the test package so tests can run it as a process.

fn main() -> std::process::ExitCode {
    hearth_server::cli::main()
}

//! `cargo xtask fuzz`: builds the libFuzzer targets in `fuzz/` and runs each from its seeds.
//!
//! The targets are laid out for `cargo fuzz` (`cargo fuzz run wire_decode` works where it is
//! installed), but this task builds them itself with the flags cargo-fuzz passes to rustc
//! (SanitizerCoverage through LLVM's `sancov-module` pass, `--cfg fuzzing`, debug assertions
//! and overflow checks), so neither CI nor a developer has to `cargo install` anything and the
//! pinned stable toolchain is enough: no `-Z` flag is needed without a sanitizer, and the code
//! under test is safe Rust, where a crash is a panic, an abort, a timeout or running out of
//! memory, all of which libFuzzer reports without AddressSanitizer.
//!
//! `cargo xtask test` runs every target for [`SMOKE_SECONDS`] after the workspace's tests,
//! built unoptimised (`fuzz/Cargo.toml`'s `fuzz` profile: cheap to build cold); a long run is
//! `cargo xtask fuzz --release --seconds 600 [TARGET...]`.

use std::path::Path;
use std::process::Command;

use anyhow::Context as _;

use crate::command;
use crate::workspace::{Workspace, cargo};

/// The fuzz targets, in the order they run (the names of `fuzz/fuzz_targets/*.rs`).
pub const TARGETS: [&str; 3] = ["wire_decode", "handshake", "change_ingestion"];

/// How long `cargo xtask test` fuzzes each target: enough to replay the seeds and mutate them
/// a few hundred thousand times, cheap next to the rest of the test command.
pub const SMOKE_SECONDS: u32 = 10;

/// The host triple the targets are built for. Naming it makes cargo apply `RUSTFLAGS` to the
/// targets only, not to build scripts and proc macros, which must not be instrumented.
const HOST: &str = "x86_64-unknown-linux-gnu";

/// cargo-fuzz's instrumentation flags (cargo-fuzz 0.12, `--sanitizer none`).
const RUSTFLAGS: &str = "-Cpasses=sancov-module \
     -Cllvm-args=-sanitizer-coverage-level=4 \
     -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
     -Cllvm-args=-sanitizer-coverage-pc-table \
     -Cllvm-args=-sanitizer-coverage-trace-compares \
     --cfg fuzzing -Cdebug-assertions -Coverflow-checks";

/// What `cargo xtask fuzz` was asked to do.
#[derive(Debug, PartialEq, Eq)]
pub struct FuzzArgs {
    /// Seconds per target.
    pub seconds: u32,
    /// Build with the optimised `release` profile (long runs) instead of `fuzz` (quick to
    /// build: what `cargo xtask test` uses).
    pub release: bool,
    /// Targets to run (all of [`TARGETS`] when none are named).
    pub targets: Vec<String>,
}

/// Parses `[--release] [--seconds N] [TARGET...]`.
pub fn parse(args: &[String]) -> Result<FuzzArgs, String> {
    let mut seconds = SMOKE_SECONDS;
    let mut release = false;
    let mut targets = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("`--seconds` takes a whole number of seconds above 0")?;
            }
            "--release" => release = true,
            name if TARGETS.contains(&name) => targets.push(name.to_string()),
            other => {
                return Err(format!(
                    "unknown fuzz target or flag `{other}` (targets: {})",
                    TARGETS.join(", ")
                ));
            }
        }
    }
    if targets.is_empty() {
        targets = TARGETS.iter().map(ToString::to_string).collect();
    }
    Ok(FuzzArgs {
        seconds,
        release,
        targets,
    })
}

/// Builds the targets, then runs each for `args.seconds` from its committed seeds plus whatever
/// earlier runs on this machine found (`<target-dir>/fuzz/corpus/<target>`). A crash stops
/// with libFuzzer's exit code; the input is saved under `<target-dir>/fuzz/artifacts/<target>/`.
pub fn fuzz(workspace: &Workspace, args: &FuzzArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        cfg!(all(target_os = "linux", target_arch = "x86_64")),
        "the fuzz targets are built for {HOST} only"
    );
    let fuzz_dir = workspace.root.join("fuzz");
    let out = workspace.target_dir.join("fuzz");
    let profile = if args.release { "release" } else { "fuzz" };
    command::run(
        Command::new(cargo())
            .args(["build", "--profile", profile, "--bins", "--target", HOST])
            .arg("--target-dir")
            .arg(&out)
            .arg("--manifest-path")
            .arg(fuzz_dir.join("Cargo.toml"))
            .env("RUSTFLAGS", RUSTFLAGS)
            .env_remove("CARGO_ENCODED_RUSTFLAGS"),
    )?;
    let binaries = out.join(HOST).join(profile);
    for target in &args.targets {
        run_target(
            &fuzz_dir,
            &out,
            &binaries.join(target),
            target,
            args.seconds,
        )?;
    }
    Ok(())
}

fn run_target(
    fuzz_dir: &Path,
    out: &Path,
    binary: &Path,
    target: &str,
    seconds: u32,
) -> anyhow::Result<()> {
    let corpus = out.join("corpus").join(target);
    let artifacts = out.join("artifacts").join(target);
    for dir in [&corpus, &artifacts] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    command::run(
        Command::new(binary)
            .arg(format!("-max_total_time={seconds}"))
            // A single input that takes a second or half a gigabyte is a finding too.
            .arg("-timeout=10")
            .arg("-rss_limit_mb=1024")
            .arg("-print_final_stats=1")
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            // New inputs go to the first folder; the committed seeds are only read.
            .arg(&corpus)
            .arg(fuzz_dir.join("seeds").join(target)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn every_target_runs_briefly_unless_told_otherwise() {
        assert_eq!(
            parse(&[]),
            Ok(FuzzArgs {
                seconds: SMOKE_SECONDS,
                release: false,
                targets: strings(&TARGETS)
            })
        );
        assert_eq!(
            parse(&strings(&["--release", "--seconds", "600", "handshake"])),
            Ok(FuzzArgs {
                seconds: 600,
                release: true,
                targets: strings(&["handshake"])
            })
        );
    }

    #[test]
    fn an_unknown_target_or_a_bad_duration_is_an_error() {
        assert!(parse(&strings(&["wire"])).is_err());
        assert!(parse(&strings(&["--seconds", "0"])).is_err());
        assert!(parse(&strings(&["--seconds"])).is_err());
    }

    #[test]
    fn the_targets_listed_are_the_files_in_fuzz_targets() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/fuzz_targets");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("fuzz/fuzz_targets is readable")
            .map(|e| {
                let path = e.expect("an entry").path();
                path.file_stem().expect("a name").to_string_lossy().into()
            })
            .collect();
        files.sort();
        let mut listed = strings(&TARGETS);
        listed.sort();
        assert_eq!(files, listed);
    }
}

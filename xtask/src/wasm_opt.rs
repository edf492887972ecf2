//! `wasm-opt` for the release client, from the npm package `binaryen` pinned in
//! `client/package-lock.json` and run with Node.
//!
//! Why npm: Debian's binaryen is too old to read what current rustc emits, and a binary
//! download from GitHub would sit outside every lockfile. The npm package is binaryen compiled
//! to JavaScript and WebAssembly: the same optimiser at a pinned, current version, installed by
//! the `npm ci` the build already runs for GOV.UK Frontend, with nothing native to trust.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

use crate::command;

/// The optimiser's script inside `client/node_modules` (the package's `bin` entry).
const SCRIPT: &str = "node_modules/binaryen/bin/wasm-opt";

/// Passes and features.
///
/// `-O1`, not `-Oz`: what users download is the gzip'd module, and on ours (already built
/// with opt-level "z" and LTO) the size-focused levels shrink the raw file but grow the gzip'd
/// one. Measured on 2026-11-30 on the same 3,352,889-byte module (1,012,381 gzip):
/// `-Oz` 2,943,820 raw / 1,104,427 gzip, `-Os` 3,028,426 / 1,102,908, `-O2` 3,111,555 /
/// 1,102,028, `-O1` 3,232,916 / **1,001,803**; a bare round trip changes nothing (1,012,716).
/// (Inlining and reordering functions are what hurt: `--inlining-optimizing` alone grew the
/// gzip'd module by 11%, `--reorder-functions` by 7%; rustc's order keeps related code near.)
///
/// Then four passes that each shrank the gzip'd `-O1` module when tried one by one on
/// 2026-11-30 (1,049,370 bytes gzip -9 before): dead-argument elimination
/// (`--dae-optimizing`, −3,510), merging identical functions
/// (`--duplicate-function-elimination`, −1,185; generic code monomorphised into identical
/// bodies), redundant-set elimination (`--rse`, −485) and code folding (−166); together
/// 1,044,474 (−4,896). Most other passes left it unchanged or grew it. A final `--vacuum`
/// (removing what the passes before it left obsolete) took another 1,639 bytes off on
/// 2026-11-30 (1,048,871 → 1,047,232 gzip -9 on that day's module).
///
/// The features are those rustc enables by default for wasm32-unknown-unknown (its
/// `target_features` section lists them); without them wasm-opt rejects the module (e.g.
/// "bulk memory operations require bulk memory").
const ARGS: [&str; 12] = [
    "-O1",
    "--dae-optimizing",
    "--duplicate-function-elimination",
    "--rse",
    "--code-folding",
    "--vacuum",
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Optimises `wasm` in place. The package must be installed (`npm::ensure_installed` on
/// `client_dir`); a failure fails the build, since the pinned optimiser is part of it.
pub fn optimize(client_dir: &Path, wasm: &Path) -> anyhow::Result<()> {
    let script = client_dir.join(SCRIPT);
    anyhow::ensure!(
        script.is_file(),
        "{} is missing: `npm ci` in {} installs it (cargo xtask build runs it)",
        script.display(),
        client_dir.display()
    );
    let optimized = wasm.with_extension("opt.wasm");
    let result = command::run(
        Command::new(node()?)
            .arg(&script)
            .args(ARGS)
            .arg(wasm)
            .arg("-o")
            .arg(&optimized),
    )
    .and_then(|()| {
        std::fs::rename(&optimized, wasm)
            .with_context(|| format!("replacing {} with the optimized module", wasm.display()))
    });
    if result.is_err() {
        // A half-written output must not be shipped in client/dist.
        let _ = std::fs::remove_file(&optimized);
    }
    result.context("running binaryen's wasm-opt (npm package `binaryen`) with Node")
}

/// `node` from PATH (npm, which installed the package, needs it too).
fn node() -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("PATH").context("PATH is not set")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("node"))
        .find(|candidate| candidate.is_file())
        .context(
            "`node` was not found: install Node.js 20 or later (Debian: `apt-get install nodejs`)",
        )
}

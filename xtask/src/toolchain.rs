//! The tools a client build needs beyond cargo: the wasm32 target (required) and `wasm-opt`
//! (optional). Each check says what to install when something is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

use crate::command;

/// The Rust target the client is compiled for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Makes sure the pinned toolchain can build for [`WASM_TARGET`], adding it with rustup if needed.
pub fn ensure_wasm_target(root: &Path) -> anyhow::Result<()> {
    // Run from the workspace root so that rustup picks the toolchain in rust-toolchain.toml.
    let installed = match Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root)
        .output()
    {
        Ok(output) if output.status.success() => output.stdout,
        Ok(output) => anyhow::bail!(
            "`rustup target list --installed` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return check_target_without_rustup(root);
        }
        Err(error) => return Err(error).context("running `rustup`"),
    };
    if String::from_utf8_lossy(&installed)
        .lines()
        .any(|line| line.trim() == WASM_TARGET)
    {
        return Ok(());
    }
    eprintln!("xtask: the {WASM_TARGET} target is not installed; adding it");
    command::run(
        Command::new("rustup")
            .args(["target", "add", WASM_TARGET])
            .current_dir(root),
    )
}

/// Without rustup (e.g. a distribution's Rust) we cannot add the target, only look for it.
fn check_target_without_rustup(root: &Path) -> anyhow::Result<()> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    match sysroot {
        Some(sysroot) if sysroot.join("lib/rustlib").join(WASM_TARGET).is_dir() => Ok(()),
        _ => anyhow::bail!(
            "`rustup` was not found, and this Rust has no {WASM_TARGET} standard library.\n\
             Install Rust with rustup (https://rustup.rs); rust-toolchain.toml then provides \
             the pinned compiler and the {WASM_TARGET} target."
        ),
    }
}

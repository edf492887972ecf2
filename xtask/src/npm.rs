//! `npm ci` when it is needed, for the two folders that install packages from a committed
//! lockfile: `client/` (GOV.UK Frontend's styles) and `tests/js/` (the stock automerge-repo
//! client the end-to-end tests drive). Both README commands call this, so a fresh clone needs
//! no manual `npm ci`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::Context as _;

use crate::command;

/// Whether npm may run the packages' install scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scripts {
    /// `--ignore-scripts`: for packages that ship only files (govuk-frontend).
    Ignore,
    /// Scripts run: `cbor-extract` (under automerge-repo) picks its native build in one.
    Run,
}

/// Runs `npm ci` in `dir` unless `node_modules` is at least as new as the lockfile; `what`
/// names the packages in errors.
pub fn ensure_installed(dir: &Path, scripts: Scripts, what: &str) -> anyhow::Result<()> {
    let lockfile = dir.join("package-lock.json");
    let lock_changed = [dir.join("package.json"), lockfile.clone()]
        .iter()
        .filter_map(|path| modified(path))
        .max()
        .with_context(|| format!("{} is missing", lockfile.display()))?;
    // npm writes this "hidden lockfile" last, once an install has completed.
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    if !needs_install(lock_changed, installed) {
        return Ok(());
    }
    let npm = find_npm(what)?;
    let mut ci = Command::new(npm);
    ci.args(["ci", "--no-audit", "--no-fund"]);
    if scripts == Scripts::Ignore {
        ci.arg("--ignore-scripts");
    }
    command::run(ci.current_dir(dir))
        .with_context(|| format!("installing npm packages in {} ({what})", dir.display()))
}

/// Whether `npm ci` must run: nothing installed yet, or the package files changed since.
fn needs_install(lock_changed: SystemTime, installed: Option<SystemTime>) -> bool {
    installed.is_none_or(|installed| installed < lock_changed)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `npm` from PATH, checked to run, or an error that says what to install.
fn find_npm(what: &str) -> anyhow::Result<PathBuf> {
    let missing = || {
        anyhow::anyhow!(
            "`npm` was not found or does not run, and {what} is installed with npm: install \
             Node.js 20 or later with npm (Debian: `apt-get install nodejs npm`), then run this \
             again."
        )
    };
    let path = std::env::var_os("PATH").ok_or_else(missing)?;
    let npm = std::env::split_paths(&path)
        .map(|dir| dir.join("npm"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(missing)?;
    // npm is a node script: a present npm with no node fails here rather than mid-build.
    match Command::new(&npm).arg("--version").output() {
        Ok(output) if output.status.success() => Ok(npm),
        _ => Err(missing()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn npm_ci_runs_when_nothing_is_installed_or_the_lockfile_is_newer() {
        let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let later = then + Duration::from_secs(1);
        assert!(needs_install(then, None));
        assert!(needs_install(later, Some(then)));
        assert!(!needs_install(then, Some(later)));
        assert!(!needs_install(then, Some(then)));
    }
}

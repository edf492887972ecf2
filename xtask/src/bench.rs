//! `cargo xtask bench`: build the server and the bench in release, then run the sync benchmark
//! against a real server process. It prints figures; it asserts nothing about speed.

use std::process::Command;

use crate::command;
use crate::workspace::{Workspace, cargo};

/// Builds `hearth-e2e`'s binaries (the server and `hearth-bench`) in release and runs the bench
/// with `args` (`--clients N --docs M --changes K`, `--quick`).
pub fn bench(workspace: &Workspace, args: &[String]) -> anyhow::Result<()> {
    command::run(
        Command::new(cargo())
            .args(["build", "--release", "-p", "hearth-e2e", "--bins"])
            .current_dir(&workspace.root),
    )?;
    command::run(
        Command::new(workspace.target_dir.join("release").join("hearth-bench"))
            .args(args)
            .current_dir(&workspace.root),
    )
}

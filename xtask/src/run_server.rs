//! `cargo xtask run`: build the client, then serve it with the real server.

use std::process::Command;

use crate::client_build::{self, Profile};
use crate::command;
use crate::workspace::{Workspace, cargo};

/// Builds the client with `profile`, then runs `hearth serve --client-dir <dist> <server_args>`
/// (the server itself always in release, as deployed).
pub fn run(workspace: &Workspace, profile: Profile, server_args: &[String]) -> anyhow::Result<()> {
    let built = client_build::build(workspace, profile)?;
    command::run(
        Command::new(cargo())
            .args([
                "run",
                "--release",
                "-p",
                "hearth-server",
                "--bin",
                "hearth",
                "--",
            ])
            .arg("serve")
            .arg("--client-dir")
            .arg(&built.dist)
            .args(server_args)
            .current_dir(&workspace.root),
    )
}

//! `cargo xtask run`: build the client, then serve it with the real server.

use std::process::Command;

use crate::client_build::{self, Profile};
use crate::command;
use crate::workspace::{Workspace, cargo};

/// Which data the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    /// `hearth serve`: the real data folder (`./data` unless configured).
    Real,
    /// `hearth demo`: a separate folder (`./data-demo`) filled with synthetic data.
    Demo,
}

/// Builds the client with `profile`, then runs `hearth serve --client-dir <dist> <server_args>`
/// (or `hearth demo ...`; the server itself always in release, as deployed).
pub fn run(
    workspace: &Workspace,
    profile: Profile,
    data: Data,
    server_args: &[String],
) -> anyhow::Result<()> {
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
            .arg(match data {
                Data::Real => "serve",
                Data::Demo => "demo",
            })
            .arg("--client-dir")
            .arg(&built.dist)
            .args(server_args)
            .current_dir(&workspace.root),
    )
}

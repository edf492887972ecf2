//! Running child processes so that the user sees what runs and failures keep their exit code.

use std::fmt;
use std::process::Command;

use anyhow::Context as _;

/// A child process that ran and failed; `cargo xtask` exits with the same code.
#[derive(Debug)]
pub struct CommandFailed {
    what: String,
    code: Option<i32>,
}

impl CommandFailed {
    /// The code to exit with: the child's, or 1 if it was killed by a signal or the code does not
    /// fit an exit status.
    pub fn exit_code(&self) -> u8 {
        self.code
            .and_then(|code| u8::try_from(code).ok())
            .filter(|&code| code != 0)
            .unwrap_or(1)
    }
}

impl fmt::Display for CommandFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "`{}` failed with exit code {code}", self.what),
            None => write!(f, "`{}` was killed by a signal", self.what),
        }
    }
}

impl std::error::Error for CommandFailed {}

/// Prints `command`, runs it with inherited stdio and turns a non-zero exit into [`CommandFailed`].
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let what = describe(command);
    eprintln!("xtask: running {what}");
    let status = command
        .status()
        .with_context(|| format!("could not start `{what}`"))?;
    if status.success() {
        Ok(())
    } else {
        Err(CommandFailed {
            what,
            code: status.code(),
        }
        .into())
    }
}

/// The command line as a user could retype it (program name shortened to its file name).
fn describe(command: &Command) -> String {
    let program = std::path::Path::new(command.get_program())
        .file_name()
        .unwrap_or(command.get_program())
        .to_string_lossy()
        .into_owned();
    std::iter::once(program)
        .chain(
            command
                .get_args()
                .map(|arg| arg.to_string_lossy().into_owned()),
        )
        .collect::<Vec<_>>()
        .join(" ")
}

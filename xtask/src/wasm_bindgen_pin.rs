//! The JS glue generator must be exactly the wasm-bindgen version the client links: the two
//! share an unstable format embedded in the wasm. Both come from Cargo.lock, so check it there.

use std::path::Path;

use anyhow::Context as _;

/// The wasm-bindgen crate the client depends on.
const RUNTIME: &str = "wasm-bindgen";
/// The library xtask generates the glue with (pinned with `=` in xtask/Cargo.toml).
const GENERATOR: &str = "wasm-bindgen-cli-support";

/// Fails with instructions unless Cargo.lock has one `wasm-bindgen` version and it equals the
/// `wasm-bindgen-cli-support` version xtask was built with. Returns that version.
pub fn check(lockfile: &Path) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(lockfile)
        .with_context(|| format!("reading {}", lockfile.display()))?;
    check_lock(&lock).with_context(|| format!("checking {}", lockfile.display()))
}

fn check_lock(lock: &str) -> anyhow::Result<String> {
    let generator = match versions_of(lock, GENERATOR).as_slice() {
        [version] => version.to_string(),
        other => anyhow::bail!("expected one {GENERATOR} in Cargo.lock, found {other:?}"),
    };
    let runtime = versions_of(lock, RUNTIME);
    anyhow::ensure!(!runtime.is_empty(), "no {RUNTIME} package in Cargo.lock");
    if let Some(other) = runtime.iter().find(|&&version| version != generator) {
        anyhow::bail!(
            "Cargo.lock has {RUNTIME} {other}, but xtask generates the JS glue with \
             {GENERATOR} {generator}; they must be the same version.\n\
             Pin both to the same version: `wasm-bindgen = \"={other}\"` in client/Cargo.toml \
             and `{GENERATOR} = \"={other}\"` in xtask/Cargo.toml."
        );
    }
    Ok(generator)
}

/// Versions of every `[[package]]` called `name` in a Cargo.lock (version 3 or 4 format).
fn versions_of<'a>(lock: &'a str, name: &str) -> Vec<&'a str> {
    let wanted = format!("name = \"{name}\"");
    let mut versions = Vec::new();
    let mut lines = lock.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line == wanted {
            // Cargo always writes `version` on the line after `name`.
            if let Some(version) = lines
                .next()
                .and_then(|line| line.strip_prefix("version = \""))
                .and_then(|rest| rest.strip_suffix('"'))
            {
                versions.push(version);
            }
        }
    }
    versions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(runtime: &str, generator: &str) -> String {
        format!(
            "version = 4\n\n\
             [[package]]\nname = \"wasm-bindgen\"\nversion = \"{runtime}\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
             [[package]]\nname = \"wasm-bindgen-backend\"\nversion = \"9.9.9\"\n\n\
             [[package]]\nname = \"wasm-bindgen-cli-support\"\nversion = \"{generator}\"\n"
        )
    }

    #[test]
    fn matching_versions_pass() {
        assert_eq!(check_lock(&lock("0.2.130", "0.2.130")).unwrap(), "0.2.130");
    }

    #[test]
    fn a_bumped_wasm_bindgen_fails_with_the_fix() {
        let message = check_lock(&lock("0.2.131", "0.2.130"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("wasm-bindgen 0.2.131"), "{message}");
        assert!(
            message.contains("wasm-bindgen-cli-support = \"=0.2.131\""),
            "{message}"
        );
    }

    #[test]
    fn the_workspace_lockfile_is_consistent() {
        let lockfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        check(&lockfile).unwrap();
    }
}

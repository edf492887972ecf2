//! `cargo xtask build`: compile the client to wasm and lay out `client/dist/` for the server.
//!
//! The result is self-contained: `index.html` loads `boot.js`, which imports the wasm-bindgen glue
//! `hearth_client.js`, which fetches `hearth_client_bg.wasm`; GOV.UK Frontend's stylesheet and its
//! assets come from npm (see [`govuk_styles`]). `build.json` names the build and lists its files.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};

use crate::sizes::{self, Sizes};
use crate::toolchain::{self, WASM_TARGET};
use crate::workspace::{Workspace, cargo};
use crate::{command, govuk_styles, npm, wasm_bindgen_pin, wasm_opt};

/// The client crate's library name, which names the wasm and the glue files.
const CRATE_LIB: &str = "hearth_client";

/// Which cargo profile the client is compiled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// `wasm-release` (opt-level z, LTO, one codegen unit) plus binaryen's `wasm-opt` from npm:
    /// what users get.
    Release,
    /// `dev`: quick to compile, large and slow, with wasm-bindgen's debug assertions.
    Dev,
}

impl Profile {
    /// The name cargo's `--profile` takes.
    fn cargo_name(self) -> &'static str {
        match self {
            Profile::Release => "wasm-release",
            Profile::Dev => "dev",
        }
    }

    /// The directory under `target/<triple>/` where that profile's output lands.
    fn target_subdir(self) -> &'static str {
        match self {
            Profile::Release => "wasm-release",
            Profile::Dev => "debug",
        }
    }
}

/// Leaves the file, line and column of every possible panic out of the release wasm
/// (`-Zlocation-detail=none`), and `Debug` formatting (`-Zfmt-debug=none`).
///
/// Each `unwrap`, `expect`, index and arithmetic check carries a static `Location` (a path
/// string and two numbers) and the code to pass it; with `panic = "abort"` a panic ends the
/// page either way, and its message still says what failed, only not where. On 2026-11-30 this
/// cut the gzip'd module by 28.6 KB (1,250,033 → 1,221,451 bytes before wasm-bindgen, both
/// through `wasm-opt -O1`), the difference between over and under the 1 MiB budget.
///
/// `-Zfmt-debug=none` does the same for `Debug`: every `{:?}` in the client and its
/// dependencies formats as nothing, and the derived `Debug` code goes. Nothing the client shows
/// or stores is written with `Debug` (messages use `Display`; `Debug` is for tests, which are
/// built natively without these flags). On 2026-11-30 it cut the gzip'd module by 18.5 KB
/// (1,066,563 → 1,048,070 bytes after wasm-opt), which brought the release client, with the
/// record history, audit and erasure screens added that day, back under 1 MiB.
///
/// The flags are unstable: `RUSTC_BOOTSTRAP=1` lets the pinned stable toolchain take it (the
/// only toolchain the project may use; see `rust-toolchain.toml`). Set for this one cargo
/// invocation and only for the wasm target (`--target` keeps `RUSTFLAGS` off build scripts and
/// proc macros); the server and the tests are built without it. `CARGO_ENCODED_RUSTFLAGS`
/// replaces any `RUSTFLAGS` the caller set for this build, so what ships does not depend on
/// the shell it was built from.
fn without_panic_locations(compile: &mut Command) {
    compile
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("RUSTFLAGS")
        .env(
            "CARGO_ENCODED_RUSTFLAGS",
            "-Zlocation-detail=none\x1f-Zfmt-debug=none",
        );
}

/// What a build produced, for the tasks that run something on top of it.
#[derive(Debug)]
pub struct Built {
    /// Absolute path of `client/dist`.
    pub dist: PathBuf,
}

/// Builds the client with `profile` into a fresh `client/dist`.
pub fn build(workspace: &Workspace, profile: Profile) -> anyhow::Result<Built> {
    let started = Instant::now();
    let bindgen_version = wasm_bindgen_pin::check(&workspace.lockfile())?;
    toolchain::ensure_wasm_target(&workspace.root)?;

    let mut compile = Command::new(cargo());
    compile
        .args(["build", "-p", "hearth-client", "--target", WASM_TARGET])
        .args(["--profile", profile.cargo_name()])
        .current_dir(&workspace.root);
    if profile == Profile::Release {
        without_panic_locations(&mut compile);
    }
    command::run(&mut compile)?;
    let compiled = workspace
        .target_dir
        .join(WASM_TARGET)
        .join(profile.target_subdir())
        .join(format!("{CRATE_LIB}.wasm"));

    let dist = workspace.dist_dir();
    recreate_dir(&dist)?;
    generate_glue(&compiled, &dist, profile)
        .with_context(|| format!("generating the JS glue for {}", compiled.display()))?;

    let wasm = dist.join(format!("{CRATE_LIB}_bg.wasm"));
    let read_sizes = || -> anyhow::Result<Sizes> {
        Ok(sizes::measure(
            &std::fs::read(&wasm).context("reading the built wasm")?,
        ))
    };
    // The npm packages (GOV.UK Frontend's styles, binaryen's wasm-opt) before either is used.
    npm::ensure_installed(
        &workspace.client_dir(),
        npm::Scripts::Ignore,
        "govuk-frontend and binaryen",
    )?;
    let before_opt = read_sizes()?;
    let optimized = profile == Profile::Release;
    if optimized {
        wasm_opt::optimize(&workspace.client_dir(), &wasm)?;
    }

    copy_tree(&workspace.client_dir().join("static"), &dist)?;
    govuk_styles::install(&workspace.client_dir(), &dist)?;

    let wasm_sizes = read_sizes()?;
    let build_id = build_id(&dist)?;
    let files = shipped_files(&dist)?;
    write_build_json(
        &dist,
        &BuildInfo {
            build_id: &build_id,
            profile,
            wasm_opt: optimized,
            wasm: wasm_sizes,
            wasm_bindgen: &bindgen_version,
            files: &files,
        },
    )?;

    eprintln!(
        "xtask: built client {build_id} ({} profile{}) into {} in {:.1?}",
        profile.cargo_name(),
        if optimized { ", wasm-opt" } else { "" },
        dist.display(),
        started.elapsed()
    );
    if optimized {
        sizes::report(&format!("{CRATE_LIB}_bg.wasm before wasm-opt"), before_opt);
    }
    sizes::report(&format!("{CRATE_LIB}_bg.wasm"), wasm_sizes);
    Ok(Built { dist })
}

/// Runs wasm-bindgen in-process (the library the CLI is built on), emitting an ES module for
/// browsers loaded with `<script type="module">`.
fn generate_glue(wasm: &Path, out_dir: &Path, profile: Profile) -> anyhow::Result<()> {
    let release = profile == Profile::Release;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(wasm)
        .web(true)?
        .typescript(false)
        // The library defaults to omitting the wasm's URL from `init()` (the CLI does not);
        // keep it, so the glue is usable as the wasm-bindgen docs describe.
        .omit_default_module_path(false)
        .debug(!release)
        // wasm-opt drops these too; without it, this keeps release sizes comparable.
        .remove_name_section(release)
        .remove_producers_section(release)
        .generate(out_dir)
}

/// Empties `dir` (creating it if needed) so no file from an earlier build is served.
fn recreate_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error).with_context(|| format!("removing {}", dir.display())),
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

/// Copies the files under `from` (the client's hand-written `index.html`, `boot.js`, styles) into
/// `to`, keeping subdirectories.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    for (relative, source) in files_under(from)? {
        let target = to.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::copy(&source, &target)
            .with_context(|| format!("copying {} to {}", source.display(), target.display()))?;
    }
    Ok(())
}

/// Every file under `root` as (path relative to `root` with `/` separators, absolute path),
/// sorted so that hashing them is deterministic.
fn files_under(root: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .expect("read_dir yields paths under its directory")
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                files.push((relative, path));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A short hash of everything the browser will load (not just the wasm: a changed stylesheet or
/// boot.js must also get a new id, so that a service worker keyed on it refetches).
fn build_id(dist: &Path) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    for (relative, path) in files_under(dist)? {
        let contents =
            std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        // Length-prefix each field so that no two different trees hash the same input.
        for field in [relative.as_bytes(), &contents[..]] {
            hasher.update((field.len() as u64).to_le_bytes());
            hasher.update(field);
        }
    }
    let digest = hasher.finalize();
    Ok(digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

/// Every file in `dist` as a path relative to it (`/`-separated, sorted): what the service worker
/// precaches. Called before `build.json` is written, so it does not list itself; the service
/// worker fetches `build.json` to learn this list and the build id.
fn shipped_files(dist: &Path) -> anyhow::Result<Vec<String>> {
    Ok(files_under(dist)?
        .into_iter()
        .map(|(relative, _)| relative)
        .filter(|relative| relative != "build.json")
        .collect())
}

/// What `build.json` records about one build.
struct BuildInfo<'a> {
    build_id: &'a str,
    profile: Profile,
    wasm_opt: bool,
    wasm: Sizes,
    wasm_bindgen: &'a str,
    /// From [`shipped_files`].
    files: &'a [String],
}

/// The JSON text of `build.json`.
fn build_json(info: &BuildInfo) -> String {
    let json = serde_json::json!({
        "build_id": info.build_id,
        "profile": info.profile.cargo_name(),
        "wasm_opt": info.wasm_opt,
        "wasm_bindgen": info.wasm_bindgen,
        "wasm_bytes": info.wasm.raw,
        "wasm_gzip_bytes": info.wasm.gzip,
        "files": info.files,
    });
    serde_json::to_string_pretty(&json).expect("a json! value always serializes") + "\n"
}

/// Writes `build.json`, which the server and the service worker read to tell builds apart and
/// to know which files make up the app shell.
fn write_build_json(dist: &Path, info: &BuildInfo) -> anyhow::Result<()> {
    let path = dist.join("build.json");
    std::fs::write(&path, build_json(info)).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        recreate_dir(&dir).unwrap();
        dir
    }

    #[test]
    fn build_id_changes_when_any_shipped_file_changes() {
        let dist = scratch_dir("build-id");
        std::fs::write(dist.join("hearth_client_bg.wasm"), b"\0asm").unwrap();
        std::fs::write(dist.join("hearth.css"), "body {}").unwrap();
        let first = build_id(&dist).unwrap();
        assert_eq!(
            first,
            build_id(&dist).unwrap(),
            "the same files give the same id"
        );

        std::fs::write(dist.join("hearth.css"), "body { color: red }").unwrap();
        assert_ne!(first, build_id(&dist).unwrap());
        std::fs::remove_dir_all(dist).unwrap();
    }

    #[test]
    fn build_json_lists_every_shipped_file_for_the_service_worker() {
        let dist = scratch_dir("files");
        std::fs::create_dir_all(dist.join("assets/images")).unwrap();
        for file in ["index.html", "assets/images/govuk-crest.svg", "build.json"] {
            std::fs::write(dist.join(file), "x").unwrap();
        }
        let files = shipped_files(&dist).unwrap();
        assert_eq!(
            files,
            ["assets/images/govuk-crest.svg", "index.html"],
            "sorted, with subdirectories, without build.json itself"
        );

        let text = build_json(&BuildInfo {
            build_id: "0123456789abcdef",
            profile: Profile::Release,
            wasm_opt: false,
            wasm: Sizes { raw: 10, gzip: 5 },
            wasm_bindgen: "0.2.130",
            files: &files,
        });
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["build_id"], "0123456789abcdef");
        assert_eq!(
            json["files"],
            serde_json::json!(["assets/images/govuk-crest.svg", "index.html"])
        );
        std::fs::remove_dir_all(dist).unwrap();
    }

    #[test]
    fn static_files_are_copied_with_their_subdirectories() {
        let from = scratch_dir("copy-from");
        let to = scratch_dir("copy-to");
        std::fs::create_dir(from.join("fonts")).unwrap();
        std::fs::write(from.join("index.html"), "<!doctype html>").unwrap();
        std::fs::write(from.join("fonts/a.woff2"), "font").unwrap();
        copy_tree(&from, &to).unwrap();
        let copied: Vec<String> = files_under(&to)
            .unwrap()
            .into_iter()
            .map(|(rel, _)| rel)
            .collect();
        assert_eq!(copied, ["fonts/a.woff2", "index.html"]);
        std::fs::remove_dir_all(from).unwrap();
        std::fs::remove_dir_all(to).unwrap();
    }
}

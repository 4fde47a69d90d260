//! Builds the plugin twice so that building the harness is the only step a user takes: as a component
//! (`wasm32-wasip2`, the WIT contract) and as a core module for Fluent Bit's wasm filter
//! (`wasm32-wasip1`). The plugin gets its own target directory: the outer cargo holds the lock on ours.
//! Both are built with the workspace's `wasm-release` profile (no debug info, LTO): the Fluent Bit
//! module is loaded into someone else's process, which reads and prepares every byte of it. The plugin
//! is also an rlib (the host links it natively), and cargo silently skips LTO for a crate built as
//! cdylib and rlib at once (rust-lang/cargo#9672): `cargo rustc --crate-type cdylib` builds the wasm
//! artifacts as cdylib alone, so that the profile's `lto` applies.
//! `blindspot bench`'s baseline, a filter module that returns records unchanged
//! (`tests/fixtures/passthrough-filter`), is built the same way.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const COMPONENT_TARGET: &str = "wasm32-wasip2";
const FLUENT_BIT_TARGET: &str = "wasm32-wasip1";
const TARGETS: [&str; 2] = [COMPONENT_TARGET, FLUENT_BIT_TARGET];
/// The cargo profile of every wasm artifact (root Cargo.toml); also the directory cargo puts them in.
const PROFILE: &str = "wasm-release";
const PASSTHROUGH: &str = "host-harness/tests/fixtures/passthrough-filter";

fn main() {
    if env::var_os("CARGO_FEATURE_RUNTIME").is_none() {
        return;
    }
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .expect("host-harness lives inside the workspace")
        .to_path_buf();
    for path in [
        "plugin/src",
        "plugin/Cargo.toml",
        "Cargo.toml",
        PASSTHROUGH,
        "wit",
        "Cargo.lock",
        ".cargo/config.toml",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=BLINDSPOT_PLUGIN_TARGET_DIR");

    check_target_installed();

    let target_dir = env::var_os("BLINDSPOT_PLUGIN_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target").join("plugin-wasm"));
    for (target, var) in [
        (COMPONENT_TARGET, "BLINDSPOT_PLUGIN_WASM"),
        (FLUENT_BIT_TARGET, "BLINDSPOT_FLUENT_BIT_WASM"),
    ] {
        // `cargo rustc` takes crate types for one target at a time.
        let mut command = cargo(&workspace, &target_dir, "rustc");
        command
            .args(["--package", "blindspot-plugin", "--lib"])
            .args(["--crate-type", "cdylib", "--target", target]);
        run(command, &format!("the plugin for {target}"));
        export_path(&target_dir, target, "blindspot_plugin.wasm", var);
    }

    let mut command = cargo(&workspace, &target_dir, "build");
    command
        .arg("--manifest-path")
        .arg(workspace.join(PASSTHROUGH).join("Cargo.toml"))
        .args(["--target", FLUENT_BIT_TARGET]);
    run(command, "the passthrough filter module");
    export_path(
        &target_dir,
        FLUENT_BIT_TARGET,
        "blindspot_passthrough_filter.wasm",
        "BLINDSPOT_PASSTHROUGH_WASM",
    );
}

/// `cargo build` or `cargo rustc` of a wasm artifact. It runs in the workspace so that
/// `.cargo/config.toml` (the Fluent Bit module's `malloc`/`free` exports) applies.
fn cargo(workspace: &Path, target_dir: &Path, subcommand: &str) -> Command {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args([subcommand, "--profile", PROFILE, "--locked"])
        .arg("--target-dir")
        .arg(target_dir);
    // The outer build's flags and wrappers (clippy-driver, coverage, host RUSTFLAGS) are for the host
    // target; the plugin is built plainly.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        command.env_remove(var);
    }
    command
}

fn run(mut command: Command, what: &str) {
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo to build {what}: {e}"));
    if !status.success() {
        panic!("building {what} failed (see the cargo output above)");
    }
}

fn export_path(target_dir: &Path, target: &str, file: &str, var: &str) {
    let wasm = target_dir.join(target).join(PROFILE).join(file);
    assert!(
        wasm.exists(),
        "the wasm build produced no {}",
        wasm.display()
    );
    println!("cargo:rustc-env={var}={}", wasm.display());
}

/// Fail early and clearly when a target's standard library is missing.
fn check_target_installed() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let Some(sysroot) = sysroot else { return };
    let missing: Vec<&str> = TARGETS
        .into_iter()
        .filter(|t| !Path::new(&sysroot).join("lib/rustlib").join(t).exists())
        .collect();
    if !missing.is_empty() {
        panic!(
            "\n\nThe Rust target(s) {missing:?} are not installed; the plugin cannot be built.\n\
             Install them with:\n\n    rustup target add {}\n\n",
            missing.join(" ")
        );
    }
}

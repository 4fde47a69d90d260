//! Builds the plugin for `wasm32-wasip2` so that building the harness is the only step a user takes.
//! The plugin gets its own target directory: the outer cargo holds the lock on ours.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .expect("host-harness lives inside the workspace")
        .to_path_buf();
    for path in ["plugin/src", "plugin/Cargo.toml", "wit", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", workspace.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=BLINDSPOT_PLUGIN_TARGET_DIR");

    check_target_installed();

    let target_dir = env::var_os("BLINDSPOT_PLUGIN_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target").join("plugin-wasm"));
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&workspace)
        .args([
            "build",
            "--package",
            "blindspot-plugin",
            "--lib",
            "--release",
            "--locked",
        ])
        .args(["--target", TARGET])
        .arg("--target-dir")
        .arg(&target_dir);
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
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo to build the plugin: {e}"));
    if !status.success() {
        panic!("building the plugin for {TARGET} failed (see the cargo output above)");
    }
    let wasm = target_dir
        .join(TARGET)
        .join("release")
        .join("blindspot_plugin.wasm");
    assert!(wasm.exists(), "plugin build produced no {}", wasm.display());
    println!("cargo:rustc-env=BLINDSPOT_PLUGIN_WASM={}", wasm.display());
}

/// Fail early and clearly when the target's standard library is missing.
fn check_target_installed() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if let Some(sysroot) = sysroot
        && !Path::new(&sysroot)
            .join("lib/rustlib")
            .join(TARGET)
            .exists()
    {
        panic!(
            "\n\nThe Rust target {TARGET} is not installed; the plugin cannot be built.\n\
             Install it with:\n\n    rustup target add {TARGET}\n\n"
        );
    }
}

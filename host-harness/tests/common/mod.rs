//! Shared by the integration tests: one compiled plugin per test binary, and paths into the repo.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use blindspot_host::wasm_host::LoadedPlugin;

pub fn plugin() -> &'static LoadedPlugin {
    static PLUGIN: OnceLock<LoadedPlugin> = OnceLock::new();
    PLUGIN.get_or_init(|| {
        LoadedPlugin::bundled(blindspot_host::wasm_host::default_cache_dir().as_deref())
            .expect("the bundled plugin compiles")
    })
}

pub fn testdata(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(relative)
}

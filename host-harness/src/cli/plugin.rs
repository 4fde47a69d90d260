//! The flags every subcommand that runs the engine shares, and the detectors they describe.

use std::path::PathBuf;

use anyhow::{Context, Result};
use blindspot_host::replay::DetectorFactory;
use blindspot_host::runtime::detector::{Detector, NativeDetector};
use blindspot_host::runtime::limits::{self, Limits};
use blindspot_host::runtime::sigma_files;
use blindspot_host::runtime::wasm_host::{self, LoadedPlugin};
use clap::ValueEnum;

use crate::exit::usage;

#[derive(Clone, Copy, ValueEnum)]
pub enum EngineKind {
    /// The plugin component inside wasmtime (what pipelines run).
    Wasm,
    /// The same engine linked natively (for comparison and debugging).
    Native,
}

#[derive(clap::Args)]
pub struct PluginArgs {
    /// Configuration document (JSON) handed to the plugin's `configure`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Sigma rule files, or directories whose `*.yml` / `*.yaml` files are read (not recursively);
    /// added to the configuration's `sigma.rules` with their paths as origins.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub sigma: Vec<PathBuf>,
    /// Which build of the engine runs.
    #[arg(long, value_enum, default_value = "wasm")]
    pub engine: EngineKind,
    /// A plugin component to load instead of the one built with this binary.
    #[arg(long, value_name = "WASM")]
    pub plugin: Option<PathBuf>,
    /// Do not cache the compiled component on disk.
    #[arg(long)]
    pub no_cache: bool,
    /// Linear memory one plugin instance may use, in MiB; an event that needs more becomes an error row.
    #[arg(long, value_name = "MIB", default_value_t = limits::DEFAULT_MEMORY_MB,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub plugin_memory_mb: u64,
    /// Time one plugin call (a batch) may take, in ms; 0 for none. A batch that overruns is retried
    /// event by event and the event that overruns alone becomes an error row.
    #[arg(long, value_name = "MS", default_value_t = limits::DEFAULT_DEADLINE_MS)]
    pub batch_deadline_ms: u64,
}

impl PluginArgs {
    /// The configuration document for the plugin: JSON as written, or TOML converted to the same JSON,
    /// with the `--sigma` rule files added.
    pub fn read_config(&self) -> Result<Option<String>> {
        let config = self.read_config_file()?;
        if self.sigma.is_empty() {
            return Ok(config);
        }
        let files = sigma_files::read(&self.sigma).map_err(|e| usage(format!("{e:#}")))?;
        let merged = sigma_files::add_to_config(config.as_deref(), files)
            .map_err(|e| usage(format!("{e:#}")))?;
        Ok(Some(merged))
    }

    fn read_config_file(&self) -> Result<Option<String>> {
        let Some(path) = &self.config else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| usage(format!("cannot read configuration {}: {e}", path.display())))?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            let value: serde_json::Value = toml::from_str(&text).map_err(|e| {
                usage(format!(
                    "configuration {} is not valid TOML: {e}",
                    path.display()
                ))
            })?;
            return Ok(Some(value.to_string()));
        }
        Ok(Some(text))
    }

    /// The plugin's bytes as they identify it (`native` for the linked engine).
    pub fn plugin_identity(&self) -> Result<Vec<u8>> {
        Ok(match (self.engine, &self.plugin) {
            (EngineKind::Native, _) => b"native".to_vec(),
            (EngineKind::Wasm, Some(path)) => std::fs::read(path)
                .with_context(|| format!("reading plugin component {}", path.display()))?,
            (EngineKind::Wasm, None) => wasm_host::BUNDLED_PLUGIN.to_vec(),
        })
    }

    /// Makes configured detectors: the plugin is compiled once, each call instantiates it (one per job).
    pub fn detector_factory(&self) -> Result<Box<DetectorFactory>> {
        let config = self.read_config()?;
        let plugin = match self.engine {
            EngineKind::Native => None,
            EngineKind::Wasm => {
                let cache = match self.no_cache {
                    true => None,
                    false => wasm_host::default_cache_dir(),
                };
                let limits = Limits::from_cli(self.plugin_memory_mb, self.batch_deadline_ms);
                Some(match &self.plugin {
                    Some(path) => LoadedPlugin::from_file_with(path, cache.as_deref(), limits)?,
                    None => LoadedPlugin::bundled_with(cache.as_deref(), limits)?,
                })
            }
        };
        Ok(Box::new(move || {
            let mut detector: Box<dyn Detector + Send> = match &plugin {
                None => Box::new(NativeDetector::default()),
                Some(plugin) => Box::new(plugin.instantiate()?),
            };
            if let Some(config) = &config {
                detector
                    .configure(config)
                    .context("configuring the plugin")??;
            }
            Ok(detector)
        }))
    }

    /// One configured detector.
    pub fn detector(&self) -> Result<Box<dyn Detector + Send>> {
        self.detector_factory()?()
    }
}

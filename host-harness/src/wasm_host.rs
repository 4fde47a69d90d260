//! The plugin component inside wasmtime. The component is compiled once per plugin build and cached on
//! disk; each run instantiates it with a WASI context that grants nothing: no preopened directories, no
//! network, no environment, no arguments, stdio connected to nothing.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use blindspot_plugin::model::{self, EnrichedEvent, EventOutcome};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::detector::{ConfigRejected, Detector, Input, RuleEntry};

mod bindings {
    wasmtime::component::bindgen!({
        world: "detector",
        path: "../wit",
    });
}

use bindings::blindspot::detect::types as wit;

/// The plugin built alongside this harness (see build.rs).
pub const BUNDLED_PLUGIN: &[u8] = include_bytes!(env!("BLINDSPOT_PLUGIN_WASM"));

struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A compiled plugin, ready to instantiate.
pub struct LoadedPlugin {
    engine: Engine,
    component: Component,
    linker: Linker<HostState>,
}

/// Where compiled plugins are cached; `None` disables the cache.
pub fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("BLINDSPOT_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("blindspot")))
        .or_else(|| std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".cache/blindspot")))
}

impl LoadedPlugin {
    /// Compile (or load from the cache) a plugin component.
    pub fn load(wasm: &[u8], cache_dir: Option<&Path>) -> Result<LoadedPlugin> {
        let mut config = Config::new();
        config.cranelift_opt_level(wasmtime::OptLevel::Speed);
        let engine = Engine::new(&config)?;
        let component = compile_cached(&engine, wasm, cache_dir)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        Ok(LoadedPlugin {
            engine,
            component,
            linker,
        })
    }

    pub fn bundled(cache_dir: Option<&Path>) -> Result<LoadedPlugin> {
        LoadedPlugin::load(BUNDLED_PLUGIN, cache_dir)
    }

    pub fn from_file(path: &Path, cache_dir: Option<&Path>) -> Result<LoadedPlugin> {
        let wasm = std::fs::read(path)
            .with_context(|| format!("reading plugin component {}", path.display()))?;
        LoadedPlugin::load(&wasm, cache_dir)
    }

    /// The component's imports, as `name` strings (e.g. `wasi:cli/stderr@0.2.6`).
    pub fn imports(&self) -> Vec<String> {
        self.component
            .component_type()
            .imports(&self.engine)
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    pub fn instantiate(&self) -> Result<WasmDetector> {
        // Nothing is inherited: the plugin cannot read files, open sockets or see the environment.
        let wasi = WasiCtx::builder()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let mut store = Store::new(
            &self.engine,
            HostState {
                wasi,
                table: ResourceTable::new(),
            },
        );
        let bindings = bindings::Detector::instantiate(&mut store, &self.component, &self.linker)
            .map_err(anyhow::Error::from)
            .context("instantiating the plugin component")?;
        Ok(WasmDetector { store, bindings })
    }
}

fn compile_cached(engine: &Engine, wasm: &[u8], cache_dir: Option<&Path>) -> Result<Component> {
    let Some(dir) = cache_dir else {
        return compile(engine, wasm);
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    wasm.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    let path = dir.join(format!("plugin-{:016x}.cwasm", hasher.finish()));
    if path.exists() {
        // SAFETY: the file was written by `Component::serialize` below for this exact engine
        // configuration and plugin bytes (both are in the file name's hash), in a directory owned by
        // the user running the harness.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(component);
        }
    }
    let component = compile(engine, wasm)?;
    // A cache that cannot be written only costs time on the next run.
    if let Ok(bytes) = component.serialize()
        && std::fs::create_dir_all(dir).is_ok()
    {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, bytes).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
    Ok(component)
}

fn compile(engine: &Engine, wasm: &[u8]) -> Result<Component> {
    Component::new(engine, wasm)
        .map_err(anyhow::Error::from)
        .context("compiling the plugin component")
}

/// One live plugin instance.
pub struct WasmDetector {
    store: Store<HostState>,
    bindings: bindings::Detector,
}

impl Detector for WasmDetector {
    fn configure(&mut self, config: &str) -> Result<std::result::Result<(), ConfigRejected>> {
        let result = self.bindings.call_configure(&mut self.store, config)?;
        Ok(result.map_err(|e| ConfigRejected {
            path: e.path,
            message: e.message,
        }))
    }

    fn process(&mut self, batch: Vec<Input>) -> Result<Vec<EventOutcome>> {
        let batch: Vec<wit::RawEvent> = batch
            .into_iter()
            .map(|input| wit::RawEvent {
                data: input.data,
                source_hint: input.source_hint.map(source_to_wit),
                tag: input.tag,
            })
            .collect();
        let outcomes = self.bindings.call_process(&mut self.store, &batch)?;
        Ok(outcomes
            .into_iter()
            .map(|outcome| match outcome {
                wit::EventOutcome::Events(events) => {
                    Ok(events.into_iter().map(event_from_wit).collect())
                }
                wit::EventOutcome::Error(e) => Err(model::ParseError::new(
                    match e.kind {
                        wit::ParseErrorKind::InvalidUtf8 => model::ParseErrorKind::InvalidUtf8,
                        wit::ParseErrorKind::InvalidJson => model::ParseErrorKind::InvalidJson,
                        wit::ParseErrorKind::UnsupportedShape => {
                            model::ParseErrorKind::UnsupportedShape
                        }
                        wit::ParseErrorKind::TooLarge => model::ParseErrorKind::TooLarge,
                    },
                    e.message,
                )),
            })
            .collect())
    }

    fn drain(&mut self) -> Result<Vec<EnrichedEvent>> {
        Ok(self
            .bindings
            .call_drain(&mut self.store)?
            .into_iter()
            .map(event_from_wit)
            .collect())
    }

    fn flush(&mut self) -> Result<Vec<EnrichedEvent>> {
        Ok(self
            .bindings
            .call_flush(&mut self.store)?
            .into_iter()
            .map(event_from_wit)
            .collect())
    }

    fn rules(&mut self) -> Result<Vec<RuleEntry>> {
        Ok(self
            .bindings
            .call_rules(&mut self.store)?
            .into_iter()
            .map(|r| RuleEntry {
                id: r.id,
                title: r.title,
                description: r.description,
                technique_id: r.technique_id,
                technique_name: r.technique_name,
                tactic: r.tactic,
                default_severity: severity_from_wit(r.default_severity),
                sources: r.sources.into_iter().map(source_from_wit).collect(),
                enabled: r.enabled,
            })
            .collect())
    }
}

fn source_to_wit(source: model::SourceKind) -> wit::SourceKind {
    match source {
        model::SourceKind::AwsCloudtrail => wit::SourceKind::AwsCloudtrail,
        model::SourceKind::AzureActivity => wit::SourceKind::AzureActivity,
        model::SourceKind::GcpAudit => wit::SourceKind::GcpAudit,
        model::SourceKind::K8sAudit => wit::SourceKind::K8sAudit,
        model::SourceKind::Docker => wit::SourceKind::Docker,
        model::SourceKind::FlowLog => wit::SourceKind::FlowLog,
        model::SourceKind::Unknown => wit::SourceKind::Unknown,
    }
}

fn source_from_wit(source: wit::SourceKind) -> model::SourceKind {
    match source {
        wit::SourceKind::AwsCloudtrail => model::SourceKind::AwsCloudtrail,
        wit::SourceKind::AzureActivity => model::SourceKind::AzureActivity,
        wit::SourceKind::GcpAudit => model::SourceKind::GcpAudit,
        wit::SourceKind::K8sAudit => model::SourceKind::K8sAudit,
        wit::SourceKind::Docker => model::SourceKind::Docker,
        wit::SourceKind::FlowLog => model::SourceKind::FlowLog,
        wit::SourceKind::Unknown => model::SourceKind::Unknown,
    }
}

fn severity_from_wit(severity: wit::Severity) -> model::Severity {
    match severity {
        wit::Severity::Info => model::Severity::Info,
        wit::Severity::Low => model::Severity::Low,
        wit::Severity::Medium => model::Severity::Medium,
        wit::Severity::High => model::Severity::High,
        wit::Severity::Critical => model::Severity::Critical,
    }
}

fn event_from_wit(event: wit::EnrichedEvent) -> EnrichedEvent {
    let f = event.fields;
    EnrichedEvent {
        source: source_from_wit(event.source),
        envelope_index: event.envelope_index,
        raw: event.raw,
        fields: model::Normalized {
            event_time: f.event_time,
            event_id: f.event_id,
            provider: f.provider,
            account: f.account,
            region: f.region,
            principal: f.principal,
            principal_type: f.principal_type,
            source_ip: f.source_ip,
            user_agent: f.user_agent,
            action: f.action,
            target: f.target,
            outcome: match f.outcome {
                wit::Outcome::Success => model::Outcome::Success,
                wit::Outcome::Failure => model::Outcome::Failure,
                wit::Outcome::InProgress => model::Outcome::InProgress,
                wit::Outcome::Unknown => model::Outcome::Unknown,
            },
        },
        findings: event
            .findings
            .into_iter()
            .map(|x| model::Finding {
                rule_id: x.rule_id,
                title: x.title,
                technique_id: x.technique_id,
                technique_name: x.technique_name,
                tactic: x.tactic,
                severity: severity_from_wit(x.severity),
                confidence: x.confidence,
                reasons: x.reasons,
                suppression: x.suppression,
                response: x.response,
                related_events: x.related_events,
            })
            .collect(),
    }
}

//! The plugin component inside wasmtime. The component is compiled once per plugin build and engine
//! configuration and kept in wasmtime's own compilation cache on disk; each run instantiates it with a WASI context that grants nothing: no preopened directories, no
//! network, no environment, no arguments, stdio connected to nothing.
//!
//! Every instance runs under [`Limits`]: a memory cap (a store limiter) and a deadline per call (epoch
//! interruption; no fuel, whose per-instruction cost we would pay on every event). A call that traps,
//! overruns its deadline or hits the memory cap leaves the instance unusable: the detector makes a fresh
//! one (re-applying the last configuration), retries the batch one input at a time so that only the
//! inputs that fail again become error rows, and carries on. Correlation state of the lost instance is
//! gone; the restart is counted in [`Incidents`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use blindspot_plugin::model::{self, EnrichedEvent, EventOutcome};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::detector::{
    ConfigRejected, Detector, Incidents, Input, POISONOUS_EVENT, RuleEntry, SkippedRule,
};
use super::limits::{EpochTicker, Limits, MemoryGuard};

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
    memory: MemoryGuard,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A compiled plugin, ready to instantiate. Cheap to share between threads: each instance gets its own
/// store, the compiled code is shared.
pub struct LoadedPlugin {
    engine: Engine,
    component: Component,
    pre: bindings::DetectorPre<HostState>,
    /// Present when the compiled code checks epochs (a deadline was asked for at load time).
    ticker: Option<Arc<EpochTicker>>,
    limits: Limits,
}

/// Where compiled plugins are cached: `$BLINDSPOT_CACHE_DIR`, else `$XDG_CACHE_HOME/blindspot`, else
/// `~/.cache/blindspot`; `None` when none of them is set.
pub fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("BLINDSPOT_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("blindspot")))
        .or_else(|| std::env::var_os("HOME").map(|d| PathBuf::from(d).join(".cache/blindspot")))
}

impl LoadedPlugin {
    /// Compile (or load from the cache) a plugin component, with the default limits.
    pub fn load(wasm: &[u8], cache_dir: Option<&Path>) -> Result<LoadedPlugin> {
        LoadedPlugin::load_with(wasm, cache_dir, Limits::default())
    }

    /// Compile (or load from the cache) a plugin component whose instances run under `limits`.
    pub fn load_with(
        wasm: &[u8],
        cache_dir: Option<&Path>,
        limits: Limits,
    ) -> Result<LoadedPlugin> {
        let mut config = Config::new();
        config.cranelift_opt_level(wasmtime::OptLevel::Speed);
        // Epoch checks (a load and a compare at function entries and loop headers) are compiled into
        // the code and part of the cache key; without a deadline they are left out altogether.
        let epochs = limits.call_deadline.is_some();
        config.epoch_interruption(epochs);
        // wasmtime keys its cache on the plugin's bytes, the engine's settings (epochs included) and
        // its own version. A cache that cannot be opened only costs the compilation. (Every load hashes
        // the plugin with SHA-256, hence the sha2 opt-level override in the workspace Cargo.toml.)
        config.cache(cache_dir.and_then(|dir| compilation_cache(dir).ok()));
        let engine = Engine::new(&config)?;
        let component = Component::new(&engine, wasm)
            .map_err(anyhow::Error::from)
            .context("compiling the plugin component")?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .context("linking the plugin component")?;
        let pre = bindings::DetectorPre::new(pre)
            .map_err(anyhow::Error::from)
            .context("the component does not export the blindspot detector world")?;
        let ticker = match epochs {
            true => Some(Arc::new(
                EpochTicker::start(&engine).context("starting the epoch ticker")?,
            )),
            false => None,
        };
        Ok(LoadedPlugin {
            engine,
            component,
            pre,
            ticker,
            limits,
        })
    }

    pub fn bundled(cache_dir: Option<&Path>) -> Result<LoadedPlugin> {
        LoadedPlugin::load(BUNDLED_PLUGIN, cache_dir)
    }

    pub fn bundled_with(cache_dir: Option<&Path>, limits: Limits) -> Result<LoadedPlugin> {
        LoadedPlugin::load_with(BUNDLED_PLUGIN, cache_dir, limits)
    }

    pub fn from_file(path: &Path, cache_dir: Option<&Path>) -> Result<LoadedPlugin> {
        LoadedPlugin::from_file_with(path, cache_dir, Limits::default())
    }

    pub fn from_file_with(
        path: &Path,
        cache_dir: Option<&Path>,
        limits: Limits,
    ) -> Result<LoadedPlugin> {
        let wasm = std::fs::read(path)
            .with_context(|| format!("reading plugin component {}", path.display()))?;
        LoadedPlugin::load_with(&wasm, cache_dir, limits)
    }

    /// The limits every instance made by [`instantiate`](Self::instantiate) runs under. A deadline
    /// needs a plugin loaded with one (its code checks epochs); other limits can change freely.
    pub fn with_limits(mut self, limits: Limits) -> LoadedPlugin {
        self.limits = limits;
        self
    }

    pub fn limits(&self) -> Limits {
        self.limits
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
        self.instantiate_with(self.limits)
    }

    pub fn instantiate_with(&self, limits: Limits) -> Result<WasmDetector> {
        if limits.call_deadline.is_some() && self.ticker.is_none() {
            bail!(
                "a call deadline needs a plugin loaded with one (its code was compiled without epoch checks)"
            );
        }
        let live = new_instance(&self.engine, &self.pre, limits)?;
        Ok(WasmDetector {
            engine: self.engine.clone(),
            pre: self.pre.clone(),
            _ticker: self.ticker.clone(),
            limits,
            live,
            config: None,
            incidents: Incidents::default(),
        })
    }
}

fn new_instance(
    engine: &Engine,
    pre: &bindings::DetectorPre<HostState>,
    limits: Limits,
) -> Result<Instance> {
    // Nothing is inherited: the plugin cannot read files, open sockets or see the environment. (Clocks
    // and randomness are not even imported by the component; a test pins its import list.)
    let wasi = WasiCtx::builder()
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build();
    let mut store = Store::new(
        engine,
        HostState {
            wasi,
            table: ResourceTable::new(),
            memory: MemoryGuard::new(limits.memory_bytes),
        },
    );
    store.limiter(|state| &mut state.memory);
    if limits.call_deadline.is_some() {
        store.epoch_deadline_trap();
        store.set_epoch_deadline(limits.deadline_ticks());
    }
    let bindings = pre
        .instantiate(&mut store)
        .map_err(anyhow::Error::from)
        .context("instantiating the plugin component")?;
    Ok(Instance { store, bindings })
}

/// wasmtime's compilation cache in `dir` (made absolute, as wasmtime requires).
fn compilation_cache(dir: &Path) -> Result<wasmtime::Cache> {
    let mut config = wasmtime::CacheConfig::new();
    config.with_directory(std::path::absolute(dir)?);
    Ok(wasmtime::Cache::new(config)?)
}

struct Instance {
    store: Store<HostState>,
    bindings: bindings::Detector,
}

/// Why a call into the plugin failed. Any of them poisons the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FailureKind {
    Trap,
    Timeout,
    MemoryLimit,
}

#[derive(Debug)]
struct Failure {
    kind: FailureKind,
    message: String,
}

/// One live plugin instance, replaced by a fresh one whenever a call fails.
pub struct WasmDetector {
    engine: Engine,
    pre: bindings::DetectorPre<HostState>,
    /// Keeps the epoch advancing while this detector lives, even if its `LoadedPlugin` is dropped.
    _ticker: Option<Arc<EpochTicker>>,
    limits: Limits,
    live: Instance,
    /// The last configuration the plugin accepted, re-applied to every fresh instance.
    config: Option<String>,
    incidents: Incidents,
}

impl WasmDetector {
    /// Run one export under the limits. On failure the instance is replaced before returning.
    fn call<R>(
        &mut self,
        f: impl FnOnce(&bindings::Detector, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<std::result::Result<R, Failure>> {
        let Instance { store, bindings } = &mut self.live;
        if self.limits.call_deadline.is_some() {
            store.set_epoch_deadline(self.limits.deadline_ticks());
        }
        store.data_mut().memory.hit = false;
        let error = match f(bindings, store) {
            Ok(value) => return Ok(Ok(value)),
            Err(error) => error,
        };
        let failure = if store.data().memory.hit {
            self.incidents.memory_limit_hits += 1;
            Failure {
                kind: FailureKind::MemoryLimit,
                message: error.root_cause().to_string(),
            }
        } else if error.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt) {
            self.incidents.timeouts += 1;
            Failure {
                kind: FailureKind::Timeout,
                message: format!(
                    "plugin call exceeded its deadline of {} ms",
                    self.limits.call_deadline.map_or(0, |d| d.as_millis())
                ),
            }
        } else {
            self.incidents.traps += 1;
            Failure {
                kind: FailureKind::Trap,
                message: format!("plugin trapped: {}", error.root_cause()),
            }
        };
        self.restart()?;
        Ok(Err(failure))
    }

    fn restart(&mut self) -> Result<()> {
        self.incidents.restarts += 1;
        self.live = new_instance(&self.engine, &self.pre, self.limits)
            .context("restarting the plugin after a failure")?;
        if let Some(config) = self.config.clone() {
            let Instance { store, bindings } = &mut self.live;
            match bindings.call_configure(&mut *store, &config) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => bail!(
                    "a fresh plugin instance rejected the configuration it accepted before: {}",
                    e.message
                ),
                Err(e) => {
                    return Err(anyhow::Error::from(e))
                        .context("re-applying the configuration after a restart");
                }
            }
        }
        Ok(())
    }

    /// Retry a failed batch input by input: only the inputs that fail on their own become errors.
    fn isolate(&mut self, batch: Vec<wit::RawEvent>) -> Result<Vec<EventOutcome>> {
        let mut outcomes = Vec::with_capacity(batch.len());
        for event in batch {
            let single = std::slice::from_ref(&event);
            match self.call(|b, s| b.call_process(s, single))? {
                Ok(mut result) => match (result.pop(), result.is_empty()) {
                    (Some(outcome), true) => outcomes.push(outcome_from_wit(outcome)),
                    _ => bail!("the plugin did not return exactly one outcome for one input"),
                },
                Err(failure) => outcomes.push(Err(poisonous(&mut self.incidents, failure))),
            }
        }
        Ok(outcomes)
    }
}

fn poisonous(incidents: &mut Incidents, failure: Failure) -> model::ParseError {
    incidents.poisonous_events += 1;
    // The WIT error kinds describe input the plugin understood to be bad; these are the host's
    // verdicts, so the message carries them.
    let kind = match failure.kind {
        FailureKind::MemoryLimit => model::ParseErrorKind::TooLarge,
        FailureKind::Trap | FailureKind::Timeout => model::ParseErrorKind::UnsupportedShape,
    };
    model::ParseError::new(kind, format!("{POISONOUS_EVENT}: {}", failure.message))
}

impl Detector for WasmDetector {
    fn configure(&mut self, config: &str) -> Result<std::result::Result<(), ConfigRejected>> {
        match self.call(|b, s| b.call_configure(s, config))? {
            Ok(Ok(())) => {
                self.config = Some(config.to_owned());
                Ok(Ok(()))
            }
            Ok(Err(e)) => Ok(Err(ConfigRejected {
                path: e.path,
                message: e.message,
            })),
            Err(failure) => bail!("configuring the plugin: {}", failure.message),
        }
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
        let n = batch.len();
        match self.call(|b, s| b.call_process(s, &batch))? {
            Ok(outcomes) => Ok(outcomes.into_iter().map(outcome_from_wit).collect()),
            // Alone in its batch: it is the culprit, no need to fail a second time.
            Err(failure) if n == 1 => Ok(vec![Err(poisonous(&mut self.incidents, failure))]),
            Err(_) => self.isolate(batch),
        }
    }

    fn drain(&mut self) -> Result<Vec<EnrichedEvent>> {
        // A failure here loses the correlation state, not an input: the restart is counted.
        Ok(self
            .call(|b, s| b.call_drain(s))?
            .unwrap_or_default()
            .into_iter()
            .map(event_from_wit)
            .collect())
    }

    fn flush(&mut self) -> Result<Vec<EnrichedEvent>> {
        Ok(self
            .call(|b, s| b.call_flush(s))?
            .unwrap_or_default()
            .into_iter()
            .map(event_from_wit)
            .collect())
    }

    fn rules(&mut self) -> Result<Vec<RuleEntry>> {
        let rules = match self.call(|b, s| b.call_rules(s))? {
            Ok(rules) => rules,
            Err(failure) => bail!("listing the plugin's rules: {}", failure.message),
        };
        Ok(rules
            .into_iter()
            .map(|r| RuleEntry {
                id: r.id,
                title: r.title,
                description: r.description,
                technique_id: r.technique_id,
                technique_name: r.technique_name,
                tactic: r.tactic,
                technique_newer: r.technique_newer.map(technique_from_wit),
                default_severity: severity_from_wit(r.default_severity),
                sources: r.sources.into_iter().map(source_from_wit).collect(),
                enabled: r.enabled,
                origin: r.origin,
            })
            .collect())
    }

    fn skipped_rules(&mut self) -> Result<Vec<SkippedRule>> {
        let skipped = match self.call(|b, s| b.call_skipped_rules(s))? {
            Ok(skipped) => skipped,
            Err(failure) => bail!("listing the plugin's skipped rules: {}", failure.message),
        };
        Ok(skipped
            .into_iter()
            .map(|s| SkippedRule {
                origin: s.origin,
                rule: s.rule,
                path: s.path,
                reason: s.reason,
            })
            .collect())
    }

    fn stats(&mut self) -> Result<model::StateStats> {
        // A plugin that traps here has no counters to give; the run goes on with zeros.
        Ok(match self.call(|b, s| b.call_stats(s))? {
            Ok(stats) => model::StateStats {
                tracked: stats.tracked,
                evicted: stats.evicted,
                late_events: stats.late_events,
                emitted: stats.emitted,
            },
            Err(_) => model::StateStats::default(),
        })
    }

    fn incidents(&self) -> Incidents {
        self.incidents
    }
}

fn outcome_from_wit(outcome: wit::EventOutcome) -> EventOutcome {
    match outcome {
        wit::EventOutcome::Events(events) => Ok(events.into_iter().map(event_from_wit).collect()),
        wit::EventOutcome::Error(e) => Err(model::ParseError::new(
            match e.kind {
                wit::ParseErrorKind::InvalidUtf8 => model::ParseErrorKind::InvalidUtf8,
                wit::ParseErrorKind::InvalidJson => model::ParseErrorKind::InvalidJson,
                wit::ParseErrorKind::UnsupportedShape => model::ParseErrorKind::UnsupportedShape,
                wit::ParseErrorKind::TooLarge => model::ParseErrorKind::TooLarge,
            },
            e.message,
        )),
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

fn technique_from_wit(t: wit::TechniqueRef) -> model::TechniqueRef {
    model::TechniqueRef {
        id: t.id,
        name: t.name,
        tactic: t.tactic,
    }
}

fn event_from_wit(event: wit::EnrichedEvent) -> EnrichedEvent {
    let f = event.fields;
    EnrichedEvent {
        source: source_from_wit(event.source),
        envelope_index: event.envelope_index,
        raw: event.raw,
        shape_note: event.shape_note,
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
                technique_newer: x.technique_newer.map(technique_from_wit),
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

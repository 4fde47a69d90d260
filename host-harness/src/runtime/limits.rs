//! What a plugin instance may use: linear memory (a store limiter) and time per call (epoch
//! interruption). A limit that is hit ends the call with a trap; the host restarts the instance (see
//! `wasm_host`), so a hostile or broken event costs one error row, never the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::{Engine, EngineWeak};

/// How often the epoch advances. Deadlines are rounded up to whole ticks; a call overruns its deadline
/// by at most one tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Default linear-memory cap per instance. A 64 MiB input (the largest the harness reads) is copied into
/// the instance, parsed and its enriched copy returned; 1 GiB leaves room for that with a batch of
/// normal events beside it, and is a quarter of what wasm32 could address.
pub const DEFAULT_MEMORY_MB: u64 = 1024;

/// Default time one `process`/`drain`/`flush` call may take. A batch of 256 events takes milliseconds;
/// a single 50 MB event well under a second. The deadline only has to catch a plugin that never returns.
pub const DEFAULT_DEADLINE_MS: u64 = 30_000;

/// Limits applied to every instance of a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Linear memory per instance, in bytes (all memories of the instance together).
    pub memory_bytes: u64,
    /// Wall-clock time per call; `None` for no deadline.
    pub call_deadline: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: DEFAULT_MEMORY_MB * 1024 * 1024,
            call_deadline: Some(Duration::from_millis(DEFAULT_DEADLINE_MS)),
        }
    }
}

impl Limits {
    /// From the CLI's units; 0 means "no limit" for the deadline.
    pub fn from_cli(memory_mb: u64, deadline_ms: u64) -> Limits {
        Limits {
            memory_bytes: memory_mb.saturating_mul(1024 * 1024),
            call_deadline: (deadline_ms > 0).then(|| Duration::from_millis(deadline_ms)),
        }
    }

    /// The deadline in epoch ticks beyond the current epoch.
    pub fn deadline_ticks(&self) -> u64 {
        match self.call_deadline {
            // Far enough to never arrive, small enough that `current + delta` cannot overflow.
            None => u64::MAX / 4,
            Some(d) => (d.as_nanos().div_ceil(EPOCH_TICK.as_nanos()) as u64).max(1),
        }
    }
}

/// The store's limiter: caps memory growth and remembers that the cap was hit, so the host can tell a
/// memory-limit trap from any other.
#[derive(Debug)]
pub struct MemoryGuard {
    limit: usize,
    /// Set when a growth was refused; cleared by the host after it classified the failure.
    pub hit: bool,
}

/// The error a refused growth traps with.
#[derive(Debug, thiserror::Error)]
#[error("plugin memory limit of {limit_mb} MiB reached (the instance asked for {desired_mb} MiB)")]
pub struct MemoryLimitHit {
    pub limit_mb: u64,
    pub desired_mb: u64,
}

impl MemoryGuard {
    pub fn new(limit_bytes: u64) -> MemoryGuard {
        MemoryGuard {
            limit: usize::try_from(limit_bytes).unwrap_or(usize::MAX),
            hit: false,
        }
    }
}

impl wasmtime::ResourceLimiter for MemoryGuard {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired <= self.limit {
            return Ok(true);
        }
        self.hit = true;
        // An error (rather than `Ok(false)`) traps at once: a Rust plugin would otherwise abort with an
        // anonymous `unreachable` from its allocation-failure handler.
        Err(wasmtime::Error::new(MemoryLimitHit {
            limit_mb: (self.limit / (1024 * 1024)) as u64,
            desired_mb: (desired / (1024 * 1024)) as u64,
        }))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Tables hold function references; the plugin's is fixed size. Refuse runaway growth.
        Ok(desired <= 1_000_000)
    }

    // A component is a handful of core instances (its module, the WASI adapter, shims); these counts
    // only stop a pathological component, memory is what the cap above bounds.
    fn instances(&self) -> usize {
        1000
    }

    fn tables(&self) -> usize {
        1000
    }

    fn memories(&self) -> usize {
        100
    }
}

/// Advances an engine's epoch every [`EPOCH_TICK`] on a thread of its own, for as long as the ticker
/// (shared by a loaded plugin and every instance made from it) is alive.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    pub fn start(engine: &Engine) -> std::io::Result<EpochTicker> {
        let stop = Arc::new(AtomicBool::new(false));
        let weak: EngineWeak = engine.weak();
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("blindspot-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => return,
                    }
                }
            })?;
        Ok(EpochTicker { stop })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_to_ticks() {
        assert_eq!(Limits::from_cli(1, 1).deadline_ticks(), 1);
        assert_eq!(Limits::from_cli(1, 25).deadline_ticks(), 3);
        assert_eq!(Limits::from_cli(1, 0).call_deadline, None);
        assert!(Limits::from_cli(1, 0).deadline_ticks() > 1 << 60);
        assert_eq!(Limits::from_cli(2, 5).memory_bytes, 2 * 1024 * 1024);
    }

    #[test]
    fn the_guard_refuses_growth_past_the_limit_and_remembers() {
        use wasmtime::ResourceLimiter;
        let mut guard = MemoryGuard::new(1024 * 1024);
        assert!(
            guard
                .memory_growing(0, 1024 * 1024, None)
                .is_ok_and(|ok| ok)
        );
        assert!(!guard.hit);
        let err = guard.memory_growing(1024 * 1024, 2 * 1024 * 1024, None);
        assert!(err.is_err());
        assert!(guard.hit);
    }
}

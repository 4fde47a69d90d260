//! SIGINT and SIGTERM ask a replay to stop cleanly: it stops reading at the next input unit, finishes
//! what it has read, completes its output and writes a checkpoint (see `checkpoint`). A second signal
//! while the first is being honoured ends the process at once.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Result;

/// Exit status of a run that stopped on a signal (128 + SIGINT, the shell's convention).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Test hook: stop as if signalled once this many input units have been read. It exists so that tests
/// can interrupt a run at an exact position, which a real signal cannot promise.
pub const TEST_INTERRUPT_AFTER_UNITS: &str = "BLINDSPOT_TEST_INTERRUPT_AFTER_UNITS";

/// Install the handlers; the flag turns true on the first signal.
#[cfg(unix)]
pub fn install() -> Result<Arc<AtomicBool>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so it sees the flag as it was before this signal set it.
        signal_hook::flag::register_conditional_shutdown(
            signal,
            i32::from(EXIT_INTERRUPTED),
            flag.clone(),
        )?;
        signal_hook::flag::register(signal, flag.clone())?;
    }
    Ok(flag)
}

/// Elsewhere the default handlers stay: an interruption ends the process without a checkpoint.
#[cfg(not(unix))]
pub fn install() -> Result<Arc<AtomicBool>> {
    Ok(Arc::new(AtomicBool::new(false)))
}

/// The test hook's value, if set.
pub fn test_interrupt_after_units() -> Option<u64> {
    std::env::var(TEST_INTERRUPT_AFTER_UNITS)
        .ok()
        .and_then(|v| v.parse().ok())
}

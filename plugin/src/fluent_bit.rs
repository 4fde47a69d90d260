//! Fluent Bit's `wasm` filter (core module, wasm32-wasip1; docs/integration.md):
//! `fn(tag_ptr, tag_len, time_sec, time_nsec, record_ptr, record_len) -> ret_ptr`, returning the record
//! with the `blindspot` enrichment spliced in, as a NUL-terminated string in module memory that stays
//! valid until the next call. The engine (and its correlation state) lives as long as the instance.
//!
//! Two entry points, chosen with the filter's `Function_Name`:
//! - `blindspot_filter`: every record passes; by default (`output.enrich = "findings"`) only records
//!   with findings gain the enrichment and the rest come back byte for byte unchanged, with
//!   `"all"` every record gains its normalised fields;
//! - `blindspot_filter_alerts`: only records with an alert pass; the rest are dropped (empty string).
//!
//! Configuration: `blindspot.json` in the first WASI-preopened directory that has one (Fluent Bit's
//! `accessible_paths`), read on the first call. A file that cannot be read or is rejected leaves the
//! defaults in force and is reported in every record under `blindspot.config_error`.

use std::cell::RefCell;

use crate::engine::Engine;
use crate::enrichment_json;
use crate::model::RawEvent;

/// The configuration file looked for in each preopened directory.
pub const CONFIG_FILE: &str = "blindspot.json";

struct Filter {
    engine: Engine,
    config_error: Option<String>,
    /// The last returned string; kept until the next call as Fluent Bit requires.
    output: Vec<u8>,
}

thread_local! {
    static FILTER: RefCell<Option<Filter>> = const { RefCell::new(None) };
}

/// Every record passes; enriched as `output.enrich` says.
///
/// # Safety
/// Fluent Bit passes pointers to `tag_len` and `record_len` readable bytes in this module's memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn blindspot_filter(
    tag: *const u8,
    tag_len: u32,
    time_sec: u32,
    time_nsec: u32,
    record: *const u8,
    record_len: u32,
) -> *const u8 {
    // SAFETY: forwarded from the caller's contract.
    unsafe { filter(tag, tag_len, time_sec, time_nsec, record, record_len, false) }
}

/// Only records with an alert pass; others are dropped.
///
/// # Safety
/// As for [`blindspot_filter`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn blindspot_filter_alerts(
    tag: *const u8,
    tag_len: u32,
    time_sec: u32,
    time_nsec: u32,
    record: *const u8,
    record_len: u32,
) -> *const u8 {
    // SAFETY: forwarded from the caller's contract.
    unsafe { filter(tag, tag_len, time_sec, time_nsec, record, record_len, true) }
}

#[allow(clippy::too_many_arguments)]
unsafe fn filter(
    tag: *const u8,
    tag_len: u32,
    _time_sec: u32,
    _time_nsec: u32,
    record: *const u8,
    record_len: u32,
    alerts_only: bool,
) -> *const u8 {
    // SAFETY: the host guarantees the ranges are readable; null or empty ranges are treated as empty.
    let tag = unsafe { bytes(tag, tag_len) };
    let record = unsafe { bytes(record, record_len) };
    FILTER.with_borrow_mut(|slot| {
        let filter = slot.get_or_insert_with(Filter::load);
        let mut outcome = filter.engine.process_one(&RawEvent {
            data: record,
            // Tags name pipeline routes, not shapes: a `cloudtrail.*` route also carries health checks
            // and other records, so detection is left to the event's shape.
            source_hint: None,
            tag: std::str::from_utf8(tag).ok(),
        });
        // The filter returns one record per record, so correlation findings that this record's event
        // time completed ride along as extra entries of its `blindspot.events`. An unreadable record
        // carries none: they wait for the next readable one.
        if let Ok(events) = &mut outcome {
            events.extend(filter.engine.drain());
        }
        // The buffer is reused: its capacity settles at the largest record seen, so steady state
        // allocates nothing for the output.
        filter.output.clear();
        if !alerts_only || enrichment_json::is_alert(&outcome) {
            // Fluent Bit reads up to the first NUL; JSON text never contains a raw NUL byte.
            enrichment_json::render_into(
                &mut filter.output,
                filter.engine.config().output.enrich,
                record,
                &outcome,
                filter.config_error.as_deref(),
            );
        }
        filter.output.push(0);
        filter.output.as_ptr()
    })
}

unsafe fn bytes<'a>(ptr: *const u8, len: u32) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: see the callers.
    unsafe { std::slice::from_raw_parts(ptr, len as usize) }
}

impl Filter {
    fn load() -> Filter {
        let mut engine = Engine::new();
        let config_error = match crate::fluent_bit_sigma::with_rules(read_config()) {
            Ok(None) => None,
            Ok(Some((path, text))) => engine
                .configure(&text)
                .err()
                .map(|e| format!("{path}: {e}")),
            Err(e) => Some(e),
        };
        let enrich = engine.config().output.enrich;
        engine.set_enrich(enrich);
        Filter {
            engine,
            config_error,
            output: Vec::new(),
        }
    }
}

/// The configuration file from the first preopened directory that holds one.
fn read_config() -> Result<Option<(String, String)>, String> {
    for dir in preopened_dirs() {
        let path = format!("{}/{CONFIG_FILE}", dir.trim_end_matches('/'));
        match std::fs::read(&path) {
            Ok(bytes) => {
                return String::from_utf8(bytes)
                    .map(|text| Some((path.clone(), text)))
                    .map_err(|_| format!("{path}: not UTF-8"));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{path}: {e}")),
        }
    }
    Ok(None)
}

/// Names of the directories the host preopened (WASI preview 1 numbers them from fd 3).
fn preopened_dirs() -> Vec<String> {
    let mut dirs = Vec::new();
    for fd in 3u32..64 {
        // SAFETY: plain WASI calls on file descriptor numbers; a non-preopen answers with an error.
        let Ok(prestat) = (unsafe { wasi::fd_prestat_get(fd) }) else {
            break;
        };
        if prestat.tag != wasi::PREOPENTYPE_DIR.raw() {
            continue;
        }
        // SAFETY: the tag says this union holds a directory.
        let len = unsafe { prestat.u.dir.pr_name_len };
        let mut name = vec![0u8; len];
        // SAFETY: `name` has exactly the length the host reported.
        if unsafe { wasi::fd_prestat_dir_name(fd, name.as_mut_ptr(), len) }.is_ok()
            && let Ok(name) = String::from_utf8(name)
        {
            dirs.push(name.trim_end_matches('\0').to_owned());
        }
    }
    dirs
}

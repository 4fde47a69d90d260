//! The Fluent Bit module's work per record (engine, drain, output rendering as `fluent_bit.rs` does
//! it), built natively so that callgrind can name the functions the interpreter spends its time in:
//!
//!     cargo build --release -p blindspot-plugin --example fluent_bit_profile
//!     valgrind --tool=callgrind --toggle-collect='*per_record*' \
//!         target/release/examples/fluent_bit_profile INPUT.ndjson [RECORDS] [all]
//!
//! Only records that come out without a finding are profiled (the stream is classified first), since
//! those are what a shipper mostly forwards.

use blindspot_plugin::Engine;
use blindspot_plugin::enrichment_json::{self, Enrich};
use blindspot_plugin::model::{EventOutcome, RawEvent};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: fluent_bit_profile INPUT.ndjson [RECORDS] [all]");
        std::process::exit(2);
    };
    let limit: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(2_000);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let mut classify = Engine::new();
    let benign: Vec<&[u8]> = text
        .split(|b| *b == b'\n')
        .filter(|l| l.starts_with(b"{"))
        .filter(|l| {
            classify
                .process_one(&raw(l))
                .is_ok_and(|events| events.iter().all(|e| e.findings.is_empty()))
        })
        .take(limit)
        .collect();
    let mut engine = Engine::new();
    // As the module runs it (`fluent_bit.rs`): compact output, so the fast path is on; `all` as the
    // third argument profiles full enrichment, what tables and the component get.
    let enrich = match args.next().as_deref() {
        Some("all") => Enrich::All,
        _ => Enrich::Findings,
    };
    engine.set_enrich(enrich);
    let mut output = Vec::new();
    let mut bytes = 0usize;
    for record in &benign {
        per_record(&mut engine, &mut output, record, enrich);
        bytes += output.len();
    }
    println!("{} benign records, {bytes} bytes out", benign.len());
}

fn raw(data: &[u8]) -> RawEvent<'_> {
    RawEvent {
        data,
        source_hint: None,
        tag: Some("cloudtrail.bench"),
    }
}

#[inline(never)]
fn per_record(engine: &mut Engine, output: &mut Vec<u8>, record: &[u8], enrich: Enrich) {
    let mut outcome: EventOutcome = engine.process_one(&raw(record));
    if let Ok(events) = &mut outcome {
        events.extend(engine.drain());
    }
    output.clear();
    enrichment_json::render_into(output, enrich, record, &outcome, None);
    output.push(0);
}

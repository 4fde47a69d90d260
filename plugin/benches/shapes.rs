//! Engine throughput per input shape: the same recorded events canonical, as lake exports and as
//! Security Lake OCSF records. `cargo bench -p blindspot-plugin --bench shapes`.

use std::hint::black_box;

use blindspot_plugin::Engine;
use blindspot_plugin::model::RawEvent;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const STREAMS: [(&str, &str); 7] = [
    (
        "cloudtrail_canonical",
        include_str!("../../testdata/ocsf/cloudtrail_management.raw.ndjson"),
    ),
    (
        "cloudtrail_ocsf",
        include_str!("../../testdata/ocsf/cloudtrail_management.ocsf.ndjson"),
    ),
    (
        "cloudtrail_athena",
        include_str!("../../testdata/shapes/cloudtrail.athena.ndjson"),
    ),
    (
        "cloudtrail_athena_canonical",
        include_str!("../../testdata/shapes/cloudtrail.canonical.ndjson"),
    ),
    (
        "eks_canonical",
        include_str!("../../testdata/ocsf/eks_audit.raw.ndjson"),
    ),
    (
        "eks_ocsf",
        include_str!("../../testdata/ocsf/eks_audit.ocsf.ndjson"),
    ),
    (
        "vpc_flow_ocsf",
        include_str!("../../testdata/ocsf/vpc_flow_after_change.ocsf.ndjson"),
    ),
];

fn run(engine: &mut Engine, lines: &[&str]) -> usize {
    let mut events = 0;
    for line in lines {
        let outcome = engine.process_one(&RawEvent {
            data: line.as_bytes(),
            source_hint: None,
            tag: None,
        });
        events += outcome.map(|e| e.len()).unwrap_or(0);
    }
    events + engine.flush().len()
}

fn shapes(c: &mut Criterion) {
    let mut group = c.benchmark_group("shapes");
    for (name, text) in STREAMS {
        let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
        group.throughput(Throughput::Elements(lines.len() as u64));
        let mut engine = Engine::new();
        group.bench_function(name, |b| b.iter(|| black_box(run(&mut engine, &lines))));
    }
    group.finish();
}

criterion_group!(benches, shapes);
criterion_main!(benches);

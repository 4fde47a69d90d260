//! Engine throughput per source, natively (`cargo bench -p blindspot-plugin --bench engine`). Batches
//! are the synthetic generator's templates (recorded `testdata/` events): 49 benign events to one
//! attack, the realistic mix of the performance targets; CloudTrail also alone with reads only, the
//! common case the pre-classification skips. End-to-end numbers and the targets' ratios come from
//! `blindspot bench` (README, "Performance").

use std::hint::black_box;

use blindspot_plugin::Engine;
use blindspot_plugin::model::RawEvent;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

macro_rules! templates {
    ($name:literal) => {
        (
            include_str!(concat!(
                "../../host-harness/src/dev/synth/templates/",
                $name,
                ".benign.ndjson"
            )),
            include_str!(concat!(
                "../../host-harness/src/dev/synth/templates/",
                $name,
                ".attack.ndjson"
            )),
        )
    };
}

const BATCH: usize = 1000;

/// `BATCH` lines: benign templates in turn, every 50th an attack.
fn batch(benign: &str, attack: &str) -> Vec<String> {
    let benign: Vec<&str> = benign.lines().filter(|l| !l.is_empty()).collect();
    let attack: Vec<&str> = attack.lines().filter(|l| !l.is_empty()).collect();
    (0..BATCH)
        .map(|i| {
            if i % 50 == 49 && !attack.is_empty() {
                attack[(i / 50) % attack.len()].to_owned()
            } else {
                benign[i % benign.len()].to_owned()
            }
        })
        .collect()
}

fn run(engine: &mut Engine, lines: &[String]) -> usize {
    let mut events = 0;
    for line in lines {
        let outcome = engine.process_one(&RawEvent {
            data: line.as_bytes(),
            source_hint: None,
            tag: None,
        });
        events += outcome.map(|e| e.len()).unwrap_or(0);
    }
    events + engine.drain().len()
}

fn engine(c: &mut Criterion) {
    let sources = [
        ("cloudtrail", templates!("cloudtrail")),
        ("azure", templates!("azure")),
        ("gcp", templates!("gcp")),
        ("k8s", templates!("k8s")),
        ("docker", templates!("docker")),
    ];
    let mut group = c.benchmark_group("engine");
    let reads: Vec<String> = sources[0]
        .1
        .0
        .lines()
        .take(1)
        .cycle()
        .take(BATCH)
        .map(str::to_owned)
        .collect();
    let mut inputs = vec![("cloudtrail_reads_only".to_owned(), reads)];
    for (name, (benign, attack)) in sources {
        inputs.push((format!("{name}_mixed"), batch(benign, attack)));
    }
    for (name, lines) in inputs {
        let bytes: usize = lines.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        let mut engine = Engine::new();
        group.bench_function(name, |b| b.iter(|| black_box(run(&mut engine, &lines))));
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);

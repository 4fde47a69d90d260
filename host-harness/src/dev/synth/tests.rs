use std::collections::HashSet;

use blindspot_plugin::Engine;
use blindspot_plugin::model::{RawEvent, SourceKind};

use super::*;

fn lines(source: SynthSource, ratio: f64, seed: u64, n: usize) -> Vec<(String, Generated)> {
    let mut generator = Generator::new(SynthOptions {
        source,
        attack_ratio: ratio,
        seed,
    })
    .expect("generator");
    (0..n)
        .map(|_| {
            let mut line = String::new();
            let generated = generator.next_event(&mut line);
            (line, generated)
        })
        .collect()
}

fn kind(source: SynthSource) -> SourceKind {
    match source {
        SynthSource::Cloudtrail => SourceKind::AwsCloudtrail,
        SynthSource::Azure => SourceKind::AzureActivity,
        SynthSource::Gcp => SourceKind::GcpAudit,
        SynthSource::K8s => SourceKind::K8sAudit,
        SynthSource::Docker => SourceKind::Docker,
        SynthSource::FlowLog => SourceKind::FlowLog,
        SynthSource::Mixed => SourceKind::Unknown,
    }
}

#[test]
fn a_seed_names_the_stream() {
    let write = |seed| {
        let mut out = Vec::new();
        let options = SynthOptions {
            source: SynthSource::Mixed,
            attack_ratio: 0.05,
            seed,
        };
        generate(options, Limit::Events(500), &mut out).expect("generate");
        out
    };
    assert_eq!(write(42), write(42));
    assert_ne!(write(42), write(43));
}

#[test]
fn every_event_is_read_as_its_source_and_attacks_are_exactly_the_findings() {
    let mut engine = Engine::new();
    for source in SINGLE {
        let generated = lines(source, 0.2, 7, 1500);
        let mut attacks = 0;
        let mut flagged = 0;
        for (line, info) in &generated {
            let events = engine
                .process_one(&RawEvent {
                    data: line.as_bytes(),
                    source_hint: None,
                    tag: None,
                })
                .unwrap_or_else(|e| panic!("{source:?} line does not parse: {e:?}\n{line}"));
            assert_eq!(events.len(), 1, "{line}");
            assert_eq!(events[0].source, kind(source), "{line}");
            attacks += u32::from(info.attack);
            let fired = !events[0].findings.is_empty();
            assert_eq!(
                fired, info.attack,
                "{source:?}: findings {:?} on\n{line}",
                events[0].findings
            );
            flagged += u32::from(fired);
        }
        assert_eq!(attacks, flagged);
        if source == SynthSource::FlowLog {
            assert_eq!(attacks, 0);
        } else {
            // 20% of 1500 is 300; a fair coin strays well inside ±60.
            assert!(
                (240..=360).contains(&attacks),
                "{source:?}: {attacks} attacks"
            );
        }
    }
}

#[test]
fn ids_are_unique_and_time_advances() {
    let generated = lines(SynthSource::Cloudtrail, 0.1, 1, 5000);
    let mut ids = HashSet::new();
    let mut last = String::new();
    for (line, _) in &generated {
        let value: serde_json::Value = serde_json::from_str(line).expect("json");
        assert!(ids.insert(value["eventID"].as_str().expect("eventID").to_owned()));
        let time = value["eventTime"].as_str().expect("eventTime").to_owned();
        assert!(time >= last, "{time} after {last}");
        last = time;
    }
    let docker = lines(SynthSource::Docker, 0.1, 1, 2000);
    // Old-style engine events carry no timeNano; every other one is unique.
    let nanos: Vec<u64> = docker
        .iter()
        .filter_map(|(l, _)| {
            serde_json::from_str::<serde_json::Value>(l).expect("json")["timeNano"].as_u64()
        })
        .collect();
    assert!(
        nanos.len() > docker.len() / 2,
        "{} of {}",
        nanos.len(),
        docker.len()
    );
    assert_eq!(nanos.iter().collect::<HashSet<_>>().len(), nanos.len());
}

#[test]
fn cloudtrail_is_mostly_reads_of_about_a_kilobyte_and_a_half() {
    let generated = lines(SynthSource::Cloudtrail, 0.01, 3, 4000);
    let reads = generated
        .iter()
        .filter(|(l, _)| l.contains("\"readOnly\":true"))
        .count();
    assert!(reads > 3000, "{reads} reads of 4000");
    let mean = generated.iter().map(|(l, _)| l.len()).sum::<usize>() / generated.len();
    assert!((900..=1600).contains(&mean), "mean {mean} bytes");
}

#[test]
fn byte_limit_and_mixed_sources() {
    let mut out = Vec::new();
    let options = SynthOptions {
        source: SynthSource::Mixed,
        attack_ratio: 0.0,
        seed: 9,
    };
    let stats = generate(options, Limit::Bytes(200_000), &mut out).expect("generate");
    assert_eq!(stats.bytes as usize, out.len());
    assert!(out.len() >= 200_000 && out.len() < 210_000);
    assert_eq!(stats.attacks, 0);
    let seen: HashSet<SynthSource> = lines(SynthSource::Mixed, 0.0, 9, 400)
        .into_iter()
        .map(|(_, g)| g.source)
        .collect();
    assert_eq!(seen.len(), SINGLE.len());
    assert!(
        Generator::new(SynthOptions {
            attack_ratio: 1.5,
            ..options
        })
        .is_err()
    );
}

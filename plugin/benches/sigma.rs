//! Sigma evaluation throughput on CloudTrail records: scanning each record (`Object::parse`, which the
//! engine does anyway) and evaluating 0 and 100 loaded rules, each rule naming a distinct `eventName`
//! plus one rule without an exact value, so the prefilter is exercised as in a real rule set.
//! `100_rules_unindexed` is the same set with no exact values, to show what the prefilter saves.
//! `cargo bench -p blindspot-plugin --bench sigma`

use std::hint::black_box;

use blindspot_plugin::model::SourceKind;
use blindspot_plugin::sigma::{self, SigmaDocument, SigmaOptions, SigmaRuleSet};
use blindspot_plugin::sources::json::Object;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const EVENTS: &str = include_str!("../../testdata/sigma/events/aws_cloudtrail.ndjson");

fn rules(count: usize, indexed: bool) -> SigmaRuleSet {
    let mut text = String::new();
    for i in 0..count {
        // 99 rules on distinct event names (a few of which occur in the stream) and one wildcard rule.
        let detection = if i + 1 == count {
            "    userAgent|contains: 'command/cloudtrail.'\n    errorCode|exists: true\n"
                .to_string()
        } else if i % 10 == 0 {
            format!("    eventName: [Delete{i}, StopLogging]\n    userIdentity.type: IAMUser\n")
        } else if indexed {
            format!("    eventSource: ec2.amazonaws.com\n    eventName: Synthetic{i}Action\n")
        } else {
            // The same rule with no exact value: every event is tested against it.
            format!(
                "    eventSource|endswith: ec2.amazonaws.com\n    eventName|startswith: Synthetic{i}Action\n"
            )
        };
        text.push_str(&format!(
            "---\ntitle: rule {i}\nid: bench-{i}\nlogsource: {{product: aws, service: cloudtrail}}\ndetection:\n  selection:\n{detection}  filter:\n    sourceIPAddress|cidr: 10.0.0.0/8\n  condition: selection and not filter\n"
        ));
    }
    let documents = [SigmaDocument {
        origin: "bench".into(),
        text,
    }];
    sigma::load(&documents, SigmaOptions::default())
        .expect("bench rules load")
        .0
}

fn bench(c: &mut Criterion) {
    let events: Vec<&str> = EVENTS.lines().filter(|l| !l.is_empty()).collect();
    let mut group = c.benchmark_group("sigma_cloudtrail");
    group.throughput(Throughput::Elements(events.len() as u64));
    for (name, count, indexed) in [
        ("0_rules", 0usize, true),
        ("100_rules", 100, true),
        ("100_rules_unindexed", 100, false),
    ] {
        let set = rules(count, indexed);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut matched = 0usize;
                for event in &events {
                    let object = Object::parse(black_box(event)).expect("event");
                    let mut out = Vec::new();
                    set.evaluate(SourceKind::AwsCloudtrail, &object, &mut out);
                    matched += out.len();
                }
                matched
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Sigma rule sets of any size for `blindspot bench --sigma-rules N`, shaped like SigmaHQ's CloudTrail
//! rules: each selects `eventSource` and one or a few `eventName`s the plugin's own catalogue listens
//! to (so the synthetic stream holds matching events), most with a filter (an expected principal
//! type, a failed call, an internal address), and one in ten without an exact value the prefilter can
//! file it under (a `userAgent|contains` selection), which every CloudTrail event is tested against.

use blindspot_plugin::rules::{self, declaration::Trigger};

/// `count` rules as one multi-document YAML text. Deterministic for a given count.
pub fn generate(count: usize) -> String {
    let mut calls: Vec<(&str, &str)> = rules::catalogue()
        .filter_map(|rule| match &rule.trigger {
            Trigger::CloudTrail { calls, .. } => Some(calls.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    calls.sort_unstable();
    calls.dedup();
    let mut text = String::new();
    if calls.is_empty() {
        return text;
    }
    for i in 0..count {
        let (service, event) = calls[i % calls.len()];
        let selection = if i % 10 == 9 {
            format!(
                "    userAgent|contains: 'aws-cli/{i}.'\n    eventSource: {service}.amazonaws.com\n"
            )
        } else if i % 5 == 0 {
            // A list of names, as SigmaHQ writes rules covering a service's family of calls.
            let (_, second) = calls[(i + 7) % calls.len()];
            let (_, third) = calls[(i + 13) % calls.len()];
            format!(
                "    eventSource: {service}.amazonaws.com\n    eventName:\n      - {event}\n      - {second}\n      - {third}\n"
            )
        } else {
            format!("    eventSource: {service}.amazonaws.com\n    eventName: {event}\n")
        };
        let filter = match i % 3 {
            0 => {
                "  filter:\n    userIdentity.type: AWSService\n  condition: selection and not filter\n"
            }
            1 => "  filter:\n    errorCode|exists: true\n  condition: selection and not filter\n",
            _ => {
                "  filter:\n    sourceIPAddress|cidr: 10.0.0.0/8\n  condition: selection and not filter\n"
            }
        };
        text.push_str(&format!(
            "---\ntitle: {event} (bench rule {i})\nid: 00000000-0000-4000-8000-{i:012}\nstatus: test\n\
             level: medium\ntags:\n  - attack.t1562.008\nlogsource:\n  product: aws\n  service: cloudtrail\n\
             detection:\n  selection:\n{selection}{filter}"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use blindspot_plugin::sigma::{self, SigmaDocument, SigmaOptions};

    #[test]
    fn every_generated_rule_loads() {
        let text = super::generate(100);
        let documents = [SigmaDocument {
            origin: "bench".into(),
            text,
        }];
        let (set, skipped) = sigma::load(&documents, SigmaOptions::default()).expect("rules load");
        assert!(skipped.is_empty());
        assert_eq!(set.len(), 100);
    }
}

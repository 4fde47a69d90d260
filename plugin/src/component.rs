//! The wasm component: exports the `detector` world of `wit/blindspot.wit` over the native engine.
//! Only conversions live here; every decision is made in the engine.

use std::cell::RefCell;

use crate::engine::Engine;
use crate::model;

wit_bindgen::generate!({
    world: "detector",
    path: "../wit",
});

use blindspot::detect::types as wit;

thread_local! {
    // A component instance is single-threaded; the engine lives as long as the instance.
    static ENGINE: RefCell<Engine> = RefCell::new(Engine::new());
}

struct Component;

impl Guest for Component {
    fn configure(config: String) -> Result<(), wit::ConfigError> {
        ENGINE.with_borrow_mut(|engine| {
            engine.configure(&config).map_err(|e| wit::ConfigError {
                path: e.path,
                message: e.message,
            })
        })
    }

    fn process(batch: Vec<wit::RawEvent>) -> Vec<wit::EventOutcome> {
        ENGINE.with_borrow_mut(|engine| {
            batch
                .iter()
                .map(|raw| {
                    let input = model::RawEvent {
                        data: &raw.data,
                        source_hint: raw.source_hint.map(source_from_wit),
                        tag: raw.tag.as_deref(),
                    };
                    match engine.process_one(&input) {
                        Ok(events) => wit::EventOutcome::Events(
                            events.into_iter().map(event_to_wit).collect(),
                        ),
                        Err(e) => wit::EventOutcome::Error(wit::ParseError {
                            kind: match e.kind {
                                model::ParseErrorKind::InvalidUtf8 => {
                                    wit::ParseErrorKind::InvalidUtf8
                                }
                                model::ParseErrorKind::InvalidJson => {
                                    wit::ParseErrorKind::InvalidJson
                                }
                                model::ParseErrorKind::UnsupportedShape => {
                                    wit::ParseErrorKind::UnsupportedShape
                                }
                                model::ParseErrorKind::TooLarge => wit::ParseErrorKind::TooLarge,
                            },
                            message: e.message,
                        }),
                    }
                })
                .collect()
        })
    }

    fn drain() -> Vec<wit::EnrichedEvent> {
        ENGINE.with_borrow_mut(|engine| engine.drain().into_iter().map(event_to_wit).collect())
    }

    fn flush() -> Vec<wit::EnrichedEvent> {
        ENGINE.with_borrow_mut(|engine| engine.flush().into_iter().map(event_to_wit).collect())
    }

    fn stats() -> wit::StateStats {
        ENGINE.with_borrow(|engine| {
            let stats = engine.stats();
            wit::StateStats {
                tracked: stats.tracked,
                evicted: stats.evicted,
                late_events: stats.late_events,
                emitted: stats.emitted,
            }
        })
    }

    fn skipped_rules() -> Vec<wit::SkippedRule> {
        ENGINE.with_borrow(|engine| {
            engine
                .skipped_sigma()
                .iter()
                .map(|s| wit::SkippedRule {
                    origin: s.error.origin.clone(),
                    rule: s.error.rule.clone(),
                    path: s.error.path.clone(),
                    reason: s.error.reason.clone(),
                })
                .collect()
        })
    }

    fn rules() -> Vec<wit::RuleInfo> {
        ENGINE.with_borrow(|engine| {
            engine
                .rules()
                .into_iter()
                .map(|r| wit::RuleInfo {
                    id: r.id,
                    title: r.title,
                    description: r.description,
                    technique_id: r.technique_id,
                    technique_name: r.technique_name,
                    tactic: r.tactic,
                    technique_newer: r.technique_newer.map(technique_to_wit),
                    default_severity: severity_to_wit(r.default_severity),
                    sources: r.sources.into_iter().map(source_to_wit).collect(),
                    enabled: r.enabled,
                    origin: r.origin,
                })
                .collect()
        })
    }
}

export!(Component);

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

fn severity_to_wit(severity: model::Severity) -> wit::Severity {
    match severity {
        model::Severity::Info => wit::Severity::Info,
        model::Severity::Low => wit::Severity::Low,
        model::Severity::Medium => wit::Severity::Medium,
        model::Severity::High => wit::Severity::High,
        model::Severity::Critical => wit::Severity::Critical,
    }
}

fn technique_to_wit(t: model::TechniqueRef) -> wit::TechniqueRef {
    wit::TechniqueRef {
        id: t.id,
        name: t.name,
        tactic: t.tactic,
    }
}

fn event_to_wit(event: model::EnrichedEvent) -> wit::EnrichedEvent {
    let f = event.fields;
    wit::EnrichedEvent {
        source: source_to_wit(event.source),
        envelope_index: event.envelope_index,
        raw: event.raw,
        shape_note: event.shape_note,
        fields: wit::Normalized {
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
                model::Outcome::Success => wit::Outcome::Success,
                model::Outcome::Failure => wit::Outcome::Failure,
                model::Outcome::InProgress => wit::Outcome::InProgress,
                model::Outcome::Unknown => wit::Outcome::Unknown,
            },
        },
        findings: event
            .findings
            .into_iter()
            .map(|x| wit::Finding {
                rule_id: x.rule_id,
                title: x.title,
                technique_id: x.technique_id,
                technique_name: x.technique_name,
                tactic: x.tactic,
                technique_newer: x.technique_newer.map(technique_to_wit),
                severity: severity_to_wit(x.severity),
                confidence: x.confidence,
                reasons: x.reasons,
                suppression: x.suppression,
                response: x.response,
                related_events: x.related_events,
            })
            .collect(),
    }
}

//! The engine: configuration, per-input processing and end-of-stream. Both the wasm component and
//! native callers (tests, benchmarks, the harness's `--engine native`) drive this type.

use crate::config::output::Enrich;
use crate::config::{Config, ConfigError, Scope};
use crate::correlation::Correlator;
use crate::enrich::{self, Context};
use crate::interest::{self, Call, Glance};
use crate::model::{
    EnrichedEvent, EventOutcome, Normalized, ParseError, ParseErrorKind, RawEvent, RuleInfo,
    SourceKind, StateStats,
};
use crate::quiet::Quiet;
use crate::rules::{self, Env, memory};
use crate::sigma::Skipped;
use crate::sigma_findings::LoadedSigma;
use crate::sources::envelope::{self, Inner, Position};
use crate::sources::json::Object;
use crate::sources::{
    self, Decoded, aws_cloudtrail, azure_activity, docker_events, docker_inspect, gcp_audit,
    k8s_audit, k8s_gke,
};

/// Inputs larger than this are refused with `too-large` rather than parsed.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct Engine {
    config: Config,
    correlator: Correlator,
    /// AWS flow-log custom formats announced by header lines, per input tag (bounded).
    flow_formats: sources::flow_log::Formats,
    /// Log destinations the stream has named (rules consult them).
    destinations: memory::Destinations,
    /// Counters of the streams already flushed.
    retired: StateStats,
    /// The configuration's Sigma rules, compiled; `None` when it has none.
    sigma: Option<LoadedSigma>,
    /// The caller writes only events with findings (`set_enrich`).
    compact: bool,
    /// What the fast path hands correlation, reused from event to event.
    quiet: Quiet,
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Replace the configuration; on error the previous one stays active.
    /// Correlation state starts afresh: its windows and caps come from the configuration.
    pub fn configure(&mut self, document: &str) -> Result<(), ConfigError> {
        let config = Config::parse(document)?;
        let sigma = LoadedSigma::load(&config.sigma)?;
        let sigma_ids = || sigma.iter().flat_map(LoadedSigma::ids);
        config.check_rule_references(
            |id| rules::find(id).is_some() || sigma_ids().any(|s| s == id),
            |pattern| {
                rules::catalogue().any(|r| pattern.matches(r.id))
                    || sigma_ids().any(|s| pattern.matches(s))
            },
        )?;
        self.config = config;
        self.sigma = sigma;
        self.correlator = Correlator::new(&self.config);
        Ok(())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// What the caller writes of each event (`output.enrich` of an NDJSON filter). With
    /// [`Enrich::Findings`] an event without findings may come back with its source and envelope index
    /// only (no normalised fields, no `raw`), and an event that no consumer wants
    /// ([`crate::interest`]) is read no further than correlation needs: findings, drained and flushed
    /// events and state are the same as with [`Enrich::All`], the default, where every event comes
    /// back normalised (tables and the component need every column).
    pub fn set_enrich(&mut self, enrich: Enrich) {
        self.compact = enrich == Enrich::Findings;
    }

    /// Every rule, built-in then Sigma, with whether the active configuration enables it.
    pub fn rules(&self) -> Vec<RuleInfo> {
        let mut all: Vec<RuleInfo> = rules::catalogue()
            .map(|r| r.info(self.config.enabled(r.id)))
            .collect();
        if let Some(sigma) = &self.sigma {
            all.extend(sigma.info(&self.config));
        }
        all
    }

    /// Sigma rules the configuration holds but `on_unsupported: skip-and-report` left out.
    pub fn skipped_sigma(&self) -> &[Skipped] {
        self.sigma.as_ref().map_or(&[], LoadedSigma::skipped)
    }

    pub fn process(&mut self, batch: &[RawEvent<'_>]) -> Vec<EventOutcome> {
        batch.iter().map(|raw| self.process_one(raw)).collect()
    }

    /// Enrich one input: every event it holds, or the reason it could not be read.
    pub fn process_one(&mut self, raw: &RawEvent<'_>) -> EventOutcome {
        if raw.data.len() > MAX_INPUT_BYTES {
            return Err(ParseError::new(
                ParseErrorKind::TooLarge,
                format!(
                    "input of {} bytes exceeds the {} byte limit",
                    raw.data.len(),
                    MAX_INPUT_BYTES
                ),
            ));
        }
        let text = std::str::from_utf8(raw.data).map_err(|e| {
            ParseError::new(
                ParseErrorKind::InvalidUtf8,
                format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            )
        })?;
        let mut events = Vec::new();
        envelope::for_each_event(text, &mut |position, inner| {
            events.push(self.enrich(position, inner, raw));
        })?;
        Ok(events)
    }

    /// Correlation findings completed by event time since the last call.
    pub fn drain(&mut self) -> Vec<EnrichedEvent> {
        let mut events = self.correlator.drain();
        events.iter_mut().for_each(crate::sanitize::event);
        events
    }

    /// Counters of the correlation state since the engine was created.
    pub fn stats(&self) -> StateStats {
        let now = self.correlator.stats();
        StateStats {
            tracked: now.tracked,
            evicted: self.retired.evicted
                + now.evicted
                + self.flow_formats.evictions()
                + self.destinations.evicted(),
            late_events: self.retired.late_events + now.late_events,
            emitted: self.retired.emitted + now.emitted,
        }
    }

    /// End of stream: everything not yet drained, and what closing every open window completes.
    /// What follows is a new stream: correlation state and history start afresh, so a stream's
    /// findings never depend on what the engine saw before it.
    pub fn flush(&mut self) -> Vec<EnrichedEvent> {
        let mut events = self.correlator.flush(&self.config);
        events.iter_mut().for_each(crate::sanitize::event);
        let ended = self.correlator.stats();
        self.retired.evicted += ended.evicted;
        self.retired.late_events += ended.late_events;
        self.retired.emitted += ended.emitted;
        self.correlator = Correlator::new(&self.config);
        self.destinations = memory::Destinations::default();
        events
    }

    fn enrich(
        &mut self,
        position: Position<'_>,
        inner: Inner<'_, '_>,
        raw: &RawEvent<'_>,
    ) -> EnrichedEvent {
        let object = match inner {
            Inner::Object(object) => Some(object),
            Inner::Text(_) => None,
        };
        if self.compact
            && let Some(object) = object
            && let Some(source) = sources::source_of(object, raw.source_hint)
            && self.no_sigma_rule_could_match(source, object)
            && let Some(event) = self.pass_quietly(source, &position, object)
        {
            return event;
        }
        let mut decoded = match inner {
            Inner::Object(object) => sources::decode(object, raw.source_hint),
            Inner::Text(text) => {
                sources::flow_log::decode_text(text, &mut self.flow_formats, raw.tag)
            }
        };
        if decoded.fields.account.is_none() && decoded.source != SourceKind::Unknown {
            decoded.fields.account = position.account.map(str::to_owned);
        }
        let mut detections = Vec::new();
        let env = Env {
            config: &self.config,
            destinations: &self.destinations,
        };
        rules::evaluate(&decoded, &env, &mut detections);
        let sigma = self.sigma.as_ref().zip(object);
        let findings = if detections.is_empty() && sigma.is_none() {
            Vec::new()
        } else {
            let context = Context {
                fields: &decoded.fields,
                failure: decoded.event.failure(),
                root: decoded.event.is_root(),
                scope: Scope {
                    event: object,
                    ..decoded.event.scope()
                },
            };
            let mut findings: Vec<_> = detections
                .into_iter()
                .filter_map(|d| enrich::finding(d, &context, &self.config))
                .collect();
            if let Some((sigma, object)) = sigma {
                sigma.findings(
                    decoded.source,
                    object,
                    &context,
                    &self.config,
                    &mut findings,
                );
            }
            findings
        };
        let mut event = EnrichedEvent {
            source: decoded.source,
            envelope_index: position.index,
            raw: position.raw.map(str::to_owned),
            fields: std::mem::take(&mut decoded.fields),
            findings,
            shape_note: decoded.shape_note.map(str::to_owned),
        };
        memory::learn(&decoded, &mut self.destinations);
        self.correlator.observe(&decoded, &mut event, &self.config);
        crate::sanitize::event(&mut event);
        event
    }

    /// User Sigma rules may read any field of any event: an event takes the fast path only when the
    /// rules' prefilter index rules every one of them out (a rule filed under no exact value rules out
    /// nothing). Flow-log objects are left to the full path, where a line may be read as another
    /// source than its shape says.
    fn no_sigma_rule_could_match(&self, source: SourceKind, object: &Object<'_>) -> bool {
        let Some(sigma) = &self.sigma else {
            return true;
        };
        match source {
            SourceKind::FlowLog | SourceKind::Unknown => false,
            source => !sigma.could_match(source, object),
        }
    }

    /// The fast path: an event that no consumer wants in full ([`interest::could_matter`]) only
    /// advances correlation with its time, principal and source address, read exactly as the full
    /// path reads them. `None` when the event must be read in full.
    fn pass_quietly(
        &mut self,
        source: SourceKind,
        position: &Position<'_>,
        object: &Object<'_>,
    ) -> Option<EnrichedEvent> {
        fn wanted(object: &Object<'_>, call: Call<'_, '_>) -> bool {
            interest::could_matter(&Glance { object, call })
        }
        let quiet = &mut self.quiet;
        let facts = match source {
            SourceKind::AwsCloudtrail => {
                let record = aws_cloudtrail::Glance::read(object);
                if wanted(object, Call::CloudTrail(&record)) {
                    return None;
                }
                quiet.cloudtrail(object)
            }
            // The same choice of reader as `sources::decode`.
            SourceKind::K8sAudit if k8s_gke::matches(object) => {
                let entry = k8s_gke::Glance::read(object);
                if wanted(object, Call::Gke(&entry)) {
                    return None;
                }
                quiet.gke(object, &entry)
            }
            SourceKind::K8sAudit => {
                let event = k8s_audit::Glance::read(object);
                if wanted(object, Call::K8s(&event)) {
                    return None;
                }
                quiet.k8s(object)
            }
            SourceKind::GcpAudit => {
                let entry = gcp_audit::Glance::read(object);
                if wanted(object, Call::Gcp(&entry)) {
                    return None;
                }
                quiet.gcp(object, &entry)
            }
            SourceKind::AzureActivity => {
                let record = azure_activity::Glance::read(object);
                if wanted(object, Call::Azure(&record)) {
                    return None;
                }
                quiet.azure(object)
            }
            SourceKind::Docker if !docker_inspect::matches(object) => {
                let event = docker_events::Glance::read(object);
                if wanted(object, Call::Docker(&event)) {
                    return None;
                }
                quiet.docker(object)
            }
            _ => return None,
        };
        facts.source = source;
        self.correlator
            .observe(&Decoded::unknown(), facts, &self.config);
        // Only rules and the tables the gate sends to the full path add findings to an event.
        debug_assert!(facts.findings.is_empty());
        facts.findings.clear();
        Some(EnrichedEvent {
            source,
            envelope_index: position.index,
            raw: None,
            fields: Normalized::default(),
            findings: Vec::new(),
            shape_note: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Engine;

    #[test]
    fn configure_checks_rule_ids_and_patterns_against_the_catalogue() {
        let mut engine = Engine::new();
        let err = engine
            .configure(r#"{"rules":{"aws.nope":{"enabled":false}}}"#)
            .expect_err("unknown rule");
        assert_eq!(err.path, "rules.aws.nope");
        let err = engine
            .configure(r#"{"suppressions":[{"name":"a","reason":"b","rules":["gcp.nothing.*"],"principals":["x"]}]}"#)
            .expect_err("pattern matching nothing");
        assert_eq!(err.path, "suppressions[0].rules[0]");
        engine
            .configure(r#"{"rules":{"aws.cloudtrail.stop_logging":{"enabled":false}},"suppressions":[{"name":"a","reason":"b","rules":["aws.cloudtrail.*"],"principals":["x"]}]}"#)
            .expect("known ids and a matching pattern");
        assert!(!engine.config().enabled("aws.cloudtrail.stop_logging"));
    }
}

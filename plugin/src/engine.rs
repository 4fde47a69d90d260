//! The engine: configuration, per-input processing and end-of-stream. Both the wasm component and
//! native callers (tests, benchmarks, the harness's `--engine native`) drive this type.

use crate::config::{Config, ConfigError};
use crate::enrich::{self, Context};
use crate::model::{
    EnrichedEvent, EventOutcome, ParseError, ParseErrorKind, RawEvent, RuleInfo, SourceKind,
};
use crate::rules;
use crate::sources::envelope::{self, Inner, Position};
use crate::sources::{self, Decoded};

/// Inputs larger than this are refused with `too-large` rather than parsed.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct Engine {
    config: Config,
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Replace the configuration; on error the previous one stays active.
    pub fn configure(&mut self, document: &str) -> Result<(), ConfigError> {
        self.config = Config::parse(document)?;
        Ok(())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every rule, with whether the active configuration enables it.
    pub fn rules(&self) -> Vec<RuleInfo> {
        rules::catalogue()
            .map(|r| r.info(self.config.enabled(r.id)))
            .collect()
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
        Vec::new()
    }

    /// End of stream: everything not yet drained, and what closing every open window completes.
    pub fn flush(&mut self) -> Vec<EnrichedEvent> {
        Vec::new()
    }

    fn enrich(
        &self,
        position: Position<'_>,
        inner: Inner<'_, '_>,
        raw: &RawEvent<'_>,
    ) -> EnrichedEvent {
        let mut decoded = match inner {
            Inner::Object(object) => sources::decode(object, raw.source_hint),
            Inner::Text(_) => Decoded::unknown(),
        };
        if decoded.fields.account.is_none() && decoded.source != SourceKind::Unknown {
            decoded.fields.account = position.account.map(str::to_owned);
        }
        let mut detections = Vec::new();
        rules::evaluate(&decoded, &self.config, &mut detections);
        let context = Context {
            fields: &decoded.fields,
            failure: decoded.event.failure(),
            root: decoded.event.is_root(),
        };
        let findings = detections
            .into_iter()
            .filter_map(|d| enrich::finding(d, &context, &self.config))
            .collect();
        EnrichedEvent {
            source: decoded.source,
            envelope_index: position.index,
            raw: position.raw.map(str::to_owned),
            fields: decoded.fields,
            findings,
        }
    }
}

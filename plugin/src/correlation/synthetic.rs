//! Correlation findings that are rows of their own (a sequence that closed, a silence that outlasted
//! its gap): built through the same enrichment path as every finding, so rule switches, severity
//! overrides and suppressions apply to them too.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::config::{Config, Scope};
use crate::enrich::{self, Context};
use crate::model::{EnrichedEvent, Normalized, SourceKind};
use crate::rules::Detection;

/// A synthetic event carrying one finding, or nothing when configuration switched the rule off.
pub fn event(
    source: SourceKind,
    fields: Normalized,
    detection: Detection,
    related_events: Vec<String>,
    config: &Config,
) -> Option<EnrichedEvent> {
    let context = Context {
        fields: &fields,
        failure: None,
        root: false,
        scope: Scope::default(),
    };
    let mut finding = enrich::finding(detection, &context, config)?;
    finding.related_events = related_events;
    Some(EnrichedEvent {
        source,
        envelope_index: 0,
        raw: None,
        fields,
        findings: vec![finding],
        shape_note: None,
    })
}

pub fn rfc3339(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| micros.to_string())
}

/// A compact, sortable time for synthetic event ids.
pub fn time_id(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|| micros.to_string())
}

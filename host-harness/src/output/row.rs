//! One row of the enriched table, and how replay (or any other producer of enriched events) makes one.

use std::sync::Arc;

use blindspot_plugin::model::EnrichedEvent;

/// One output row: an event with its position, or an input that could not be read.
#[derive(Debug, Clone)]
pub struct Row {
    pub input_file: Arc<str>,
    pub input_line: u64,
    pub input_record: u32,
    pub raw: Option<String>,
    pub error: Option<String>,
    pub event: Option<EnrichedEvent>,
}

impl Row {
    /// The row of an enriched event read at `input_file:input_line`. The event's own `raw` (the plugin
    /// keeps it for envelope members) wins over `raw`, the input unit's text.
    pub fn event(
        input_file: Arc<str>,
        input_line: u64,
        raw: Option<String>,
        mut event: EnrichedEvent,
    ) -> Row {
        Row {
            input_file,
            input_line,
            input_record: event.envelope_index,
            raw: event.raw.take().or(raw),
            error: None,
            event: Some(event),
        }
    }

    /// The row of a correlation finding: no input position.
    pub fn correlation(event: EnrichedEvent) -> Row {
        Row::event(Arc::from(""), 0, None, event)
    }

    /// The row of an input that could not be read or processed.
    pub fn error(
        input_file: Arc<str>,
        input_line: u64,
        reason: String,
        raw: Option<String>,
    ) -> Row {
        Row {
            input_file,
            input_line,
            input_record: 0,
            raw,
            error: Some(reason),
            event: None,
        }
    }
}

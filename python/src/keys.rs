//! The correlation keys of each event, read cheaply (source detection and field normalisation, no
//! rules), so that an engine such as Spark can send each principal's events to one place before they
//! are enriched. An envelope holding several self-contained records (a CloudTrail S3 delivery file, an
//! Azure `records` batch, a JSON array) is split into one row per record, each with its own keys and
//! its index in the envelope, because one delivery file carries many principals. An envelope whose
//! records take something from it (the cluster a CloudWatch Logs group names, the AKS resource id, flow
//! log text lines) stays whole, keyed by its first event, so its events are read exactly as replay
//! reads them.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, Int32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use blindspot_plugin::sources::{self, envelope};

use crate::columns::InputColumns;
use crate::error::Error;

pub fn schema() -> SchemaRef {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        text("file"),
        Field::new("line", DataType::Int64, true),
        Field::new("record", DataType::Int32, false),
        Field::new("value", DataType::Binary, true),
        text("error"),
        text("account"),
        text("principal"),
        Field::new(
            "event_time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
    ]))
}

#[derive(Default)]
struct Keyed {
    file: StringBuilder,
    line: Int64Builder,
    record: Int32Builder,
    value: BinaryBuilder,
    error: StringBuilder,
    account: StringBuilder,
    principal: StringBuilder,
    event_time: TimestampMicrosecondBuilder,
}

/// What one event inside a unit contributes.
struct Found {
    index: u32,
    /// The record's own text, when it was unwrapped and needs nothing from its envelope.
    own: Option<String>,
    account: Option<String>,
    principal: Option<String>,
    time: Option<i64>,
}

impl Keyed {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        file: Option<&str>,
        line: Option<i64>,
        record: u32,
        value: Option<&[u8]>,
        error: Option<&str>,
        found: Option<&Found>,
    ) {
        self.file.append_option(file);
        self.line.append_option(line);
        self.record
            .append_value(i32::try_from(record).unwrap_or(i32::MAX));
        self.value.append_option(value);
        self.error.append_option(error);
        self.account
            .append_option(found.and_then(|f| f.account.as_deref()));
        self.principal
            .append_option(found.and_then(|f| f.principal.as_deref()));
        self.event_time.append_option(found.and_then(|f| f.time));
    }

    fn finish(mut self) -> Result<RecordBatch, Error> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.file.finish()),
            Arc::new(self.line.finish()),
            Arc::new(self.record.finish()),
            Arc::new(self.value.finish()),
            Arc::new(self.error.finish()),
            Arc::new(self.account.finish()),
            Arc::new(self.principal.finish()),
            Arc::new(self.event_time.finish().with_timezone("UTC")),
        ];
        Ok(RecordBatch::try_new(schema(), columns)?)
    }
}

/// The events of a unit and whether each may travel on its own.
fn events_of(text: &str) -> (Vec<Found>, bool) {
    let mut found = Vec::new();
    let mut separable = true;
    let outcome = envelope::for_each_event(text, &mut |position, inner| match inner {
        envelope::Inner::Object(object) => {
            let decoded = sources::decode(object, None);
            let fields = decoded.fields;
            separable &= position.raw.is_some() && position.account.is_none();
            found.push(Found {
                index: position.index,
                own: position.raw.map(str::to_owned),
                account: fields
                    .account
                    .or_else(|| position.account.map(str::to_owned)),
                principal: fields.principal,
                time: fields.event_time,
            });
        }
        envelope::Inner::Text(_) => {
            // Flow-log text needs the engine's per-stream format state: never split.
            separable = false;
            found.push(Found {
                index: position.index,
                own: None,
                account: position.account.map(str::to_owned),
                principal: None,
                time: None,
            });
        }
    });
    if outcome.is_err() {
        // The engine reports the error on the whole unit; keep it whole and unkeyed.
        return (Vec::new(), false);
    }
    (found, separable)
}

/// One row per event (records split out of self-contained envelopes), with `file`, `line`,
/// `record`, `value`, `error` and the keys `account`, `principal`, `event_time`.
pub fn split(input: &InputColumns) -> Result<RecordBatch, Error> {
    let mut out = Keyed::default();
    for row in 0..input.len() {
        let file = input.file(row);
        let line = input.line(row);
        let value = input.value(row);
        let error = input.error(row);
        let text = match (error, value) {
            (None, Some(value)) => std::str::from_utf8(value).ok(),
            _ => None,
        };
        let Some(text) = text else {
            out.push(file, line, 0, value, error, None);
            continue;
        };
        let (found, separable) = events_of(text);
        if separable && found.len() > 1 {
            for event in &found {
                let own = event.own.as_deref().map(str::as_bytes);
                out.push(file, line, event.index, own, None, Some(event));
            }
        } else {
            out.push(file, line, 0, value, None, found.first());
        }
    }
    out.finish()
}

//! The enriched-event table in Parquet (zstd): one row per event, error rows included. Column names
//! and types are a stable surface (README "Output schema"); extend, never rename.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use arrow::array::{
    ArrayRef, BooleanBuilder, Int32Builder, Int64Builder, ListBuilder, StringBuilder,
    StructBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use blindspot_plugin::model::Finding;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::atomic::Staged;
use super::{Row, RowSink};

/// Rows buffered before they are encoded as one record batch.
const BATCH_ROWS: usize = 8192;
/// Rows per Parquet row group: flushed as the run goes, so memory does not grow with the input.
const ROW_GROUP_ROWS: usize = 65_536;

fn string_list_field() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Utf8, true))
}

fn finding_fields() -> Fields {
    let list = DataType::List(string_list_field());
    Fields::from(vec![
        Field::new("rule_id", DataType::Utf8, false),
        Field::new("title", DataType::Utf8, false),
        Field::new("technique_id", DataType::Utf8, false),
        Field::new("technique_name", DataType::Utf8, false),
        Field::new("tactic", DataType::Utf8, false),
        Field::new("technique_id_newer", DataType::Utf8, true),
        Field::new("technique_name_newer", DataType::Utf8, true),
        Field::new("tactic_newer", DataType::Utf8, true),
        Field::new("severity", DataType::Utf8, false),
        Field::new("confidence", DataType::Int32, false),
        Field::new("reasons", list.clone(), false),
        Field::new("suppressed", DataType::Boolean, false),
        Field::new("suppression_reason", DataType::Utf8, true),
        Field::new("response", list.clone(), false),
        Field::new("related_events", list, false),
    ])
}

fn findings_item_field() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Struct(finding_fields()), true))
}

/// The table's schema.
pub fn schema() -> SchemaRef {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        Field::new("input_file", DataType::Utf8, true),
        Field::new("input_line", DataType::Int64, true),
        Field::new("input_record", DataType::Int32, true),
        Field::new(
            "event_time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
        Field::new("source", DataType::Utf8, false),
        text("provider"),
        text("account"),
        text("region"),
        text("principal"),
        text("principal_type"),
        text("source_ip"),
        text("user_agent"),
        text("action"),
        text("target"),
        text("outcome"),
        text("event_id"),
        text("raw"),
        text("error"),
        Field::new("findings", DataType::List(findings_item_field()), false),
        text("max_severity"),
        Field::new("alert", DataType::Boolean, false),
        // How the event was recognised when not in its canonical shape (docs/sources.md).
        text("shape_note"),
    ]))
}

/// Writes rows to `path` through a temporary file moved into place when the run completes, so a
/// reader never sees half a file.
pub struct ParquetSink {
    /// `None` once the file is finished.
    writer: Option<ArrowWriter<File>>,
    pending: Vec<Row>,
    staged: Staged,
    rows: u64,
}

/// The writer settings of every Parquet file the harness writes: zstd level 3, row groups of
/// `row_group_rows`, blindspot's version as the creator.
pub fn writer_properties(row_group_rows: usize) -> Result<WriterProperties> {
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_max_row_group_row_count(Some(row_group_rows))
        .set_created_by(format!("blindspot {}", env!("CARGO_PKG_VERSION")))
        .build())
}

impl ParquetSink {
    pub fn create(path: &Path) -> Result<ParquetSink> {
        let (staged, file) = Staged::file(path)?;
        let props = writer_properties(ROW_GROUP_ROWS)?;
        let writer = ArrowWriter::try_new(file, schema(), Some(props))?;
        Ok(ParquetSink {
            writer: Some(writer),
            pending: Vec::with_capacity(BATCH_ROWS),
            staged,
            rows: 0,
        })
    }

    fn write_pending(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = to_record_batch(&self.pending)?;
        self.rows += self.pending.len() as u64;
        self.pending.clear();
        if let Some(writer) = self.writer.as_mut() {
            writer.write(&batch)?;
        }
        Ok(())
    }
}

impl RowSink for ParquetSink {
    fn push(&mut self, row: Row) -> Result<()> {
        self.pending.push(row);
        if self.pending.len() >= BATCH_ROWS {
            self.write_pending()?;
        }
        Ok(())
    }

    /// Finish the file and move it into place. Returns the number of rows written.
    fn finish(mut self: Box<Self>) -> Result<u64> {
        self.write_pending()?;
        if let Some(writer) = self.writer.take() {
            writer.close()?;
        }
        self.staged.commit()?;
        Ok(self.rows)
    }
}

/// Encodes rows in the table's schema (the partitioned lake writes the same batches).
pub fn to_record_batch(rows: &[Row]) -> Result<RecordBatch> {
    let n = rows.len();
    let mut input_file = StringBuilder::with_capacity(n, n * 32);
    let mut input_line = Int64Builder::with_capacity(n);
    let mut input_record = Int32Builder::with_capacity(n);
    let mut event_time = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut source = StringBuilder::new();
    let mut text: Vec<StringBuilder> = (0..11).map(|_| StringBuilder::new()).collect();
    let mut raw = StringBuilder::new();
    let mut error = StringBuilder::new();
    let mut findings = ListBuilder::new(StructBuilder::from_fields(finding_fields(), 0))
        .with_field(findings_item_field());
    let mut max_severity = StringBuilder::new();
    let mut alert = BooleanBuilder::with_capacity(n);
    let mut shape_note = StringBuilder::new();

    for row in rows {
        input_file.append_value(&row.input_file);
        input_line.append_value(i64::try_from(row.input_line).unwrap_or(i64::MAX));
        input_record.append_value(i32::try_from(row.input_record).unwrap_or(i32::MAX));
        raw.append_option(row.raw.as_deref());
        error.append_option(row.error.as_deref());
        match &row.event {
            Some(event) => {
                let f = &event.fields;
                event_time.append_option(f.event_time);
                source.append_value(event.source.as_str());
                let values = [
                    f.provider.as_deref(),
                    f.account.as_deref(),
                    f.region.as_deref(),
                    f.principal.as_deref(),
                    f.principal_type.as_deref(),
                    f.source_ip.as_deref(),
                    f.user_agent.as_deref(),
                    f.action.as_deref(),
                    f.target.as_deref(),
                    Some(f.outcome.as_str()),
                    f.event_id.as_deref(),
                ];
                for (builder, value) in text.iter_mut().zip(values) {
                    builder.append_option(value);
                }
                for finding in &event.findings {
                    append_finding(findings.values(), finding);
                }
                findings.append(true);
                max_severity.append_option(event.max_severity().map(|s| s.as_str()));
                alert.append_value(event.is_alert());
                shape_note.append_option(event.shape_note.as_deref());
            }
            None => {
                event_time.append_null();
                source.append_value("unknown");
                for builder in text.iter_mut() {
                    builder.append_null();
                }
                findings.append(true);
                max_severity.append_null();
                alert.append_value(false);
                shape_note.append_null();
            }
        }
    }

    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(input_file.finish()),
        Arc::new(input_line.finish()),
        Arc::new(input_record.finish()),
        Arc::new(event_time.finish()),
        Arc::new(source.finish()),
    ];
    columns.extend(text.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.push(Arc::new(raw.finish()));
    columns.push(Arc::new(error.finish()));
    columns.push(Arc::new(findings.finish()));
    columns.push(Arc::new(max_severity.finish()));
    columns.push(Arc::new(alert.finish()));
    columns.push(Arc::new(shape_note.finish()));
    Ok(RecordBatch::try_new(schema(), columns)?)
}

fn append_finding(builder: &mut StructBuilder, finding: &Finding) {
    fn string(builder: &mut StructBuilder, i: usize, value: Option<&str>) {
        if let Some(b) = builder.field_builder::<StringBuilder>(i) {
            b.append_option(value);
        }
    }
    fn strings(builder: &mut StructBuilder, i: usize, values: &[String]) {
        if let Some(b) =
            builder.field_builder::<ListBuilder<Box<dyn arrow::array::ArrayBuilder>>>(i)
        {
            for value in values {
                if let Some(s) = b.values().as_any_mut().downcast_mut::<StringBuilder>() {
                    s.append_value(value);
                }
            }
            b.append(true);
        }
    }
    string(builder, 0, Some(&finding.rule_id));
    string(builder, 1, Some(&finding.title));
    string(builder, 2, Some(&finding.technique_id));
    string(builder, 3, Some(&finding.technique_name));
    string(builder, 4, Some(&finding.tactic));
    let newer = finding.technique_newer.as_ref();
    string(builder, 5, newer.map(|t| t.id.as_str()));
    string(builder, 6, newer.map(|t| t.name.as_str()));
    string(builder, 7, newer.map(|t| t.tactic.as_str()));
    string(builder, 8, Some(finding.severity.as_str()));
    if let Some(b) = builder.field_builder::<Int32Builder>(9) {
        b.append_value(i32::from(finding.confidence));
    }
    strings(builder, 10, &finding.reasons);
    if let Some(b) = builder.field_builder::<BooleanBuilder>(11) {
        b.append_value(finding.suppression.is_some());
    }
    string(builder, 12, finding.suppression.as_deref());
    strings(builder, 13, &finding.response);
    strings(builder, 14, &finding.related_events);
    builder.append(true);
}

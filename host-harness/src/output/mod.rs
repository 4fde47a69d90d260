//! Where replayed rows go. A [`Row`] is an enriched event (or an input that could not be read) with
//! its position; a [`RowSink`] takes rows and writes them somewhere. The enriched table ([`table`]),
//! the partitioned dataset ([`lake`]) and the OCSF findings ([`ocsf`]) are sinks, and so are the
//! combinators that drive them ([`threaded`] on a writer thread, [`fanout`] to several at once). Every
//! file an output writes appears whole or not at all ([`atomic`]). [`report`] reads outputs back.

pub mod atomic;
pub mod fanout;
pub mod lake;
pub mod ocsf;
pub mod report;
mod row;
mod sink;
pub mod table;
pub mod threaded;

pub use row::Row;
pub use sink::RowSink;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::AsArray;
    use blindspot_plugin::Engine;
    use blindspot_plugin::model::RawEvent;

    use super::{Row, ocsf, table};

    /// What a producer without the replay loop (the Python package) does: enriched events from the
    /// natively linked engine become rows, then record batches in the table's and OCSF's schemas.
    #[test]
    fn engine_events_become_table_and_ocsf_batches() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/aws/cloudtrail_audit_logging.ndjson"
        );
        let text = std::fs::read_to_string(path).expect("testdata");
        let mut engine = Engine::default();
        let mut rows = Vec::new();
        let file: Arc<str> = Arc::from(path);
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let outcome = engine.process_one(&RawEvent {
                data: line.as_bytes(),
                source_hint: None,
                tag: None,
            });
            for event in outcome.expect("recorded CloudTrail events parse") {
                rows.push(Row::event(
                    file.clone(),
                    i as u64 + 1,
                    Some(line.into()),
                    event,
                ));
            }
        }
        rows.extend(engine.flush().into_iter().map(Row::correlation));

        let batch = table::to_record_batch(&rows).expect("table batch");
        assert_eq!(batch.schema(), table::schema());
        assert_eq!(batch.num_rows(), rows.len());
        let alerts = batch.column_by_name("alert").expect("alert").as_boolean();
        let expected: Vec<bool> = rows
            .iter()
            .map(|r| r.event.as_ref().is_some_and(|e| e.is_alert()))
            .collect();
        assert!(expected.iter().any(|a| *a), "the stream holds alerts");
        assert_eq!(
            alerts.iter().map(|a| a == Some(true)).collect::<Vec<_>>(),
            expected
        );

        let records: Vec<ocsf::DetectionFinding> = rows.iter().flat_map(ocsf::records).collect();
        let findings: usize = rows
            .iter()
            .filter_map(|r| r.event.as_ref())
            .map(|e| e.findings.len())
            .sum();
        let batch = ocsf::to_record_batch(&records).expect("OCSF batch");
        assert_eq!(batch.schema(), ocsf::schema());
        assert_eq!(batch.num_rows(), findings);
        let empty = ocsf::to_record_batch(&[]).expect("empty batch");
        assert_eq!((empty.num_rows(), empty.schema()), (0, ocsf::schema()));
    }
}

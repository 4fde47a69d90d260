//! The records' Arrow schema, spelled out field by field (nested structs and lists, so engines can
//! query `finding_info.analytic.uid`).

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

fn nullable(name: &str, data_type: DataType) -> Field {
    Field::new(name, data_type, true)
}

fn text(name: &str) -> Field {
    nullable(name, DataType::Utf8)
}

fn object(name: &str, fields: Vec<Field>) -> Field {
    nullable(name, DataType::Struct(Fields::from(fields)))
}

fn list_of(name: &str, item: DataType) -> Field {
    nullable(
        name,
        DataType::List(Arc::new(Field::new("item", item, true))),
    )
}

fn named(name: &str) -> Field {
    object(name, vec![text("uid"), text("name")])
}

/// The Parquet schema of the records.
pub fn schema() -> SchemaRef {
    let int = |name: &str| nullable(name, DataType::Int32);
    Arc::new(Schema::new(vec![
        int("activity_id"),
        text("activity_name"),
        int("category_uid"),
        text("category_name"),
        int("class_uid"),
        text("class_name"),
        nullable("type_uid", DataType::Int64),
        text("type_name"),
        int("severity_id"),
        text("severity"),
        int("confidence_id"),
        text("confidence"),
        int("confidence_score"),
        int("status_id"),
        text("status"),
        text("status_detail"),
        nullable("is_alert", DataType::Boolean),
        nullable("time", DataType::Int64),
        nullable(
            "time_dt",
            // An offset, not a zone name: arrow parses named zones only with chrono-tz.
            DataType::Timestamp(TimeUnit::Millisecond, Some("+00:00".into())),
        ),
        text("message"),
        object(
            "metadata",
            vec![
                text("version"),
                object(
                    "product",
                    vec![text("name"), text("vendor_name"), text("version")],
                ),
                list_of("profiles", DataType::Utf8),
                text("log_name"),
                text("log_provider"),
                text("event_code"),
                text("original_event_uid"),
            ],
        ),
        object(
            "cloud",
            vec![
                text("provider"),
                object("account", vec![text("uid")]),
                text("region"),
            ],
        ),
        object(
            "finding_info",
            vec![
                text("uid"),
                text("title"),
                text("desc"),
                list_of("types", DataType::Utf8),
                object(
                    "analytic",
                    vec![text("uid"), text("name"), int("type_id"), text("type")],
                ),
                list_of(
                    "attacks",
                    DataType::Struct(Fields::from(vec![
                        named("tactic"),
                        named("technique"),
                        named("sub_technique"),
                    ])),
                ),
                list_of(
                    "related_events",
                    DataType::Struct(Fields::from(vec![text("uid")])),
                ),
                list_of("data_sources", DataType::Utf8),
            ],
        ),
        list_of(
            "resources",
            DataType::Struct(Fields::from(vec![
                text("uid"),
                text("name"),
                text("region"),
            ])),
        ),
        list_of(
            "evidences",
            DataType::Struct(Fields::from(vec![
                object(
                    "actor",
                    vec![object("user", vec![text("name"), text("type")])],
                ),
                object(
                    "api",
                    vec![text("operation"), object("service", vec![text("name")])],
                ),
                object("src_endpoint", vec![text("ip"), text("domain")]),
                object("http_request", vec![text("user_agent")]),
            ])),
        ),
        object("remediation", vec![text("desc")]),
        text("raw_data"),
        object(
            "unmapped",
            vec![
                text("input_file"),
                nullable("input_line", DataType::Int64),
                int("input_record"),
                text("source"),
                text("event_id"),
                text("outcome"),
                text("target"),
                list_of("reasons", DataType::Utf8),
                list_of("remediation_steps", DataType::Utf8),
            ],
        ),
    ]))
}

//! Findings as OCSF 1.4.0 Detection Finding (class 2004) records, one per finding, written as Parquet
//! (nested structs and lists, so engines can query `finding_info.analytic.uid`) or as NDJSON for
//! shippers. Both forms serialise the same `DetectionFinding` values; the Parquet schema is spelled
//! out below and the decoder runs in strict mode, so a field added to the records but not to the
//! schema fails loudly instead of vanishing. `docs/data-lake.md` documents the mapping field by field.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use arrow::json::ReaderBuilder;
use blindspot_plugin::model::{EnrichedEvent, Finding, Severity, SourceKind};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde::Serialize;

use crate::parquet_out::Row;
use crate::sink::RowSink;

/// The OCSF schema version the records follow.
pub const OCSF_VERSION: &str = "1.4.0";
const CLASS_UID: u32 = 2004;
const ACTIVITY_CREATE: u32 = 1;
/// Records buffered before they are encoded as one Parquet record batch.
const BATCH_RECORDS: usize = 4096;
const ROW_GROUP_ROWS: usize = 65_536;

/// How the OCSF records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcsfFormat {
    Parquet,
    Ndjson,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetectionFinding {
    pub activity_id: u32,
    pub activity_name: &'static str,
    pub category_uid: u32,
    pub category_name: &'static str,
    pub class_uid: u32,
    pub class_name: &'static str,
    pub type_uid: u64,
    pub type_name: &'static str,
    pub severity_id: u32,
    pub severity: &'static str,
    pub confidence_id: u32,
    pub confidence: &'static str,
    pub confidence_score: u32,
    pub status_id: u32,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_detail: Option<String>,
    pub is_alert: bool,
    /// Event time, milliseconds since the epoch (OCSF `timestamp_t`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
    /// The same instant as RFC 3339 (the `datetime` profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_dt: Option<String>,
    pub message: String,
    pub metadata: Metadata,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<Cloud>,
    pub finding_info: FindingInfo,
    pub resources: Vec<Resource>,
    pub evidences: Vec<Evidence>,
    pub remediation: Remediation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_data: Option<String>,
    pub unmapped: Unmapped,
}

#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    pub version: &'static str,
    pub product: Product,
    pub profiles: Vec<&'static str>,
    pub log_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_event_uid: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub name: &'static str,
    pub vendor_name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cloud {
    pub provider: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub uid: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingInfo {
    pub uid: String,
    pub title: String,
    pub desc: String,
    pub types: Vec<String>,
    pub analytic: Analytic,
    pub attacks: Vec<Attack>,
    pub related_events: Vec<RelatedEvent>,
    pub data_sources: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Analytic {
    pub uid: String,
    pub name: String,
    pub type_id: u32,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attack {
    pub tactic: Named,
    pub technique: Named,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_technique: Option<Named>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub uid: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RelatedEvent {
    pub uid: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub uid: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<Api>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_endpoint: Option<Endpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_request: Option<HttpRequest>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub user: User,
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub name: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Api {
    pub operation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<Service>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Endpoint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// A source that is not an address (AWS writes the calling service's name there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpRequest {
    pub user_agent: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Remediation {
    pub desc: String,
}

/// What OCSF has no attribute for, and where the record came from.
#[derive(Debug, Clone, Serialize)]
pub struct Unmapped {
    pub input_file: String,
    pub input_line: u64,
    pub input_record: u32,
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub reasons: Vec<String>,
    pub remediation_steps: Vec<String>,
}

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

/// OCSF `severity_id` and its caption.
fn severity(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// OCSF `confidence_id` from a 0-100 score: the thirds OCSF's Low / Medium / High name.
fn confidence(score: u8) -> (u32, &'static str) {
    match score {
        0..=39 => (1, "Low"),
        40..=69 => (2, "Medium"),
        _ => (3, "High"),
    }
}

/// `cloud.provider` for the sources that run in one cloud; Kubernetes and Docker can run anywhere, so
/// their records carry no `cloud` object unless the event names an account.
fn cloud_provider(source: SourceKind) -> Option<&'static str> {
    match source {
        SourceKind::AwsCloudtrail => Some("AWS"),
        SourceKind::AzureActivity => Some("Azure"),
        SourceKind::GcpAudit => Some("GCP"),
        _ => None,
    }
}

const TACTICS: [(&str, &str); 14] = [
    ("Reconnaissance", "TA0043"),
    ("Resource Development", "TA0042"),
    ("Initial Access", "TA0001"),
    ("Execution", "TA0002"),
    ("Persistence", "TA0003"),
    ("Privilege Escalation", "TA0004"),
    ("Defense Evasion", "TA0005"),
    ("Credential Access", "TA0006"),
    ("Discovery", "TA0007"),
    ("Lateral Movement", "TA0008"),
    ("Collection", "TA0009"),
    ("Command and Control", "TA0011"),
    ("Exfiltration", "TA0010"),
    ("Impact", "TA0040"),
];

/// The rules write tactics as `Defense Evasion (TA0005)`; a bare name is looked up.
fn tactic(text: &str) -> Named {
    if let Some((name, rest)) = text.rsplit_once(" (")
        && let Some(uid) = rest.strip_suffix(')')
    {
        return Named {
            uid: uid.to_string(),
            name: name.to_string(),
        };
    }
    let uid = TACTICS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map_or("", |(_, uid)| uid);
    Named {
        uid: uid.to_string(),
        name: text.to_string(),
    }
}

/// ATT&CK names a sub-technique `Parent: Sub` under id `T1234.001`; OCSF wants both halves.
fn attack(technique_id: &str, technique_name: &str, tactic_text: &str) -> Attack {
    let tactic = tactic(tactic_text);
    match technique_id.split_once('.') {
        Some((parent, _)) => {
            let (parent_name, sub_name) = technique_name
                .split_once(": ")
                .unwrap_or(("", technique_name));
            Attack {
                tactic,
                technique: Named {
                    uid: parent.to_string(),
                    name: parent_name.to_string(),
                },
                sub_technique: Some(Named {
                    uid: technique_id.to_string(),
                    name: sub_name.to_string(),
                }),
            }
        }
        None => Attack {
            tactic,
            technique: Named {
                uid: technique_id.to_string(),
                name: technique_name.to_string(),
            },
            sub_technique: None,
        },
    }
}

/// FNV-1a, 64 bits: a stable, dependency-free hash for record ids (not a security boundary).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// A finding's uid from what identifies the event (its source, own id, time, text and position in its
/// envelope) and the rule. Not the input path: the same event replayed from another directory is the
/// same finding, and a lake deduplicates on this uid.
fn finding_uid(event: &EnrichedEvent, raw: Option<&str>, finding: &Finding) -> String {
    let f = &event.fields;
    let time = f.event_time.unwrap_or(i64::MIN).to_le_bytes();
    let record = event.envelope_index.to_le_bytes();
    let related = finding.related_events.join("\n");
    let hash = fnv1a(&[
        event.source.as_str().as_bytes(),
        f.event_id.as_deref().unwrap_or("").as_bytes(),
        &time,
        raw.unwrap_or("").as_bytes(),
        &record,
        finding.rule_id.as_bytes(),
        related.as_bytes(),
    ]);
    format!("blindspot-{hash:016x}")
}

fn rfc3339_millis(micros: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// The OCSF records of one row: one per finding, none for error rows or events without findings.
pub fn records(row: &Row) -> Vec<DetectionFinding> {
    let Some(event) = &row.event else {
        return Vec::new();
    };
    let raw = row.raw.as_deref().or(event.raw.as_deref());
    event
        .findings
        .iter()
        .map(|finding| record(row, event, raw, finding))
        .collect()
}

fn record(
    row: &Row,
    event: &EnrichedEvent,
    raw: Option<&str>,
    finding: &Finding,
) -> DetectionFinding {
    let f = &event.fields;
    let (severity_id, severity_name) = severity(finding.severity);
    let (confidence_id, confidence_name) = confidence(finding.confidence);
    let suppressed = finding.suppression.is_some();
    let attack = attack(
        &finding.technique_id,
        &finding.technique_name,
        &finding.tactic,
    );
    // The newer ATT&CK release's id for the same behaviour, as a second entry: readers on either
    // release find the finding.
    let newer = finding
        .technique_newer
        .as_ref()
        .map(|t| self::attack(&t.id, &t.name, &t.tactic));
    let types = vec![
        format!("TTPs/{}", attack.tactic.name),
        format!("TTPs/{}/{}", attack.tactic.name, finding.technique_id),
    ];
    let cloud = cloud_provider(event.source).map(|provider| Cloud {
        provider,
        account: f.account.clone().map(|uid| Account { uid }),
        region: f.region.clone(),
    });
    let src_endpoint = f.source_ip.as_deref().map(|ip| match ip.parse::<IpAddr>() {
        Ok(_) => Endpoint {
            ip: Some(ip.to_string()),
            domain: None,
        },
        Err(_) => Endpoint {
            ip: None,
            domain: Some(ip.to_string()),
        },
    });
    let evidence = Evidence {
        actor: f.principal.clone().map(|name| Actor {
            user: User {
                name,
                kind: f.principal_type.clone(),
            },
        }),
        api: f.action.clone().map(|operation| {
            // `cloudtrail:StopLogging` names its service; other sources' actions fall back to the platform.
            let service = operation
                .split_once(':')
                .map(|(service, _)| service.to_string())
                .or_else(|| f.provider.clone());
            Api {
                operation,
                service: service.map(|name| Service { name }),
            }
        }),
        src_endpoint,
        http_request: f
            .user_agent
            .clone()
            .map(|user_agent| HttpRequest { user_agent }),
    };
    let evidences =
        if evidence.actor.is_some() || evidence.api.is_some() || evidence.src_endpoint.is_some() {
            vec![evidence]
        } else {
            Vec::new()
        };
    let resources = f
        .target
        .iter()
        .map(|target| Resource {
            uid: target.clone(),
            name: target.clone(),
            region: f.region.clone(),
        })
        .collect();
    let message = match &f.target {
        Some(target) => format!("{} ({target})", finding.title),
        None => finding.title.clone(),
    };
    DetectionFinding {
        activity_id: ACTIVITY_CREATE,
        activity_name: "Create",
        category_uid: 2,
        category_name: "Findings",
        class_uid: CLASS_UID,
        class_name: "Detection Finding",
        type_uid: u64::from(CLASS_UID) * 100 + u64::from(ACTIVITY_CREATE),
        type_name: "Detection Finding: Create",
        severity_id,
        severity: severity_name,
        confidence_id,
        confidence: confidence_name,
        confidence_score: u32::from(finding.confidence),
        status_id: if suppressed { 3 } else { 1 },
        status: if suppressed { "Suppressed" } else { "New" },
        status_detail: finding.suppression.clone(),
        is_alert: !suppressed && finding.severity >= Severity::Medium,
        time: f.event_time.map(|us| us.div_euclid(1000)),
        time_dt: f.event_time.and_then(rfc3339_millis),
        message,
        metadata: Metadata {
            version: OCSF_VERSION,
            product: Product {
                name: "blindspot",
                vendor_name: "blindspot",
                version: env!("CARGO_PKG_VERSION"),
            },
            profiles: if cloud.is_some() {
                vec!["cloud", "datetime"]
            } else {
                vec!["datetime"]
            },
            log_name: event.source.as_str(),
            log_provider: f.provider.clone(),
            event_code: f.action.clone(),
            original_event_uid: f.event_id.clone(),
        },
        cloud,
        finding_info: FindingInfo {
            uid: finding_uid(event, raw, finding),
            title: finding.title.clone(),
            desc: finding.reasons.join("; "),
            types,
            analytic: Analytic {
                uid: finding.rule_id.clone(),
                name: finding.rule_id.clone(),
                type_id: 1,
                kind: "Rule",
            },
            attacks: std::iter::once(attack).chain(newer).collect(),
            related_events: finding
                .related_events
                .iter()
                .map(|uid| RelatedEvent { uid: uid.clone() })
                .collect(),
            data_sources: vec![event.source.as_str()],
        },
        resources,
        evidences,
        remediation: Remediation {
            desc: finding.response.join("\n"),
        },
        raw_data: raw.map(str::to_string),
        unmapped: Unmapped {
            input_file: row.input_file.to_string(),
            input_line: row.input_line,
            input_record: row.input_record,
            source: event.source.as_str(),
            event_id: f.event_id.clone(),
            outcome: f.outcome.as_str(),
            target: f.target.clone(),
            reasons: finding.reasons.clone(),
            remediation_steps: finding.response.clone(),
        },
    }
}

enum Output {
    Parquet {
        // Boxed: the writer's buffers dwarf the NDJSON variant.
        writer: Box<ArrowWriter<File>>,
        pending: Vec<DetectionFinding>,
    },
    Ndjson(BufWriter<File>),
}

/// Writes the OCSF records of every row to `path` (temporary file renamed into place in `finish`).
pub struct OcsfSink {
    /// `None` once finished.
    output: Option<Output>,
    tmp: PathBuf,
    path: PathBuf,
    records: u64,
    /// Set once the file is in place; until then `Drop` removes the temporary file.
    finished: bool,
}

impl OcsfSink {
    pub fn create(path: &Path, format: OcsfFormat) -> Result<OcsfSink> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating output directory {}", dir.display()))?;
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let file =
            File::create(&tmp).with_context(|| format!("creating output {}", tmp.display()))?;
        let output = match format {
            OcsfFormat::Parquet => {
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                    .set_created_by(format!("blindspot {}", env!("CARGO_PKG_VERSION")))
                    .build();
                Output::Parquet {
                    writer: Box::new(ArrowWriter::try_new(file, schema(), Some(props))?),
                    pending: Vec::with_capacity(BATCH_RECORDS),
                }
            }
            OcsfFormat::Ndjson => Output::Ndjson(BufWriter::new(file)),
        };
        Ok(OcsfSink {
            output: Some(output),
            tmp,
            path: path.to_path_buf(),
            records: 0,
            finished: false,
        })
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    fn write_pending(
        writer: &mut ArrowWriter<File>,
        pending: &mut Vec<DetectionFinding>,
    ) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let mut decoder = ReaderBuilder::new(schema())
            .with_strict_mode(true)
            .build_decoder()?;
        decoder
            .serialize(pending)
            .context("encoding OCSF records for Parquet")?;
        pending.clear();
        if let Some(batch) = decoder.flush()? {
            writer.write(&batch)?;
        }
        Ok(())
    }
}

impl RowSink for OcsfSink {
    fn push(&mut self, row: Row) -> Result<()> {
        let records = records(&row);
        self.records += records.len() as u64;
        match self.output.as_mut() {
            Some(Output::Parquet { writer, pending }) => {
                pending.extend(records);
                if pending.len() >= BATCH_RECORDS {
                    OcsfSink::write_pending(writer, pending)?;
                }
            }
            Some(Output::Ndjson(out)) => {
                for record in &records {
                    serde_json::to_writer(&mut *out, record)?;
                    out.write_all(b"\n")?;
                }
            }
            None => {}
        }
        Ok(())
    }

    /// Returns the number of OCSF records written (not enriched-table rows: a fan-out reports the
    /// enriched table's count).
    fn finish(mut self: Box<Self>) -> Result<u64> {
        match self.output.take() {
            Some(Output::Parquet {
                mut writer,
                mut pending,
            }) => {
                OcsfSink::write_pending(&mut writer, &mut pending)?;
                writer.close()?;
            }
            Some(Output::Ndjson(mut out)) => {
                out.flush()?;
                out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            }
            None => {}
        }
        std::fs::rename(&self.tmp, &self.path)
            .with_context(|| format!("moving {} to {}", self.tmp.display(), self.path.display()))?;
        self.finished = true;
        Ok(self.records)
    }
}

impl Drop for OcsfSink {
    fn drop(&mut self) {
        // `finish` not reached or failed: leave no half file behind.
        if !self.finished {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

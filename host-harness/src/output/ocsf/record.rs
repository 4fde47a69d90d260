//! The records: OCSF 1.4.0 Detection Finding objects with the attributes blindspot fills.

use serde::Serialize;

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

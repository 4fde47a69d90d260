//! Network flow logs: AWS VPC Flow Logs (the default version-2 text line, custom formats announced by a
//! header line, and the JSON records shippers emit after parsing either) and GCP VPC flow logs and
//! firewall-rule logs (Cloud Logging `LogEntry`s). Both providers become one [`FlowRecord`].
//!
//! Text lines are read with the active format: the default version-2 layout, or the field list of the
//! last header line seen for the input's tag (S3-delivered files start with one). The header line
//! itself is an event with no findings. A line that does not read as a flow record under either
//! layout stays `unknown`, never an error: a text line is only a flow record if every field reads.
//!
//! Text parsing allocates nothing until the normalised fields are built, because flow logs are by far
//! the busiest source and almost every record is a benign `ACCEPT`.

use std::borrow::Cow;
use std::net::IpAddr;

use super::json::{self, Object};
use super::time::{epoch_seconds_micros, rfc3339_micros};
use super::{Decoded, SourceEvent};
use crate::model::{Normalized, Outcome, SourceKind};

/// Who wrote the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Aws,
    Gcp,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Gcp => "gcp",
        }
    }
}

/// What kind of line or entry this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A traffic record (AWS flow record, GCP VPC flow).
    Flow,
    /// A GCP firewall-rule log entry (the only place GCP shows denied connections).
    Firewall,
    /// An AWS custom-format header line: it sets the layout of the lines after it.
    Header,
}

/// What the security group, NACL or firewall rule did with the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Reject,
    Unknown,
}

/// AWS `log-status`: `NODATA` and `SKIPDATA` records carry no traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStatus {
    Ok,
    NoData,
    SkipData,
    Unknown,
}

/// One flow record, whichever provider and layout it came in.
#[derive(Debug, Clone)]
pub struct FlowRecord<'a> {
    pub provider: Provider,
    pub kind: Kind,
    pub version: Option<u32>,
    /// AWS account id, or GCP project id of the reporting side.
    pub account: Option<Cow<'a, str>>,
    pub interface_id: Option<Cow<'a, str>>,
    /// AWS instance id or GCP VM name of the reporting side.
    pub instance: Option<Cow<'a, str>>,
    pub vpc: Option<Cow<'a, str>>,
    pub region: Option<Cow<'a, str>>,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    /// IANA protocol number.
    pub protocol: Option<u8>,
    pub packets: Option<u64>,
    pub bytes: Option<u64>,
    /// Start and end of the aggregation window, microseconds since the epoch.
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub action: Action,
    pub log_status: LogStatus,
    /// AWS `flow-direction` (`ingress`/`egress`) or GCP `reporter` / firewall `direction`.
    pub direction: Option<Cow<'a, str>>,
    /// GCP firewall rule that matched (`network:default/firewall:deny-egress`).
    pub rule: Option<Cow<'a, str>>,
    /// GCP `insertId`; AWS records have no id of their own.
    pub event_id: Option<Cow<'a, str>>,
}

impl<'a> FlowRecord<'a> {
    fn empty(provider: Provider, kind: Kind) -> FlowRecord<'a> {
        FlowRecord {
            provider,
            kind,
            version: None,
            account: None,
            interface_id: None,
            instance: None,
            vpc: None,
            region: None,
            src: None,
            dst: None,
            src_port: None,
            dst_port: None,
            protocol: None,
            packets: None,
            bytes: None,
            start: None,
            end: None,
            action: Action::Unknown,
            log_status: LogStatus::Unknown,
            direction: None,
            rule: None,
            event_id: None,
        }
    }

    /// Whether the record reports traffic (not a header, not `NODATA`/`SKIPDATA`).
    pub fn carries_traffic(&self) -> bool {
        self.kind != Kind::Header
            && matches!(self.log_status, LogStatus::Ok | LogStatus::Unknown)
            && self.dst.is_some()
    }

    /// Event time: the window start, else its end.
    pub fn time(&self) -> Option<i64> {
        self.start.or(self.end)
    }

    /// A stable reference for findings that join this record (AWS records carry no id).
    pub fn reference(&self) -> String {
        if let Some(id) = &self.event_id {
            return id.to_string();
        }
        reference(
            self.interface_id.as_deref(),
            self.src,
            self.src_port,
            self.dst,
            self.dst_port,
            self.protocol,
            self.time(),
        )
    }

    pub fn normalize(&self) -> Normalized {
        let action = match (self.kind, self.log_status, self.action) {
            (Kind::Header, _, _) => "flow_log.format",
            (_, LogStatus::NoData, _) => "flow.nodata",
            (_, LogStatus::SkipData, _) => "flow.skipdata",
            (Kind::Firewall, _, Action::Reject) => "firewall.denied",
            (Kind::Firewall, _, _) => "firewall.allowed",
            (_, _, Action::Accept) => "flow.accept",
            (_, _, Action::Reject) => "flow.reject",
            (_, _, Action::Unknown) => "flow",
        };
        let target = self.dst.map(|dst| match self.dst_port {
            Some(port) => format!(
                "{}:{port}/{}",
                SocketHost(dst),
                protocol_name(self.protocol)
            ),
            None => dst.to_string(),
        });
        Normalized {
            event_time: self.time(),
            event_id: self.event_id.as_deref().map(str::to_owned),
            provider: Some(self.provider.as_str().to_owned()),
            account: self.account.as_deref().map(str::to_owned),
            region: self.region.as_deref().map(str::to_owned),
            principal: self
                .instance
                .as_deref()
                .or(self.interface_id.as_deref())
                .map(str::to_owned),
            principal_type: None,
            source_ip: self.src.map(|ip| ip.to_string()),
            user_agent: None,
            action: Some(action.to_owned()),
            target,
            outcome: match self.action {
                Action::Accept => Outcome::Success,
                // Traffic refused: an attempt that did not go through.
                Action::Reject => Outcome::Failure,
                Action::Unknown => Outcome::Unknown,
            },
        }
    }

    fn decoded(self) -> Decoded<'a> {
        Decoded {
            source: SourceKind::FlowLog,
            fields: self.normalize(),
            event: SourceEvent::FlowLog(self),
            shape_note: None,
        }
    }
}

/// `flow:<interface>:<src>:<port>><dst>:<port>/<protocol>@<window start, epoch seconds>`: names an
/// AWS flow record, which has no id of its own.
pub fn reference(
    interface: Option<&str>,
    src: Option<IpAddr>,
    src_port: Option<u16>,
    dst: Option<IpAddr>,
    dst_port: Option<u16>,
    protocol: Option<u8>,
    time: Option<i64>,
) -> String {
    format!(
        "flow:{}:{}:{}>{}:{}/{}@{}",
        interface.unwrap_or("-"),
        opt(src),
        opt(src_port),
        opt(dst),
        opt(dst_port),
        opt(protocol),
        time.map(|t| t / 1_000_000).unwrap_or_default()
    )
}

fn opt<T: std::fmt::Display>(value: Option<T>) -> String {
    value
        .map(|v| v.to_string())
        .unwrap_or_else(|| "-".to_owned())
}

/// Brackets IPv6 addresses before a port.
struct SocketHost(IpAddr);

impl std::fmt::Display for SocketHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(ip) => write!(f, "{ip}"),
            IpAddr::V6(ip) => write!(f, "[{ip}]"),
        }
    }
}

pub fn protocol_name(protocol: Option<u8>) -> Cow<'static, str> {
    match protocol {
        Some(6) => "tcp".into(),
        Some(17) => "udp".into(),
        Some(1) => "icmp".into(),
        Some(58) => "icmpv6".into(),
        Some(n) => format!("proto-{n}").into(),
        None => "any".into(),
    }
}

// ---------------------------------------------------------------------------------------------------
// AWS fields

/// The AWS flow-log fields (versions 2 to 8). Fields the engine does not read are `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Version,
    AccountId,
    InterfaceId,
    SrcAddr,
    DstAddr,
    SrcPort,
    DstPort,
    Protocol,
    Packets,
    Bytes,
    Start,
    End,
    Action,
    LogStatus,
    VpcId,
    InstanceId,
    Region,
    FlowDirection,
    Other,
}

/// Every field name AWS documents, with what the engine reads from it.
const FIELD_NAMES: &[(&str, Field)] = &[
    ("version", Field::Version),
    ("account-id", Field::AccountId),
    ("interface-id", Field::InterfaceId),
    ("srcaddr", Field::SrcAddr),
    ("dstaddr", Field::DstAddr),
    ("srcport", Field::SrcPort),
    ("dstport", Field::DstPort),
    ("protocol", Field::Protocol),
    ("packets", Field::Packets),
    ("bytes", Field::Bytes),
    ("start", Field::Start),
    ("end", Field::End),
    ("action", Field::Action),
    ("log-status", Field::LogStatus),
    ("vpc-id", Field::VpcId),
    ("subnet-id", Field::Other),
    ("instance-id", Field::InstanceId),
    ("tcp-flags", Field::Other),
    ("type", Field::Other),
    ("pkt-srcaddr", Field::Other),
    ("pkt-dstaddr", Field::Other),
    ("region", Field::Region),
    ("az-id", Field::Other),
    ("sublocation-type", Field::Other),
    ("sublocation-id", Field::Other),
    ("pkt-src-aws-service", Field::Other),
    ("pkt-dst-aws-service", Field::Other),
    ("flow-direction", Field::FlowDirection),
    ("traffic-path", Field::Other),
    ("ecs-cluster-arn", Field::Other),
    ("ecs-cluster-name", Field::Other),
    ("ecs-container-instance-arn", Field::Other),
    ("ecs-container-instance-id", Field::Other),
    ("ecs-container-id", Field::Other),
    ("ecs-second-container-id", Field::Other),
    ("ecs-service-name", Field::Other),
    ("ecs-task-definition-arn", Field::Other),
    ("ecs-task-arn", Field::Other),
    ("ecs-task-id", Field::Other),
    ("reject-reason", Field::Other),
    ("resource-id", Field::Other),
    ("encryption-status", Field::Other),
];

/// The default format: every version-2 field in documented order.
pub const DEFAULT_FORMAT: [Field; 14] = [
    Field::Version,
    Field::AccountId,
    Field::InterfaceId,
    Field::SrcAddr,
    Field::DstAddr,
    Field::SrcPort,
    Field::DstPort,
    Field::Protocol,
    Field::Packets,
    Field::Bytes,
    Field::Start,
    Field::End,
    Field::Action,
    Field::LogStatus,
];

/// A documented field name, accepting `account_id` for `account-id` (Athena, Firehose transforms) and
/// `${account-id}` (the format string of the flow log's definition).
pub fn field_named(name: &str) -> Option<Field> {
    let name = name
        .strip_prefix("${")
        .and_then(|n| n.strip_suffix('}'))
        .unwrap_or(name);
    FIELD_NAMES
        .iter()
        .find(|(known, _)| {
            known.len() == name.len()
                && known
                    .bytes()
                    .zip(name.bytes())
                    .all(|(k, n)| k == n.to_ascii_lowercase() || (k == b'-' && n == b'_'))
        })
        .map(|(_, field)| *field)
}

/// Why a value did not read; the line is then not a flow record.
struct Bad;

/// Fill one field from its text value (`-` is a missing value).
fn set_text<'a>(record: &mut FlowRecord<'a>, field: Field, value: &'a str) -> Result<(), Bad> {
    if value == "-" {
        return Ok(());
    }
    fn num<T: std::str::FromStr>(value: &str) -> Result<Option<T>, Bad> {
        value.parse().map(Some).map_err(|_| Bad)
    }
    match field {
        Field::Version => record.version = num(value)?,
        Field::AccountId => record.account = Some(Cow::Borrowed(value)),
        Field::InterfaceId => record.interface_id = Some(Cow::Borrowed(value)),
        Field::SrcAddr => record.src = num(value)?,
        Field::DstAddr => record.dst = num(value)?,
        Field::SrcPort => record.src_port = num(value)?,
        Field::DstPort => record.dst_port = num(value)?,
        Field::Protocol => record.protocol = num(value)?,
        Field::Packets => record.packets = num(value)?,
        Field::Bytes => record.bytes = num(value)?,
        Field::Start => record.start = num::<i64>(value)?.and_then(epoch_seconds_micros),
        Field::End => record.end = num::<i64>(value)?.and_then(epoch_seconds_micros),
        Field::Action => {
            record.action = match value {
                "ACCEPT" => Action::Accept,
                "REJECT" => Action::Reject,
                _ => return Err(Bad),
            }
        }
        Field::LogStatus => {
            record.log_status = match value {
                "OK" => LogStatus::Ok,
                "NODATA" => LogStatus::NoData,
                "SKIPDATA" => LogStatus::SkipData,
                _ => return Err(Bad),
            }
        }
        Field::VpcId => record.vpc = Some(Cow::Borrowed(value)),
        Field::InstanceId => record.instance = Some(Cow::Borrowed(value)),
        Field::Region => record.region = Some(Cow::Borrowed(value)),
        Field::FlowDirection => record.direction = Some(Cow::Borrowed(value)),
        Field::Other => {}
    }
    Ok(())
}

/// Whether a record read from text or JSON says enough to be a flow record at all.
fn plausible(record: &FlowRecord<'_>) -> bool {
    record.src.is_some()
        || record.dst.is_some()
        || record.interface_id.is_some()
        || record.log_status != LogStatus::Unknown
}

/// Read one text line with a layout. `None` when the token count differs or any value does not read.
pub fn parse_line<'a>(line: &'a str, layout: &[Field]) -> Option<FlowRecord<'a>> {
    let mut record = FlowRecord::empty(Provider::Aws, Kind::Flow);
    let mut tokens = line.split_ascii_whitespace();
    for field in layout {
        set_text(&mut record, *field, tokens.next()?).ok()?;
    }
    if tokens.next().is_some() || !plausible(&record) {
        return None;
    }
    Some(record)
}

/// The layout a header line announces, or `None` when the line is not a header. A header names at
/// least two documented fields, one of them an address, interface or status field, and has no token
/// that is not a field-like name (a word of letters, digits, `-` and `_` starting with a letter).
pub fn parse_header(line: &str) -> Option<Vec<Field>> {
    let mut layout = Vec::new();
    let mut known = 0;
    let mut anchored = false;
    for token in line.split_ascii_whitespace() {
        let bare = token
            .strip_prefix("${")
            .and_then(|n| n.strip_suffix('}'))
            .unwrap_or(token);
        let name_like = bare.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && bare
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !name_like || layout.len() >= MAX_HEADER_FIELDS {
            return None;
        }
        let field = field_named(bare);
        if let Some(field) = field {
            known += 1;
            anchored |= matches!(
                field,
                Field::SrcAddr | Field::DstAddr | Field::InterfaceId | Field::LogStatus
            );
        }
        layout.push(field.unwrap_or(Field::Other));
    }
    (known >= 2 && anchored).then_some(layout)
}

/// More fields than AWS documents: not a header.
const MAX_HEADER_FIELDS: usize = 64;

/// Remembered custom formats, one per input tag (untagged inputs share one). Bounded: the least
/// recently used tag is forgotten beyond [`Formats::CAP`].
#[derive(Debug, Default)]
pub struct Formats {
    /// Most recently used last.
    active: Vec<(Option<String>, Vec<Field>)>,
    evicted: u64,
}

impl Formats {
    pub const CAP: usize = 256;

    fn get(&mut self, tag: Option<&str>) -> Option<&[Field]> {
        let i = self.active.iter().position(|(t, _)| t.as_deref() == tag)?;
        // Move to the back so that eviction takes the least recently used tag.
        if i + 1 != self.active.len() {
            let entry = self.active.remove(i);
            self.active.push(entry);
        }
        self.active.last().map(|(_, layout)| layout.as_slice())
    }

    fn set(&mut self, tag: Option<&str>, layout: Vec<Field>) {
        self.active.retain(|(t, _)| t.as_deref() != tag);
        if self.active.len() >= Self::CAP {
            self.active.remove(0);
            self.evicted += 1;
        }
        self.active.push((tag.map(str::to_owned), layout));
    }

    /// Formats forgotten because more tags than [`Formats::CAP`] announced one.
    pub fn evictions(&self) -> u64 {
        self.evicted
    }
}

/// Read a non-JSON line: a header line (remembered for the tag), a record in the tag's custom format,
/// or a default version-2 record; anything else is `unknown`.
pub fn decode_text<'a>(text: &'a str, formats: &mut Formats, tag: Option<&str>) -> Decoded<'a> {
    let line = text.trim();
    // Headers first: a record line fails this at its first value (a number, address or id).
    if let Some(layout) = parse_header(line) {
        let mut header = FlowRecord::empty(Provider::Aws, Kind::Header);
        header.version = Some(layout_version(&layout));
        formats.set(tag, layout);
        return header.decoded();
    }
    if let Some(layout) = formats.get(tag)
        && let Some(record) = parse_line(line, layout)
    {
        return record.decoded();
    }
    match parse_line(line, &DEFAULT_FORMAT) {
        Some(record) => record.decoded(),
        None => Decoded::unknown(),
    }
}

/// AWS numbers a custom format by the highest version among its fields; the engine only needs to know
/// whether anything beyond version 2 is there.
fn layout_version(layout: &[Field]) -> u32 {
    if layout.iter().all(|f| DEFAULT_FORMAT.contains(f)) {
        2
    } else {
        3
    }
}

/// Whether a line that is not JSON could be a flow-log line (a header, or a record in some layout),
/// so that the envelope passes it on as text instead of rejecting it as invalid JSON. Deliberately
/// loose and stateless: the line is read for real by [`decode_text`].
pub fn may_be_text_line(text: &str) -> bool {
    let line = text.trim();
    !line.is_empty()
        && !line.contains(['\n', '{', '[', '"'])
        && line.split_ascii_whitespace().nth(1).is_some()
        && line.split_ascii_whitespace().any(|t| {
            matches!(
                t,
                "ACCEPT" | "REJECT" | "OK" | "NODATA" | "SKIPDATA" | "srcaddr" | "dstaddr"
            ) || t.starts_with("eni-")
                || t.starts_with("${")
                || t.parse::<IpAddr>().is_ok()
        })
}

// ---------------------------------------------------------------------------------------------------
// JSON records

/// An AWS flow record as shippers emit it after parsing (hyphenated or underscored field names).
pub fn matches_aws_json(object: &Object<'_>) -> bool {
    let has = |a: &str, b: &str| object.has(a) || object.has(b);
    (object.has("srcaddr") || object.has("dstaddr"))
        && (has("interface-id", "interface_id") || has("log-status", "log_status"))
}

/// A GCP VPC flow log or firewall-rule log entry.
pub fn matches_gcp(object: &Object<'_>) -> bool {
    object.has("jsonPayload")
        && object
            .str("logName")
            .is_some_and(|name| gcp_log(&name).is_some())
}

fn gcp_log(log_name: &str) -> Option<Kind> {
    if log_name.ends_with("compute.googleapis.com%2Fvpc_flows")
        || log_name.ends_with("compute.googleapis.com/vpc_flows")
    {
        Some(Kind::Flow)
    } else if log_name.ends_with("compute.googleapis.com%2Ffirewall")
        || log_name.ends_with("compute.googleapis.com/firewall")
    {
        Some(Kind::Firewall)
    } else {
        None
    }
}

pub fn matches(object: &Object<'_>) -> bool {
    matches_aws_json(object) || matches_gcp(object)
}

/// Read a JSON flow record: GCP entries by their log name, anything else as an AWS record.
pub fn from_object<'a>(object: &Object<'a>) -> Decoded<'a> {
    let record = if matches_gcp(object) {
        gcp_record(object)
    } else {
        aws_json_record(object)
    };
    match record {
        Some(record) => record.decoded(),
        None => Decoded::unknown(),
    }
}

fn aws_json_record<'a>(object: &Object<'a>) -> Option<FlowRecord<'a>> {
    let mut record = FlowRecord::empty(Provider::Aws, Kind::Flow);
    for key in object.keys() {
        let Some(field) = field_named(key) else {
            continue;
        };
        let Some(raw) = object.raw(key) else {
            continue;
        };
        if json::is_null(raw) {
            continue;
        }
        // Strings keep their borrowed text; numbers are their own text.
        let value: Cow<'a, str> = match json::raw_str(raw) {
            Some(text) => text,
            None => Cow::Borrowed(raw.get()),
        };
        match value {
            Cow::Borrowed(text) => set_text(&mut record, field, text).ok()?,
            Cow::Owned(text) => set_owned(&mut record, field, text).ok()?,
        }
    }
    plausible(&record).then_some(record)
}

/// A value that had JSON escapes: string fields keep it owned, others read it.
fn set_owned(record: &mut FlowRecord<'_>, field: Field, text: String) -> Result<(), Bad> {
    let owned = Some(Cow::Owned(text.clone()));
    match field {
        Field::AccountId => record.account = owned,
        Field::InterfaceId => record.interface_id = owned,
        Field::VpcId => record.vpc = owned,
        Field::InstanceId => record.instance = owned,
        Field::Region => record.region = owned,
        Field::FlowDirection => record.direction = owned,
        Field::Other => {}
        _ => {
            let mut scratch = FlowRecord::empty(Provider::Aws, Kind::Flow);
            set_text(&mut scratch, field, &text)?;
            record.version = scratch.version.or(record.version);
            record.src = scratch.src.or(record.src);
            record.dst = scratch.dst.or(record.dst);
            record.src_port = scratch.src_port.or(record.src_port);
            record.dst_port = scratch.dst_port.or(record.dst_port);
            record.protocol = scratch.protocol.or(record.protocol);
            record.packets = scratch.packets.or(record.packets);
            record.bytes = scratch.bytes.or(record.bytes);
            record.start = scratch.start.or(record.start);
            record.end = scratch.end.or(record.end);
            if scratch.action != Action::Unknown {
                record.action = scratch.action;
            }
            if scratch.log_status != LogStatus::Unknown {
                record.log_status = scratch.log_status;
            }
        }
    }
    Ok(())
}

fn gcp_record<'a>(object: &Object<'a>) -> Option<FlowRecord<'a>> {
    let kind = gcp_log(&object.str("logName")?)?;
    let payload = object.object("jsonPayload")?;
    let connection = payload.object("connection");
    let mut record = FlowRecord::empty(Provider::Gcp, kind);
    if let Some(connection) = &connection {
        record.src = connection.str("src_ip").and_then(|ip| ip.parse().ok());
        record.dst = connection.str("dest_ip").and_then(|ip| ip.parse().ok());
        record.src_port = connection
            .i64("src_port")
            .and_then(|p| u16::try_from(p).ok());
        record.dst_port = connection
            .i64("dest_port")
            .and_then(|p| u16::try_from(p).ok());
        record.protocol = connection
            .i64("protocol")
            .and_then(|p| u8::try_from(p).ok());
    }
    record.event_id = object.str("insertId");
    let timestamp = object.str("timestamp").and_then(|t| rfc3339_micros(&t));
    let project_of_log = object
        .str("logName")
        .and_then(|name| project_segment(&name).map(str::to_owned))
        .map(Cow::Owned);
    match kind {
        Kind::Flow => {
            record.action = Action::Accept;
            record.log_status = LogStatus::Ok;
            record.start = payload
                .str("start_time")
                .and_then(|t| rfc3339_micros(&t))
                .or(timestamp);
            record.end = payload.str("end_time").and_then(|t| rfc3339_micros(&t));
            record.bytes = payload
                .i64("bytes_sent")
                .and_then(|b| u64::try_from(b).ok());
            record.packets = payload
                .i64("packets_sent")
                .and_then(|p| u64::try_from(p).ok());
            record.direction = payload.str("reporter");
            // The reporting side's VM and VPC name the project and host the record belongs to.
            let (instance_key, vpc_key) = match record.direction.as_deref() {
                Some("DEST") => ("dest_instance", "dest_vpc"),
                _ => ("src_instance", "src_vpc"),
            };
            let instance = payload.object(instance_key);
            let vpc = payload.object(vpc_key);
            record.instance = instance.as_ref().and_then(|i| i.str("vm_name"));
            record.region = instance.as_ref().and_then(|i| i.str("region"));
            record.vpc = vpc.as_ref().and_then(|v| v.str("vpc_name"));
            record.account = instance
                .as_ref()
                .and_then(|i| i.str("project_id"))
                .or_else(|| vpc.as_ref().and_then(|v| v.str("project_id")));
        }
        Kind::Firewall | Kind::Header => {
            record.action = match payload.str("disposition").as_deref() {
                Some("DENIED") => Action::Reject,
                Some("ALLOWED") => Action::Accept,
                _ => Action::Unknown,
            };
            record.log_status = LogStatus::Ok;
            record.start = timestamp;
            let instance = payload.object("instance");
            let vpc = payload.object("vpc");
            record.instance = instance.as_ref().and_then(|i| i.str("vm_name"));
            record.region = instance.as_ref().and_then(|i| i.str("region"));
            record.vpc = vpc.as_ref().and_then(|v| v.str("vpc_name"));
            record.account = instance
                .as_ref()
                .and_then(|i| i.str("project_id"))
                .or_else(|| vpc.as_ref().and_then(|v| v.str("project_id")));
            let details = payload.object("rule_details");
            record.rule = details.as_ref().and_then(|d| d.str("reference"));
            record.direction = details.as_ref().and_then(|d| d.str("direction"));
        }
    }
    if record.account.is_none() {
        record.account = object
            .path(&["resource", "labels", "project_id"])
            .and_then(json::raw_str)
            .or(project_of_log);
    }
    Some(record)
}

/// `projects/P/logs/...` → `P`.
fn project_segment(log_name: &str) -> Option<&str> {
    log_name
        .strip_prefix("projects/")?
        .split('/')
        .next()
        .filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests;

//! OCSF Network Activity (VPC flow logs) back to the AWS flow-log JSON record.
//!
//! `src_endpoint.ip` / `.port` → `srcaddr` / `srcport`, `dst_endpoint.ip` / `.port` → `dstaddr` /
//! `dstport`, `connection_info.protocol_num` → `protocol`, `traffic.packets` / `.bytes`,
//! `start_time` / `end_time` (epoch ms) → `start` / `end` (epoch seconds), `action` (1.1.0:
//! `Allowed`/`Denied`) or `disposition` (`Allowed`/`Blocked`) or `activity_name` (`Refuse`) →
//! `action` ACCEPT/REJECT, `status_code` → `log-status`, `cloud.account.uid` (or rc.2
//! `cloud.account_uid`) → `account-id`, `cloud.region` → `region`, and the reporting interface:
//! Security Lake puts `interface_uid`, `vpc_uid`, `instance_uid` on the destination endpoint for
//! inbound flows and on the source endpoint for outbound ones.

use std::borrow::Cow;

use super::super::json::Object;
use super::super::reshape::JsonWriter;
use super::{i64_at, object_at, str_at};

/// The flow-log JSON record a VPC-origin Network Activity record was made from.
pub fn flow_record(o: &Object<'_>) -> Option<String> {
    let src_ip = str_at(o, &["src_endpoint", "ip"]);
    let dst_ip = str_at(o, &["dst_endpoint", "ip"]);
    let mut w = JsonWriter::new();
    // The flow-log reader takes a numeric version only; Security Lake writes the format's (`"5"`).
    if let Some(version) =
        str_at(o, &["metadata", "product", "version"]).and_then(|v| v.parse::<u32>().ok())
    {
        w.int("version", i64::from(version));
    }
    let account =
        str_at(o, &["cloud", "account", "uid"]).or_else(|| str_at(o, &["cloud", "account_uid"]));
    w.str_opt("account-id", account.as_deref());
    let direction = direction(o);
    let (near, far) = match direction {
        Some("egress") => ("src_endpoint", "dst_endpoint"),
        _ => ("dst_endpoint", "src_endpoint"),
    };
    let endpoint_field = |key: &str| -> Option<Cow<'_, str>> {
        object_at(o, &[near])
            .and_then(|e| e.str(key))
            .or_else(|| object_at(o, &[far]).and_then(|e| e.str(key)))
    };
    let interface = endpoint_field("interface_uid");
    // A NODATA/SKIPDATA record names only its interface; a record with neither is not a flow.
    if src_ip.is_none() && dst_ip.is_none() && interface.is_none() {
        return None;
    }
    w.str_opt("interface-id", interface.as_deref());
    // `-` is how flow logs write a missing value; the record reader recognises flows by these keys.
    w.str("srcaddr", src_ip.as_deref().unwrap_or("-"));
    w.str("dstaddr", dst_ip.as_deref().unwrap_or("-"));
    port(&mut w, "srcport", i64_at(o, &["src_endpoint", "port"]));
    port(&mut w, "dstport", i64_at(o, &["dst_endpoint", "port"]));
    if let Some(protocol) = i64_at(o, &["connection_info", "protocol_num"]) {
        w.int("protocol", protocol);
    }
    if let Some(packets) = i64_at(o, &["traffic", "packets"]) {
        w.int("packets", packets);
    }
    if let Some(bytes) = i64_at(o, &["traffic", "bytes"]) {
        w.int("bytes", bytes);
    }
    let start = i64_at(o, &["start_time"]).or_else(|| i64_at(o, &["time"]));
    if let Some(start) = start {
        w.int("start", start.div_euclid(1000));
    }
    if let Some(end) = i64_at(o, &["end_time"]) {
        w.int("end", end.div_euclid(1000));
    }
    w.str_opt("action", action(o));
    let status =
        str_at(o, &["status_code"]).filter(|s| matches!(&**s, "OK" | "NODATA" | "SKIPDATA"));
    w.str_opt("log-status", status.as_deref());
    w.str_opt("vpc-id", endpoint_field("vpc_uid").as_deref());
    w.str_opt("instance-id", endpoint_field("instance_uid").as_deref());
    w.str_opt("region", str_at(o, &["cloud", "region"]).as_deref());
    w.str_opt("flow-direction", direction);
    Some(w.finish())
}

fn port(w: &mut JsonWriter, key: &str, value: Option<i64>) {
    if let Some(port) = value.filter(|p| (0..=65535).contains(p)) {
        w.int(key, port);
    }
}

/// `ingress` / `egress` from `connection_info.direction` (`Inbound` / `Outbound`) or its id (1 / 2).
fn direction(o: &Object<'_>) -> Option<&'static str> {
    let name = str_at(o, &["connection_info", "direction"]);
    match (
        name.as_deref(),
        i64_at(o, &["connection_info", "direction_id"]),
    ) {
        (Some("Inbound"), _) | (_, Some(1)) => Some("ingress"),
        (Some("Outbound"), _) | (_, Some(2)) => Some("egress"),
        _ => None,
    }
}

/// What the security group or network ACL did: OCSF 1.1.0 `action`, else `disposition`, else the
/// activity (`Refuse` is a rejected flow).
fn action(o: &Object<'_>) -> Option<&'static str> {
    let verdict = |value: &str| -> Option<&'static str> {
        match value.to_ascii_lowercase().as_str() {
            "allowed" | "allow" | "accept" | "accepted" => Some("ACCEPT"),
            "denied" | "deny" | "blocked" | "block" | "reject" | "rejected" | "refuse"
            | "dropped" => Some("REJECT"),
            _ => None,
        }
    };
    ["action", "disposition", "activity_name"]
        .iter()
        .find_map(|key| str_at(o, &[key]).and_then(|v| verdict(&v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::SourceEvent;
    use crate::sources::flow_log::{self, Action};

    /// A Security Lake (source version 1) VPC flow record as Elastic's Security Lake integration
    /// records it in its test data: an inbound SYN refused by the security group.
    const REFUSED: &str = r#"{"metadata":{"product":{"version":"5","name":"Amazon VPC","feature":{"name":"Flowlogs"},"vendor_name":"AWS"},"profiles":["cloud","security_control"],"version":"1.0.0-rc.2"},"cloud":{"account":{"uid":"123456789012"},"region":"us-east-1","zone":"use1-az1","provider":"AWS"},"src_endpoint":{"port":56858,"svc_name":"-","ip":"1.128.0.0"},"dst_endpoint":{"port":39938,"svc_name":"-","ip":"172.31.2.52","interface_uid":"eni-000000000000000000","vpc_uid":"vpc-00000000","instance_uid":"i-000000000000000000","subnet_uid":"subnet-000000000000000000"},"connection_info":{"protocol_num":6,"tcp_flags":2,"protocol_ver":"IPv4","boundary_id":99,"boundary":"-","direction_id":1,"direction":"Inbound"},"traffic":{"packets":1,"bytes":40},"time":1649721732000,"start_time":1649721732000,"end_time":1649721788000,"status_code":"OK","severity_id":1,"severity":"Informational","class_name":"Network Activity","class_uid":4001,"category_name":"Network Activity","category_uid":4,"activity_name":"Refuse","activity_id":5,"disposition":"Blocked","disposition_id":2,"type_uid":400105,"type_name":"Network Activity: Refuse","unmapped":{"sublocation_id":"-","sublocation_type":"-"}}"#;

    #[test]
    fn a_refused_flow_reads_as_a_reject() {
        let object = Object::parse(REFUSED).expect("object");
        let text = flow_record(&object).expect("flow");
        let canonical = Object::parse(&text).expect("json");
        assert!(flow_log::matches(&canonical));
        let decoded = flow_log::from_object(&canonical);
        let SourceEvent::FlowLog(record) = decoded.event else {
            panic!("not a flow record: {text}");
        };
        assert_eq!(record.action, Action::Reject);
        assert_eq!(record.dst_port, Some(39938));
        assert_eq!(record.protocol, Some(6));
        assert_eq!(
            record.interface_id.as_deref(),
            Some("eni-000000000000000000")
        );
        assert_eq!(record.instance.as_deref(), Some("i-000000000000000000"));
        assert_eq!(record.account.as_deref(), Some("123456789012"));
        assert_eq!(record.start, Some(1_649_721_732_000_000));
        assert_eq!(record.direction.as_deref(), Some("ingress"));
    }
}

use super::*;

fn record<'a>(decoded: &'a Decoded<'_>) -> &'a FlowRecord<'a> {
    match &decoded.event {
        SourceEvent::FlowLog(record) => record,
        _ => panic!("not a flow record"),
    }
}

const V2_ACCEPT: &str = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";

#[test]
fn reads_the_documented_default_line() {
    let mut formats = Formats::default();
    let decoded = decode_text(V2_ACCEPT, &mut formats, None);
    assert_eq!(decoded.source, SourceKind::FlowLog);
    let r = record(&decoded);
    assert_eq!(r.version, Some(2));
    assert_eq!(r.account.as_deref(), Some("123456789010"));
    assert_eq!(r.interface_id.as_deref(), Some("eni-1235b8ca123456789"));
    assert_eq!(r.src, "172.31.16.139".parse().ok());
    assert_eq!(r.dst_port, Some(22));
    assert_eq!(r.protocol, Some(6));
    assert_eq!(r.bytes, Some(4249));
    assert_eq!(r.start, Some(1_418_530_010_000_000));
    assert_eq!(r.end, Some(1_418_530_070_000_000));
    assert_eq!(r.action, Action::Accept);
    assert!(r.carries_traffic());
    let f = &decoded.fields;
    assert_eq!(f.provider.as_deref(), Some("aws"));
    assert_eq!(f.action.as_deref(), Some("flow.accept"));
    assert_eq!(f.target.as_deref(), Some("172.31.16.21:22/tcp"));
    assert_eq!(f.source_ip.as_deref(), Some("172.31.16.139"));
    assert_eq!(f.event_time, Some(1_418_530_010_000_000));
    assert_eq!(f.outcome, Outcome::Success);
}

#[test]
fn reads_reject_nodata_and_skipdata_lines() {
    let mut formats = Formats::default();
    let reject = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK";
    let decoded = decode_text(reject, &mut formats, None);
    assert_eq!(record(&decoded).action, Action::Reject);
    assert_eq!(decoded.fields.outcome, Outcome::Failure);
    let nodata =
        "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA";
    let decoded = decode_text(nodata, &mut formats, None);
    let r = record(&decoded);
    assert_eq!(r.log_status, LogStatus::NoData);
    assert_eq!(r.src, None);
    assert!(!r.carries_traffic());
    assert_eq!(decoded.fields.action.as_deref(), Some("flow.nodata"));
    let skip =
        "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA";
    let decoded = decode_text(skip, &mut formats, None);
    assert!(!record(&decoded).carries_traffic());
    let v6 = "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK";
    let decoded = decode_text(v6, &mut formats, None);
    assert_eq!(
        decoded.fields.target.as_deref(),
        Some("[2001:db8:1234:a102:3304:8879:34cf:4071]:22/tcp")
    );
}

#[test]
fn custom_header_sets_the_layout_for_its_tag() {
    let mut formats = Formats::default();
    let header = "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status region flow-direction traffic-path";
    let decoded = decode_text(header, &mut formats, Some("s3"));
    assert_eq!(decoded.source, SourceKind::FlowLog);
    assert_eq!(record(&decoded).kind, Kind::Header);
    assert_eq!(decoded.fields.action.as_deref(), Some("flow_log.format"));
    let line = "5 vpc-0a1b2c3d subnet-0aa11bb2 i-0c1d2e3f4a5b6c7d8 eni-0f1e2d3c4b5a69788 111122223333 IPv4 10.0.1.15 10.0.9.20 41822 9997 10.0.1.15 10.0.9.20 6 5120 12 1795770060 1795770120 ACCEPT 3 OK eu-west-1 egress 1";
    let decoded = decode_text(line, &mut formats, Some("s3"));
    let r = record(&decoded);
    assert_eq!(r.instance.as_deref(), Some("i-0c1d2e3f4a5b6c7d8"));
    assert_eq!(r.vpc.as_deref(), Some("vpc-0a1b2c3d"));
    assert_eq!(r.region.as_deref(), Some("eu-west-1"));
    assert_eq!(r.direction.as_deref(), Some("egress"));
    assert_eq!(r.dst_port, Some(9997));
    assert_eq!(r.bytes, Some(5120));
    assert_eq!(
        decoded.fields.principal.as_deref(),
        Some("i-0c1d2e3f4a5b6c7d8")
    );
    // Another tag never saw that header: the line is not a default-format line either.
    assert_eq!(
        decode_text(line, &mut formats, Some("other")).source,
        SourceKind::Unknown
    );
    // Default lines still read while a custom format is active.
    assert_eq!(
        decode_text(V2_ACCEPT, &mut formats, Some("s3")).source,
        SourceKind::FlowLog
    );
    // `${...}` format strings and underscores are headers too.
    assert!(parse_header("${srcaddr} ${dstaddr} ${log-status}").is_some());
    assert!(parse_header("account_id interface_id srcaddr").is_some());
    assert!(parse_header("the quick brown fox").is_none());
    assert!(parse_header("start end").is_none(), "no anchor field");
}

#[test]
fn text_that_is_not_a_flow_record_stays_unknown() {
    let mut formats = Formats::default();
    for line in [
        "I1127 10:00:00.000000 1 server.go:123] kube-apiserver started",
        "2 123456789010 eni-1 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 MAYBE OK",
        "2 123456789010 eni-1 172.31.16.139 999.1.1.1 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
        "2 123456789010 eni-1 172.31.16.139 172.31.16.21 99999 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
        "2 123456789010 eni-1 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 ACCEPT OK",
        "",
    ] {
        assert_eq!(
            decode_text(line, &mut formats, None).source,
            SourceKind::Unknown,
            "{line}"
        );
    }
    assert!(may_be_text_line(V2_ACCEPT));
    assert!(may_be_text_line("version account-id interface-id srcaddr"));
    assert!(!may_be_text_line("{\"truncated\":"));
    assert!(!may_be_text_line("hello"));
}

#[test]
fn formats_are_bounded() {
    let mut formats = Formats::default();
    for i in 0..Formats::CAP + 3 {
        formats.set(Some(&format!("t{i}")), DEFAULT_FORMAT.to_vec());
    }
    assert_eq!(formats.active.len(), Formats::CAP);
    assert_eq!(formats.evictions(), 3);
    assert!(formats.get(Some("t0")).is_none());
}

#[test]
fn reads_json_records_with_either_spelling() {
    let hyphen = r#"{"version":2,"account-id":"111122223333","interface-id":"eni-0f1e2d3c4b5a69788","srcaddr":"10.0.1.15","dstaddr":"10.0.9.20","srcport":41822,"dstport":9997,"protocol":6,"packets":12,"bytes":5120,"start":1795770060,"end":1795770120,"action":"REJECT","log-status":"OK"}"#;
    let object = Object::parse(hyphen).expect("json");
    assert!(matches(&object));
    let decoded = from_object(&object);
    let r = record(&decoded);
    assert_eq!(r.account.as_deref(), Some("111122223333"));
    assert_eq!(r.action, Action::Reject);
    assert_eq!(r.dst_port, Some(9997));
    let underscore = r#"{"version":"5","account_id":"111122223333","interface_id":"eni-0f1e2d3c4b5a69788","srcaddr":"10.0.1.15","dstaddr":"10.0.9.20","srcport":"41822","dstport":"9997","protocol":"6","packets":"-","bytes":"-","start":"1795770060","end":"1795770120","action":"ACCEPT","log_status":"OK","flow_direction":"egress","vpc_id":"vpc-0a1b2c3d"}"#;
    let object = Object::parse(underscore).expect("json");
    assert!(matches(&object));
    let decoded = from_object(&object);
    let r = record(&decoded);
    assert_eq!(r.version, Some(5));
    assert_eq!(r.packets, None);
    assert_eq!(r.direction.as_deref(), Some("egress"));
    assert_eq!(r.vpc.as_deref(), Some("vpc-0a1b2c3d"));
    let not_flow = Object::parse(r#"{"srcaddr":"x","message":"hi"}"#).expect("json");
    assert!(!matches(&not_flow));
}

#[test]
fn the_engine_reads_flow_lines_as_inputs_and_keeps_other_text_an_error() {
    use crate::engine::Engine;
    use crate::model::RawEvent;
    let mut engine = Engine::new();
    let input = |data: &'static str| RawEvent {
        data: data.as_bytes(),
        source_hint: None,
        tag: None,
    };
    let events = engine.process_one(&input(V2_ACCEPT)).expect("a flow line");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].source, SourceKind::FlowLog);
    assert_eq!(events[0].fields.account.as_deref(), Some("123456789010"));
    // A flow-like line that does not read is an unknown event, not an error.
    let events = engine
        .process_one(&input("2 123456789010 eni-1 10.0.0.1 ACCEPT OK"))
        .expect("flow-like text");
    assert_eq!(events[0].source, SourceKind::Unknown);
    // Text with no flow-log token and broken JSON are still errors.
    assert!(engine.process_one(&input("hello world")).is_err());
    assert!(engine.process_one(&input("{\"eventName\":")).is_err());
    // A header line, then a custom-format line, through the engine's remembered formats.
    let header = engine
        .process_one(&input(
            "version interface-id srcaddr dstaddr dstport action log-status",
        ))
        .expect("header");
    assert_eq!(header[0].fields.action.as_deref(), Some("flow_log.format"));
    let custom = engine
        .process_one(&input("3 eni-0f1e 10.0.1.15 10.0.9.20 9997 REJECT OK"))
        .expect("custom line");
    assert_eq!(custom[0].source, SourceKind::FlowLog);
    assert_eq!(custom[0].fields.outcome, Outcome::Failure);
}

const GCP_FLOW: &str = r#"{"insertId":"1a2b3c4d5e6f7g","jsonPayload":{"bytes_sent":"6240","connection":{"dest_ip":"10.128.0.40","dest_port":9997,"protocol":6,"src_ip":"10.128.0.12","src_port":51544},"dest_instance":{"project_id":"acme-prod-4821","region":"europe-west1","vm_name":"splunk-idx-1","zone":"europe-west1-b"},"dest_vpc":{"project_id":"acme-prod-4821","subnetwork_name":"default","vpc_name":"default"},"end_time":"2026-11-27T10:05:30.416128Z","packets_sent":"14","reporter":"SRC","rtt_msec":"1","src_instance":{"project_id":"acme-prod-4821","region":"europe-west1","vm_name":"web-1","zone":"europe-west1-b"},"src_vpc":{"project_id":"acme-prod-4821","subnetwork_name":"default","vpc_name":"default"},"start_time":"2026-11-27T10:05:00.383410Z"},"logName":"projects/acme-prod-4821/logs/compute.googleapis.com%2Fvpc_flows","receiveTimestamp":"2026-11-27T10:05:41.812433Z","resource":{"labels":{"location":"europe-west1-b","project_id":"acme-prod-4821","subnetwork_id":"4163548960282740842","subnetwork_name":"default"},"type":"gce_subnetwork"},"timestamp":"2026-11-27T10:05:36.617582Z"}"#;

#[test]
fn reads_gcp_vpc_flows() {
    let object = Object::parse(GCP_FLOW).expect("json");
    assert!(matches(&object));
    assert!(!super::super::gcp_audit::matches(&object));
    let decoded = from_object(&object);
    let r = record(&decoded);
    assert_eq!(r.provider, Provider::Gcp);
    assert_eq!(r.account.as_deref(), Some("acme-prod-4821"));
    assert_eq!(r.instance.as_deref(), Some("web-1"));
    assert_eq!(r.dst_port, Some(9997));
    assert_eq!(r.bytes, Some(6240));
    assert_eq!(r.action, Action::Accept);
    assert_eq!(decoded.fields.event_id.as_deref(), Some("1a2b3c4d5e6f7g"));
    assert_eq!(decoded.fields.provider.as_deref(), Some("gcp"));
    assert_eq!(
        decoded.fields.event_time,
        rfc3339_micros("2026-11-27T10:05:00.383410Z")
    );
}

#[test]
fn reads_gcp_firewall_denials() {
    let text = r#"{"insertId":"fw1","jsonPayload":{"connection":{"dest_ip":"10.128.0.40","dest_port":9997,"protocol":6,"src_ip":"10.128.0.12","src_port":51560},"disposition":"DENIED","instance":{"project_id":"acme-prod-4821","region":"europe-west1","vm_name":"web-1","zone":"europe-west1-b"},"rule_details":{"action":"DENY","direction":"EGRESS","priority":100,"reference":"network:default/firewall:deny-siem-egress","destination_range":["10.128.0.40/32"]},"vpc":{"project_id":"acme-prod-4821","subnetwork_name":"default","vpc_name":"default"}},"logName":"projects/acme-prod-4821/logs/compute.googleapis.com%2Ffirewall","resource":{"labels":{"project_id":"acme-prod-4821","subnetwork_name":"default"},"type":"gce_subnetwork"},"timestamp":"2026-11-27T10:20:04.112Z"}"#;
    let object = Object::parse(text).expect("json");
    let decoded = from_object(&object);
    let r = record(&decoded);
    assert_eq!(r.kind, Kind::Firewall);
    assert_eq!(r.action, Action::Reject);
    assert_eq!(
        r.rule.as_deref(),
        Some("network:default/firewall:deny-siem-egress")
    );
    assert_eq!(decoded.fields.action.as_deref(), Some("firewall.denied"));
}

#!/usr/bin/env python3
"""Writes the network flow-log streams of this folder and their *.expected.json files.

Run from anywhere: `python3 testdata/network/make_streams.py`. The records follow the documented
shapes: AWS VPC Flow Logs default version-2 lines, custom formats with the S3 header line, JSON
records as log shippers emit them after parsing, CloudWatch Logs subscription envelopes, CloudTrail
records of EC2 network calls, GCP VPC flow logs, firewall-rule logs and Cloud Audit Logs entries.
Each stream has its own hour of 2026-11-28 and its own account, in file-name order, so that a replay
of the whole folder keeps event time in order and no stream's changes reach another stream's hosts.
"""

import hashlib
import json
import os
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
DAY = int(datetime(2026, 11, 28, tzinfo=timezone.utc).timestamp())


def at(hour, minute=0, second=0):
    return DAY + hour * 3600 + minute * 60 + second


def iso(ts, frac=""):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"


def uid(*parts):
    h = hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def v2(account, eni, src, dst, sport, dport, proto, packets, nbytes, start, action, status="OK", span=60):
    fields = [2, account, eni, src, dst, sport, dport, proto, packets, nbytes, start, start + span, action, status]
    return " ".join(str(f) for f in fields)


def nodata(account, eni, start, status="NODATA"):
    return f"2 {account} {eni} - - - - - - - {start} {start + 60} - {status}"


def cwl(owner, group, stream, lines):
    events = []
    for i, (ts, message) in enumerate(lines):
        digest = int(hashlib.sha256(f"{stream}{ts}{i}".encode()).hexdigest()[:12], 16)
        events.append({"id": f"{ts * 1000:d}{digest:030d}"[:56], "timestamp": ts * 1000, "message": message})
    return json.dumps({
        "messageType": "DATA_MESSAGE", "owner": owner, "logGroup": group, "logStream": stream,
        "subscriptionFilters": ["flowlogs-to-siem"], "logEvents": events,
    }, separators=(",", ":"))


def cloudtrail(name, ts, account, params, response=None, error=None, role="platform-admin",
               session="mallory", ip="203.0.113.24",
               agent="aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1020-aws exe/x86_64.ubuntu.22 prompt/off"):
    record = {
        "eventVersion": "1.10",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"AROA4EXAMPLEID7QX3Y:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
            "accountId": account,
            "accessKeyId": "ASIA4EXAMPLEKEY2ZQ7",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": "AROA4EXAMPLEID7QX3Y",
                                  "arn": f"arn:aws:iam::{account}:role/{role}", "accountId": account,
                                  "userName": role},
                "attributes": {"creationDate": iso(ts - 1260), "mfaAuthenticated": "false"},
            },
        },
        "eventTime": iso(ts),
        "eventSource": "ec2.amazonaws.com",
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": ip,
        "userAgent": agent,
        "requestParameters": params,
        "responseElements": response if error is None else None,
        "requestID": uid("req", name, ts),
        "eventID": uid("event", name, ts),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": "ec2.eu-west-1.amazonaws.com"},
    }
    if error:
        record["errorCode"], record["errorMessage"] = error
    return json.dumps(record, separators=(",", ":"))


def sg_permissions(proto, port, cidr, description=None):
    rng = {"cidrIp": cidr}
    if description:
        rng["description"] = description
    return {"items": [{"ipProtocol": proto, "fromPort": port, "toPort": port, "groups": {},
                       "ipRanges": {"items": [rng]}, "ipv6Ranges": {}, "prefixListIds": {}}]}


def gcp_flow(project, ts, src, dst, sport, dport, reporter, src_vm, dst_vm, nbytes=6240, packets=14):
    def vm(name):
        return {"project_id": project, "region": "europe-west1", "vm_name": name, "zone": "europe-west1-b"}
    vpc = {"project_id": project, "subnetwork_name": "default", "vpc_name": "default"}
    payload = {
        "bytes_sent": str(nbytes),
        "connection": {"dest_ip": dst, "dest_port": dport, "protocol": 6, "src_ip": src, "src_port": sport},
        "end_time": iso(ts + 30, ".416128"),
        "packets_sent": str(packets),
        "reporter": reporter,
        "rtt_msec": "1",
        "start_time": iso(ts, ".383410"),
    }
    if src_vm:
        payload["src_instance"], payload["src_vpc"] = vm(src_vm), vpc
    if dst_vm:
        payload["dest_instance"], payload["dest_vpc"] = vm(dst_vm), vpc
    return json.dumps({
        "insertId": hashlib.sha256(f"{ts}{src}{dst}{sport}{reporter}".encode()).hexdigest()[:14],
        "jsonPayload": payload,
        "logName": f"projects/{project}/logs/compute.googleapis.com%2Fvpc_flows",
        "receiveTimestamp": iso(ts + 41, ".812433"),
        "resource": {"labels": {"location": "europe-west1-b", "project_id": project,
                                "subnetwork_id": "4163548960282740842", "subnetwork_name": "default"},
                     "type": "gce_subnetwork"},
        "timestamp": iso(ts + 36, ".617582"),
    }, separators=(",", ":"))


def gcp_firewall(project, ts, src, dst, sport, dport, disposition, vm, rule, direction):
    action = "DENY" if disposition == "DENIED" else "ALLOW"
    details = {"action": action, "direction": direction, "priority": 100, "reference": f"network:default/firewall:{rule}"}
    if direction == "EGRESS":
        details["destination_range"] = [dst + "/32"]
        details["ip_port_info"] = [{"ip_protocol": "TCP", "port_range": [str(dport)]}]
    else:
        details["source_range"] = ["0.0.0.0/0"]
        details["ip_port_info"] = [{"ip_protocol": "TCP", "port_range": [str(dport)]}]
    payload = {
        "connection": {"dest_ip": dst, "dest_port": dport, "protocol": 6, "src_ip": src, "src_port": sport},
        "disposition": disposition,
        "instance": {"project_id": project, "region": "europe-west1", "vm_name": vm, "zone": "europe-west1-b"},
        "rule_details": details,
        "vpc": {"project_id": project, "subnetwork_name": "default", "vpc_name": "default"},
    }
    return json.dumps({
        "insertId": hashlib.sha256(f"fw{ts}{src}{sport}".encode()).hexdigest()[:14],
        "jsonPayload": payload,
        "logName": f"projects/{project}/logs/compute.googleapis.com%2Ffirewall",
        "receiveTimestamp": iso(ts + 6, ".204117"),
        "resource": {"labels": {"location": "europe-west1-b", "project_id": project,
                                "subnetwork_id": "4163548960282740842", "subnetwork_name": "default"},
                     "type": "gce_subnetwork"},
        "timestamp": iso(ts, ".112840"),
    }, separators=(",", ":"))


def gcp_firewall_insert(project, ts, rule, dport, dst):
    return json.dumps({
        "protoPayload": {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "status": {},
            "authenticationInfo": {"principalEmail": "mallory@acme.example"},
            "requestMetadata": {
                "callerIp": "203.0.113.24",
                "callerSuppliedUserAgent": "google-cloud-sdk gcloud/474.0.0 command/gcloud.compute.firewall-rules.create invocation-id/3c2b1a09 environment/None environment-version/None client-os/LINUX client-os-ver/6.5.0 client-pltf-arch/x86_64 interactive/False from-script/False python/3.11.8 term/xterm-256color (Linux 6.5.0-1020-gcp),gzip(gfe)",
            },
            "serviceName": "compute.googleapis.com",
            "methodName": "v1.compute.firewalls.insert",
            "authorizationInfo": [{"permission": "compute.firewalls.create", "granted": True,
                                   "resourceAttributes": {"service": "compute", "name": f"projects/{project}/global/firewalls/{rule}", "type": "compute.firewalls"}}],
            "resourceName": f"projects/{project}/global/firewalls/{rule}",
            "request": {"@type": "type.googleapis.com/compute.firewalls.insert", "name": rule,
                        "network": f"https://www.googleapis.com/compute/v1/projects/{project}/global/networks/default",
                        "direction": "EGRESS", "priority": "100",
                        "denieds": [{"IPProtocol": "tcp", "ports": [str(dport)]}],
                        "destinationRanges": [dst + "/32"], "logConfig": {"enable": True}},
            "response": {"@type": "type.googleapis.com/operation", "status": "DONE", "progress": "100",
                         "operationType": "insert", "targetLink": f"https://www.googleapis.com/compute/v1/projects/{project}/global/firewalls/{rule}"},
            "resourceLocation": {"currentLocations": ["global"]},
        },
        "insertId": "-f3k9q2e4abc",
        "resource": {"type": "gce_firewall_rule", "labels": {"project_id": project, "firewall_rule_id": "4821009931746220551"}},
        "timestamp": iso(ts, ".918274"),
        "severity": "NOTICE",
        "logName": f"projects/{project}/logs/cloudaudit.googleapis.com%2Factivity",
        "operation": {"id": f"operation-{ts}918-5f1e2d3c4b5a6-7d8e9f01-a2b3c4d5", "producer": "compute.googleapis.com", "first": True, "last": True},
        "receiveTimestamp": iso(ts + 1, ".302118"),
    }, separators=(",", ":"))


class Stream:
    def __init__(self, name):
        self.name, self.lines, self.expected, self.correlations = name, [], [], []

    def add(self, text, rules=None, note=None, index=None):
        """Append a line; `rules`/`note` (with an envelope `index`) become an expectation."""
        self.lines.append(text)
        if note is not None:
            self.expect(len(self.lines), rules or [], note, index)
        return len(self.lines)

    def expect(self, line, rules, note, index=None):
        entry = {"line": line}
        if index:
            entry["index"] = index
        entry["rules"] = rules
        entry["note"] = note
        self.expected.append(entry)

    def correlate(self, rule, principal, events, note):
        """A synthetic finding the stream's events must produce (it has no line of its own)."""
        self.correlations.append({"rule": rule, "principal": principal, "events": events, "note": note})

    def write(self):
        with open(os.path.join(HERE, self.name), "w") as f:
            f.write("\n".join(self.lines) + "\n")
        body = ",\n".join("    " + json.dumps(e, separators=(",", ":")) for e in self.expected)
        text = '{\n  "stream": "%s",\n  "events": [\n%s\n  ],\n  "errors": []' % (self.name, body)
        if self.correlations:
            text += ',\n  "correlations": [\n%s\n  ]' % ",\n".join(
                "    " + json.dumps(c, separators=(",", ":"), ensure_ascii=False) for c in self.correlations)
        with open(os.path.join(HERE, self.name.rsplit(".", 1)[0] + ".expected.json"), "w") as f:
            f.write(text + "\n}\n")


REJECTED = "network.collector_rejected_after_change"
SILENCE = "network.collector_silence_after_change"


def cloudwatch_stream():
    acct, eni, eni2 = "123456789010", "eni-0c4b7f1e2d3a59601", "eni-07d2e4c6a8b0f1325"
    s = Stream("aws_vpc_cloudwatch.ndjson")
    t = at(8)
    s.add(cwl(acct, "/aws/vpc/flowlogs/prod-vpc", f"{eni}-all", [
        (t + 65, v2(acct, eni, "10.1.1.10", "10.1.9.20", 50412, 9997, 6, 34, 28812, t, "ACCEPT")),
        (t + 65, v2(acct, eni, "10.1.9.20", "10.1.1.10", 9997, 50412, 6, 30, 1944, t, "ACCEPT")),
        (t + 65, v2(acct, eni, "10.1.1.10", "52.94.236.248", 38822, 443, 6, 12, 4420, t, "ACCEPT")),
    ]), [], "agent → Splunk forwarder port accepted: routine reporting", 0)
    s.add(cwl(acct, "/aws/vpc/flowlogs/prod-vpc", f"{eni2}-all", [
        (t + 125, v2(acct, eni2, "185.220.101.34", "10.1.9.20", 40112, 9997, 6, 1, 44, t + 60, "REJECT")),
        (t + 125, nodata(acct, eni2, t + 60)),
        (t + 125, v2(acct, eni2, "10.1.1.11", "10.1.9.20", 51000, 514, 17, 3, 522, t + 60, "ACCEPT")),
    ]), [], "internet scanner rejected on the collector port with no change before it: not a finding", 0)
    s.expect(2, [], "NODATA record: no traffic, no state", 1)
    s.add(json.dumps({"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
                      "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": (t + 130) * 1000,
                      "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}, separators=(",", ":")))
    s.add(cwl(acct, "/aws/vpc/flowlogs/prod-vpc", f"{eni}-all", [
        (t + 185, v2(acct, eni, "10.1.1.10", "10.1.9.20", 50412, 9997, 6, 31, 26110, t + 120, "ACCEPT")),
        (t + 185, "2 123456789010 eni-0c4b7f1e2d3a59601 10.1.1.10 10.1.9.20 50412 9997 6 31 26110"),
    ]), [], "a truncated flow line inside the envelope stays an unknown event (index 1), not an error", 1)
    s.write()


def custom_format_stream():
    acct, eni = "210987654321", "eni-0f9e8d7c6b5a49382"
    s = Stream("aws_vpc_custom_format.log")
    t = at(8, 30)
    header = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
              "action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id "
              "sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path")
    s.add(header, [], "S3 delivery header line: sets the layout, no findings")

    def rec(src, dst, sport, dport, proto, pk, by, start, action, flags, direction, path, pkt_src=None, pkt_dst=None,
            src_svc="-", dst_svc="-", status="OK"):
        return " ".join(str(x) for x in [
            5, acct, eni, src, dst, sport, dport, proto, pk, by, start, start + 60, action, status,
            "vpc-0a1b2c3d4e5f60718", "subnet-0aa11bb22cc33dd44", "i-0c1d2e3f4a5b6c7d8", flags, "IPv4",
            pkt_src or src, pkt_dst or dst, "eu-west-1", "euw1-az2", "-", "-", src_svc, dst_svc, direction, path])

    s.add(rec("10.2.1.15", "10.2.9.20", 41822, 6514, 6, 12, 5120, t, "ACCEPT", 3, "egress", 1),
          [], "v5 record: agent → syslog-TLS collector accepted")
    s.add(rec("10.2.1.15", "52.218.48.10", 44120, 443, 6, 220, 318220, t, "ACCEPT", 19, "egress", 8,
              dst_svc="S3"), [], "egress to S3 through the internet gateway (traffic-path 8)")
    s.add(rec("198.51.100.77", "10.2.1.15", 51234, 514, 17, 1, 62, t + 60, "REJECT", 0, "ingress", "-"),
          [], "inbound syslog probe rejected, no change: not a finding")
    s.add(" ".join(["5", acct, eni] + ["-"] * 7 + [str(t + 60), str(t + 120), "-", "NODATA"] +
                   ["vpc-0a1b2c3d4e5f60718", "subnet-0aa11bb22cc33dd44", "i-0c1d2e3f4a5b6c7d8"] + ["-"] * 12),
          [], "NODATA in the custom layout: every traffic field '-'")
    s.add(rec("10.2.1.15", "10.2.9.20", 41822, 6514, 6, 9, 3980, t + 120, "ACCEPT", 2, "egress", 1))
    s.write()


def default_stream():
    acct, eni = "123456789010", "eni-0a1b2c3d4e5f60789"
    s = Stream("aws_vpc_default.log")
    t = at(9)
    s.add(v2(acct, eni, "10.1.1.10", "10.1.9.20", 50412, 9997, 6, 34, 28812, t, "ACCEPT"), [],
          "documented default v2 line: agent → Splunk S2S accepted")
    s.add(v2(acct, eni, "10.1.9.20", "10.1.1.10", 9997, 50412, 6, 30, 1944, t, "ACCEPT"))
    s.add(v2(acct, eni, "10.1.1.10", "10.1.2.30", 38822, 443, 6, 12, 4420, t, "ACCEPT"))
    s.add(v2(acct, eni, "198.51.100.23", "10.1.9.20", 40112, 8088, 6, 1, 44, t, "REJECT"), [],
          "scanner rejected on the HEC port, no change: not a finding")
    s.add(v2(acct, eni, "10.1.1.11", "10.1.9.20", 51514, 9997, 6, 3, 180, t + 60, "REJECT"), [],
          "internal host rejected by an old rule, no change in the account: not a finding")
    s.add(nodata(acct, "eni-0b2c3d4e5f6a70891", t), [], "NODATA: carries no traffic")
    s.add(nodata(acct, "eni-0c3d4e5f6a7b80912", t, "SKIPDATA"), [], "SKIPDATA: records skipped in the window")
    s.add(v2(acct, eni, "2001:db8:1234:a100:8d6e:3477:df66:f105", "2001:db8:1234:a102:3304:8879:34cf:4071",
             34892, 22, 6, 54, 8855, t + 60, "ACCEPT"), [], "IPv6 flow")
    s.add(v2(acct, eni, "10.1.1.10", "10.1.0.2", 0, 0, 1, 4, 336, t + 60, "ACCEPT"), [], "ICMP: ports 0")
    s.add(v2(acct, "eni-0d4e5f6a7b8c90123", "10.1.1.12", "10.1.9.20", 49822, 9997, 6, 20, 9120, t + 60, "ACCEPT"),
          [], "10.1.1.12 reports once and then goes silent, but nothing changed in the account: no silence finding")
    s.add("2 123456789010 eni-0a1b2c3d4e5f60789 10.1.1.10 10.1.9.20 50412 9997 6 34 28812 1795856520 ACCEPT OK",
          [], "one field short (no end): stays an unknown event, not an error")
    for minute in range(5, 45, 5):
        s.add(v2(acct, eni, "10.1.1.10", "10.1.9.20", 50412, 9997, 6, 30, 25110, t + minute * 60, "ACCEPT"))
    s.write()


def json_stream():
    s = Stream("aws_vpc_json.ndjson")
    t = at(9, 50)
    acct = "123456789010"
    s.add(json.dumps({"version": 2, "account-id": acct, "interface-id": "eni-0a1b2c3d4e5f60789",
                      "srcaddr": "10.1.1.10", "dstaddr": "10.1.9.20", "srcport": 50412, "dstport": 9997,
                      "protocol": 6, "packets": 30, "bytes": 25110, "start": t, "end": t + 60,
                      "action": "ACCEPT", "log-status": "OK"}, separators=(",", ":")),
          [], "record as a shipper emits it after parsing (hyphenated keys, numbers)")
    s.add(json.dumps({"version": "5", "account_id": acct, "interface_id": "eni-0a1b2c3d4e5f60789",
                      "srcaddr": "10.1.1.10", "dstaddr": "10.1.9.21", "srcport": "50510", "dstport": "9200",
                      "protocol": "6", "packets": "8", "bytes": "2210", "start": str(t), "end": str(t + 60),
                      "action": "ACCEPT", "log_status": "OK", "vpc_id": "vpc-0a1b2c3d4e5f60718",
                      "instance_id": "i-0c1d2e3f4a5b6c7d8", "flow_direction": "egress", "traffic_path": "-",
                      "pkt_src_aws_service": "-"}, separators=(",", ":")),
          [], "underscored keys, string values, '-' for missing (Athena / Firehose transform shape)")
    s.add(json.dumps({"version": 2, "account-id": acct, "interface-id": "eni-0b2c3d4e5f6a70891",
                      "srcaddr": "-", "dstaddr": "-", "srcport": "-", "dstport": "-", "protocol": "-",
                      "packets": "-", "bytes": "-", "start": t, "end": t + 60, "action": "-",
                      "log-status": "NODATA"}, separators=(",", ":")), [], "NODATA as JSON")
    s.write()


def gcp_sequence_stream():
    project = "acme-prod-4821"
    s = Stream("gcp_firewall_blocks_collector.ndjson")
    t = at(10)
    for minute in (-12, -8, -4):
        s.add(gcp_flow(project, t + minute * 60, "10.128.0.12", "10.128.0.40", 51544, 9997, "SRC", "web-1", "splunk-idx-1"))
        s.add(gcp_flow(project, t + minute * 60 + 5, "10.128.0.13", "10.128.0.40", 40210, 9997, "SRC", "web-2", "splunk-idx-1"))
    s.add(gcp_firewall_insert(project, t, "deny-siem-egress-web1", 9997, "10.128.0.40"),
          ["gcp.compute.firewall_deny_added"],
          "egress deny toward the indexer created: the change itself (medium, one /32) and, for family 4, its effect")
    s.add(gcp_firewall(project, t + 64, "10.128.0.12", "10.128.0.40", 51560, 9997, "DENIED", "web-1",
                       "deny-siem-egress-web1", "EGRESS"),
          [REJECTED], "web-1's forwarder denied by the new rule one minute after it was created")
    s.add(gcp_firewall(project, t + 94, "10.128.0.12", "10.128.0.40", 51562, 9997, "DENIED", "web-1",
                       "deny-siem-egress-web1", "EGRESS"), [], "the same host again: reported once per change")
    for minute in range(2, 30, 4):
        s.add(gcp_flow(project, t + minute * 60 + 5, "10.128.0.13", "10.128.0.40", 40210, 9997, "SRC", "web-2", "splunk-idx-1"))
    s.correlate(SILENCE, "mallory@acme.example", ["-f3k9q2e4abc"],
                "web-1 reported until 09:56:30, then nothing reached a collector for 15 min after the rule was created")
    s.write()


def gcp_flows_stream():
    project = "acme-prod-4821"
    s = Stream("gcp_vpc_flows.ndjson")
    t = at(11)
    s.add(gcp_flow(project, t, "10.128.0.13", "10.128.0.40", 40210, 9997, "SRC", "web-2", "splunk-idx-1"), [],
          "VPC flow reported by the source VM")
    s.add(gcp_flow(project, t, "10.128.0.13", "10.128.0.40", 40210, 9997, "DEST", "web-2", "splunk-idx-1"), [],
          "the same connection reported by the destination VM")
    s.add(gcp_flow(project, t + 30, "10.128.0.13", "142.250.180.10", 52110, 443, "SRC", "web-2", None, 88120, 71))
    s.add(gcp_firewall(project, t + 40, "198.51.100.23", "10.128.0.40", 50211, 9997, "DENIED", "splunk-idx-1",
                       "default-deny-ingress", "INGRESS"), [],
          "internet scanner denied on the indexer port, an hour after the last change: not a finding")
    s.add(gcp_firewall(project, t + 50, "10.128.0.13", "10.128.0.40", 40212, 9997, "ALLOWED", "web-2",
                       "allow-siem-egress", "EGRESS"), [], "firewall-rule log of an allowed connection")
    s.write()


def benign_stream():
    acct = "444455556666"
    eni = "eni-0e5f6a7b8c9d01234"
    group, stream = "/aws/vpc/flowlogs/shared-vpc", f"{eni}-all"
    s = Stream("sg_change_benign.ndjson")
    t = at(12)

    def flows(minute, *lines):
        return cwl(acct, group, stream, [(t + minute * 60 + 70, l) for l in lines])

    def ok(minute, src, sport):
        return v2(acct, eni, src, "10.20.9.20", sport, 5044, 6, 22, 14230, t + minute * 60, "ACCEPT")

    s.add(flows(-10, ok(-10, "10.20.1.5", 44810), ok(-10, "10.20.1.7", 44990)))
    s.add(cloudtrail("RevokeSecurityGroupEgress", t, acct,
                     {"groupId": "sg-0c2d4e6f8a0b1c3d5", "ipPermissions": sg_permissions("tcp", 5044, "10.20.9.0/24")},
                     error=("Client.UnauthorizedOperation", "You are not authorized to perform this operation. User: arn:aws:sts::444455556666:assumed-role/ci-deployer/gha-run-8812 is not authorized to perform: ec2:RevokeSecurityGroupEgress on resource: arn:aws:ec2:eu-west-1:444455556666:security-group/sg-0c2d4e6f8a0b1c3d5 because no identity-based policy allows the ec2:RevokeSecurityGroupEgress action. Encoded authorization failure message: Qx8s0..."),
                     role="ci-deployer", session="gha-run-8812", ip="20.42.11.7",
                     agent="aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.173.0"),
          ["aws.ec2.egress_restricted"],
          "failed revoke (UnauthorizedOperation) of the Beats port: family 2 reports the attempt; nothing changed, so "
          "nothing is armed")
    s.add(flows(2, v2(acct, eni, "10.20.1.8", "10.20.9.20", 45001, 5044, 6, 3, 180, t + 120, "REJECT"),
                ok(2, "10.20.1.5", 44810)),
          [], "new host rejected by an existing rule; the only change before it failed: not a finding", 0)
    s.add(cloudtrail("AuthorizeSecurityGroupIngress", t + 600, acct,
                     {"groupId": "sg-0a9b8c7d6e5f40312", "ipPermissions": sg_permissions("tcp", 443, "0.0.0.0/0", "https")},
                     response={"requestId": uid("r", 1), "_return": True},
                     role="terraform-apply", session="tf-1732780800",
                     agent="APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.61.0"),
          [], "Terraform opens 443: widening a security group can block nothing, not a network change here")
    s.add(flows(12, v2(acct, eni, "198.51.100.23", "10.20.9.20", 40112, 5044, 6, 1, 44, t + 720, "REJECT"),
                v2(acct, eni, "10.20.1.5", "10.20.2.40", 51122, 22, 6, 2, 120, t + 720, "REJECT"),
                ok(12, "10.20.1.5", 44810), ok(12, "10.20.1.7", 44990)),
          [], "scanner on the Beats port and an SSH reject after a widening: not findings", 0)
    s.add(flows(18, ok(18, "10.20.1.5", 44810), ok(18, "10.20.1.7", 44990)))
    s.add(cloudtrail("RevokeSecurityGroupIngress", t + 1200, acct,
                     {"groupId": "sg-0b1c2d3e4f5a60718", "ipPermissions": sg_permissions("tcp", 22, "0.0.0.0/0")},
                     response={"requestId": uid("r", 2), "_return": True},
                     role="platform-admin", session="alice", ip="198.51.100.12"),
          [], "SSH closed on the bastion: a real narrowing change, but telemetry keeps flowing")
    s.add(flows(22, v2(acct, eni, "10.20.1.5", "10.20.3.3", 51190, 22, 6, 2, 120, t + 1320, "REJECT"),
                ok(22, "10.20.1.5", 44810), ok(22, "10.20.1.7", 44990)),
          [], "SSH to the bastion rejected after the change: not a collector", 0)
    for minute in range(26, 50, 4):
        s.add(flows(minute, ok(minute, "10.20.1.5", 44810), ok(minute, "10.20.1.7", 44990)))
    s.write()


def attack_stream():
    acct = "111122223333"
    eni_a, eni_b, eni_c = "eni-0f1e2d3c4b5a69788", "eni-0a9b8c7d6e5f41230", "eni-0d3c2b1a0f9e87654"
    group = "/aws/vpc/flowlogs/prod-vpc"
    s = Stream("sg_change_blocks_collector.ndjson")
    t = at(13)

    def a(minute, action="ACCEPT", sport=41822):
        return v2(acct, eni_a, "10.0.1.15", "10.0.9.20", sport, 9997, 6, 12 if action == "ACCEPT" else 2,
                  5120 if action == "ACCEPT" else 120, t + minute * 60, action)

    def b(minute):
        return v2(acct, eni_b, "10.0.1.16", "10.0.9.20", 43910, 9997, 6, 14, 6022, t + minute * 60, "ACCEPT")

    def c(minute, action="ACCEPT"):
        return v2(acct, eni_c, "10.0.3.7", "10.0.9.21", 52200, 8088, 6, 9 if action == "ACCEPT" else 2,
                  7310 if action == "ACCEPT" else 120, t + minute * 60, action)

    def flows(minute, eni, *lines):
        return cwl(acct, group, f"{eni}-all", [(t + minute * 60 + 75, l) for l in lines])

    for minute in (-14, -10, -6, -2):
        s.add(flows(minute, eni_a, a(minute),
                    v2(acct, eni_a, "10.0.1.15", "10.0.2.40", 50110, 443, 6, 40, 18220, t + minute * 60, "ACCEPT")))
        s.add(flows(minute, eni_b, b(minute)))
        s.add(flows(minute, eni_c, c(minute)))
    s.add(cloudtrail("RevokeSecurityGroupEgress", t, acct,
                     {"groupId": "sg-0a1b2c3d4e5f60718", "ipPermissions": sg_permissions("tcp", 9997, "10.0.9.0/24")},
                     response={"requestId": uid("r", 3), "_return": True}),
          ["aws.ec2.egress_restricted"],
          "egress to the Splunk indexers (port 9997) revoked from the web tier's security group (the change; family 2 "
          "reports it)")
    s.add(flows(1, eni_a, a(1, "REJECT"), a(1, "REJECT", 41830)),
          [REJECTED], "the forwarder's connection to the indexer rejected one minute after the revoke", 0)
    s.expect(len(s.lines), [], "the forwarder's retry in the same minute: reported once per host and change", 1)
    s.add(flows(1, eni_b, b(1)), [], "another security group: 10.0.1.16 keeps reporting", 0)
    s.add(flows(3, eni_a, a(3, "REJECT", 41844)), [], "still rejected: same story, no second finding", 0)
    s.add(flows(5, eni_a, nodata(acct, eni_a, t + 300)), [], "the forwarder gave up: NODATA is not traffic", 0)
    for minute in (2, 6, 10, 14, 18):
        s.add(flows(minute, eni_b, b(minute)))
        s.add(flows(minute, eni_c, c(minute)))
    s.add(cloudtrail("ReplaceNetworkAclEntry", t + 1200, acct,
                     {"networkAclId": "acl-0b1c2d3e4f5a6b7c8", "ruleNumber": 90, "egress": True, "ruleAction": "deny",
                      "icmpTypeCode": {}, "portRange": {"from": 8088, "to": 8088}, "aclProtocol": "6",
                      "cidrBlock": "10.0.9.0/24"},
                     response={"requestId": uid("r", 4), "_return": True}),
          ["aws.ec2.egress_restricted"],
          "NACL entry 90 of the data subnet now denies HEC egress (family 2 reports the change itself)")
    s.add(flows(21, eni_c, c(21, "REJECT")), [REJECTED], "10.0.3.7's HEC traffic rejected after the NACL change", 0)
    for minute in (22, 26, 30, 34, 38, 42):
        s.add(flows(minute, eni_b, b(minute)))
    mallory = f"arn:aws:sts::{acct}:assumed-role/platform-admin/mallory"
    s.correlate(SILENCE, mallory, [uid("event", "RevokeSecurityGroupEgress", t)],
                "10.0.1.15 silent toward the indexers for 15 min after the revoke (judged mid-stream)")
    s.correlate(SILENCE, mallory, [uid("event", "ReplaceNetworkAclEntry", t + 1200)],
                "10.0.3.7 silent toward HEC for 15 min after the NACL change (the stream runs to 13:43)")
    s.correlate("sequence.monitoring_evasion", mallory,
                [uid("event", "RevokeSecurityGroupEgress", t), uid("event", "ReplaceNetworkAclEntry", t + 1200)],
                "the forwarders' egress revoked, then HEC denied by the NACL 20 minutes later: one session's two "
                "collector cuts escalate")
    s.write()


if __name__ == "__main__":
    cloudwatch_stream()
    custom_format_stream()
    default_stream()
    json_stream()
    gcp_sequence_stream()
    gcp_flows_stream()
    benign_stream()
    attack_stream()

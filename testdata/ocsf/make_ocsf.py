#!/usr/bin/env python3
"""Write Security Lake OCSF versions of recorded raw streams, with their expectations.

Each raw stream (one event per line, or CloudWatch Logs subscription lines for VPC flow logs) is copied
beside its OCSF version, `<name>.raw.ndjson` and `<name>.ocsf.ndjson`, one record per line. The OCSF
records follow Amazon Security Lake's mapping: source version 2 (OCSF 1.1.0; API Activity class 6003)
and source version 1 (OCSF 1.0.0-rc.2; API Activity class 3005) alternate line by line, with the
request body as an object or as JSON text, so both layouts Security Lake writes are exercised. Field
names: Security Lake's OCSF source identification table, OCSF's mapping dossiers for CloudTrail, EKS
and VPC Flow Logs (github.com/ocsf/examples), and Security Lake VPC records as Elastic's Security Lake
integration records them. The expectations are the raw stream's, with lines renumbered: the same
events must give the same rule ids, and the plugin test `ocsf_equivalence` checks it event by event.

Event ids: the expectation check traces correlation findings back to streams by event id, so ids
must be unique across everything replayed together. Each copy gets its own ids, derived from the
recorded ones (`uuid5` of `<copy>:<id>`): `raw` for the raw copy, `ocsf` for the OCSF records.

Run from the repository root: python3 testdata/ocsf/make_ocsf.py
"""
import json
import pathlib
import uuid
from datetime import datetime, timezone

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "testdata" / "ocsf"

ACTIVITY = [("Create", 1), ("Read", 2), ("Update", 3), ("Delete", 4)]
CREATE = ("Create", "Put", "Add", "Run", "Start", "Enable", "Attach", "Associate", "Register")
READ = ("Describe", "Get", "List", "Lookup", "Head", "Search")
UPDATE = ("Update", "Modify", "Set", "Replace", "Change", "Authorize", "Revoke", "Stop", "Disable")
DELETE = ("Delete", "Remove", "Detach", "Disassociate", "Deregister", "Terminate")


def millis(text):
    text = text.replace("Z", "+00:00")
    return int(datetime.fromisoformat(text).astimezone(timezone.utc).timestamp() * 1000)


def activity(name):
    for prefixes, (label, uid) in zip((CREATE, READ, UPDATE, DELETE), ACTIVITY):
        if name.startswith(prefixes):
            return label, uid
    return "Other", 99


def drop_none(value):
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None and v != {}}
    return value


def cloudtrail(record, version):
    """CloudTrail management event -> Security Lake API Activity (version 2: 1.1.0, 1: 1.0.0-rc.2)."""
    ident = record.get("userIdentity") or {}
    session = ident.get("sessionContext") or {}
    attributes = session.get("attributes") or {}
    issuer = (session.get("sessionIssuer") or {}).get("arn")
    mfa = attributes.get("mfaAuthenticated")
    mfa = None if mfa is None else str(mfa).lower() == "true"
    created = attributes.get("creationDate")
    label, activity_id = activity(record["eventName"])
    failed = bool(record.get("errorCode"))
    v2 = version == 2
    class_uid = 6003 if v2 else 3005
    params = record.get("requestParameters")
    response = record.get("responseElements")
    source = record.get("sourceIPAddress")
    is_ip = source is not None and (source.count(".") == 3 and source.replace(".", "").isdigit() or ":" in source)
    unmapped = {
        "eventType": record.get("eventType"),
        "recipientAccountId": record.get("recipientAccountId"),
        "readOnly": None if record.get("readOnly") is None else str(record["readOnly"]).lower(),
        "managementEvent": None if record.get("managementEvent") is None else str(record["managementEvent"]).lower(),
        "eventCategory": record.get("eventCategory"),
    }
    if v2:
        user = {
            "type": ident.get("type"),
            "name": ident.get("userName"),
            "uid": ident.get("arn"),
            "uid_alt": ident.get("principalId"),
            "account": {"uid": ident.get("accountId")} if ident.get("accountId") else None,
            "credential_uid": ident.get("accessKeyId"),
        }
        actor_session = {
            "created_time": millis(created) if created else None,
            "is_mfa": mfa,
            "issuer": issuer,
        }
        # Alternate the body's two layouts: JSON text (as Parquet stores it) and an object.
        as_text = sum(map(ord, record.get("eventID", ""))) % 2 == 0
        body = (json.dumps(params) if as_text else params) if params is not None else None
        api_request = {"uid": record.get("requestID"), "data": body}
        api_response = {
            "error": record.get("errorCode"),
            "message": record.get("errorMessage"),
            "data": json.dumps(response) if response is not None else None,
        }
        cloud = {"region": record.get("awsRegion"), "provider": "AWS",
                 "account": {"uid": record.get("recipientAccountId")}}
    else:
        user = {
            "type": ident.get("type"),
            "name": ident.get("userName"),
            "uid": ident.get("principalId"),
            "uuid": ident.get("arn"),
            "account_uid": ident.get("accountId"),
            "credential_uid": ident.get("accessKeyId"),
        }
        actor_session = {
            "created_time": millis(created) if created else None,
            "mfa": mfa,
            "issuer": issuer,
        }
        # Source version 1 keeps what OCSF rc.2 has no attribute for in `unmapped`, as strings.
        api_request = {"uid": record.get("requestID")}
        api_response = {"error": record.get("errorCode"), "message": record.get("errorMessage")}
        unmapped["requestParameters"] = json.dumps(params) if params is not None else None
        unmapped["responseElements"] = json.dumps(response) if response is not None else None
        cloud = {"region": record.get("awsRegion"), "provider": "AWS"}
    resources = [
        drop_none({"uid": r.get("ARN"), "account_uid": r.get("accountId"), "type": r.get("type")})
        for r in record.get("resources") or []
    ]
    ocsf = {
        "metadata": {
            "product": {"version": record.get("eventVersion"), "name": "CloudTrail", "vendor_name": "AWS",
                        "feature": {"name": "Management"}},
            "uid": record.get("eventID"),
            "profiles": ["cloud", "datetime"] if v2 else ["cloud"],
            "version": "1.1.0" if v2 else "1.0.0-rc.2",
        },
        "time": millis(record["eventTime"]),
        "time_dt": record["eventTime"] if v2 else None,
        "cloud": cloud,
        "api": {"response": api_response, "operation": record["eventName"], "version": record.get("apiVersion"),
                "service": {"name": record["eventSource"]}, "request": api_request},
        "actor": {"user": user, "session": actor_session, "invoked_by": ident.get("invokedBy")},
        "http_request": {"user_agent": record.get("userAgent")},
        "src_endpoint": {"ip": source} if is_ip else {"domain": source},
        "resources": resources or None,
        "class_name": "API Activity",
        "class_uid": class_uid,
        "category_name": "Application Activity" if v2 else "Audit Activity",
        "category_uid": 6 if v2 else 3,
        "severity": "Informational",
        "severity_id": 1,
        "status": "Failure" if failed else "Success",
        "status_id": 2 if failed else 1,
        "activity_name": label,
        "activity_id": activity_id,
        "type_name": f"API Activity: {label}",
        "type_uid": class_uid * 100 + activity_id,
        "unmapped": unmapped,
    }
    return drop_none(ocsf)


K8S_ACTIVITY = {"create": ("Create", 1), "get": ("Read", 2), "list": ("Read", 2), "watch": ("Read", 2),
                "update": ("Update", 3), "patch": ("Update", 3), "delete": ("Delete", 4),
                "deletecollection": ("Delete", 4)}
K8S_MAPPED = {"kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "user", "sourceIPs",
              "userAgent", "objectRef", "responseStatus", "requestReceivedTimestamp", "stageTimestamp"}


def eks(event, n):
    """Kubernetes audit event from EKS -> Security Lake API Activity (source version 2, OCSF 1.1.0)."""
    ref = event.get("objectRef") or {}
    status = event.get("responseStatus") or {}
    user = event.get("user") or {}
    ips = event.get("sourceIPs") or []
    label, activity_id = K8S_ACTIVITY.get(event.get("verb"), ("Other", 99))
    unmapped = {k: v for k, v in event.items() if k not in K8S_MAPPED}
    # Parquet keeps `unmapped` as a map of strings; half the records carry JSON text, half objects.
    if n % 2 == 0:
        unmapped = {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in unmapped.items()}
    resource = drop_none({"type": ref.get("resource") or ref.get("subresource"), "name": ref.get("name"),
                          "namespace": ref.get("namespace"), "uid": ref.get("uid"),
                          "version": ref.get("resourceVersion")})
    code = status.get("code")
    ocsf = {
        "metadata": {"product": {"name": "Amazon EKS", "vendor_name": "AWS", "version": event.get("apiVersion"),
                                 "feature": {"name": "Elastic Kubernetes Service"}},
                     "uid": event.get("auditID"), "profiles": ["cloud", "datetime"], "version": "1.1.0",
                     "log_level": event.get("level")},
        "time": millis(event["stageTimestamp"]),
        "start_time": millis(event["requestReceivedTimestamp"]) if event.get("requestReceivedTimestamp") else None,
        "message": event.get("stage"),
        "cloud": {"provider": "AWS", "region": "us-east-1", "account": {"uid": "111122223333"}},
        "api": {"operation": event.get("verb"), "version": ref.get("apiVersion"),
                "request": {"uid": event.get("auditID")},
                "response": {"code": code, "message": status.get("message"), "error": status.get("reason")},
                "group": {"name": ref.get("apiGroup")} if ref.get("apiGroup") else None},
        "actor": {"user": {"name": user.get("username"), "uid": user.get("uid"), "type_id": 0,
                           "groups": [{"name": g} for g in user.get("groups") or []] or None}},
        "http_request": {"url": {"path": event.get("requestURI")}, "user_agent": event.get("userAgent")},
        "src_endpoint": {"ip": ips[0] if ips else None, "intermediate_ips": ips[1:] or None},
        "resources": [resource] if resource else None,
        "class_name": "API Activity", "class_uid": 6003, "category_name": "Application Activity",
        "category_uid": 6, "severity": "Informational", "severity_id": 1,
        "status": "Failure" if code is not None and code >= 400 else "Success",
        "status_id": 2 if code is not None and code >= 400 else 1,
        "activity_name": label, "activity_id": activity_id,
        "type_name": f"API Activity: {label}", "type_uid": 600300 + activity_id,
        "unmapped": unmapped or None,
    }
    return drop_none(ocsf)


def flow(line, region, version):
    """AWS VPC flow log default-format line -> Security Lake Network Activity (class 4001)."""
    f = line.split()
    (ver, account, eni, src, dst, sport, dport, proto, packets, nbytes, start, end, action, status) = f[:14]
    blocked = action == "REJECT"
    endpoint_ids = {"interface_uid": eni}
    num = lambda v: None if v == "-" else int(v)
    ocsf = {
        "metadata": {"product": {"version": ver, "name": "Amazon VPC", "feature": {"name": "Flowlogs"},
                                 "vendor_name": "AWS"},
                     "profiles": ["cloud", "security_control"],
                     "version": "1.1.0" if version == 2 else "1.0.0-rc.2"},
        "cloud": {"account": {"uid": account}, "region": region, "provider": "AWS"},
        "src_endpoint": {"port": num(sport), "ip": None if src == "-" else src, **endpoint_ids},
        "dst_endpoint": {"port": num(dport), "ip": None if dst == "-" else dst},
        # The default format has no flow-direction: Security Lake writes the direction as unknown.
        "connection_info": {"protocol_num": num(proto), "direction": "Unknown", "direction_id": 0},
        "traffic": {"packets": num(packets), "bytes": num(nbytes)},
        "time": int(start) * 1000, "start_time": int(start) * 1000, "end_time": int(end) * 1000,
        "status_code": status,
        "severity_id": 1, "severity": "Informational",
        "class_name": "Network Activity", "class_uid": 4001,
        "category_name": "Network Activity", "category_uid": 4,
        "activity_name": "Refuse" if blocked else "Traffic", "activity_id": 5 if blocked else 6,
        "disposition": "Blocked" if blocked else "Allowed", "disposition_id": 2 if blocked else 1,
        "type_uid": 400105 if blocked else 400106,
    }
    if version == 2:
        ocsf["action"] = "Denied" if blocked else "Allowed"
        ocsf["action_id"] = 2 if blocked else 1
    if action == "-":
        for key in ("disposition", "disposition_id", "action", "action_id"):
            ocsf.pop(key, None)
    return drop_none(ocsf)


ID_NAMESPACE = uuid.UUID("6b1c2f4e-3d5a-4e7b-9c8d-0a1b2c3d4e5f")


def new_id(copy, old):
    return str(uuid.uuid5(ID_NAMESPACE, f"{copy}:{old}"))


def with_ids(copy, event):
    """The event with its own ids for this copy (CloudTrail `eventID`, audit `auditID`)."""
    event = dict(event)
    for key in ("eventID", "auditID"):
        if key in event:
            event[key] = new_id(copy, event[key])
    return event


def renumber_correlations(expected, copy):
    return [dict(c, events=[new_id(copy, e) for e in c["events"]]) for c in expected.get("correlations", [])]


def convert(raw_path, name, to_ocsf):
    """Copy the raw stream, write its OCSF records, and renumber its expectations for both."""
    raw_lines = raw_path.read_text().splitlines()
    expected = json.loads(raw_path.with_name(raw_path.name.rsplit(".", 1)[0] + ".expected.json").read_text())
    ocsf_lines, raw_copy, where = [], [], {}
    for number, line in enumerate(raw_lines, start=1):
        event = json.loads(line)
        raw_copy.append(json.dumps(with_ids("raw", event), separators=(",", ":")))
        for index, record in enumerate(to_ocsf(number, with_ids("ocsf", event))):
            where[(number, index)] = len(ocsf_lines) + 1
            ocsf_lines.append(json.dumps(record, separators=(",", ":")))
    (OUT / f"{name}.raw.ndjson").write_text("\n".join(raw_copy) + "\n")
    (OUT / f"{name}.ocsf.ndjson").write_text("\n".join(ocsf_lines) + "\n")
    raw_expected = dict(expected, stream=f"{name}.raw.ndjson")
    if "correlations" in raw_expected:
        raw_expected["correlations"] = renumber_correlations(expected, "raw")
    (OUT / f"{name}.raw.expected.json").write_text(json.dumps(raw_expected, indent=2) + "\n")
    events = []
    for event in expected["events"]:
        moved = dict(event, line=where[(event["line"], event.get("index", 0))])
        moved.pop("index", None)
        events.append(moved)
    ocsf_expected = dict(expected, stream=f"{name}.ocsf.ndjson", events=events)
    if "correlations" in ocsf_expected:
        ocsf_expected["correlations"] = renumber_correlations(expected, "ocsf")
    (OUT / f"{name}.ocsf.expected.json").write_text(json.dumps(ocsf_expected, indent=2) + "\n")


def cloudtrail_stream(number, record):
    return [cloudtrail(record, 2 if number % 2 else 1)]


def eks_stream(number, event):
    return [eks(event, number)]


def network_stream(number, line):
    if "eventVersion" in line:
        return [cloudtrail(line, 2 if number % 2 else 1)]
    region = "us-east-1"
    return [flow(e["message"], region, 2 if number % 2 else 1) for e in line.get("logEvents", [])]


def main():
    convert(ROOT / "testdata/aws/cloudtrail_audit_logging.ndjson", "cloudtrail_management", cloudtrail_stream)
    convert(ROOT / "testdata/k8s/k8s_audit_agents.ndjson", "eks_audit", eks_stream)
    convert(ROOT / "testdata/network/sg_change_blocks_collector.ndjson", "vpc_flow_after_change", network_stream)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write the shapes lakes, SIEM exports and test fixtures store events in, from recorded canonical events.

For each source a selection of recorded events (attacks existing rules catch, and their benign
look-alikes) is written canonically (`<source>.canonical.ndjson`) and in each other shape
(`<source>.<shape>.ndjson`), one event per line in the same order, each with `<stream>.expected.json`
carrying the canonical stream's expectations (the rules must not change with the shape). The plugin
test `shapes_equivalence` compares the rule ids event by event.

Shapes:
- `athena`: a row of the Athena CloudTrail table AWS documents, exported as JSON: lower-cased column and
  struct-field names, `requestparameters` / `responseelements` as JSON text, `eventtime` as Athena
  prints a timestamp (`2026-11-27 08:20:33`), booleans as strings.
- `filtered`: what a log-shipping filter keeps: `eventName`, `eventSource`, `requestParameters`,
  `errorCode`, and `userIdentity.arn` on every other record (no `eventID`, `eventVersion`, `awsRegion`).
- `lowercase` (GCP): a SIEM export with every LogEntry and AuditLog key lower-cased (request bodies kept).
- `minimal` (Kubernetes): the request alone, as Falco's and Panther's audit test cases write it:
  `apiVersion`, `kind`, `verb`, `user`, `objectRef`, `responseStatus`, `requestObject`; no `auditID`,
  `stage` or timestamps.

Event ids: the expectation check traces correlation findings to streams by event id, so every copy
gets ids of its own, derived from the recorded ones (`uuid5` of `<stream>:<id>`). Streams that keep
ids expect the one `sequence.monitoring_evasion` their attacker's moves add up to; the `filtered` and
`minimal` shapes carry no ids, so their correlation findings cannot be traced and are not listed.

Run from the repository root: python3 testdata/shapes/make_shapes.py
"""
import json
import pathlib
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "testdata" / "shapes"


def lower_keys(value, keep=()):
    if isinstance(value, dict):
        return {k.lower(): (v if k in keep else lower_keys(v, keep)) for k, v in value.items()}
    if isinstance(value, list):
        return [lower_keys(v, keep) for v in value]
    return value


def athena(record):
    row = {}
    for key, value in record.items():
        if key in ("requestParameters", "responseElements", "additionalEventData", "serviceEventDetails"):
            value = None if value is None else json.dumps(value, separators=(",", ":"))
        elif key == "eventTime":
            value = value.replace("T", " ").replace("Z", "")
        elif isinstance(value, bool):
            value = str(value).lower()
        elif isinstance(value, (dict, list)):
            value = lower_keys(value)
        row[key.lower()] = value
    ident = row.get("useridentity") or {}
    attrs = (ident.get("sessioncontext") or {}).get("attributes") or {}
    if "mfaauthenticated" in attrs:
        attrs["mfaauthenticated"] = str(attrs["mfaauthenticated"]).lower()
    return row


def filtered(record, n):
    kept = {k: record[k] for k in ("eventName", "eventSource", "requestParameters", "errorCode") if k in record}
    arn = (record.get("userIdentity") or {}).get("arn")
    if n % 2 == 0 and arn:
        kept["userIdentity"] = {"arn": arn}
    return kept


def gcp_lowercase(entry):
    return lower_keys(entry, keep=("request", "response", "serviceData", "metadata", "labels"))


def k8s_minimal(event):
    keep = ("apiVersion", "kind", "verb", "user", "objectRef", "responseStatus", "requestObject")
    return {k: event[k] for k in keep if k in event}


ID_NAMESPACE = uuid.UUID("0e3f2a6c-51b4-4c0d-8f7e-9a1b2c3d4e6f")
ID_KEYS = ("eventID", "auditID", "insertId")


def with_ids(stream, event):
    event = dict(event)
    for key in ID_KEYS:
        if key in event:
            event[key] = str(uuid.uuid5(ID_NAMESPACE, f"{stream}:{event[key]}"))
    return event


def principal(event):
    return ((event.get("userIdentity") or {}).get("arn")
            or ((event.get("protoPayload") or {}).get("authenticationInfo") or {}).get("principalEmail")
            or (event.get("user") or {}).get("username"))


def event_id(event):
    for key in ID_KEYS:
        for k, v in event.items():
            if k.lower() == key.lower():
                return v
    return None


def select(stream, expected, lines):
    raw = (ROOT / stream).read_text().splitlines()
    rules = {e["line"]: e for e in json.loads((ROOT / expected).read_text())["events"] if e.get("index", 0) == 0}
    events = [json.loads(raw[n - 1]) for n in lines]
    notes = [rules.get(n, {"rules": [], "note": "no finding expected (read or unrelated call)"}) for n in lines]
    return events, notes


def write(name, events, notes, note_suffix, attacker=None, shape=lambda e: e):
    """Write the stream `name` (each event given its own ids, then put in `shape`) and its expectations.

    `attacker`: the principal whose moves in the selection add up to one `sequence.monitoring_evasion`.
    """
    events = [with_ids(name, e) for e in events]
    shaped = [shape(e) for e in events]
    (OUT / f"{name}.ndjson").write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in shaped))
    expected = {
        "stream": f"{name}.ndjson",
        "events": [{"line": i, "rules": n["rules"], "note": f"{n.get('note', '')} ({note_suffix})"}
                   for i, n in enumerate(notes, start=1)],
        "errors": [],
    }
    ids = [event_id(e) for e in shaped]
    if attacker and all(ids):
        moves = [i for e, n, i in zip(events, notes, ids) if n["rules"] and principal(e) == attacker]
        expected["correlations"] = [{
            "rule": "sequence.monitoring_evasion", "principal": attacker, "events": moves,
            "note": f"{len(moves)} monitoring-evasion moves by one principal: one escalation"}]
    (OUT / f"{name}.expected.json").write_text(json.dumps(expected, indent=2) + "\n")


def main():
    # CloudTrail: StopLogging (failed and done), DeleteTrail, DeleteFlowLogs, UpdateDetector off, EKS
    # audit logging off; look-alikes: DescribeTrails, a KMS-only UpdateTrail, StartLogging, GuardDuty on.
    events, notes = select("testdata/aws/cloudtrail_audit_logging.ndjson",
                           "testdata/aws/cloudtrail_audit_logging.expected.json",
                           [1, 2, 18, 30, 36, 46, 54, 57, 59, 64])
    attacker = "arn:aws:sts::111122223333:assumed-role/platform-admin/dev-sync-4821-b"
    write("cloudtrail.canonical", events, notes, "canonical", attacker)
    write("cloudtrail.athena", events, notes, "Athena row", attacker, athena)
    filtered_events = [filtered(e, i) for i, e in enumerate(events)]
    write("cloudtrail.filtered", filtered_events, notes, "filtered record")
    # GCP: sink deleted and disabled, exclusion created; look-alikes: sink created, harmless update.
    events, notes = select("testdata/gcp/audit_logentries.ndjson", "testdata/gcp/audit_logentries.expected.json",
                           [1, 2, 3, 5, 6, 7])
    attacker = "mallory@acme-corp.example"
    write("gcp_audit.canonical", events, notes, "canonical", attacker)
    write("gcp_audit.lowercase", events, notes, "keys lower-cased", attacker, gcp_lowercase)
    # Kubernetes: falco DaemonSet deleted, agents scaled to zero, made unschedulable, image swapped;
    # look-alikes: a read of the DaemonSet, an HPA scale of a web app, a Helm tag bump, a non-agent delete.
    events, notes = select("testdata/k8s/k8s_audit_agents.ndjson", "testdata/k8s/k8s_audit_agents.expected.json",
                           [2, 3, 5, 6, 8, 9, 10, 18])
    write("k8s_audit.canonical", events, notes, "canonical", "mallory@example.com")
    write("k8s_audit.minimal", events, notes, "request only", "mallory@example.com", k8s_minimal)


if __name__ == "__main__":
    main()

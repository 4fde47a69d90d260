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

Run from the repository root: python3 testdata/shapes/make_shapes.py
"""
import json
import pathlib

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


def select(stream, expected, lines):
    raw = (ROOT / stream).read_text().splitlines()
    rules = {e["line"]: e for e in json.loads((ROOT / expected).read_text())["events"] if e.get("index", 0) == 0}
    events = [json.loads(raw[n - 1]) for n in lines]
    notes = [rules.get(n, {"rules": [], "note": "no finding expected (read or unrelated call)"}) for n in lines]
    return events, notes


def write(name, events, notes, note_suffix):
    (OUT / f"{name}.ndjson").write_text("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events))
    expected = {
        "stream": f"{name}.ndjson",
        "events": [{"line": i, "rules": n["rules"], "note": f"{n.get('note', '')} ({note_suffix})"}
                   for i, n in enumerate(notes, start=1)],
        "errors": [],
    }
    (OUT / f"{name}.expected.json").write_text(json.dumps(expected, indent=2) + "\n")


def main():
    # CloudTrail: StopLogging (failed and done), DeleteTrail, DeleteFlowLogs, UpdateDetector off, EKS
    # audit logging off; look-alikes: DescribeTrails, a KMS-only UpdateTrail, StartLogging, GuardDuty on.
    events, notes = select("testdata/aws/cloudtrail_audit_logging.ndjson",
                           "testdata/aws/cloudtrail_audit_logging.expected.json",
                           [1, 2, 18, 30, 36, 46, 54, 57, 59, 64])
    write("cloudtrail.canonical", events, notes, "canonical")
    write("cloudtrail.athena", [athena(e) for e in events], notes, "Athena row")
    write("cloudtrail.filtered", [filtered(e, i) for i, e in enumerate(events)], notes, "filtered record")
    # GCP: sink deleted and disabled, exclusion created; look-alikes: sink created, harmless update.
    events, notes = select("testdata/gcp/audit_logentries.ndjson", "testdata/gcp/audit_logentries.expected.json",
                           [1, 2, 3, 5, 6, 7])
    write("gcp_audit.canonical", events, notes, "canonical")
    write("gcp_audit.lowercase", [gcp_lowercase(e) for e in events], notes, "keys lower-cased")
    # Kubernetes: falco DaemonSet deleted, agents scaled to zero, made unschedulable, image swapped;
    # look-alikes: a read of the DaemonSet, an HPA scale of a web app, a Helm tag bump, a non-agent delete.
    events, notes = select("testdata/k8s/k8s_audit_agents.ndjson", "testdata/k8s/k8s_audit_agents.expected.json",
                           [2, 3, 5, 6, 8, 9, 10, 18])
    write("k8s_audit.canonical", events, notes, "canonical")
    write("k8s_audit.minimal", [k8s_minimal(e) for e in events], notes, "request only")


if __name__ == "__main__":
    main()

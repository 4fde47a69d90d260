"""Open blindspot's Parquet output with pyarrow (a reader independent of the Rust writer) and check it
against the documented schema and every *.expected.json under the testdata directory."""

import json
import pathlib
import sys

import pyarrow.parquet as pq
import pyarrow as pa

COLUMNS = [
    "input_file", "input_line", "input_record", "event_time", "source", "provider", "account",
    "region", "principal", "principal_type", "source_ip", "user_agent", "action", "target",
    "outcome", "event_id", "raw", "error", "findings", "max_severity", "alert",
    "shape_note",
]
FINDING_FIELDS = [
    "rule_id", "title", "technique_id", "technique_name", "tactic", "technique_id_newer",
    "technique_name_newer", "tactic_newer", "severity", "confidence", "reasons", "suppressed",
    "suppression_reason", "response", "related_events",
]
SEVERITIES = {"info", "low", "medium", "high", "critical"}
SOURCES = {"aws_cloudtrail", "azure_activity", "gcp_audit", "k8s_audit", "docker", "flow_log", "unknown"}


def main(output: str, testdata: str) -> int:
    table = pq.read_table(output)
    problems = []
    if table.schema.names != COLUMNS:
        problems.append(f"columns {table.schema.names} != {COLUMNS}")
    if table.schema.field("event_time").type != pa.timestamp("us", tz="UTC"):
        problems.append(f"event_time is {table.schema.field('event_time').type}")
    finding_type = table.schema.field("findings").type.value_type
    if [f.name for f in finding_type] != FINDING_FIELDS:
        problems.append(f"finding fields {[f.name for f in finding_type]}")

    rows = table.to_pylist()
    actual = {}
    errors = set()
    correlations = []
    noted = 0
    last_stream = None
    for row in rows:
        if row["input_file"] == "":
            # A correlation finding: a row of its own, no input position, joining other events by id.
            # Replayed per file, it belongs to the stream read just before it (recorded copies of a
            # stream share event ids, so ids alone cannot tell which copy completed it).
            row["_stream"] = last_stream
            correlations.append(row)
            for f in row["findings"]:
                if f["severity"] not in SEVERITIES or not f["related_events"]:
                    problems.append(f"bad correlation finding {f['rule_id']}: {f}")
            continue
        key = (str(pathlib.Path(row["input_file"]).resolve()), row["input_line"], row["input_record"])
        last_stream = key[0]
        # A fallback shape is named on its rows (testdata/shapes, testdata/ocsf); a canonical stream
        # is read without one.
        name = pathlib.Path(row["input_file"]).name
        fallback = name.split(".")[1:2] in (["athena"], ["filtered"], ["lowercase"], ["minimal"], ["ocsf"])
        if row["source"] != "unknown" and row["error"] is None:
            noted += row["shape_note"] is not None
            if fallback and row["shape_note"] is None:
                problems.append(f"no shape_note on a fallback shape at {key}")
            if name.split(".")[1:2] in (["canonical"], ["raw"]) and row["shape_note"] is not None:
                problems.append(f"shape_note {row['shape_note']!r} on a canonical event at {key}")
        if key in actual or (row["error"] is not None and key in errors):
            problems.append(f"duplicate row for {key}")
        if row["source"] not in SOURCES:
            problems.append(f"bad source {row['source']!r}")
        if row["error"] is not None:
            errors.add(key)
            continue
        rules = sorted(f["rule_id"] for f in row["findings"] if not f["suppressed"])
        suppressed = sorted(f["rule_id"] for f in row["findings"] if f["suppressed"])
        actual[key] = (rules, suppressed)
        for f in row["findings"]:
            if f["severity"] not in SEVERITIES or not 0 <= f["confidence"] <= 100:
                problems.append(f"bad finding {f['rule_id']} at {key}")
            if f["suppressed"] != (f["suppression_reason"] is not None):
                problems.append(f"suppression flag and reason disagree at {key}")
            newer = [f["technique_id_newer"], f["technique_name_newer"], f["tactic_newer"]]
            if any(v is None for v in newer) and any(v is not None for v in newer):
                problems.append(f"newer technique half filled for {f['rule_id']} at {key}")
        alert = any(not f["suppressed"] and f["severity"] in {"medium", "high", "critical"} for f in row["findings"])
        if alert != row["alert"]:
            problems.append(f"alert column wrong at {key}")

    checked_streams = 0
    for expected_file in sorted(pathlib.Path(testdata).rglob("*.expected.json")):
        spec = json.loads(expected_file.read_text())
        if spec.get("config"):
            # Holds only under that configuration; this output was written without one.
            continue
        stream = str((expected_file.parent / spec["stream"]).resolve())
        checked_streams += 1
        want = {}
        for event in spec.get("events", []):
            want[(stream, event["line"], event.get("index", 0))] = (
                sorted(event.get("rules", [])), sorted(event.get("suppressed", [])))
        for key, got in actual.items():
            if key[0] != stream:
                continue
            expected = want.get(key, ([], []))
            if got != expected:
                problems.append(f"{key}: expected {expected}, Parquet has {got}")
        for key, expected in want.items():
            if expected != ([], []) and key not in actual:
                problems.append(f"{key}: expected {expected}, no such row")
        for want_corr in spec.get("correlations", []):
            hits = [
                r for r in correlations
                if r["_stream"] == stream
                and r["principal"] == want_corr["principal"]
                and any(f["rule_id"] == want_corr["rule"]
                        and set(want_corr.get("events", [])) <= set(f["related_events"])
                        for f in r["findings"])
            ]
            if len(hits) != 1:
                problems.append(f"{stream}: {len(hits)} correlation rows for {want_corr['rule']} by "
                                f"{want_corr['principal']}, expected exactly one")
        want_errors = {(stream, e["line"]) for e in spec.get("errors", [])}
        got_errors = {(k[0], k[1]) for k in errors if k[0] == stream}
        if want_errors != got_errors:
            problems.append(f"{stream}: error rows {sorted(got_errors)} != expected {sorted(want_errors)}")

    for p in problems[:50]:
        print("PROBLEM", p)
    alerts = sum(1 for r in rows if r["alert"])
    print(f"pyarrow: {len(rows)} rows, {len(errors)} error rows, {len(correlations)} correlation rows, "
          f"{alerts} alerts, {noted} events read from a fallback shape, "
          f"{checked_streams} expected streams checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

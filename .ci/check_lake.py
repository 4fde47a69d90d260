"""Open blindspot's data-lake outputs with real lake readers (DuckDB and pyarrow), run the queries an
analyst would, and check the answers against the *.expected.json files and the single-file table.

usage: check_lake.py --lake DIR --table FILE --ocsf-parquet FILE --ocsf-ndjson FILE --testdata DIR
                     [--max-rows-per-file N] [--row-group-rows N]

The single-file table is the one .ci/check_parquet.py already checked against the expected files; the
partitioned dataset and the OCSF findings must tell the same story, through other readers.
"""

import argparse
import collections
import datetime
import json
import pathlib
import sys

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq

ALERT_SEVERITIES = ("medium", "high", "critical")
problems = []


def problem(text):
    problems.append(text)


def check(condition, text):
    if not condition:
        problem(text)
    return condition


def diff(a, b):
    """The keys on which two counters disagree, with both counts."""
    return {k: (a.get(k, 0), b.get(k, 0)) for k in sorted(set(a) | set(b), key=str) if a.get(k, 0) != b.get(k, 0)}


def resolve(path):
    return str(pathlib.Path(path).resolve()) if path else ""


def expected_findings(testdata):
    """(stream, line, index) -> (rules, suppressed) for every listed event of the unconfigured run."""
    want, streams = {}, set()
    for expected_file in sorted(pathlib.Path(testdata).rglob("*.expected.json")):
        spec = json.loads(expected_file.read_text())
        if spec.get("config"):
            continue  # expectations under a configuration; the lake replay runs without one
        stream = resolve(expected_file.parent / spec["stream"])
        streams.add(stream)
        for event in spec.get("events", []):
            want[(stream, event["line"], event.get("index", 0))] = (
                sorted(event.get("rules", [])), sorted(event.get("suppressed", [])))
    return want, streams


def table_findings(rows):
    """Every finding of the enriched table as (file, line, record, rule, severity, suppressed, principal, day)."""
    out = []
    for r in rows:
        day = r["event_time"].astimezone(datetime.timezone.utc).date().isoformat() if r["event_time"] else None
        for f in r["findings"] or []:
            out.append((resolve(r["input_file"]), r["input_line"], r["input_record"], f["rule_id"],
                        f["severity"], f["suppressed"], r["principal"], day))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lake", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--ocsf-parquet", required=True)
    ap.add_argument("--ocsf-ndjson", required=True)
    ap.add_argument("--testdata", required=True)
    ap.add_argument("--max-rows-per-file", type=int)
    ap.add_argument("--row-group-rows", type=int)
    args = ap.parse_args()

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    lake_glob = str(pathlib.Path(args.lake) / "**" / "*.parquet")
    con.execute(f"CREATE VIEW lake AS SELECT * FROM read_parquet('{lake_glob}', hive_partitioning = true)")
    con.execute(f"CREATE VIEW ocsf AS SELECT * FROM read_parquet('{args.ocsf_parquet}')")
    con.execute(f"CREATE VIEW ocsf_json AS SELECT * FROM read_json('{args.ocsf_ndjson}', "
                "format = 'newline_delimited', maximum_object_size = 67108864)")

    table_rows = pq.read_table(args.table).to_pylist()
    findings = table_findings(table_rows)
    want, streams = expected_findings(args.testdata)

    # 0. The table's findings on input events are exactly the expected ones (the ground truth the
    #    answers below are traced back to); correlation findings (no input position) come on top.
    got = collections.defaultdict(lambda: ([], []))
    for f in findings:
        if f[0] in streams:
            got[f[:3]][1 if f[5] else 0].append(f[3])
    for key in set(got) | {k for k, v in want.items() if v != ([], [])}:
        g = tuple(sorted(x) for x in got.get(key, ([], [])))
        check(g == want.get(key, ([], [])), f"table {key}: {g} != expected {want.get(key)}")

    # 1. The partitioned dataset holds the same rows as the single file, each in its partition.
    lake_keys = sorted((resolve(f), l, r) for f, l, r in con.execute(
        "SELECT input_file, input_line, input_record FROM lake").fetchall())
    table_keys = sorted((resolve(r["input_file"]), r["input_line"], r["input_record"]) for r in table_rows)
    check(lake_keys == table_keys, f"lake rows ({len(lake_keys)}) differ from the table ({len(table_keys)})")
    misplaced = con.execute(f"""
        SELECT count(*) FROM read_parquet('{lake_glob}', hive_partitioning = true, filename = true)
        WHERE regexp_extract(filename, 'source=([^/]+)', 1) <> source
           OR CAST(event_time AS DATE) IS DISTINCT FROM event_date""").fetchone()[0]
    check(misplaced == 0, f"{misplaced} lake rows sit in the wrong partition")

    files = sorted(p for p in pathlib.Path(args.lake).rglob("*.parquet"))
    for path in files:
        meta = pq.ParquetFile(path).metadata
        if args.max_rows_per_file:
            check(meta.num_rows <= args.max_rows_per_file, f"{path}: {meta.num_rows} rows")
        if args.row_group_rows:
            for g in range(meta.num_row_groups):
                check(meta.row_group(g).num_rows <= args.row_group_rows, f"{path}: row group {g} too large")

    # pyarrow reads the same dataset and prunes by partition: a filter on source opens only its files.
    dataset = ds.dataset(args.lake, format="parquet", partitioning="hive")
    check(dataset.count_rows() == len(table_rows), "pyarrow dataset row count differs from the table")
    by_source = collections.Counter(r["source"] for r in table_rows)
    all_fragments = len(list(dataset.get_fragments()))
    for source, count in sorted(by_source.items()):
        fragments = list(dataset.get_fragments(filter=ds.field("source") == source))
        check(dataset.count_rows(filter=ds.field("source") == source) == count, f"pyarrow: {source} rows")
        check(all(f"source={source}/" in f.path for f in fragments) and len(fragments) < all_fragments,
              f"pyarrow did not prune to source={source}")

    # 2. Alerts per rule per day, three ways: DuckDB on the lake, DuckDB on the OCSF findings, Python on
    #    the single file read by pyarrow.
    lake_alerts = collections.Counter({(rule, str(day) if day else None): n for rule, day, n in con.execute(f"""
        SELECT f.rule_id, event_date, count(*) FROM (SELECT event_date, unnest(findings) AS f FROM lake)
        WHERE NOT f.suppressed AND f.severity IN {ALERT_SEVERITIES} GROUP BY ALL""").fetchall()})
    ocsf_alerts = collections.Counter({(rule, str(day) if day else None): n for rule, day, n in con.execute("""
        SELECT finding_info.analytic.uid, CAST(time_dt AS DATE), count(*) FROM ocsf
        WHERE is_alert GROUP BY ALL""").fetchall()})
    py_alerts = collections.Counter((f[3], f[7]) for f in findings if not f[5] and f[4] in ALERT_SEVERITIES)
    check(lake_alerts == py_alerts, f"alerts per rule per day, lake vs table: {diff(lake_alerts, py_alerts)}")
    check(ocsf_alerts == py_alerts, f"alerts per rule per day, OCSF vs table: {diff(ocsf_alerts, py_alerts)}")
    # ...and the unsuppressed findings per rule on input events are the expected files' count.
    #    Only streams with an expected file count: testdata also holds copies kept for other checks
    #    (testdata/sigma/events).
    expected_per_rule = collections.Counter(r for rules, _ in want.values() for r in rules)
    expected_streams = streams
    lake_per_rule = collections.Counter()
    for rule, input_file, n in con.execute("""
        SELECT f.rule_id, input_file, count(*) FROM (SELECT input_file, input_line, unnest(findings) AS f FROM lake)
        WHERE NOT f.suppressed AND input_line > 0 GROUP BY ALL""").fetchall():
        if resolve(input_file) in expected_streams:
            lake_per_rule[rule] += n
    check(lake_per_rule == expected_per_rule,
          f"findings per rule, lake vs expected: {diff(lake_per_rule, expected_per_rule)}")

    # 3. All findings for one principal (the busiest), from the OCSF Parquet and from the NDJSON.
    principal = collections.Counter(f[6] for f in findings if f[6]).most_common(1)[0][0]
    query = """SELECT unmapped.input_file, unmapped.input_line, unmapped.input_record, finding_info.analytic.uid
               FROM {view} WHERE evidences[1].actor.user.name = ?"""
    want_principal = sorted(f[:4] for f in findings if f[6] == principal)
    for view in ("ocsf", "ocsf_json"):
        rows = sorted((resolve(a), b, c, d) for a, b, c, d in
                      con.execute(query.format(view=view), [principal]).fetchall())
        check(rows == want_principal, f"{view}: findings for {principal}: {len(rows)} != {len(want_principal)}")
    traced = [k for k in want_principal if k[0] in streams]
    for key in traced:
        rules, suppressed = want.get(key[:3], ([], []))
        check(key[3] in rules or key[3] in suppressed, f"{key} is not in the expected files")

    # 4. Unsuppressed critical findings with their evidence.
    critical = con.execute("""
        SELECT finding_info.uid, finding_info.analytic.uid, unmapped.input_file, unmapped.input_line,
               unmapped.input_record, raw_data, evidences, remediation.desc, metadata.original_event_uid
        FROM ocsf WHERE severity_id = 5 AND status_id <> 3 ORDER BY ALL""").fetchall()
    want_critical = sorted(f[:4] for f in findings if f[4] == "critical" and not f[5])
    got_critical = sorted((resolve(c[2]), c[3], c[4], c[1]) for c in critical)
    check(got_critical == want_critical, f"critical findings: OCSF {len(got_critical)} != table {len(want_critical)}")
    check(len(critical) > 0, "the testdata has no unsuppressed critical finding to check")
    for uid, rule, file, line, record, raw, evidences, remediation, event_uid in critical:
        check(bool(remediation), f"{uid}: no remediation")
        if line:
            check(bool(evidences), f"{uid}: no evidences")
            check(bool(raw), f"{uid}: no raw_data")
            if event_uid:
                check(event_uid in raw, f"{uid}: raw_data does not hold event {event_uid}")
            rules, _ = want.get((resolve(file), line, record), ([], []))
            check(rule in rules, f"{uid}: critical {rule} at {file}:{line} is not expected")

    # 5. OCSF basics and the two formats agree record for record.
    totals = con.execute("""SELECT count(*), count(DISTINCT class_uid), min(class_uid), min(metadata.version),
                                   count(*) FILTER (WHERE finding_info.uid IS NULL) FROM ocsf""").fetchone()
    check(totals[0] == len(findings), f"OCSF has {totals[0]} records for {len(findings)} findings")
    check(totals[1:4] == (1, 2004, totals[3]) and totals[4] == 0, f"OCSF class/uid problems: {totals}")
    summary_cols = """finding_info.uid, finding_info.analytic.uid, severity_id, status_id, time,
                      unmapped.input_line, evidences[1].actor.user.name, cloud.account.uid"""
    a = con.execute(f"SELECT {summary_cols} FROM ocsf ORDER BY ALL").fetchall()
    b = con.execute(f"SELECT {summary_cols} FROM ocsf_json ORDER BY ALL").fetchall()
    check(a == b, "OCSF Parquet and NDJSON records differ")

    for p in problems[:50]:
        print("PROBLEM", p)
    print(f"lake: {len(files)} files, {len(lake_keys)} rows; OCSF: {totals[0]} findings; "
          f"alert rule-days {len(py_alerts)}, principal {principal!r} {len(want_principal)} findings, "
          f"{len(critical)} unsuppressed critical; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

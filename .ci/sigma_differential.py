#!/usr/bin/env python3
"""Differential check of blindspot's Sigma evaluation against pySigma.

pySigma (with its SQLite backend) turns each rule of testdata/sigma and testdata/sigma/conformance into
SQL; the events of testdata/sigma/events are loaded into one in-memory SQLite table per source, flattened
to dotted-path columns. blindspot's matches come from the `sigma_match` example. Every (event, rule) pair
must agree, except the deviations listed in ALLOWED with the reason.

Needs: pip install pysigma pysigma-backend-sqlite (this script installs nothing).
Run from the repository root: python3 .ci/sigma_differential.py
Other rules (e.g. a SigmaHQ checkout's cloud rules): python3 .ci/sigma_differential.py --rules DIR...
(the allow-list is then not required to occur).
"""

import argparse
import itertools
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection

ROOT = Path(__file__).resolve().parent.parent
RULE_DIRS = [ROOT / "testdata/sigma", ROOT / "testdata/sigma/conformance"]
EVENTS = {
    "aws_cloudtrail": ROOT / "testdata/sigma/events/aws_cloudtrail.ndjson",
    "azure_activity": ROOT / "testdata/sigma/events/azure_activity.ndjson",
    "gcp_audit": ROOT / "testdata/sigma/events/gcp_audit.ndjson",
    "k8s_audit": ROOT / "testdata/sigma/events/k8s_audit.ndjson",
}
LOGSOURCES = {
    ("aws", "cloudtrail"): "aws_cloudtrail",
    ("azure", "activitylogs"): "azure_activity",
    ("gcp", "gcp.audit"): "gcp_audit",
    ("kubernetes", "audit"): "k8s_audit",
}
# The taxonomy blindspot applies (docs/sigma.md); pySigma has no pipeline for these sources, so the
# flattened rows carry the Sigma names as extra columns.
TAXONOMY = {
    "gcp_audit": {
        "gcp.audit.method_name": "protoPayload.methodName",
        "gcp.audit.service_name": "protoPayload.serviceName",
        "gcp.audit.resource_name": "protoPayload.resourceName",
        "gcp.audit.authentication_info.principal_email": "protoPayload.authenticationInfo.principalEmail",
        "gcp.audit.request_metadata.caller_ip": "protoPayload.requestMetadata.callerIp",
    },
    "azure_activity": {
        "OperationNameValue": "operationName",
        "CategoryValue": "category",
        "ResourceProviderValue": "resourceProviderName",
        "ResourceId": "resourceId",
    },
    "k8s_audit": {
        "apiGroup": "objectRef.apiGroup",
        "hostPath": "requestObject.spec.volumes.hostPath.path",
        "capabilities": "requestObject.spec.containers.securityContext.capabilities.add",
    },
}
# (rule id, source, line) -> why the reference differs from the specification (or from blindspot's
# documented choice). Filled from the first run; each entry is checked to still occur.
ALLOWED = {
    # Sigma compares values by their string form ('201' matches 201); SQLite compares the rule's text
    # '201' with the stored integer 201 as different types.
    ("c0000002-0000-4000-8000-000000000002", "k8s_audit", "*"):
        "quoted number against a JSON number: SQLite compares text with integer as unequal",
}
MAX_ROWS = 4096


def flatten(value, prefix=""):
    """Alternative flat rows of an event: each array multiplies the rows, one row per element."""
    if isinstance(value, dict):
        if "value" in value and prefix and not isinstance(value["value"], (dict, list)):
            # Azure's REST shape {"value": …, "localizedValue": …} stands for its value (as blindspot).
            base = [{prefix: scalar(value["value"])}]
        else:
            base = [{}]
        parts = [flatten(v, f"{prefix}.{k}" if prefix else k) for k, v in value.items()]
        rows = base
        for alternatives in parts:
            rows = [dict(a, **b) for a, b in itertools.product(rows, alternatives)][:MAX_ROWS]
        return rows
    if isinstance(value, list):
        if not value:
            return [{}]
        return [row for item in value for row in flatten(item, prefix)][:MAX_ROWS]
    return [{prefix: scalar(value)}]


def scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def all_text(value, out):
    if isinstance(value, dict):
        for v in value.values():
            all_text(v, out)
    elif isinstance(value, list):
        for v in value:
            all_text(v, out)
    elif value is not None:
        out.append(str(scalar(value)))
    return out


def regexp(pattern, value):
    return value is not None and re.search(pattern, str(value)) is not None


def load_table(source):
    connection = sqlite3.connect(":memory:")
    connection.create_function("REGEXP", 2, regexp)
    rows = []
    for line_number, line in enumerate(EVENTS[source].read_text().splitlines(), start=1):
        if not line.strip():
            continue
        event = json.loads(line)
        text = "\n".join(all_text(event, []))
        for row in flatten(event):
            for sigma_name, path in TAXONOMY.get(source, {}).items():
                if path in row:
                    row[sigma_name] = row[path]
            row["_line"] = line_number
            row["_text"] = text
            rows.append(row)
    # SQLite column names are case-insensitive: keys differing only in case share a column.
    canonical = {}
    for row in rows:
        for c in row:
            canonical.setdefault(c.lower(), c)
    rows = [{canonical[c.lower()]: v for c, v in row.items()} for row in rows]
    columns = sorted(canonical.values())
    quote = lambda c: "`" + c.replace("`", "``") + "`"  # noqa: E731
    connection.execute(
        "CREATE TABLE logs (" + ", ".join(f"{quote(c)} COLLATE NOCASE" for c in columns) + ")"
    )
    connection.executemany(
        f"INSERT INTO logs ({', '.join(map(quote, columns))}) VALUES ({', '.join('?' for _ in columns)})",
        [[row.get(c) for c in columns] for row in rows],
    )
    return connection, {c.lower() for c in columns}


def reference_matches(rule_dirs):
    backend = sqliteBackend(fulltext_field="_text", collate_nocase=True)
    tables = {source: load_table(source) for source in EVENTS}
    matches = set()
    for directory in rule_dirs:
        for path in sorted(directory.glob("*.yml")):
            for rule in SigmaCollection.from_yaml(path.read_text()):
                source = LOGSOURCES[(rule.logsource.product, rule.logsource.service)]
                connection, columns = tables[source]
                for query in backend.convert_rule(rule):
                    # Columns no event has are NULL, as pySigma's runtime does for absent fields.
                    for field in re.findall(r"`([^`]+)`|\b([A-Za-z_][A-Za-z0-9_.]*)\b(?= ?(?:=|LIKE|GLOB|REGEXP|IS|<|>))", query):
                        name = field[0] or field[1]
                        if name and name.lower() not in columns and name.upper() not in ("NOT", "AND", "OR"):
                            connection.execute(f"ALTER TABLE logs ADD COLUMN `{name}` COLLATE NOCASE")
                            columns.add(name.lower())
                    sql = query.replace("SELECT *", "SELECT DISTINCT _line", 1)
                    for (line,) in connection.execute(sql):
                        matches.add((str(rule.id), source, line))
    return matches


def blindspot_matches(rule_dirs):
    args = ["cargo", "run", "-q", "-p", "blindspot-plugin", "--example", "sigma_match", "--"]
    args += [str(d) for d in rule_dirs] + ["--"]
    args += [f"{source}={path}" for source, path in EVENTS.items()]
    report = json.loads(subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    if report["skipped"]:
        sys.exit(f"blindspot skipped rules: {report['skipped']}")
    by_path = {str(path): source for source, path in EVENTS.items()}
    return {
        (m["rule"], by_path.get(m["file"], m["file"]), m["line"]) for m in report["matches"]
    }


def allowed(key):
    rule, source, line = key
    for (a_rule, a_source, a_line), reason in ALLOWED.items():
        if a_rule == rule and a_source == source and a_line in ("*", line):
            return reason
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", nargs="+", type=Path, help="rule directories instead of testdata/sigma")
    options = parser.parse_args()
    rule_dirs = options.rules or RULE_DIRS
    reference = reference_matches(rule_dirs)
    ours = blindspot_matches(rule_dirs)
    unexplained = []
    explained = set()
    for key in sorted(reference ^ ours, key=str):
        side = "only blindspot" if key in ours else "only pySigma"
        reason = allowed(key)
        if reason:
            explained.add(next(k for k in ALLOWED if k[0] == key[0] and k[1] == key[1]))
            print(f"allowed  {side}: {key}: {reason}")
        else:
            unexplained.append(f"{side}: {key}")
    stale = [] if options.rules else [k for k in ALLOWED if k not in explained]
    print(f"{len(reference & ours)} matches agree, {len(reference ^ ours) - len(unexplained)} allowed deviations")
    for line in unexplained:
        print("MISMATCH", line)
    for key in stale:
        print("STALE allow-list entry (no longer differs):", key)
    sys.exit(1 if unexplained or stale else 0)


if __name__ == "__main__":
    main()

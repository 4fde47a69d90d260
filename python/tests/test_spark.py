"""blindspot inside real PySpark (local mode): the bundled recordings enriched through
`blindspot.spark` against `blindspot replay`'s own output."""

from __future__ import annotations

import json
from collections import Counter

import pyarrow as pa
import pytest

import blindspot
import blindspot.spark
from conftest import REPO, TESTDATA


def relative(uri: str) -> str:
    """Spark names files by URI (`file:/.../testdata/x`); replay by the path it was given."""
    if not uri:
        return uri
    path = uri.removeprefix("file://").removeprefix("file:")
    return str(__import__("pathlib").Path(path).relative_to(REPO))


def canonical(row: dict) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def split_rows(rows: list) -> tuple:
    """Event and error rows by position; correlation rows (no position) as a multiset."""
    by_position = {}
    correlations = Counter()
    for row in rows:
        if row["input_file"] == "":
            correlations[canonical(row)] += 1
        else:
            key = (row["input_file"], row["input_line"], row["input_record"])
            assert key not in by_position, key
            by_position[key] = row
    return by_position, correlations


def collected(df) -> pa.Table:
    table = df.toArrow()
    files = [relative(f) for f in table.column("input_file").to_pylist()]
    return table.set_column(0, "input_file", pa.array(files, pa.string()))


@pytest.fixture(scope="module")
def events(spark):
    return blindspot.spark.read_events(spark, str(TESTDATA)).cache()


def test_read_events_frames_like_replay(events, in_repo):
    got = events.toArrow().to_pylist()
    want = blindspot.read_events("testdata").to_pylist()
    for row in got:
        row["file"] = relative(row["file"])
    key = lambda r: (r["file"], r["line"])  # noqa: E731
    assert sorted(got, key=key) == sorted(want, key=key)
    assert any(r["file"].endswith(".json.gz") for r in got), "gzip deliveries are read"


def test_per_file_streams_equal_replay_per_file(events, replay_per_file):
    out = blindspot.spark.enrich(events, correlate_by=("file",), order_by="input")
    # Spark's own schema of the result is the Arrow schema of replay's table.
    assert out.schema == blindspot.spark._spark_schema(replay_per_file["table"].schema)
    got = collected(out)
    want = replay_per_file["table"]
    for name in want.column_names:
        assert got.schema.field(name).type == want.schema.field(name).type, name
    got_rows, got_corr = split_rows(got.to_pylist())
    want_rows, want_corr = split_rows(want.to_pylist())
    assert got_rows.keys() == want_rows.keys()
    for key, row in want_rows.items():
        assert got_rows[key] == row, key
    assert got_corr == want_corr
    assert sum(want_corr.values()) > 0


def test_ocsf_per_file_equals_replay(events, replay_per_file):
    got = blindspot.spark.ocsf(events, correlate_by=("file",), order_by="input").toArrow()
    want = replay_per_file["ocsf"]
    assert got.num_rows == want.num_rows > 0
    ids = lambda t: Counter(t.column("finding_info").combine_chunks().field("uid").to_pylist())  # noqa: E731
    assert ids(got) == ids(want)


def sequence_findings(table: pa.Table) -> Counter:
    return Counter(
        (f["rule_id"], row["principal"])
        for row in table.to_pylist()
        for f in row["findings"]
        if row["input_file"] == "" and f["rule_id"].startswith("sequence.")
    )


def test_principal_streams_keep_each_sequence(spark, in_repo):
    # Each recorded multi-source sequence is one principal's moves: keyed by principal, every
    # escalation replay finds per file is still found, once, however the keys fall on partitions.
    per_file = blindspot.Engine()
    rows = per_file.enrich(blindspot.read_events("testdata/sequences"), stream_column="file")
    want = sequence_findings(pa.Table.from_batches([rows, per_file.flush()]))
    assert want, "the recordings escalate"
    df = blindspot.spark.read_events(spark, str(TESTDATA / "sequences"))
    results = [
        collected(blindspot.spark.enrich(df, correlate_by=("principal",), partitions=n))
        for n in (1, 3)
    ]
    one, three = (Counter(canonical(r) for r in t.to_pylist()) for t in results)
    assert one == three
    assert sequence_findings(results[0]) == want


def test_s3_delivery_records_go_to_their_principals(spark, replay_per_file):
    # One CloudTrail delivery file, several principals: each record is enriched in its principal's
    # stream, with replay's position and findings.
    path = TESTDATA / "aws" / "cloudtrail_s3_delivery.json"
    out = collected(blindspot.spark.enrich(blindspot.spark.read_events(spark, str(path))))
    got, _ = split_rows(out.to_pylist())
    want, _ = split_rows(
        [r for r in replay_per_file["table"].to_pylist()
         if r["input_file"] == "testdata/aws/cloudtrail_s3_delivery.json"]
    )
    assert got.keys() == want.keys() and len(got) > 1
    for key in want:
        assert [f["rule_id"] for f in got[key]["findings"]] == [
            f["rule_id"] for f in want[key]["findings"]
        ], key
        assert got[key]["raw"] == want[key]["raw"]


def test_a_dataframe_of_strings_without_positions(spark):
    principal = "arn:aws:sts::444455556666:assumed-role/ops/intruder"
    # Field names as CloudTrail records them (AWS CloudTrail User Guide, "CloudTrail record contents").
    rows = [
        {
            "value": json.dumps({
                "eventVersion": "1.09",
                "userIdentity": {"type": "AssumedRole", "arn": principal,
                                 "accountId": "444455556666"},
                "eventTime": f"2026-11-27T10:0{i}:00Z",
                "eventSource": "cloudtrail.amazonaws.com",
                "eventName": name,
                "awsRegion": "eu-west-1",
                "sourceIPAddress": "203.0.113.7",
                "requestParameters": {"name": "org-trail"},
                "eventID": f"e{i}",
                "recipientAccountId": "444455556666",
            })
        }
        for i, name in enumerate(["StopLogging", "DeleteTrail"])
    ]
    df = spark.createDataFrame(rows)
    out = blindspot.spark.enrich(df).toArrow().to_pylist()
    assert len(out) == 3
    rules = [f["rule_id"] for r in out for f in r["findings"]]
    assert "sequence.monitoring_evasion" in rules
    with pytest.raises(KeyError, match="event"):
        blindspot.spark.enrich(df, column="event")
    with pytest.raises(ValueError, match="correlate_by"):
        blindspot.spark.enrich(df, correlate_by=("tenant",))

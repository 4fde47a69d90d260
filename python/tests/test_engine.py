"""The Python engine against `blindspot replay` on the bundled recordings: same rows, same order,
same types, same OCSF records; and what it does with input it cannot read."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

import blindspot
from conftest import REPO, TESTDATA, replay


def enrich_per_file(engine: blindspot.Engine, batch: pa.RecordBatch, ocsf: bool = False) -> pa.Table:
    run = engine.ocsf if ocsf else engine.enrich
    out = run(batch, stream_column="file")
    return pa.Table.from_batches([out, engine.flush(ocsf)])


def test_table_schema_is_replays_parquet_schema(replay_per_file):
    assert blindspot.table_schema().equals(replay_per_file["table"].schema, check_metadata=False)
    assert blindspot.ocsf_schema().equals(replay_per_file["ocsf"].schema, check_metadata=False)


def test_enrich_equals_replay_per_file(replay_per_file, in_repo):
    batch = blindspot.read_events("testdata")
    got = enrich_per_file(blindspot.Engine(), batch)
    want = replay_per_file["table"]
    assert got.num_rows == want.num_rows
    # Row for row, column for column, in replay's order (correlation rows included).
    for name in want.column_names:
        assert got.column(name).combine_chunks().equals(want.column(name).combine_chunks()), name
    assert got.schema.equals(want.schema, check_metadata=False)
    # The recordings do produce findings, correlations and error rows: the comparison is not vacuous.
    assert pa.compute.sum(got.column("alert")).as_py() > 20
    assert pa.compute.sum(pa.compute.equal(got.column("input_file"), "")).as_py() > 0
    assert got.column("error").null_count < got.num_rows


def test_ocsf_equals_replay_per_file(replay_per_file, in_repo):
    got = enrich_per_file(blindspot.Engine(), blindspot.read_events("testdata"), ocsf=True)
    want = replay_per_file["ocsf"]
    assert got.num_rows == want.num_rows > 0
    assert got.to_pylist() == want.to_pylist()


def test_configuration_document_as_replay_reads_it(blindspot_bin, tmp_path, in_repo):
    config = TESTDATA / "false_positives" / "blindspot.config.json"
    want = replay(blindspot_bin, tmp_path, "testdata/false_positives", "--correlate", "per-file",
                  "--config", str(config))["table"]
    batch = blindspot.read_events("testdata/false_positives")
    from_file = enrich_per_file(blindspot.Engine(config), batch)
    from_dict = enrich_per_file(blindspot.Engine(json.loads(config.read_text())), batch)
    assert from_file.to_pylist() == want.to_pylist()
    assert from_dict.to_pylist() == want.to_pylist()
    suppressed = [f for fs in want.column("findings").to_pylist() for f in fs if f["suppressed"]]
    assert suppressed, "the configuration suppresses the strategy's false positives"


def test_rules_are_the_catalogue(blindspot_bin):
    import subprocess

    listed = json.loads(subprocess.run([str(blindspot_bin), "rules", "--json"], check=True,
                                       capture_output=True, text=True).stdout)
    rules = blindspot.Engine().rules()
    assert [r["id"] for r in rules] == [r["id"] for r in listed]
    disabled = blindspot.Engine({"rules": {rules[0]["id"]: {"enabled": False}}}).rules()
    assert disabled[0]["enabled"] is False and disabled[1]["enabled"] is True


def test_bad_configuration_names_the_key():
    with pytest.raises(ValueError, match="correlation"):
        blindspot.Engine({"correlation": {"no_such_setting": 1}})


def cloudtrail_event(name: str, principal: str, time: str) -> dict:
    # Field names and nesting as CloudTrail records them (AWS CloudTrail User Guide, "CloudTrail
    # record contents").
    return {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": principal,
            "accountId": "444455556666",
        },
        "eventTime": time,
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": {"name": "org-trail"},
        "responseElements": None,
        "eventID": f"{name}-{time}",
        "eventType": "AwsApiCall",
        "recipientAccountId": "444455556666",
    }


def test_positions_without_file_and_line_columns():
    principal = "arn:aws:sts::444455556666:assumed-role/ops/intruder"
    events = [cloudtrail_event("StopLogging", principal, "2026-11-27T10:00:00Z"),
              cloudtrail_event("DeleteTrail", principal, "2026-11-27T10:01:00Z")]
    engine = blindspot.Engine()
    first = engine.enrich(pa.record_batch({"value": [json.dumps(events[0])]}), file="stream-a")
    second = engine.enrich(pa.table({"value": [json.dumps(events[1])]}), file="stream-a")
    assert first.column("input_line").to_pylist() == [1]
    assert second.column("input_line").to_pylist() == [2]
    assert first.column("input_file").to_pylist() == ["stream-a"]
    rules = [f["rule_id"] for f in first.column("findings").to_pylist()[0]]
    assert any("cloudtrail" in r for r in rules), rules
    # Two moves of one principal within the window: the sequence comes out when the stream ends.
    flushed = engine.flush()
    sequences = [f["rule_id"] for fs in flushed.column("findings").to_pylist() for f in fs]
    assert "sequence.monitoring_evasion" in sequences
    assert flushed.column("input_file").to_pylist() == [""] * flushed.num_rows
    # A new stream counts lines from 1 again.
    third = engine.enrich(pa.record_batch({"value": [json.dumps(events[0])]}))
    assert third.column("input_line").to_pylist() == [1]


def test_unreadable_input_becomes_error_rows_and_nothing_is_lost():
    values = pa.array([b'{"eventName": "StopLogging"', None, b"\xff\xfe", b"[1, 2]"],
                      type=pa.binary())
    out = blindspot.Engine().enrich(pa.record_batch({"value": values}))
    assert out.num_rows == 4
    errors = out.column("error").to_pylist()
    assert all(errors), errors
    assert "truncated JSON" in errors[0]
    assert "null" in errors[1]
    assert "UTF-8" in errors[2]
    assert out.column("raw").to_pylist()[0] == '{"eventName": "StopLogging"'


def test_wrong_columns_are_named():
    with pytest.raises(KeyError, match='column "event"'):
        blindspot.Engine().enrich(pa.record_batch({"value": ["{}"]}), column="event")
    with pytest.raises(TypeError, match='"value" is Int64'):
        blindspot.Engine().enrich(pa.record_batch({"value": [1]}))
    with pytest.raises(TypeError, match='"line"'):
        blindspot.Engine().enrich(pa.record_batch({"value": ["{}"], "line": ["x"]}))


def test_string_types_spark_and_arrow_produce_are_read_alike():
    event = json.dumps(cloudtrail_event("StopLogging", "arn:aws:iam::444455556666:user/x",
                                        "2026-11-27T10:00:00Z"))
    outs = []
    for kind in (pa.string(), pa.large_string(), pa.binary(), pa.large_binary(), pa.string_view()):
        batch = pa.record_batch({"value": pa.array([event], type=kind)})
        outs.append(blindspot.Engine().enrich(batch).to_pylist())
    assert all(o == outs[0] for o in outs)


def test_keys_split_an_s3_delivery_file_into_its_records(replay_per_file, in_repo):
    path = "testdata/aws/cloudtrail_s3_delivery.json"
    records = json.loads((REPO / path).read_text())["Records"]
    keyed = blindspot.keys(blindspot.read_events(path))
    assert keyed.num_rows == len(records) > 1
    assert keyed.column("record").to_pylist() == list(range(len(records)))
    assert keyed.column("principal").to_pylist() == [r["userIdentity"]["arn"] for r in records]
    # Split records enriched one by one give replay's rows for the whole file.
    got = blindspot.Engine().enrich(keyed).to_pylist()
    want = [r for r in replay_per_file["table"].to_pylist() if r["input_file"] == path]
    assert got == want
    # The finding ids hash the record's index in its envelope: the same ids as replay's.
    got_ocsf = blindspot.Engine().ocsf(keyed).to_pylist()
    want_ocsf = [r for r in replay_per_file["ocsf"].to_pylist()
                 if r["unmapped"]["input_file"] == path]
    assert got_ocsf == want_ocsf and len(got_ocsf) > 0


def test_keys_keep_envelopes_whose_records_need_them_whole(in_repo):
    # An EKS audit log in a CloudWatch Logs subscription: the log group names the cluster the events
    # do not name themselves, so each subscription message stays one unit.
    batch = blindspot.read_events("testdata/k8s/eks_cloudwatch.ndjson")
    keyed = blindspot.keys(batch)
    assert keyed.num_rows == batch.num_rows
    assert keyed.column("value").to_pylist() == batch.column("value").to_pylist()
    data = [k for k in keyed.to_pylist() if k["account"] is not None]
    assert data and all(k["account"] == "prod-eks" for k in data)

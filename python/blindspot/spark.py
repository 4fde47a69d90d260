"""blindspot inside Spark: enrich a DataFrame of raw events with ``mapInArrow``.

The pipeline (see ``docs/spark.md``):

1. :func:`read_events` reads files (``s3a://``, ``file:``, any Hadoop path) with Spark's
   ``binaryFile`` source and cuts them into units exactly as ``blindspot replay`` does.
2. :func:`enrich` splits self-contained envelopes into records and reads each event's correlation
   keys (:func:`blindspot.keys`), repartitions by the ``correlate_by`` key, sorts each partition by
   key then event time (or input position), and runs one engine per partition. Every distinct key is
   a stream of its own: the engine is flushed whenever the key changes and at the partition's end, so
   the result does not depend on how many partitions there are or which keys share one.
"""

from __future__ import annotations

from typing import Iterator, Optional, Sequence

import pyarrow as pa

import blindspot

STREAM_COLUMN = "__blindspot_stream"
ORDERS = ("event_time", "input")


def _spark_schema(schema: pa.Schema):
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def _microseconds(t: pa.DataType) -> pa.DataType:
    """Spark holds timestamps in microseconds: OCSF's millisecond `time_dt` is widened to that."""
    if pa.types.is_timestamp(t):
        return pa.timestamp("us", tz=t.tz)
    if pa.types.is_struct(t):
        return pa.struct([f.with_type(_microseconds(f.type)) for f in t])
    if pa.types.is_list(t):
        return pa.list_(t.value_field.with_type(_microseconds(t.value_type)))
    return t


def _for_spark(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_type(_microseconds(f.type)) for f in schema], metadata=schema.metadata)


def read_events(spark, path, only_event_files: bool = True):
    """A DataFrame of ``file``, ``line``, ``value`` (binary), ``error``: the units of every file
    under ``path`` (a path, a glob or a list of them), framed as ``blindspot replay`` frames them.

    Each file is read whole by one task (Spark's ``binaryFile`` source): objects of up to a few
    hundred megabytes, as CloudTrail, Azure and GCP deliveries are. With ``only_event_files``, files
    replay would skip in a directory (``*.expected.json``, ``*.config.json``, other extensions) are
    left out.
    """
    files = (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(path)
        .select("path", "content")
    )

    def frame(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield blindspot.frame(batch, only_event_files=only_event_files)

    return files.mapInArrow(frame, _spark_schema(blindspot.events_schema()))


def _prepared(df, column: str):
    """The columns ``keys`` reads, adding the positions a caller's DataFrame may lack."""
    from pyspark.sql import functions as F

    names = set(df.columns)
    if column not in names:
        raise KeyError(f"the DataFrame has no column {column!r} (its columns: {df.columns})")
    file = F.col("file").cast("string") if "file" in names else F.lit(None).cast("string")
    # Without a line column, an id unique and increasing within each input partition stands in.
    line = (
        F.col("line").cast("long")
        if "line" in names
        else (F.monotonically_increasing_id() + 1).cast("long")
    )
    error = F.col("error").cast("string") if "error" in names else F.lit(None).cast("string")
    return df.select(
        file.alias("file"), line.alias("line"), F.col(column).alias("value"), error.alias("error")
    )


def _run(df, column, config, correlate_by, order_by, partitions, batch_size, ocsf):
    from pyspark.sql import functions as F

    if order_by not in ORDERS:
        raise ValueError(f"order_by must be one of {ORDERS}, not {order_by!r}")
    document = blindspot.config_document(config)
    # Refuse a bad configuration here, on the driver, rather than in every task.
    blindspot.Engine(document)

    keys_schema = blindspot.keys_schema()
    correlate_by = tuple(correlate_by or ())
    unknown = [k for k in correlate_by if k not in keys_schema.names]
    if unknown:
        raise ValueError(
            f"correlate_by names {unknown}, not columns of blindspot.keys: {keys_schema.names}"
        )

    def split(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield blindspot.keys(batch)

    keyed = _prepared(df, column).mapInArrow(split, _spark_schema(keys_schema))
    # to_json keeps (a, null) apart from (null, a); an empty key makes one stream.
    key = F.to_json(F.struct(*[F.col(k) for k in correlate_by])) if correlate_by else F.lit("")
    keyed = keyed.withColumn(STREAM_COLUMN, key)
    keyed = keyed.repartition(partitions, STREAM_COLUMN) if partitions else keyed.repartition(
        STREAM_COLUMN
    )
    position = ["file", "line", "record"]
    order = (["event_time"] if order_by == "event_time" else []) + position
    keyed = keyed.sortWithinPartitions(STREAM_COLUMN, *order)

    out_schema = _for_spark(blindspot.ocsf_schema() if ocsf else blindspot.table_schema())

    def enrich_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        engine = blindspot.Engine(document, batch_size)
        run = engine.ocsf if ocsf else engine.enrich
        def spark_types(out: pa.RecordBatch) -> pa.RecordBatch:
            return out if out.schema.equals(out_schema) else out.cast(out_schema)

        for batch in batches:
            out = run(batch, stream_column=STREAM_COLUMN)
            if out.num_rows:
                yield spark_types(out)
        last = engine.flush(ocsf)
        if last.num_rows:
            yield spark_types(last)

    return keyed.mapInArrow(enrich_partition, _spark_schema(out_schema))


def enrich(df, column: str = "value", config: blindspot.Config = None,
           correlate_by: Sequence[str] = ("account", "principal"), order_by: str = "event_time",
           partitions: Optional[int] = None, batch_size: int = 256):
    """The enriched DataFrame of ``df``: ``blindspot replay``'s table, column for column.

    ``df`` needs the event column ``column`` (string or binary; one event, NDJSON line or whole
    envelope per row); ``file``, ``line`` and ``error`` columns are used when present (as
    :func:`read_events` gives them). Events are repartitioned by ``correlate_by`` (columns of
    :func:`blindspot.keys`: ``account``, ``principal``, ``file``...) and each key is enriched as one
    stream in ``order_by`` order: ``"event_time"`` (then input position) or ``"input"`` (file, line,
    record). ``partitions`` sets the number of partitions (default: Spark's shuffle partitions).
    """
    return _run(df, column, config, correlate_by, order_by, partitions, batch_size, ocsf=False)


def ocsf(df, column: str = "value", config: blindspot.Config = None,
         correlate_by: Sequence[str] = ("account", "principal"), order_by: str = "event_time",
         partitions: Optional[int] = None, batch_size: int = 256):
    """Like :func:`enrich`, but the OCSF 1.4.0 Detection Finding records of the findings."""
    return _run(df, column, config, correlate_by, order_by, partitions, batch_size, ocsf=True)

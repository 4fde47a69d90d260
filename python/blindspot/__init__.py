"""blindspot's detection engine over Arrow record batches.

The engine is the same native library ``blindspot replay --engine native`` links, with the same
configuration document; the enriched table has exactly the schema of ``blindspot replay``'s Parquet
output and the OCSF records that of its ``--ocsf`` output (both are encoded by the harness's own code).
``blindspot.spark`` runs it inside Spark.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import pyarrow as pa

from . import _native

__version__ = _native.__version__

__all__ = [
    "Engine",
    "read_events",
    "frame",
    "keys",
    "table_schema",
    "ocsf_schema",
    "events_schema",
    "keys_schema",
    "config_document",
]

Config = Union[str, "os.PathLike[str]", Mapping[str, Any], None]
Batches = Union[pa.RecordBatch, pa.Table, Iterable[pa.RecordBatch]]


def table_schema() -> pa.Schema:
    """The enriched table's schema: ``blindspot replay``'s Parquet schema, column for column."""
    return _native.table_schema()


def ocsf_schema() -> pa.Schema:
    """The schema of the OCSF 1.4.0 Detection Finding records (``replay --ocsf``)."""
    return _native.ocsf_schema()


def events_schema() -> pa.Schema:
    """The schema of :func:`read_events` and :func:`frame` batches: file, line, value, error."""
    return _native.events_schema()


def keys_schema() -> pa.Schema:
    """The schema of :func:`keys` batches."""
    return _native.keys_schema()


def config_document(config: Config) -> Optional[str]:
    """The configuration document the engine takes, from what a caller holds.

    ``None``: the defaults. A mapping: serialised as JSON. A path to an existing file: its content,
    TOML converted to the same JSON when the name ends in ``.toml`` (as ``blindspot replay --config``
    reads it). Any other string: the JSON document itself.
    """
    if config is None:
        return None
    if isinstance(config, Mapping):
        return json.dumps(config)
    path = os.fspath(config)
    if os.path.isfile(path):
        if path.lower().endswith(".toml"):
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # pragma: no cover - Python 3.9 and 3.10
                import tomli as tomllib
            with open(path, "rb") as f:
                return json.dumps(tomllib.load(f))
        with open(path, encoding="utf-8") as f:
            return f.read()
    if isinstance(config, os.PathLike):
        raise FileNotFoundError(f"configuration file {path} does not exist")
    return config


def _batches(data: Batches) -> list:
    if isinstance(data, pa.RecordBatch):
        return [data]
    if isinstance(data, pa.Table):
        return data.to_batches()
    return list(data)


class Engine:
    """One stream of events through the engine.

    ``enrich`` takes batches in stream order and returns one enriched row per event (an envelope of
    N records gives N rows; input that cannot be read gives an error row), followed by the
    correlation rows the batch completed. ``flush`` ends the stream: it returns the correlations
    still open, and the engine starts a new stream with the same configuration.

    Positions: ``input_file`` is the ``file_column``'s value when the batch has that column, else
    ``file`` (default ``""``); ``input_line`` is the ``line_column``'s value when present, else the
    row's 1-based position in the stream (counted across calls since the engine was made or last
    flushed); ``input_record`` is the event's index in its envelope (plus the ``record_column``'s
    value, for records :func:`keys` split out of their envelope). A row whose ``error_column`` is set
    (a unit the framing could not read) becomes an error row, as in replay. With ``stream_column``,
    each change of that column's value ends one stream and starts the next (flush in between), so
    a batch may hold several independent streams, each sorted together.
    """

    def __init__(self, config: Config = None, batch_size: int = 256):
        self._native = _native.Engine(config_document(config), batch_size)

    def _run(self, data: Batches, column: str, file: Optional[str], file_column: str,
             line_column: str, record_column: str, error_column: str,
             stream_column: Optional[str], ocsf: bool) -> pa.RecordBatch:
        return self._native.process(
            _batches(data),
            column=column,
            file=file,
            file_column=file_column,
            line_column=line_column,
            record_column=record_column,
            error_column=error_column,
            stream_column=stream_column,
            ocsf=ocsf,
        )

    def enrich(self, data: Batches, column: str = "value", *, file: Optional[str] = None,
               file_column: str = "file", line_column: str = "line",
               record_column: str = "record", error_column: str = "error",
               stream_column: Optional[str] = None) -> pa.RecordBatch:
        """The enriched rows of ``data`` (in ``table_schema()``)."""
        return self._run(data, column, file, file_column, line_column, record_column,
                         error_column, stream_column, ocsf=False)

    def ocsf(self, data: Batches, column: str = "value", *, file: Optional[str] = None,
             file_column: str = "file", line_column: str = "line",
             record_column: str = "record", error_column: str = "error",
             stream_column: Optional[str] = None) -> pa.RecordBatch:
        """Like :meth:`enrich`, but returns the OCSF records of the findings (``ocsf_schema()``).

        It advances the same stream: use one engine per output form.
        """
        return self._run(data, column, file, file_column, line_column, record_column,
                         error_column, stream_column, ocsf=True)

    def flush(self, ocsf: bool = False) -> pa.RecordBatch:
        """End of stream: the correlation rows (or their OCSF records) still to come."""
        return self._native.flush(ocsf)

    def rules(self) -> list:
        """Every rule, with whether the configuration enables it."""
        return self._native.rules()

    def stats(self) -> dict:
        """Counters of the bounded correlation state: tracked, evicted, late_events, emitted."""
        return self._native.stats()


def read_events(paths: Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]
                ) -> pa.RecordBatch:
    """The units of the event files under ``paths``, framed as ``blindspot replay`` frames them.

    NDJSON (``.ndjson``, ``.jsonl``, ``.log``) line by line, ``.json`` as whole documents or arrays
    (a CloudTrail S3 delivery file is one unit; the engine unwraps its ``Records``), gzip by content.
    Directories are walked in sorted order without ``*.expected.json`` and ``*.config.json``. Columns:
    ``file`` (the path as given), ``line`` (where the unit starts), ``value`` (its bytes), ``error``
    (why it could not be read, else null).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return _native.read_events([os.fspath(p) for p in paths])


def frame(batch: pa.RecordBatch, path_column: str = "path", content_column: str = "content",
          only_event_files: bool = True) -> pa.RecordBatch:
    """:func:`read_events` over file contents already read (Spark's ``binaryFile`` rows)."""
    return _native.frame(batch, path_column, content_column, only_event_files)


def keys(batch: pa.RecordBatch, column: str = "value", file_column: str = "file",
         line_column: str = "line", error_column: str = "error") -> pa.RecordBatch:
    """One row per event with its correlation keys (``account``, ``principal``, ``event_time``).

    Read cheaply (source detection and normalisation, no rules). Self-contained records of an
    envelope (CloudTrail S3 delivery, Azure ``records``, JSON arrays) are split into rows of their own
    with their index in ``record``, because one delivery file carries many principals; an envelope
    whose records borrow from it (an EKS cluster named by the CloudWatch Logs group, AKS resource
    ids, flow-log text lines) stays whole, keyed by its first event.
    """
    return _native.keys(batch, column, file_column, line_column, error_column)

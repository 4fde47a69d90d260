"""Shared fixtures: the repository, the `blindspot` CLI's own outputs to compare with, and one Spark
session for every Spark test (starting the JVM costs seconds)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO / "testdata"


def _blindspot_bin() -> Path:
    given = os.environ.get("BLINDSPOT_BIN")
    if given:
        return Path(given)
    for profile in ("release", "debug"):
        candidate = REPO / "target" / profile / "blindspot"
        if candidate.exists():
            return candidate
    pytest.fail(
        "no blindspot binary: build it (cargo build -p blindspot-host) or set BLINDSPOT_BIN",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def blindspot_bin() -> Path:
    return _blindspot_bin()


def replay(blindspot_bin: Path, out_dir: Path, *args: str) -> dict:
    """Run `blindspot replay` from the repository root (so input_file reads `testdata/...`) and
    return its enriched table and OCSF records."""
    table = out_dir / "replay.parquet"
    ocsf = out_dir / "replay.ocsf.parquet"
    subprocess.run(
        [str(blindspot_bin), "replay", *args, "--out", str(table), "--ocsf", str(ocsf), "--quiet"],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return {"table": pq.read_table(table), "ocsf": pq.read_table(ocsf)}


@pytest.fixture(scope="session")
def replay_per_file(blindspot_bin, tmp_path_factory):
    """`blindspot replay testdata --correlate per-file`: every recorded stream on its own."""
    return replay(blindspot_bin, tmp_path_factory.mktemp("replay"), "testdata", "--correlate",
                  "per-file")


@pytest.fixture
def in_repo(monkeypatch):
    """Run from the repository root, as the replay fixtures do, so file names compare equal."""
    monkeypatch.chdir(REPO)


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("blindspot-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()

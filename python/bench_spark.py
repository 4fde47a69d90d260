"""Events per second of `blindspot.spark.enrich` in local mode, one core against two.

    python python/bench_spark.py [--events 200000] [--file-events 5000] [--bin target/release/blindspot]

The stream is `blindspot synth --source cloudtrail --events N --seed 1` (deterministic, never
committed), cut into NDJSON files of `--file-events` lines: Spark's `binaryFile` source reads each file
whole into one row, so one file of N events would be one task holding all of it (and runs out of the
default heap at 200,000 events), where real deliveries are many small objects. Each run reads the
files, frames them, splits keys, shuffles by (account, principal),
enriches and discards the rows (Spark's `noop` sink), so the figure covers the whole pipeline; the
single-threaded `blindspot.Engine` on the same units is printed beside it for scale. Spark start-up
is not counted; the first (warm-up) run of each session is.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Run as a script, this folder comes first on the path and its `blindspot/` (the sources, without the
# compiled module) would shadow the installed package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--file-events", type=int, default=5_000, help="events per NDJSON file")
    parser.add_argument("--bin", default=os.environ.get("BLINDSPOT_BIN"))
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per master (best kept)")
    args = parser.parse_args()
    binary = args.bin or next(
        (str(p) for p in (REPO / "target/release/blindspot", REPO / "target/debug/blindspot")
         if p.exists()),
        None,
    )
    if binary is None:
        sys.exit("no blindspot binary: cargo build --release, or pass --bin")

    import blindspot
    import blindspot.spark
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with tempfile.TemporaryDirectory() as tmp:
        synthesised = Path(tmp) / "cloudtrail.ndjson"
        subprocess.run([binary, "synth", "--source", "cloudtrail", "--events", str(args.events),
                        "--seed", "1", "--out", str(synthesised)], check=True,
                       stdout=subprocess.DEVNULL)
        stream = Path(tmp) / "stream"
        split(synthesised, stream, args.file_events)
        synthesised.unlink()
        units = blindspot.read_events(stream)
        started = time.perf_counter()
        engine = blindspot.Engine()
        rows = engine.enrich(units).num_rows + engine.flush().num_rows
        single = time.perf_counter() - started
        print(f"blindspot.Engine (one thread, no Spark): {units.num_rows / single:,.0f} events/s "
              f"({units.num_rows} units, {rows} rows, {single:.2f} s)")

        for master in ("local[1]", "local[2]"):
            spark = (
                SparkSession.builder.master(master)
                .appName(f"blindspot-bench-{master}")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", master[6:-1])
                .getOrCreate()
            )
            spark.sparkContext.setLogLevel("ERROR")
            best = None
            for _ in range(args.repeat):
                started = time.perf_counter()
                events = blindspot.spark.read_events(spark, str(stream))
                blindspot.spark.enrich(events).write.format("noop").mode("overwrite").save()
                elapsed = time.perf_counter() - started
                best = elapsed if best is None else min(best, elapsed)
            print(f"spark {master}: {units.num_rows / best:,.0f} events/s "
                  f"(best of {args.repeat}: {best:.2f} s)")
            spark.stop()


def split(source: Path, folder: Path, per_file: int) -> None:
    """`source`'s lines in files of `per_file` lines, named so that sorted order is stream order."""
    folder.mkdir()
    with source.open("rb") as lines:
        part, count, out = 0, 0, None
        for line in lines:
            if out is None or count == per_file:
                if out is not None:
                    out.close()
                out = (folder / f"part-{part:05d}.ndjson").open("wb")
                part, count = part + 1, 0
            out.write(line)
            count += 1
        if out is not None:
            out.close()


if __name__ == "__main__":
    main()

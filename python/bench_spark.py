"""Events per second of `blindspot.spark.enrich` in local mode, one core against two.

    python python/bench_spark.py [--events 50000] [--bin target/release/blindspot]

The stream is `blindspot synth --source cloudtrail --events N --seed 1` (deterministic, never
committed). Each run reads the NDJSON file, frames it, splits keys, shuffles by (account, principal),
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
    parser.add_argument("--events", type=int, default=50_000)
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
        stream = Path(tmp) / "cloudtrail.ndjson"
        subprocess.run([binary, "synth", "--source", "cloudtrail", "--events", str(args.events),
                        "--seed", "1", "--out", str(stream)], check=True,
                       stdout=subprocess.DEVNULL)
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


if __name__ == "__main__":
    main()

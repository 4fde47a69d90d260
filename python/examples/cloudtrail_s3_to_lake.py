"""Enrich a CloudTrail prefix on S3 into a partitioned lake table (and its OCSF findings).

    spark-submit cloudtrail_s3_to_lake.py \
        --input s3a://my-trail-bucket/AWSLogs/111122223333/CloudTrail/ \
        --output s3a://my-lake/blindspot/enriched \
        [--ocsf s3a://my-lake/blindspot/findings] [--config s3a-or-local/blindspot.config.json]

See docs/spark.md for the EMR, Databricks and Glue commands. CloudTrail delivers one gzip JSON
document per object (`{"Records": [...]}`); `read_events` frames it as `blindspot replay` does and
`enrich` splits its records by principal before enriching.
"""

from __future__ import annotations

import argparse

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import blindspot.spark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="CloudTrail prefix (s3a://..., a glob, a path)")
    parser.add_argument("--output", required=True, help="where the enriched table is written")
    parser.add_argument("--ocsf", help="where the OCSF Detection Finding records are written")
    parser.add_argument("--config", help="blindspot configuration document (JSON or TOML) on the driver")
    parser.add_argument("--partitions", type=int, help="partitions of the enrichment stage")
    parser.add_argument("--alerts-only", action="store_true", help="keep only alerting rows")
    args = parser.parse_args()

    spark = (
        SparkSession.builder.appName("blindspot-cloudtrail-to-lake")
        # event_date is the UTC day, as `blindspot replay --partition-by date` cuts it.
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    events = blindspot.spark.read_events(spark, args.input)
    if args.ocsf:
        # Both outputs read the same units: fetch them from S3 once.
        events = events.persist()
    enriched = blindspot.spark.enrich(events, config=args.config, partitions=args.partitions)
    if args.alerts_only:
        enriched = enriched.where(F.col("alert"))
    (
        enriched.withColumn("event_date", F.to_date("event_time"))
        .write.mode("append")
        .partitionBy("source", "event_date")
        .parquet(args.output)
    )
    if args.ocsf:
        findings = blindspot.spark.ocsf(events, config=args.config, partitions=args.partitions)
        (
            findings.withColumn("event_date", F.to_date("time_dt"))
            .write.mode("append")
            .partitionBy("event_date")
            .parquet(args.ocsf)
        )
    spark.stop()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Seeds the fuzz corpora from testdata/ (the recorded streams and testdata/adversarial/):

    python3 fuzz/seed_corpus.py

Each event unit (an NDJSON line, a `.json` document or array element) up to 64 KiB becomes a seed (every
sixth line of the wrong-type streams), named by its SHA-1 as libFuzzer names its own finds. `engine` and `source_parsers` seeds start with the selector
byte their target reads: `engine` gets 7 (no hint, detection decides) and `source_parsers` the index of
the stream's source in `SourceKind::ALL` (the hint the parsers are driven with). `filter_splice` gets the
raw unit. `config` gets the configuration examples in testdata and docs. Existing seeds are kept.
"""

import glob
import gzip
import hashlib
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
MAX_SEED = 64 * 1024
# Order of SourceKind::ALL in plugin/src/model.rs.
KINDS = ["aws_cloudtrail", "azure_activity", "gcp_audit", "k8s_audit", "docker", "flow_log", "unknown"]
BY_FOLDER = {"aws": 0, "aws_compute": 0, "azure": 1, "gcp": 2, "k8s": 3, "docker": 4, "network": 5}
BY_NAME = {"cloudtrail": 0, "azure": 1, "gcp": 2, "k8s": 3, "docker": 4, "flow": 5}


def kind_of(path):
    folder = os.path.basename(os.path.dirname(path))
    if folder in BY_FOLDER:
        return BY_FOLDER[folder]
    name = os.path.basename(path)
    return next((k for key, k in BY_NAME.items() if key in name), 6)


def units(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    name = path[:-3] if path.endswith(".gz") else path
    if name.endswith(".json"):
        try:
            doc = json.loads(data)
        except ValueError:
            yield data
            return
        if isinstance(doc, list):
            for element in doc:
                yield json.dumps(element, separators=(",", ":"), ensure_ascii=False).encode()
        else:
            yield data
    else:
        for line in data.split(b"\n"):
            if line.strip():
                yield line


def seed(target, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    path = os.path.join(CORPUS, target, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        return 1
    return 0


def main():
    added = {"engine": 0, "source_parsers": 0, "filter_splice": 0, "config": 0}
    streams = [p for p in glob.glob(os.path.join(ROOT, "testdata", "**", "*"), recursive=True)
               if os.path.isfile(p) and not p.endswith((".expected.json", ".config.json", ".md", ".py"))]
    for path in sorted(streams):
        kind = kind_of(path)
        # The wrong-type streams vary one field per line; every sixth line keeps each shape without
        # hundreds of near-identical seeds (the fuzzer's own mutations do the rest).
        sample = 6 if os.path.basename(path).startswith("wrong_types") else 1
        for n, unit in enumerate(units(path)):
            if len(unit) + 1 > MAX_SEED or n % sample:
                continue
            added["engine"] += seed("engine", bytes([7]) + unit)
            added["source_parsers"] += seed("source_parsers", bytes([kind]) + unit)
            added["filter_splice"] += seed("filter_splice", unit)
    configs = glob.glob(os.path.join(ROOT, "testdata", "**", "*.config.json"), recursive=True)
    configs += glob.glob(os.path.join(ROOT, "docs", "**", "*.config.json"), recursive=True)
    for path in sorted(configs):
        added["config"] += seed("config", open(path, "rb").read())
    print(", ".join(f"{target}: +{n}" for target, n in added.items()))


if __name__ == "__main__":
    main()

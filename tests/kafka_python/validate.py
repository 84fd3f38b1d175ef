"""Validates kafka-playground's on-disk output with an independent Kafka implementation.

Produces a few hundred records (keyed, empty and null keys, null and empty values,
headers, explicit timestamps, gzip) with the `kafka-playground produce` CLI into a temp
log dir, in several runs so later runs append, with segment.bytes=4096 so segments roll.
Then every file is checked against Kafka's formats (segment_format.md):

* `.log`: each batch parsed by kafka-python 3.0.12's DefaultRecordBatch, validate_crc()
  true, magic 2, leader epoch 0, offsets contiguous across batches and segments,
  maxTimestamp = max record timestamp, and every record's key/value/headers/timestamp
  equal to what was produced, in input order within its partition; keyed records of the
  built_in partitioner are in kafka-python's murmur2 partition.
* `.index`: 8-byte entries, relative offsets strictly increasing, each position the start
  of a batch whose last offset is >= the entry's offset.
* `.timeindex`: 12-byte entries, timestamps non-decreasing, each (T, O) naming the last
  offset of a batch whose maxTimestamp is T and T the largest timestamp up to it.
* names: `<topic>-<p>` dirs, 20-digit base offsets, one .index/.timeindex per .log.
* producer state: with `enable.idempotence` (the default, "orders") every batch carries
  the run's producer id (run i → id i: each run is a new producer, its id above every id
  in the logs), epoch 0, and base sequences that count the producer's records in the
  partition from 0; without it ("events") producer id, epoch and base sequence are -1.
* `dump-log` output agrees with kafka-python on every batch header.
* a partition leader's segment with transactions (`txn_segment.py`, the vector
  tests/txn_markers.rs keeps equal to what the engine writes): producer ids, epochs, base
  sequences, transactional and control flags, the markers' control records and the
  `.txnindex` entry as written.

Usage: validate.py PATH/TO/kafka-playground WORKDIR
Prints `kafka-python: N passed, M failed`; exits 1 if M > 0.
"""

import json
import os
import random
import re
import struct
import subprocess
import sys

from kafka.partitioner.default import murmur2
from kafka.record.default_records import DefaultRecordBatch

import txn_segment

PASSED = 0
FAILED = []

SCENARIOS = [
    {"topic": "orders", "partitions": 3, "partitioner": "built_in", "runs": [250, 150],
     "args": ["--config", "segment.bytes=4096", "--config", "index.interval.bytes=1024",
              "--producer-config", "batch.size=1024"]},
    {"topic": "events", "partitions": 2, "partitioner": "consistent_random", "runs": [200, 150],
     "args": ["--config", "segment.bytes=4096", "--producer-config", "compression.type=gzip",
              "--producer-config", "enable.idempotence=false"]},
]


def check(condition, message):
    global PASSED
    if condition:
        PASSED += 1
    else:
        FAILED.append(message)
    return condition


def make_records(rng, first_id, count):
    """Deterministic records; header `id` (always first) identifies each one."""
    keys = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 17))) for _ in range(20)]
    words = ["kafka", "log", "segment", "offset", "héllo", "✓", "партиция", "", "x" * 40]
    records = []
    for i in range(count):
        roll = rng.random()
        key = None if roll < 0.25 else b"" if roll < 0.32 else rng.choice(keys)
        value = None if rng.random() < 0.05 else " ".join(rng.choice(words) for _ in range(rng.randrange(0, 12)))
        if value is not None and rng.random() < 0.5:
            value += " " + bytes(rng.randrange(256) for _ in range(rng.randrange(4, 40))).hex()
        headers = [("id", str(first_id + i).encode())]
        for _ in range(rng.randrange(0, 3)):
            headers.append((rng.choice(["trace", "h", "ключ"]), None if rng.random() < 0.3 else rng.choice(words).encode()))
        timestamp = 1_600_000_000_000 + rng.randrange(10**9) if rng.random() < 0.1 else None
        records.append({"id": first_id + i, "key": key, "value": value, "headers": headers, "timestamp": timestamp})
    return records


def to_line(r):
    obj = {"key": None if r["key"] is None else r["key"].hex(), "value": r["value"],
           "headers": [{"key": k, "value": None if v is None else v.decode()} for k, v in r["headers"]]}
    if r["timestamp"] is not None:
        obj["timestamp"] = r["timestamp"]
    return json.dumps(obj)


def produce(cli, workdir, scenario, run_index, records):
    path = os.path.join(workdir, "%s-run%d.jsonl" % (scenario["topic"], run_index))
    with open(path, "w") as f:
        f.write("\n".join(to_line(r) for r in records) + "\n")
    cmd = [cli, "produce", "--log-dir", os.path.join(workdir, "logs"), "--topic", scenario["topic"],
           "--partitions", str(scenario["partitions"]), "--partitioner", scenario["partitioner"],
           "--input", path, "--seed", "42"] + scenario["args"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if not check(out.returncode == 0, "produce %s run %d failed: %s" % (scenario["topic"], run_index, out.stderr)):
        sys.exit(report())
    summary = json.loads(out.stdout)
    for i, r in enumerate(records):
        r["expected_ts"] = r["timestamp"] if r["timestamp"] is not None else summary["clock_start_ms"] + i
    return summary


def read_batches(log_bytes, where):
    """Splits a .log into (position, DefaultRecordBatch) by Kafka's framing."""
    batches, pos = [], 0
    while pos < len(log_bytes):
        if not check(len(log_bytes) - pos >= 61, "%s: torn batch header at %d" % (where, pos)):
            break
        _, length = struct.unpack_from(">qi", log_bytes, pos)
        size = 12 + length
        if not check(pos + size <= len(log_bytes), "%s: batch at %d runs past the end" % (where, pos)):
            break
        batches.append((pos, DefaultRecordBatch(bytes(log_bytes[pos:pos + size]))))
        pos += size
    return batches


def check_segment(where, base, log_bytes, index_bytes, time_bytes, next_offset, found, producers=None):
    """Validates one segment's three files; appends its records to `found` and each batch's
    (producer id, epoch, base sequence, records) to `producers`; returns next offset."""
    batches = read_batches(log_bytes, where)
    if batches:
        check(batches[0][1].base_offset == base, "%s: first batch offset %d != file name" % (where, batches[0][1].base_offset))
    starts, running_max, max_at_last = {}, -1, {}
    for pos, b in batches:
        at = "%s@%d" % (where, pos)
        check(b.validate_crc(), at + ": CRC-32C invalid")
        check(b.magic == 2, at + ": magic %d" % b.magic)
        check(b.leader_epoch == 0, at + ": partitionLeaderEpoch %d" % b.leader_epoch)
        check(b.base_offset == next_offset, at + ": base offset %d, expected %d" % (b.base_offset, next_offset))
        records = list(b)
        check(len(records) == b.records_count, at + ": record count")
        check([r.offset for r in records] == list(range(b.base_offset, b.last_offset + 1)), at + ": offsets")
        check(b.max_timestamp == max(r.timestamp for r in records), at + ": maxTimestamp")
        found.extend(records)
        if producers is not None:
            producers.append((b.producer_id, b.producer_epoch, b.base_sequence, b.records_count))
        next_offset = b.last_offset + 1
        starts[pos] = b
        running_max = max(running_max, b.max_timestamp)
        max_at_last[b.last_offset] = (b.max_timestamp, running_max)
    check(len(index_bytes) % 8 == 0, where + ": .index size %d" % len(index_bytes))
    last_rel = -1
    for i in range(len(index_bytes) // 8):
        rel, pos = struct.unpack_from(">ii", index_bytes, i * 8)
        check(rel > last_rel, "%s: index entry %d offset not increasing" % (where, i))
        last_rel = rel
        b = starts.get(pos)
        if check(b is not None, "%s: index position %d is not a batch start" % (where, pos)):
            check(b.last_offset >= base + rel, "%s: index entry %d points past its offset" % (where, i))
    check(len(time_bytes) % 12 == 0, where + ": .timeindex size %d" % len(time_bytes))
    last_ts = -1
    for i in range(len(time_bytes) // 12):
        ts, rel = struct.unpack_from(">qi", time_bytes, i * 12)
        check(ts >= last_ts, "%s: timeindex entry %d timestamp decreases" % (where, i))
        last_ts = ts
        entry = max_at_last.get(base + rel)
        if check(entry is not None, "%s: timeindex offset %d is no batch's last offset" % (where, base + rel)):
            check(entry == (ts, ts), "%s: timeindex entry %d is not the max timestamp so far" % (where, i))
    return next_offset


def check_dump(cli, path, where):
    """dump-log's batch headers must agree with kafka-python's."""
    out = subprocess.run([cli, "dump-log", path], capture_output=True, text=True)
    check(out.returncode == 0, where + ": dump-log exit %d" % out.returncode)
    dumped = json.loads(out.stdout)["batches"]
    with open(path, "rb") as f:
        batches = read_batches(f.read(), where)
    check(len(dumped) == len(batches), where + ": dump-log batch count")
    for d, (pos, b) in zip(dumped, batches):
        mine = (d["baseOffset"], d["lastOffset"], d["count"], d["crc"], d["size"], d["position"], d["CreateTime"], d["isvalid"],
                d["producerId"], d["producerEpoch"], d["baseSequence"])
        theirs = (b.base_offset, b.last_offset, b.records_count, b.crc, b.size_in_bytes, pos, b.max_timestamp, b.validate_crc(),
                  b.producer_id, b.producer_epoch, b.base_sequence)
        check(mine == theirs, "%s: dump-log %s != kafka-python %s" % (where, mine, theirs))


def check_producers(pdir, scenario, producers):
    """Each run is a new idempotent producer (id = run number, epoch 0) whose sequences in
    the partition count its records from 0; a non-idempotent one writes -1 for all three."""
    idempotent = "enable.idempotence=false" not in scenario["args"]
    next_sequence, last_id = {}, -1
    for i, (pid, epoch, seq, count) in enumerate(producers):
        at = "%s batch %d" % (pdir, i)
        if not idempotent:
            check((pid, epoch, seq) == (-1, -1, -1), "%s: producer state %r" % (at, (pid, epoch, seq)))
            continue
        check(0 <= pid < len(scenario["runs"]), "%s: producer id %d is no run's" % (at, pid))
        check(pid >= last_id, "%s: producer id %d after %d" % (at, pid, last_id))
        check(epoch == 0, "%s: producer epoch %d" % (at, epoch))
        check(seq == next_sequence.get(pid, 0), "%s: base sequence %d, expected %d" % (at, seq, next_sequence.get(pid, 0)))
        next_sequence[pid] = seq + count
        last_id = pid
    if idempotent:
        check(sorted(next_sequence) == list(range(len(scenario["runs"]))), "%s: producer ids %s" % (pdir, sorted(next_sequence)))


def check_topic(cli, logs, scenario, produced, summaries):
    topic, n = scenario["topic"], scenario["partitions"]
    dirs = sorted(d for d in os.listdir(logs) if re.fullmatch(re.escape(topic) + r"-\d+", d))
    check(dirs == sorted("%s-%d" % (topic, p) for p in range(n)), "%s: partition dirs %s" % (topic, dirs))
    by_id = {r["id"]: r for r in produced}
    seen = set()
    for p in range(n):
        pdir = os.path.join(logs, "%s-%d" % (topic, p))
        names = sorted(os.listdir(pdir))
        for name in names:
            check(re.fullmatch(r"\d{20}\.(log|index|timeindex|snapshot)", name), "%s: unexpected file %s" % (pdir, name))
        bases = [name[:20] for name in names if name.endswith(".log")]
        for b in bases:
            check(b + ".index" in names and b + ".timeindex" in names, "%s: %s.log lacks its indexes" % (pdir, b))
        segments = [int(b) for b in bases]
        check(segments == summaries[-1]["per_partition"][p]["segments"], "%s: segments differ from summary" % pdir)
        found, next_offset, producers = [], 0, []
        for base in segments:
            stem = os.path.join(pdir, "%020d" % base)
            files = [open(stem + suffix, "rb").read() for suffix in (".log", ".index", ".timeindex")]
            next_offset = check_segment(stem + ".log", base, *files, next_offset, found, producers)
            check_dump(cli, stem + ".log", stem + ".log")
        check_producers(pdir, scenario, producers)
        check(next_offset == summaries[-1]["per_partition"][p]["log_end_offset"], pdir + ": log end offset")
        # Producer state snapshots (ProducerStateManager.takeSnapshot): taken when a segment
        # rolls and when a log is closed, named by the offset the state reaches there (a
        # roll's is the new segment's base offset); each file is version 1 with its entries
        # after the 10-byte header, 46 bytes each.
        for name in (n for n in names if n.endswith(".snapshot")):
            check(0 < int(name[:20]) <= next_offset, "%s: %s is past the log end offset %d" % (pdir, name, next_offset))
            data = open(os.path.join(pdir, name), "rb").read()
            check(len(data) >= 10 and data[:2] == b"\x00\x01" and (len(data) - 10) % 46 == 0
                  and int.from_bytes(data[6:10], "big") == (len(data) - 10) // 46,
                  "%s: %s is not a version-1 snapshot of 46-byte entries (%d bytes)" % (pdir, name, len(data)))
        last_id = -1
        for rec in found:
            headers = list(rec.headers)
            rid = int(headers[0][1]) if headers and headers[0][0] == "id" else -1
            r = by_id.get(rid)
            if not check(r is not None and rid not in seen, "%s@%d: unknown or repeated id %d" % (pdir, rec.offset, rid)):
                continue
            seen.add(rid)
            check(rid > last_id, "%s@%d: record %d out of input order" % (pdir, rec.offset, rid))
            last_id = rid
            value = None if r["value"] is None else r["value"].encode()
            check(rec.key == r["key"], "%s@%d: key %r != %r" % (pdir, rec.offset, rec.key, r["key"]))
            check(rec.value == value, "%s@%d: value %r != %r" % (pdir, rec.offset, rec.value, value))
            check(headers == r["headers"], "%s@%d: headers %r != %r" % (pdir, rec.offset, headers, r["headers"]))
            check(rec.timestamp == r["expected_ts"], "%s@%d: timestamp %d != %d" % (pdir, rec.offset, rec.timestamp, r["expected_ts"]))
            if scenario["partitioner"] == "built_in" and r["key"] is not None:
                want = (murmur2(r["key"]) & 0x7FFFFFFF) % n
                check(want == p, "%s@%d: key %s belongs in partition %d" % (pdir, rec.offset, r["key"].hex(), want))
    check(seen == set(by_id), "%s: %d of %d records found" % (topic, len(seen), len(by_id)))


def report():
    for message in FAILED[:50]:
        print("FAIL:", message)
    print("kafka-python: %d passed, %d failed" % (PASSED, len(FAILED)))
    return 1 if FAILED else 0


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    cli, workdir = sys.argv[1], sys.argv[2]
    rng = random.Random(20240601)
    for scenario in SCENARIOS:
        produced, summaries = [], []
        for run_index, count in enumerate(scenario["runs"]):
            records = make_records(rng, len(produced), count)
            summaries.append(produce(cli, workdir, scenario, run_index, records))
            produced.extend(records)
        segment_counts = [len(p["segments"]) for p in summaries[-1]["per_partition"]]
        check(all(c >= 2 for c in segment_counts), "%s: expected several segments, got %s" % (scenario["topic"], segment_counts))
        check_topic(cli, os.path.join(workdir, "logs"), scenario, produced, summaries)
    # A leader's segment with transactional and control batches (txn_segment.py).
    txn_segment.check_txn_segment(check)
    return report()


if __name__ == "__main__":
    sys.exit(main())

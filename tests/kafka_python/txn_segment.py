"""Reads the playground's transactional segment (tests/vectors/txn_segment/, written by a
partition leader in tests/txn_markers.rs: transactional produce batches, the end markers
WriteTxnMarkers wrote, an open transaction and a plain batch) with kafka-python 3.0.12's
DefaultRecordBatch, an independent Kafka implementation, and checks every batch's
producer id, producer epoch, base sequence, transactional and control flags, CRC, records
and control records (version, type: 0 ABORT, 1 COMMIT; the marker's value: version 0,
coordinator epoch), and the .txnindex entry (AbortedTxn: int16 version, int64 producer
id, first offset, last offset, last stable offset).

check_txn_segment(check) runs the checks with validate.py's `check`.
"""

import os
import struct

from kafka.record.default_records import DefaultRecordBatch

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "vectors", "txn_segment")

# (base offset, producer id, epoch, base sequence, transactional, control, content):
# content is the values of a data batch, or (type, coordinator epoch) of a marker.
EXPECTED = [
    (0, 7, 0, 0, True, False, ["a", "b"]),
    (2, 8, 0, 0, True, False, ["c"]),
    (3, 7, 0, 2, True, False, ["d"]),
    (4, 7, 0, -1, True, True, (0, 3)),
    (5, 8, 0, -1, True, True, (1, 3)),
    (6, 9, 0, 0, True, False, ["e"]),
    (7, -1, -1, -1, False, False, ["f"]),
]

# AbortedTxn(producerId 7, firstOffset 0, lastOffset 4, lastStableOffset 2): pid 8's
# transaction (first offset 2) was open when pid 7's ABORT was written.
EXPECTED_TXN_INDEX = [(0, 7, 0, 4, 2)]


def read_batches(data):
    pos = 0
    while pos < len(data):
        base_offset, length = struct.unpack(">qi", data[pos:pos + 12])
        yield pos, DefaultRecordBatch(bytearray(data[pos:pos + 12 + length]))
        pos += 12 + length


def check_txn_segment(check):
    log = open(os.path.join(VECTORS, "00000000000000000000.log"), "rb").read()
    found = []
    for pos, b in read_batches(log):
        at = "txn_segment batch at %d" % pos
        check(b.magic == 2, at + ": magic %d" % b.magic)
        check(b.validate_crc(), at + ": CRC-32C invalid")
        records = list(b)
        if b.is_control_batch:
            check(len(records) == 1, at + ": a control batch holds one record")
            r = records[0]
            check(r.version == 0, at + ": control record version %d" % r.version)
            value_version, coordinator_epoch = struct.unpack(">hi", r.value)
            check(value_version == 0, at + ": end marker version %d" % value_version)
            content = (r.type, coordinator_epoch)
        else:
            content = [r.value.decode("utf-8") for r in records]
        found.append((b.base_offset, b.producer_id, b.producer_epoch, b.base_sequence,
                      bool(b.is_transactional), bool(b.is_control_batch), content))
    check(found == EXPECTED, "txn_segment: batches %r != %r" % (found, EXPECTED))
    index = open(os.path.join(VECTORS, "00000000000000000000.txnindex"), "rb").read()
    check(len(index) % 34 == 0, "txn_segment: .txnindex size %d" % len(index))
    entries = [struct.unpack(">hqqqq", index[i:i + 34]) for i in range(0, len(index) - len(index) % 34, 34)]
    check(entries == EXPECTED_TXN_INDEX, "txn_segment: .txnindex %r != %r" % (entries, EXPECTED_TXN_INDEX))


if __name__ == "__main__":
    failures = []
    def _check(ok, message):
        if not ok:
            failures.append(message)
        return ok
    check_txn_segment(_check)
    for f in failures:
        print("FAIL:", f)
    print("txn_segment: %d failed" % len(failures))
    raise SystemExit(1 if failures else 0)

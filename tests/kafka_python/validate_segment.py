"""Validates one downloaded `.log` segment with kafka-python 3.0.12 (an independent Kafka
implementation): every batch parses as DefaultRecordBatch, magic 2, validate_crc() true,
offsets contiguous from the file's base offset (the 20-digit name); prints a JSON summary
{"batches", "records", "first_offset", "next_offset", "values"} and exits 1 on any fault.

Usage: validate_segment.py PATH/TO/00000000000000000000.log
"""

import json
import os
import struct
import sys

from kafka.record.default_records import DefaultRecordBatch


def main(path):
    data = open(path, "rb").read()
    base = int(os.path.basename(path).split(".")[0])
    pos, expected, batches, values = 0, None, 0, []
    first = None
    while pos < len(data):
        if len(data) - pos < 12:
            raise SystemExit(f"{path}: {len(data) - pos} trailing bytes, not a batch")
        base_offset, length = struct.unpack(">qi", data[pos:pos + 12])
        raw = data[pos:pos + 12 + length]
        batch = DefaultRecordBatch(bytearray(raw))
        if batch.magic != 2:
            raise SystemExit(f"batch at {pos}: magic {batch.magic}")
        if not batch.validate_crc():
            raise SystemExit(f"batch at {pos}: CRC-32C does not match")
        if first is None:
            first = base_offset
            if base_offset < base:
                raise SystemExit(f"first batch {base_offset} below the file's base offset {base}")
        elif base_offset < expected:
            raise SystemExit(f"batch at {pos}: base offset {base_offset} goes back (expected >= {expected})")
        records = list(batch)
        for r in records:
            values.append(None if r.value is None else r.value.decode("utf-8", "replace"))
        expected = base_offset + batch.last_offset_delta + 1
        batches += 1
        pos += 12 + length
    print(json.dumps({"batches": batches, "records": len(values), "first_offset": first,
                      "next_offset": expected, "values": values}))


if __name__ == "__main__":
    main(sys.argv[1])

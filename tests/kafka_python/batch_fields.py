"""Decodes one record batch (hex on stdin) with kafka-python 3.0.12's DefaultRecordBatch (an
independent Kafka implementation) and prints its header fields and records as JSON, named
as the batch anatomy names them (Kafka's protocol guide): the anatomy e2e test compares
the page's fields with these. Exits 1 if the batch does not parse or its CRC fails.

Usage: echo HEX | batch_fields.py
"""

import json
import sys

from kafka.record.default_records import DefaultRecordBatch


def main():
    raw = bytes.fromhex(sys.stdin.read().strip())
    batch = DefaultRecordBatch(bytearray(raw))
    if not batch.validate_crc():
        raise SystemExit("CRC-32C does not match")
    header = {
        "baseOffset": batch.base_offset,
        "partitionLeaderEpoch": batch.leader_epoch,
        "magic": batch.magic,
        "crc": batch.crc,
        "attributes": batch.attributes,
        "lastOffsetDelta": batch.last_offset_delta,
        "baseTimestamp": batch.first_timestamp,
        "maxTimestamp": batch.max_timestamp,
        "producerId": batch.producer_id,
        "producerEpoch": batch.producer_epoch,
        "baseSequence": batch.base_sequence,
        "records": batch.records_count,
    }
    records = [{
        "offset": r.offset,
        "timestamp": r.timestamp,
        "key": None if r.key is None else r.key.hex(),
        "value": None if r.value is None else r.value.hex(),
        "headers": [[k, None if v is None else v.hex()] for k, v in r.headers],
    } for r in batch]
    print(json.dumps({"header": header, "records": records}))


if __name__ == "__main__":
    main()

//! RecordBatch v2 (magic 2): varints, records, headers, CRC-32C, compression.

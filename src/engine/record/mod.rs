//! RecordBatch v2 (magic 2), byte for byte as Kafka writes it: varints, records and
//! headers, the 61-byte batch header, CRC-32C, and the compression codecs.

pub mod anatomy;
pub mod batch;
pub mod builder;
pub mod compression;
pub mod compression_ratio;
pub mod crc;
pub mod decode;
pub mod default_record;
pub mod memory_records;
pub mod varint;

pub use batch::{read_header, split_batches, verify_crc, BatchHeader, BatchView, Compression, TimestampType};
pub use builder::{BatchBuilder, BatchOptions};
pub use decode::{decode_batch, validate_batch, DecodedBatch, ValidatedBatch};
pub use default_record::{Header, Record};
pub use memory_records::MemoryRecords;

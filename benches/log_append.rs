//! Native criterion benchmarks of the log engine's hot path, against the `commitlog`
//! crate and a memcpy + CRC-32C floor, all with 100-byte records in 16 KiB batches:
//!
//! * `engine_append`: `BatchBuilder` encodes records into 16 KiB batches (Java's
//!   `batch.size`), `PartitionLog::append_as_leader` validates them (CRC-32C, record walk),
//!   assigns offsets, indexes and stores them; the store ops are taken as a driver would.
//! * `engine_fetch`: `PartitionLog::read` in 1 MiB fetches through a prebuilt log, each
//!   batch's CRC checked as a consumer with `check.crcs=true` does;
//!   `engine_fetch_decode` also reads every record as the consumer does (`read_batch`:
//!   the same checks as `decode_batch`, records borrowed), `engine_fetch_decode_owned`
//!   decodes them into owned `Record`s (`decode_batch`, as the page and the cleaner do).
//! * Breakdown of `engine_append`: `engine_encode` (BatchBuilder + CRC only),
//!   `engine_validate` (`validate_batch` of prebuilt batches: CRC + record walk) and
//!   `engine_append_prebuilt` (`append_as_leader` of prebuilt batches).
//! * `commitlog_append` / `commitlog_read`: the `commitlog` 0.2 crate (files in a temp
//!   dir, CRC-32C per message) with the same messages per append and 1 MiB reads.
//! * `baseline_memcpy_crc32c`: copying the 100-byte values into a 16 KiB buffer and one
//!   CRC-32C over it, the least any batch-and-checksum log can do.
//!
//! Throughput is in records (`Throughput::Elements`). Short measurement times keep the
//! whole run under two minutes: `cargo bench --bench log_append`.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use commitlog::message::MessageSet;
    use commitlog::{CommitLog, LogOptions, ReadLimit};
    use criterion::{black_box, BatchSize, Criterion, Throughput};
    use kafka_playground::engine::log::PartitionLog;
    use kafka_playground::engine::record::decode::read_batch;
    use kafka_playground::engine::record::{
        decode_batch, split_batches, validate_batch, verify_crc, BatchBuilder, BatchOptions,
    };
    use kafka_playground::engine::topic::TopicConfig;
    use std::time::Duration;

    const VALUE_BYTES: usize = 100;
    const BATCH_BYTES: u32 = 16 * 1024;
    /// Batches appended per measured iteration (about 1 MiB).
    const APPEND_BATCHES: usize = 64;
    /// Batches in the prebuilt logs that the fetch benchmarks read through (about 16 MiB).
    const FETCH_BATCHES: usize = 1024;
    const FETCH_BYTES: u32 = 1024 * 1024;
    const T0: i64 = 1_700_000_000_000;

    fn value() -> [u8; VALUE_BYTES] {
        let mut v = [0u8; VALUE_BYTES];
        for (i, b) in v.iter_mut().enumerate() {
            *b = b'a' + (i % 26) as u8;
        }
        v
    }

    /// Records with a 100-byte value (null key, no headers) that fit one 16 KiB batch.
    fn records_per_batch() -> usize {
        let v = value();
        let mut b = BatchBuilder::with_capacity(BatchOptions::default(), BATCH_BYTES);
        let mut n = 0;
        loop {
            b.append(T0 + n as i64, None, Some(&v), &[]);
            if b.estimated_size_bytes() > BATCH_BYTES {
                return n;
            }
            n += 1;
        }
    }

    fn build_batch(first: i64, per_batch: usize, v: &[u8]) -> Vec<u8> {
        let mut b = BatchBuilder::with_capacity(BatchOptions::default(), BATCH_BYTES);
        for i in 0..per_batch {
            b.append(first + i as i64, None, Some(v), &[]);
        }
        b.build().expect("uncompressed batches always build")
    }

    fn new_log() -> PartitionLog {
        PartitionLog::new(0, "bench", 0, TopicConfig::default(), T0)
    }

    /// Encodes and appends `batches` batches; returns the log.
    fn engine_append(mut log: PartitionLog, batches: usize, per_batch: usize, v: &[u8]) -> PartitionLog {
        for k in 0..batches {
            let first = T0 + (k * per_batch) as i64;
            let batch = build_batch(first, per_batch, v);
            log.append_as_leader(first, &batch, 0).expect("append");
            black_box(log.take_store_ops());
        }
        log
    }

    /// How `engine_fetch` treats each batch it reads.
    #[derive(Clone, Copy, PartialEq)]
    enum Decode {
        /// CRC only.
        No,
        /// `read_batch`, as the consumer reads: every record borrowed, its key and value seen.
        Borrowed,
        /// `decode_batch`: owned keys, values and headers.
        Owned,
    }

    /// Reads the whole log in 1 MiB fetches; returns the records seen.
    fn engine_fetch(log: &PartitionLog, decode: Decode) -> u64 {
        let (mut offset, end, mut seen) = (0i64, log.log_end_offset(), 0u64);
        while offset < end {
            let data = log.read(offset, FETCH_BYTES, end).expect("read");
            for view in split_batches(&data.records) {
                let view = view.expect("whole batches");
                match decode {
                    Decode::No => {
                        verify_crc(view.bytes).expect("crc");
                        seen += view.header.records_count as u64;
                    }
                    Decode::Borrowed => {
                        seen += read_batch(view.bytes, |header, records| {
                            for r in records {
                                black_box((r.offset(header.base_offset), r.key, r.value));
                            }
                            records.len() as u64
                        })
                        .expect("decode");
                    }
                    Decode::Owned => {
                        seen += decode_batch(view.bytes).expect("decode").records.len() as u64;
                    }
                }
                offset = view.header.last_offset() + 1;
            }
        }
        seen
    }

    fn commitlog_in(dir: &tempfile::TempDir) -> CommitLog {
        CommitLog::new(LogOptions::new(dir.path())).expect("open commitlog")
    }

    fn commitlog_append(log: &mut CommitLog, batches: usize, per_batch: usize, v: &[u8]) {
        for _ in 0..batches {
            let mut buf = commitlog::message::MessageBuf::default();
            for _ in 0..per_batch {
                buf.push(v).expect("push");
            }
            log.append(&mut buf).expect("append");
        }
    }

    fn commitlog_read(log: &CommitLog) -> u64 {
        let (mut offset, end, mut seen) = (0u64, log.next_offset(), 0u64);
        while offset < end {
            let buf = log.read(offset, ReadLimit::max_bytes(FETCH_BYTES as usize)).expect("read");
            for m in buf.iter() {
                black_box(m.payload());
                offset = m.offset() + 1;
                seen += 1;
            }
        }
        seen
    }

    /// The floor: copy the values into a 16 KiB buffer, one CRC-32C over it.
    fn baseline(batches: usize, per_batch: usize, v: &[u8], buf: &mut Vec<u8>) -> u32 {
        let mut crc = 0;
        for _ in 0..batches {
            buf.clear();
            for _ in 0..per_batch {
                buf.extend_from_slice(v);
            }
            crc ^= crc32c::crc32c(buf);
        }
        crc
    }

    pub fn benches(c: &mut Criterion) {
        let v = value();
        let per_batch = records_per_batch();
        eprintln!("log_append: {per_batch} records of {VALUE_BYTES} B per {BATCH_BYTES}-byte batch");
        let mut g = c.benchmark_group("log_append");
        g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));

        g.throughput(Throughput::Elements((APPEND_BATCHES * per_batch) as u64));
        g.bench_function("engine_append", |b| {
            b.iter_batched(
                new_log,
                |log| engine_append(log, APPEND_BATCHES, per_batch, &v),
                BatchSize::LargeInput,
            )
        });
        g.bench_function("engine_encode", |b| {
            b.iter(|| {
                for k in 0..APPEND_BATCHES {
                    black_box(build_batch(T0 + (k * per_batch) as i64, per_batch, &v));
                }
            })
        });
        let prebuilt: Vec<Vec<u8>> =
            (0..APPEND_BATCHES).map(|k| build_batch(T0 + (k * per_batch) as i64, per_batch, &v)).collect();
        g.bench_function("engine_validate", |b| {
            b.iter(|| {
                for batch in &prebuilt {
                    black_box(validate_batch(batch).expect("valid"));
                }
            })
        });
        g.bench_function("engine_append_prebuilt", |b| {
            b.iter_batched(
                new_log,
                |mut log| {
                    for (k, batch) in prebuilt.iter().enumerate() {
                        log.append_as_leader(T0 + (k * per_batch) as i64, batch, 0).expect("append");
                        black_box(log.take_store_ops());
                    }
                    log
                },
                BatchSize::LargeInput,
            )
        });
        g.bench_function("commitlog_append", |b| {
            b.iter_batched(
                || {
                    let dir = tempfile::tempdir().expect("tempdir");
                    let log = commitlog_in(&dir);
                    (dir, log)
                },
                |(dir, mut log)| {
                    commitlog_append(&mut log, APPEND_BATCHES, per_batch, &v);
                    (dir, log)
                },
                BatchSize::PerIteration,
            )
        });
        let mut buf = Vec::with_capacity(BATCH_BYTES as usize);
        g.bench_function("baseline_memcpy_crc32c", |b| {
            b.iter(|| baseline(APPEND_BATCHES, per_batch, &v, &mut buf))
        });

        let fetched = (FETCH_BATCHES * per_batch) as u64;
        g.throughput(Throughput::Elements(fetched));
        let log = engine_append(new_log(), FETCH_BATCHES, per_batch, &v);
        assert_eq!(engine_fetch(&log, Decode::No), fetched);
        assert_eq!(engine_fetch(&log, Decode::Borrowed), fetched);
        g.bench_function("engine_fetch", |b| b.iter(|| engine_fetch(&log, Decode::No)));
        g.bench_function("engine_fetch_decode", |b| b.iter(|| engine_fetch(&log, Decode::Borrowed)));
        g.bench_function("engine_fetch_decode_owned", |b| b.iter(|| engine_fetch(&log, Decode::Owned)));
        let dir = tempfile::tempdir().expect("tempdir");
        let mut clog = commitlog_in(&dir);
        commitlog_append(&mut clog, FETCH_BATCHES, per_batch, &v);
        clog.flush().expect("flush");
        assert_eq!(commitlog_read(&clog), fetched);
        g.bench_function("commitlog_read", |b| b.iter(|| commitlog_read(&clog)));
        g.finish();
    }
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_group!(benches, native::benches);
#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(benches);

#[cfg(target_arch = "wasm32")]
fn main() {}

//! What the page may ask of one replica's log besides its picture: the segments and
//! newest records ([`LogDetail`]), one segment's three files for download (Kafka's
//! `.log`, `.index`, `.timeindex`), and a read from an offset or a timestamp as a
//! consumer's Fetch sees it (below the replica's high watermark), and one batch taken
//! apart byte by byte ([`BatchAnatomy`]). Pure reads.

use super::BrokerNode;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::error::Result;
use crate::engine::log::{LogDetail, ReadFrom, RecordView, SegmentFiles};
use crate::engine::record::anatomy::BatchAnatomy;

impl BrokerNode {
    fn replica(&self, topic: &str, partition: u32) -> Option<&super::partition::Partition> {
        self.partitions.get(&TopicPartition { topic: topic.into(), partition })
    }

    /// The replica's segments and its newest `max_records` records, if it is hosted here.
    pub fn log_detail(&self, topic: &str, partition: u32, max_records: usize) -> Option<LogDetail> {
        self.replica(topic, partition).map(|p| p.log.detail(p.high_watermark, max_records))
    }

    /// The files of the replica's segment with this base offset.
    pub fn segment_files(&self, topic: &str, partition: u32, base_offset: i64) -> Option<SegmentFiles> {
        self.replica(topic, partition)?.log.segment_files(base_offset)
    }

    /// Records from `from`, whole batches up to `max_bytes` (at least one), below the
    /// high watermark; `None` if the replica is not hosted here.
    pub fn read_records(
        &self,
        topic: &str,
        partition: u32,
        from: ReadFrom,
        max_bytes: u32,
    ) -> Option<Result<Vec<RecordView>>> {
        let p = self.replica(topic, partition)?;
        Some(p.log.read_records(from, max_bytes, p.high_watermark))
    }

    /// The batch holding `offset` in the replica's log, taken apart; `None` if the
    /// replica is not hosted here.
    pub fn batch_anatomy(
        &self,
        topic: &str,
        partition: u32,
        offset: i64,
    ) -> Option<Result<Option<BatchAnatomy>>> {
        Some(self.replica(topic, partition)?.log.batch_anatomy_at(offset))
    }
}

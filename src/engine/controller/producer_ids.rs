//! Producer-id blocks, as KRaft's `ProducerIdControlManager` hands them out: a broker's
//! `AllocateProducerIds` (after `ClusterControlManager.checkBrokerEpoch`) gets the next
//! block of [`PRODUCER_ID_BLOCK_SIZE`] ids (`generateNextProducerId`), and the grant is a
//! `ProducerIdsRecord` ([`MetadataRecord::ProducerIds`]) in the metadata log, so a
//! restarted controller replays it (`replay`) and never hands an id out twice.
//! Invariant: `image.next_producer_id` only grows, and every block granted lies below it.

use super::ControllerNode;
use crate::engine::cluster::metadata::MetadataRecord;
use crate::engine::cluster::{Message, NodeId};
use crate::engine::error::ErrorCode;

/// `ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE`.
pub const PRODUCER_ID_BLOCK_SIZE: i32 = 1000;

/// A block of producer ids: `first_producer_id` and the `size` after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerIdsBlock {
    pub assigned_broker_id: NodeId,
    pub first_producer_id: i64,
    pub size: i32,
}

impl ControllerNode {
    /// `ProducerIdControlManager.generateNextProducerId`: the next block for `broker_id`,
    /// with its record appended, or Kafka's error (STALE_BROKER_EPOCH for an unknown
    /// broker or a wrong epoch, UNKNOWN_SERVER_ERROR once ids are exhausted).
    pub(crate) fn generate_next_producer_id(
        &mut self,
        broker_id: NodeId,
        broker_epoch: i64,
    ) -> Result<ProducerIdsBlock, (ErrorCode, String)> {
        match self.image.brokers.get(&broker_id) {
            None => {
                return Err((
                    ErrorCode::StaleBrokerEpoch,
                    format!("No broker registration found for broker id {broker_id}"),
                ))
            }
            Some(b) if b.broker_epoch != broker_epoch => {
                return Err((
                    ErrorCode::StaleBrokerEpoch,
                    format!("Expected broker epoch {}, but got broker epoch {broker_epoch}", b.broker_epoch),
                ))
            }
            Some(_) => {}
        }
        let first_producer_id = self.image.next_producer_id;
        if first_producer_id > i64::MAX - i64::from(PRODUCER_ID_BLOCK_SIZE) {
            return Err((
                ErrorCode::UnknownServerError,
                "Exhausted all producerIds as the next block's end producerId has exceeded the int64 type limit"
                    .into(),
            ));
        }
        let block = ProducerIdsBlock {
            assigned_broker_id: broker_id,
            first_producer_id,
            size: PRODUCER_ID_BLOCK_SIZE,
        };
        self.append(MetadataRecord::ProducerIds {
            broker_id,
            broker_epoch,
            next_producer_id: first_producer_id + i64::from(PRODUCER_ID_BLOCK_SIZE),
        });
        Ok(block)
    }

    /// Answers a broker's `AllocateProducerIds` (Kafka's `QuorumController.allocateProducerIds`).
    pub(crate) fn handle_allocate_producer_ids(
        &mut self,
        from: NodeId,
        broker_id: NodeId,
        broker_epoch: i64,
    ) {
        let response = match self.generate_next_producer_id(broker_id, broker_epoch) {
            Ok(block) => Message::AllocateProducerIdsResponse {
                error: None,
                producer_id_start: block.first_producer_id,
                producer_id_len: block.size,
            },
            Err((error, reason)) => {
                self.refuse(format!("AllocateProducerIds from broker {broker_id}: {reason}"));
                Message::AllocateProducerIdsResponse {
                    error: Some(error),
                    producer_id_start: -1,
                    producer_id_len: 0,
                }
            }
        };
        self.send(from, response);
    }
}

#[cfg(test)]
mod tests {
    //! `ProducerIdControlManagerTest`'s cases.
    use super::*;
    use crate::engine::controller::ControllerConfig;

    fn controller_with_broker(broker_id: NodeId, broker_epoch: i64) -> ControllerNode {
        let mut c = ControllerNode::new(ControllerConfig::default());
        c.append(MetadataRecord::RegisterBroker { broker_id, broker_epoch, incarnation: 0 });
        c
    }

    #[test]
    fn initial_result() {
        let mut c = controller_with_broker(1, 100);
        let block = c.generate_next_producer_id(1, 100).unwrap();
        assert_eq!((block.first_producer_id, block.size), (0, 1000));
        assert!(matches!(
            c.log().last(),
            Some(MetadataRecord::ProducerIds { broker_id: 1, broker_epoch: 100, next_producer_id: 1000 })
        ));
    }

    #[test]
    fn monotonic_and_gaps_are_fine() {
        let mut c = controller_with_broker(1, 100);
        c.append(MetadataRecord::ProducerIds { broker_id: 1, broker_epoch: 100, next_producer_id: 42 });
        assert_eq!(c.generate_next_producer_id(1, 100).unwrap().first_producer_id, 42);
        // A record that would go backwards moves nothing back.
        c.append(MetadataRecord::ProducerIds { broker_id: 1, broker_epoch: 100, next_producer_id: 40 });
        assert_eq!(c.generate_next_producer_id(1, 100).unwrap().first_producer_id, 1042);
        c.append(MetadataRecord::ProducerIds { broker_id: 1, broker_epoch: 100, next_producer_id: 5000 });
        assert_eq!(c.generate_next_producer_id(1, 100).unwrap().first_producer_id, 5000);
    }

    #[test]
    fn unknown_broker_or_epoch_is_a_stale_broker_epoch() {
        let mut c = controller_with_broker(1, 100);
        assert_eq!(c.generate_next_producer_id(99, 0).unwrap_err().0, ErrorCode::StaleBrokerEpoch);
        assert_eq!(c.generate_next_producer_id(1, 99).unwrap_err().0, ErrorCode::StaleBrokerEpoch);
        assert_eq!(c.log().len(), 1, "a refusal writes no record");
    }

    #[test]
    fn max_value_is_an_unknown_server_error() {
        let mut c = controller_with_broker(1, 100);
        c.append(MetadataRecord::ProducerIds {
            broker_id: 1,
            broker_epoch: 100,
            next_producer_id: i64::MAX - 1,
        });
        assert_eq!(c.generate_next_producer_id(1, 100).unwrap_err().0, ErrorCode::UnknownServerError);
    }

    #[test]
    fn generate_producer_ids_for_many_brokers() {
        let mut c = ControllerNode::new(ControllerConfig::default());
        for b in 0..4 {
            c.append(MetadataRecord::RegisterBroker { broker_id: b, broker_epoch: 100, incarnation: 0 });
        }
        let mut last = None;
        for i in 0..100 {
            last = Some(c.generate_next_producer_id(i % 4, 100).unwrap());
        }
        assert_eq!(
            last.unwrap(),
            ProducerIdsBlock { assigned_broker_id: 3, first_producer_id: 99_000, size: 1000 }
        );
        assert_eq!(c.image().next_producer_id, 100_000);
    }

    /// The grants are in the persisted log: a recovered controller goes on after them.
    #[test]
    fn a_recovered_controller_never_hands_an_id_out_twice() {
        let mut c = controller_with_broker(1, 100);
        c.generate_next_producer_id(1, 100).unwrap();
        let meta: Vec<(String, String)> = std::iter::from_fn(|| c.outputs.pop_front())
            .filter_map(|o| match o {
                crate::engine::cluster::Output::Persist(crate::engine::store::StoreOp::PutMeta {
                    name,
                    value,
                    ..
                }) => Some((name, value)),
                _ => None,
            })
            .collect();
        let mut recovered = ControllerNode::recover(ControllerConfig::default(), &meta);
        assert_eq!(recovered.generate_next_producer_id(1, 100).unwrap().first_producer_id, 1000);
    }
}

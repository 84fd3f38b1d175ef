//! The bytes consumers exchange through the coordinator (Kafka's `ConsumerProtocol`):
//! a member's subscription (`ConsumerProtocolSubscription` v3: topics, user data, owned
//! partitions, generation, rack) in JoinGroup, and its assignment
//! (`ConsumerProtocolAssignment` v3: partitions by topic, user data) in SyncGroup. Both
//! start with the int16 version; strings are int16-length UTF-8, arrays int32-counted,
//! null bytes are length -1. Decoding reads any version 0 to 3 and never panics.

use crate::engine::cluster::messages::TopicPartition;
use crate::engine::group::assignor::MemberSubscription;
use std::collections::BTreeMap;

pub const CONSUMER_PROTOCOL_VERSION: i16 = 3;
/// The protocol type consumers register with (`ConsumerProtocol.PROTOCOL_TYPE`).
pub const PROTOCOL_TYPE: &str = "consumer";

fn put_string(out: &mut Vec<u8>, s: &str) {
    let b = &s.as_bytes()[..s.len().min(i16::MAX as usize)];
    out.extend_from_slice(&(b.len() as i16).to_be_bytes());
    out.extend_from_slice(b);
}

/// Topic → partitions, in Kafka's grouping (topics in order, partitions as listed).
fn put_partitions(out: &mut Vec<u8>, partitions: &[TopicPartition]) {
    let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for tp in partitions {
        by_topic.entry(tp.topic.as_str()).or_default().push(tp.partition as i32);
    }
    out.extend_from_slice(&(by_topic.len() as i32).to_be_bytes());
    for (topic, ps) in by_topic {
        put_string(out, topic);
        out.extend_from_slice(&(ps.len() as i32).to_be_bytes());
        for p in ps {
            out.extend_from_slice(&p.to_be_bytes());
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len())?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Some(out)
    }
    fn i16(&mut self) -> Option<i16> {
        self.take(2).map(|b| i16::from_be_bytes([b[0], b[1]]))
    }
    fn i32(&mut self) -> Option<i32> {
        self.take(4).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn string(&mut self) -> Option<Option<String>> {
        let len = self.i16()?;
        if len < 0 {
            return Some(None);
        }
        let b = self.take(len as usize)?;
        Some(Some(String::from_utf8_lossy(b).into_owned()))
    }
    fn skip_bytes(&mut self) -> Option<()> {
        let len = self.i32()?;
        if len > 0 {
            self.take(len as usize)?;
        }
        Some(())
    }
    fn count(&mut self) -> Option<usize> {
        let n = self.i32()?;
        (n >= 0 && (n as usize) <= self.bytes.len()).then_some(n.max(0) as usize)
    }
    fn partitions(&mut self) -> Option<Vec<TopicPartition>> {
        let mut out = Vec::new();
        for _ in 0..self.count()? {
            let topic = self.string()?.unwrap_or_default();
            for _ in 0..self.count()? {
                let p = self.i32()?;
                out.push(TopicPartition { topic: topic.as_str().into(), partition: p.max(0) as u32 });
            }
        }
        Some(out)
    }
}

/// `ConsumerProtocol.serializeSubscription` (v3, no user data).
pub fn encode_subscription(
    topics: &[String],
    owned: &[TopicPartition],
    generation: i32,
    rack: Option<&str>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&CONSUMER_PROTOCOL_VERSION.to_be_bytes());
    out.extend_from_slice(&(topics.len() as i32).to_be_bytes());
    for t in topics {
        put_string(&mut out, t);
    }
    out.extend_from_slice(&(-1i32).to_be_bytes()); // user data: null
    put_partitions(&mut out, owned);
    out.extend_from_slice(&generation.to_be_bytes());
    match rack {
        Some(r) => put_string(&mut out, r),
        None => out.extend_from_slice(&(-1i16).to_be_bytes()),
    }
    out
}

/// A member's subscription as the leader's assignor sees it; `None` for bytes that are
/// not a subscription.
pub fn decode_subscription(
    member_id: &str,
    group_instance_id: Option<String>,
    bytes: &[u8],
) -> Option<MemberSubscription> {
    let mut r = Reader { bytes, at: 0 };
    let version = r.i16()?;
    if version < 0 {
        return None;
    }
    let mut topics = Vec::new();
    for _ in 0..r.count()? {
        topics.push(r.string()?.unwrap_or_default());
    }
    r.skip_bytes()?;
    let owned_partitions = if version >= 1 { r.partitions()? } else { Vec::new() };
    let generation = if version >= 2 { r.i32()? } else { -1 };
    let rack = if version >= 3 { r.string()? } else { None };
    Some(MemberSubscription {
        member_id: member_id.to_string(),
        group_instance_id,
        topics,
        owned_partitions,
        generation,
        rack,
    })
}

/// `ConsumerProtocol.serializeAssignment` (v3, no user data).
pub fn encode_assignment(partitions: &[TopicPartition]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32);
    out.extend_from_slice(&CONSUMER_PROTOCOL_VERSION.to_be_bytes());
    put_partitions(&mut out, partitions);
    out.extend_from_slice(&(-1i32).to_be_bytes());
    out
}

/// The partitions of an assignment; empty bytes (the coordinator's empty assignment) are
/// no partitions; `None` for garbage.
pub fn decode_assignment(bytes: &[u8]) -> Option<Vec<TopicPartition>> {
    if bytes.is_empty() {
        return Some(Vec::new());
    }
    let mut r = Reader { bytes, at: 0 };
    r.i16()?;
    r.partitions()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(t: &str, p: u32) -> TopicPartition {
        TopicPartition { topic: t.into(), partition: p }
    }

    #[test]
    fn subscription_and_assignment_round_trip() {
        let bytes = encode_subscription(&["a".into(), "b".into()], &[tp("a", 1), tp("a", 0)], 4, None);
        assert_eq!(&bytes[..2], &[0, 3]);
        let s = decode_subscription("m", None, &bytes).unwrap();
        assert_eq!(s.topics, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(s.owned_partitions, vec![tp("a", 1), tp("a", 0)]);
        assert_eq!(s.generation, 4);
        let a = encode_assignment(&[tp("x", 2), tp("x", 0)]);
        // version 3, one topic "x" with partitions [2, 0], null user data.
        assert_eq!(
            a,
            vec![0, 3, 0, 0, 0, 1, 0, 1, b'x', 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 255, 255, 255, 255]
        );
        assert_eq!(decode_assignment(&a).unwrap(), vec![tp("x", 2), tp("x", 0)]);
        assert_eq!(decode_assignment(&[]).unwrap(), vec![]);
        for cut in 1..a.len() - 4 {
            assert!(decode_assignment(&a[..cut]).is_none(), "cut {cut}");
        }
    }
}

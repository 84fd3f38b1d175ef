//! The `ConsumerProtocol` bytes a consumer puts in JoinGroup (its subscription, the
//! protocol metadata) and the leader sends back in SyncGroup (each member's assignment),
//! as Kafka's `ConsumerProtocol` writes and reads them: a big-endian `int16` version,
//! then `ConsumerProtocolSubscription` v0-3 / `ConsumerProtocolAssignment` v0-3 (classic,
//! non-flexible encoding). Writing an older version drops the fields it lacks; reading a
//! newer one than 3 reads it as 3, as Kafka does.

use super::{MemberSubscription, TopicPartition};
use std::fmt;

/// `ConsumerProtocol.CONSUMER_PROTOCOL_LATEST_VERSION`.
pub const CONSUMER_PROTOCOL_LATEST_VERSION: i16 = 3;

/// `ConsumerPartitionAssignor.Subscription` as it travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub topics: Vec<String>,
    pub user_data: Option<Vec<u8>>,
    /// v1+.
    pub owned_partitions: Vec<TopicPartition>,
    /// v2+; -1 when the member has none.
    pub generation_id: i32,
    /// v3+.
    pub rack_id: Option<String>,
}

impl Subscription {
    /// The assignor's view of this member (see [`MemberSubscription`]).
    pub fn into_member(self, member_id: String, group_instance_id: Option<String>) -> MemberSubscription {
        MemberSubscription {
            member_id,
            group_instance_id,
            topics: self.topics,
            owned_partitions: self.owned_partitions,
            generation: self.generation_id,
            rack: self.rack_id,
        }
    }
}

/// `ConsumerPartitionAssignor.Assignment` as it travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub partitions: Vec<TopicPartition>,
    pub user_data: Option<Vec<u8>>,
}

/// Kafka's `SchemaException` while reading consumer protocol bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError(pub String);

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SchemaError {}

/// `serializeSubscription`: topics sorted, owned partitions sorted and grouped by topic.
/// A version below 0 writes nothing but the clamped header of version 0.
pub fn serialize_subscription(subscription: &Subscription, version: i16) -> Vec<u8> {
    let version = version.clamp(0, CONSUMER_PROTOCOL_LATEST_VERSION);
    let mut out = Vec::new();
    out.extend_from_slice(&version.to_be_bytes());
    let mut topics: Vec<&String> = subscription.topics.iter().collect();
    topics.sort_by(|a, b| super::java::compare(a, b));
    write_len(&mut out, topics.len());
    for topic in topics {
        write_string(&mut out, topic);
    }
    write_bytes(&mut out, subscription.user_data.as_deref());
    if version >= 1 {
        let mut owned: Vec<&TopicPartition> = subscription.owned_partitions.iter().collect();
        owned.sort_by(|a, b| super::java::compare(&a.topic, &b.topic).then(a.partition.cmp(&b.partition)));
        write_grouped(&mut out, owned.into_iter());
    }
    if version >= 2 {
        out.extend_from_slice(&subscription.generation_id.to_be_bytes());
    }
    if version >= 3 {
        match &subscription.rack_id {
            Some(rack) => write_string(&mut out, rack),
            None => out.extend_from_slice(&(-1i16).to_be_bytes()),
        }
    }
    out
}

/// `deserializeSubscription`: the version prefix, then the fields it has. An empty rack
/// reads as none, as in Kafka.
pub fn deserialize_subscription(bytes: &[u8]) -> Result<Subscription, SchemaError> {
    let mut r = Reader { bytes, at: 0, what: "subscription" };
    let version = r.version()?;
    let count = r.array_len("topics")?;
    let mut topics = Vec::new();
    for _ in 0..count {
        topics.push(r.string("topics")?);
    }
    let user_data = r.nullable_bytes()?;
    let owned_partitions = if version >= 1 { r.grouped("ownedPartitions")? } else { Vec::new() };
    let generation_id = if version >= 2 { r.i32()? } else { -1 };
    let rack_id = if version >= 3 { r.nullable_string()?.filter(|rack| !rack.is_empty()) } else { None };
    Ok(Subscription { topics, user_data, owned_partitions, generation_id, rack_id })
}

/// `serializeAssignment`: partitions grouped by topic in order of first appearance.
pub fn serialize_assignment(assignment: &Assignment, version: i16) -> Vec<u8> {
    let version = version.clamp(0, CONSUMER_PROTOCOL_LATEST_VERSION);
    let mut out = Vec::new();
    out.extend_from_slice(&version.to_be_bytes());
    let mut topics: Vec<(&str, Vec<u32>)> = Vec::new();
    for tp in &assignment.partitions {
        match topics.iter_mut().find(|(topic, _)| *topic == tp.topic) {
            Some((_, partitions)) => partitions.push(tp.partition),
            None => topics.push((&tp.topic, vec![tp.partition])),
        }
    }
    write_len(&mut out, topics.len());
    for (topic, partitions) in topics {
        write_string(&mut out, topic);
        write_len(&mut out, partitions.len());
        for partition in partitions {
            out.extend_from_slice(&(partition as i32).to_be_bytes());
        }
    }
    write_bytes(&mut out, assignment.user_data.as_deref());
    out
}

/// `deserializeAssignment`.
pub fn deserialize_assignment(bytes: &[u8]) -> Result<Assignment, SchemaError> {
    let mut r = Reader { bytes, at: 0, what: "assignment" };
    r.version()?;
    let partitions = r.grouped("assignedPartitions")?;
    let user_data = r.nullable_bytes()?;
    Ok(Assignment { partitions, user_data })
}

fn write_len(out: &mut Vec<u8>, len: usize) {
    out.extend_from_slice(&(len as i32).to_be_bytes());
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as i16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn write_bytes(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        Some(bytes) => {
            write_len(out, bytes.len());
            out.extend_from_slice(bytes);
        }
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
    }
}

/// `[]TopicPartition { Topic, []int32 Partitions }` from partitions already in order.
fn write_grouped<'a>(out: &mut Vec<u8>, partitions: impl Iterator<Item = &'a TopicPartition>) {
    let mut groups: Vec<(&str, Vec<u32>)> = Vec::new();
    for tp in partitions {
        match groups.last_mut() {
            Some((topic, list)) if *topic == tp.topic => list.push(tp.partition),
            _ => groups.push((&tp.topic, vec![tp.partition])),
        }
    }
    write_len(out, groups.len());
    for (topic, list) in groups {
        write_string(out, topic);
        write_len(out, list.len());
        for partition in list {
            out.extend_from_slice(&(partition as i32).to_be_bytes());
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    what: &'static str,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], SchemaError> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len()).ok_or_else(|| {
            SchemaError(format!("Buffer underflow while parsing consumer protocol's {}", self.what))
        })?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn i16(&mut self) -> Result<i16, SchemaError> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32, SchemaError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn version(&mut self) -> Result<i16, SchemaError> {
        let version = self.i16()?;
        if version < 0 {
            return Err(SchemaError(format!("Unsupported {} version: {version}", self.what)));
        }
        Ok(version.min(CONSUMER_PROTOCOL_LATEST_VERSION))
    }

    fn array_len(&mut self, field: &str) -> Result<usize, SchemaError> {
        let len = self.i32()?;
        usize::try_from(len)
            .map_err(|_| SchemaError(format!("non-nullable field {field} was serialized as null")))
    }

    fn string(&mut self, field: &str) -> Result<String, SchemaError> {
        let len = self.i16()?;
        let len = usize::try_from(len)
            .map_err(|_| SchemaError(format!("non-nullable field {field} was serialized as null")))?;
        self.utf8(len)
    }

    fn nullable_string(&mut self) -> Result<Option<String>, SchemaError> {
        let len = self.i16()?;
        match usize::try_from(len) {
            Ok(len) => self.utf8(len).map(Some),
            Err(_) => Ok(None),
        }
    }

    fn utf8(&mut self, len: usize) -> Result<String, SchemaError> {
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| SchemaError("invalid UTF-8 string".to_string()))
    }

    fn nullable_bytes(&mut self) -> Result<Option<Vec<u8>>, SchemaError> {
        let len = self.i32()?;
        match usize::try_from(len) {
            Ok(len) => self.take(len).map(|b| Some(b.to_vec())),
            Err(_) => Ok(None),
        }
    }

    fn grouped(&mut self, field: &str) -> Result<Vec<TopicPartition>, SchemaError> {
        let topics = self.array_len(field)?;
        let mut partitions = Vec::new();
        for _ in 0..topics {
            let topic = self.string("topic")?;
            let count = self.array_len("partitions")?;
            for _ in 0..count {
                let partition = self.i32()?;
                partitions.push(TopicPartition { topic: topic.as_str().into(), partition: partition as u32 });
            }
        }
        Ok(partitions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(topic: &str, partition: u32) -> TopicPartition {
        TopicPartition { topic: topic.into(), partition }
    }

    fn subscription() -> Subscription {
        Subscription {
            topics: vec!["foo".into(), "bar".into()],
            user_data: Some(vec![1, 2, 3]),
            owned_partitions: vec![tp("foo", 1), tp("bar", 0), tp("foo", 0)],
            generation_id: 7,
            rack_id: Some("rack-a".into()),
        }
    }

    #[test]
    fn subscription_v3_bytes_are_kafkas() {
        let bytes = serialize_subscription(&subscription(), 3);
        let mut expected = vec![0, 3];
        expected.extend([0, 0, 0, 2, 0, 3, b'b', b'a', b'r', 0, 3, b'f', b'o', b'o']);
        expected.extend([0, 0, 0, 3, 1, 2, 3]);
        expected.extend([0, 0, 0, 2]);
        expected.extend([0, 3, b'b', b'a', b'r', 0, 0, 0, 1, 0, 0, 0, 0]);
        expected.extend([0, 3, b'f', b'o', b'o', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
        expected.extend([0, 0, 0, 7]);
        expected.extend([0, 6, b'r', b'a', b'c', b'k', b'-', b'a']);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn subscription_round_trips_in_every_version() {
        for version in 0..=3 {
            let bytes = serialize_subscription(&subscription(), version);
            let read = deserialize_subscription(&bytes).expect("valid bytes");
            assert_eq!(read.topics, ["bar", "foo"]);
            assert_eq!(read.user_data, Some(vec![1, 2, 3]));
            let owned = if version >= 1 { vec![tp("bar", 0), tp("foo", 0), tp("foo", 1)] } else { vec![] };
            assert_eq!(read.owned_partitions, owned);
            assert_eq!(read.generation_id, if version >= 2 { 7 } else { -1 });
            assert_eq!(read.rack_id, (version >= 3).then(|| "rack-a".to_string()));
        }
        let none = Subscription {
            topics: vec![],
            user_data: None,
            owned_partitions: vec![],
            generation_id: -1,
            rack_id: None,
        };
        assert_eq!(deserialize_subscription(&serialize_subscription(&none, 3)), Ok(none));
    }

    #[test]
    fn assignment_round_trips_grouped_in_first_appearance_order() {
        let assignment = Assignment { partitions: vec![tp("b", 2), tp("a", 0), tp("b", 1)], user_data: None };
        let bytes = serialize_assignment(&assignment, 3);
        assert_eq!(&bytes[..6], &[0, 3, 0, 0, 0, 2]);
        let read = deserialize_assignment(&bytes).expect("valid bytes");
        assert_eq!(read.partitions, vec![tp("b", 2), tp("b", 1), tp("a", 0)]);
        assert_eq!(read.user_data, None);
    }

    #[test]
    fn newer_versions_read_as_3_and_bad_bytes_are_errors() {
        let mut bytes = serialize_subscription(&subscription(), 3);
        bytes[1] = 9;
        assert_eq!(deserialize_subscription(&bytes).map(|s| s.generation_id), Ok(7));
        assert!(deserialize_subscription(&[0xff, 0xff]).is_err());
        for cut in 0..bytes.len() - 1 {
            assert!(deserialize_subscription(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(deserialize_assignment(&[0, 0, 0xff, 0xff, 0xff, 0xff]).is_err());
    }
}

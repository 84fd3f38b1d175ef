//! The records a group coordinator writes to `__consumer_offsets`, byte for byte as Kafka
//! writes them (`GroupCoordinatorRecordHelpers`, the `group-coordinator` message schemas):
//! every key and value starts with its int16 schema version, then the fields in schema
//! order, big-endian, strings as int16 length + UTF-8 (null = -1), bytes as int32 length.
//! Keys: `OffsetCommitKey` v1 (group, topic, partition) and `GroupMetadataKey` v2 (group).
//! Values: `OffsetCommitValue` v3 (offset, leaderEpoch, metadata, commitTimestamp) and
//! `GroupMetadataValue` v3 — the highest non-flexible versions, which Kafka 3.x/4.0 write.
//! A null value is a tombstone. Invariant: `decode(encode(x)) == x`; bad bytes are an
//! `Err`, never a panic.

use std::fmt;

pub const OFFSET_COMMIT_KEY_VERSION: i16 = 1;
pub const GROUP_METADATA_KEY_VERSION: i16 = 2;
pub const OFFSET_COMMIT_VALUE_VERSION: i16 = 3;
pub const GROUP_METADATA_VALUE_VERSION: i16 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordKey {
    OffsetCommit { group: String, topic: String, partition: i32 },
    GroupMetadata { group: String },
}

impl RecordKey {
    pub fn group(&self) -> &str {
        match self {
            RecordKey::OffsetCommit { group, .. } | RecordKey::GroupMetadata { group } => group,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetCommitValue {
    pub offset: i64,
    /// -1 when the committer did not know it.
    pub leader_epoch: i32,
    pub metadata: String,
    pub commit_timestamp_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberMetadata {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub rebalance_timeout_ms: i32,
    pub session_timeout_ms: i32,
    /// The member's metadata for the group's protocol (`ConsumerProtocolSubscription`).
    pub subscription: Vec<u8>,
    /// What the leader assigned it (`ConsumerProtocolAssignment`).
    pub assignment: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMetadataValue {
    pub protocol_type: String,
    pub generation: i32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub current_state_timestamp_ms: i64,
    pub members: Vec<MemberMetadata>,
}

/// Bytes that are not a record Kafka's coordinator would write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFormatError(pub String);

impl fmt::Display for RecordFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a __consumer_offsets record: {}", self.0)
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn i16(&mut self, v: i16) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn string(&mut self, s: &str) {
        let bytes = s.as_bytes();
        self.i16(bytes.len().min(i16::MAX as usize) as i16);
        self.0.extend_from_slice(&bytes[..bytes.len().min(i16::MAX as usize)]);
    }
    fn nullable_string(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.string(s),
            None => self.i16(-1),
        }
    }
    fn bytes(&mut self, b: &[u8]) {
        self.i32(b.len() as i32);
        self.0.extend_from_slice(b);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], RecordFormatError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let Some(end) = end else {
            return Err(RecordFormatError(format!(
                "{what}: needs {n} bytes at {}, has {}",
                self.at,
                self.bytes.len()
            )));
        };
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn i16(&mut self, what: &str) -> Result<i16, RecordFormatError> {
        let b = self.take(2, what)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }
    fn i32(&mut self, what: &str) -> Result<i32, RecordFormatError> {
        let b = self.take(4, what)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn i64(&mut self, what: &str) -> Result<i64, RecordFormatError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_be_bytes(a))
    }
    fn nullable_string(&mut self, what: &str) -> Result<Option<String>, RecordFormatError> {
        let len = self.i16(what)?;
        if len < 0 {
            return Ok(None);
        }
        let b = self.take(len as usize, what)?;
        String::from_utf8(b.to_vec()).map(Some).map_err(|_| RecordFormatError(format!("{what}: not UTF-8")))
    }
    fn string(&mut self, what: &str) -> Result<String, RecordFormatError> {
        self.nullable_string(what)?
            .ok_or_else(|| RecordFormatError(format!("{what}: null where a string is required")))
    }
    fn bytes(&mut self, what: &str) -> Result<Vec<u8>, RecordFormatError> {
        let len = self.i32(what)?;
        if len < 0 {
            return Ok(Vec::new());
        }
        Ok(self.take(len as usize, what)?.to_vec())
    }
}

pub fn encode_key(key: &RecordKey) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64));
    match key {
        RecordKey::OffsetCommit { group, topic, partition } => {
            w.i16(OFFSET_COMMIT_KEY_VERSION);
            w.string(group);
            w.string(topic);
            w.i32(*partition);
        }
        RecordKey::GroupMetadata { group } => {
            w.i16(GROUP_METADATA_KEY_VERSION);
            w.string(group);
        }
    }
    w.0
}

pub fn decode_key(bytes: &[u8]) -> Result<RecordKey, RecordFormatError> {
    let mut r = Reader::new(bytes);
    match r.i16("key version")? {
        0 | 1 => Ok(RecordKey::OffsetCommit {
            group: r.string("OffsetCommitKey.group")?,
            topic: r.string("OffsetCommitKey.topic")?,
            partition: r.i32("OffsetCommitKey.partition")?,
        }),
        2 => Ok(RecordKey::GroupMetadata { group: r.string("GroupMetadataKey.group")? }),
        v => Err(RecordFormatError(format!("unknown key version {v}"))),
    }
}

pub fn encode_offset_commit_value(v: &OffsetCommitValue) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(32 + v.metadata.len()));
    w.i16(OFFSET_COMMIT_VALUE_VERSION);
    w.i64(v.offset);
    w.i32(v.leader_epoch);
    w.string(&v.metadata);
    w.i64(v.commit_timestamp_ms);
    w.0
}

/// Versions 0 to 3 (4 is flexible; Kafka does not write it yet).
pub fn decode_offset_commit_value(bytes: &[u8]) -> Result<OffsetCommitValue, RecordFormatError> {
    let mut r = Reader::new(bytes);
    let version = r.i16("OffsetCommitValue version")?;
    if !(0..=3).contains(&version) {
        return Err(RecordFormatError(format!("OffsetCommitValue version {version} is not supported")));
    }
    let offset = r.i64("offset")?;
    let leader_epoch = if version >= 3 { r.i32("leaderEpoch")? } else { -1 };
    let metadata = r.string("metadata")?;
    let commit_timestamp_ms = r.i64("commitTimestamp")?;
    if version == 1 {
        r.i64("expireTimestamp")?;
    }
    Ok(OffsetCommitValue { offset, leader_epoch, metadata, commit_timestamp_ms })
}

pub fn encode_group_metadata_value(v: &GroupMetadataValue) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(128));
    w.i16(GROUP_METADATA_VALUE_VERSION);
    w.string(&v.protocol_type);
    w.i32(v.generation);
    w.nullable_string(v.protocol.as_deref());
    w.nullable_string(v.leader.as_deref());
    w.i64(v.current_state_timestamp_ms);
    w.i32(v.members.len() as i32);
    for m in &v.members {
        w.string(&m.member_id);
        w.nullable_string(m.group_instance_id.as_deref());
        w.string(&m.client_id);
        w.string(&m.client_host);
        w.i32(m.rebalance_timeout_ms);
        w.i32(m.session_timeout_ms);
        w.bytes(&m.subscription);
        w.bytes(&m.assignment);
    }
    w.0
}

/// Versions 0 to 3.
pub fn decode_group_metadata_value(bytes: &[u8]) -> Result<GroupMetadataValue, RecordFormatError> {
    let mut r = Reader::new(bytes);
    let version = r.i16("GroupMetadataValue version")?;
    if !(0..=3).contains(&version) {
        return Err(RecordFormatError(format!("GroupMetadataValue version {version} is not supported")));
    }
    let protocol_type = r.string("protocolType")?;
    let generation = r.i32("generation")?;
    let protocol = r.nullable_string("protocol")?;
    let leader = r.nullable_string("leader")?;
    let current_state_timestamp_ms = if version >= 2 { r.i64("currentStateTimestamp")? } else { -1 };
    let count = r.i32("members")?;
    if count < 0 || count as usize > bytes.len() {
        return Err(RecordFormatError(format!("members: impossible count {count}")));
    }
    let mut members = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let member_id = r.string("memberId")?;
        let group_instance_id = if version >= 3 { r.nullable_string("groupInstanceId")? } else { None };
        let client_id = r.string("clientId")?;
        let client_host = r.string("clientHost")?;
        let rebalance_timeout_ms = if version >= 1 { r.i32("rebalanceTimeout")? } else { -1 };
        let session_timeout_ms = r.i32("sessionTimeout")?;
        let subscription = r.bytes("subscription")?;
        let assignment = r.bytes("assignment")?;
        members.push(MemberMetadata {
            member_id,
            group_instance_id,
            client_id,
            client_host,
            rebalance_timeout_ms,
            session_timeout_ms,
            subscription,
            assignment,
        });
    }
    Ok(GroupMetadataValue {
        protocol_type,
        generation,
        protocol,
        leader,
        current_state_timestamp_ms,
        members,
    })
}

/// A `__consumer_offsets` record as JSON for the picture: `(key, value)`, decoded when
/// they are records this module knows, else the raw bytes' length.
pub fn describe_record(key: Option<&[u8]>, value: Option<&[u8]>) -> (serde_json::Value, serde_json::Value) {
    use serde_json::json;
    let Some(Ok(k)) = key.map(decode_key) else {
        return (
            json!({ "bytes": key.map_or(0, <[u8]>::len) }),
            json!({ "bytes": value.map_or(0, <[u8]>::len) }),
        );
    };
    match k {
        RecordKey::OffsetCommit { group, topic, partition } => {
            let key =
                json!({ "type": "OffsetCommitKey", "group": group, "topic": topic, "partition": partition });
            let value = match value.map(decode_offset_commit_value) {
                None => serde_json::Value::Null,
                Some(Ok(v)) => json!({
                    "offset": v.offset, "leader_epoch": v.leader_epoch, "metadata": v.metadata,
                    "commit_timestamp_ms": v.commit_timestamp_ms,
                }),
                Some(Err(e)) => json!({ "error": e.to_string() }),
            };
            (key, value)
        }
        RecordKey::GroupMetadata { group } => {
            let key = json!({ "type": "GroupMetadataKey", "group": group });
            let value = match value.map(decode_group_metadata_value) {
                None => serde_json::Value::Null,
                Some(Ok(v)) => json!({
                    "protocol_type": v.protocol_type, "generation": v.generation, "protocol": v.protocol,
                    "leader": v.leader,
                    "members": v.members.iter().map(|m| json!({
                        "member_id": m.member_id, "group_instance_id": m.group_instance_id, "client_id": m.client_id,
                        "session_timeout_ms": m.session_timeout_ms, "rebalance_timeout_ms": m.rebalance_timeout_ms,
                        "assignment_bytes": m.assignment.len(),
                    })).collect::<Vec<_>>(),
                }),
                Some(Err(e)) => json!({ "error": e.to_string() }),
            };
            (key, value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_commit_key_bytes_are_kafkas() {
        let key = RecordKey::OffsetCommit { group: "g".into(), topic: "t".into(), partition: 3 };
        let bytes = encode_key(&key);
        assert_eq!(bytes, vec![0, 1, 0, 1, b'g', 0, 1, b't', 0, 0, 0, 3]);
        assert_eq!(decode_key(&bytes).unwrap(), key);
        let group = RecordKey::GroupMetadata { group: "g".into() };
        assert_eq!(encode_key(&group), vec![0, 2, 0, 1, b'g']);
        assert_eq!(decode_key(&encode_key(&group)).unwrap(), group);
    }

    #[test]
    fn offset_commit_value_v3_bytes() {
        let v = OffsetCommitValue {
            offset: 42,
            leader_epoch: 7,
            metadata: String::new(),
            commit_timestamp_ms: 1000,
        };
        let bytes = encode_offset_commit_value(&v);
        let mut want = vec![0, 3];
        want.extend_from_slice(&42i64.to_be_bytes());
        want.extend_from_slice(&7i32.to_be_bytes());
        want.extend_from_slice(&[0, 0]);
        want.extend_from_slice(&1000i64.to_be_bytes());
        assert_eq!(bytes, want);
        assert_eq!(decode_offset_commit_value(&bytes).unwrap(), v);
    }

    #[test]
    fn group_metadata_value_round_trips_and_bad_bytes_are_errors() {
        let v = GroupMetadataValue {
            protocol_type: "consumer".into(),
            generation: 5,
            protocol: Some("range".into()),
            leader: Some("c-1".into()),
            current_state_timestamp_ms: 99,
            members: vec![MemberMetadata {
                member_id: "c-1".into(),
                group_instance_id: Some("i-1".into()),
                client_id: "c".into(),
                client_host: "/10.0.0.1".into(),
                rebalance_timeout_ms: 300_000,
                session_timeout_ms: 45_000,
                subscription: vec![1, 2, 3],
                assignment: vec![4],
            }],
        };
        let bytes = encode_group_metadata_value(&v);
        assert_eq!(&bytes[..2], &[0, 3]);
        assert_eq!(decode_group_metadata_value(&bytes).unwrap(), v);
        for cut in 0..bytes.len() {
            assert!(decode_group_metadata_value(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode_key(&[0, 9, 0, 0]).is_err());
        assert!(decode_offset_commit_value(&[0, 4]).is_err());
    }
}

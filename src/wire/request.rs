//! One frame in, one typed request out (or the reason the connection closes); one typed
//! response out as a frame. Follows Kafka's `SocketServer.parseRequestHeader` and
//! `RequestContext.parseRequest`: an unknown API key, a version this server does not
//! handle, or a body that does not parse close the connection (`InvalidRequestException`),
//! except ApiVersions, whose unknown versions are answered (see [`super::versions`]). The
//! header is v1 or v2 as the API's flexible versions say (`ApiKey::request_header_version`).

use super::frame::framed;
use super::versions::is_supported;
use bytes::{Buf, Bytes, BytesMut};
use kafka_protocol::messages::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, ApiKey, CreatePartitionsRequest, CreateTopicsRequest,
    DeleteRecordsRequest, DeleteTopicsRequest, DescribeConfigsRequest, DescribeGroupsRequest, EndTxnRequest,
    FetchRequest, FindCoordinatorRequest, HeartbeatRequest, IncrementalAlterConfigsRequest,
    InitProducerIdRequest, JoinGroupRequest, LeaveGroupRequest, ListGroupsRequest, ListOffsetsRequest,
    MetadataRequest, OffsetCommitRequest, OffsetFetchRequest, OffsetForLeaderEpochRequest, ProduceRequest,
    RequestHeader, ResponseHeader, SyncGroupRequest, TxnOffsetCommitRequest,
};
use kafka_protocol::protocol::{Decodable, Encodable};

/// A request's header, as the response needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub api_key: ApiKey,
    pub api_version: i16,
    pub correlation_id: i32,
    /// `client.id`, if the client sent one.
    pub client_id: Option<String>,
}

/// A decoded request of an API this server handles.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `unsupported`: a version this server does not know (its body is not read).
    ApiVersions {
        unsupported: bool,
    },
    Metadata(MetadataRequest),
    Produce(ProduceRequest),
    Fetch(FetchRequest),
    ListOffsets(ListOffsetsRequest),
    CreateTopics(CreateTopicsRequest),
    FindCoordinator(FindCoordinatorRequest),
    JoinGroup(JoinGroupRequest),
    SyncGroup(SyncGroupRequest),
    Heartbeat(HeartbeatRequest),
    LeaveGroup(LeaveGroupRequest),
    OffsetCommit(OffsetCommitRequest),
    OffsetFetch(OffsetFetchRequest),
    InitProducerId(InitProducerIdRequest),
    DeleteTopics(DeleteTopicsRequest),
    OffsetForLeaderEpoch(OffsetForLeaderEpochRequest),
    AddPartitionsToTxn(AddPartitionsToTxnRequest),
    AddOffsetsToTxn(AddOffsetsToTxnRequest),
    EndTxn(EndTxnRequest),
    TxnOffsetCommit(TxnOffsetCommitRequest),
    CreatePartitions(CreatePartitionsRequest),
    IncrementalAlterConfigs(IncrementalAlterConfigsRequest),
    DeleteRecords(DeleteRecordsRequest),
    DescribeGroups(DescribeGroupsRequest),
    ListGroups(ListGroupsRequest),
    DescribeConfigs(DescribeConfigsRequest),
}

/// Why a connection is closed instead of answered (Kafka's words where it has them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseConnection(pub String);

fn body<T: Decodable>(key: ApiKey, version: i16, buf: &mut Bytes) -> Result<T, CloseConnection> {
    T::decode(buf, version).map_err(|e| {
        CloseConnection(format!("Error getting request for apiKey: {key:?}, apiVersion: {version}: {e}"))
    })
}

/// Decodes one frame (the bytes after its size).
pub fn decode_request(frame: Bytes) -> Result<(Header, Request), CloseConnection> {
    let mut buf = frame;
    if buf.len() < 4 {
        return Err(CloseConnection(format!("a request header needs 4 bytes, got {}", buf.len())));
    }
    let raw_key = i16::from_be_bytes([buf[0], buf[1]]);
    let api_version = i16::from_be_bytes([buf[2], buf[3]]);
    let api_key =
        ApiKey::try_from(raw_key).map_err(|_| CloseConnection(format!("Unknown API key {raw_key}")))?;
    let unsupported_api_versions = api_key == ApiKey::ApiVersions && !is_supported(api_key, api_version);
    if !is_supported(api_key, api_version) && !unsupported_api_versions {
        return Err(CloseConnection(format!(
            "Received request api key {api_key:?} with version {api_version} which is not enabled"
        )));
    }
    // An unknown ApiVersions version is read with the newest header this crate knows for
    // it (flexible), as Kafka parses it with its own newest schema.
    let header_version = api_key.request_header_version(if unsupported_api_versions {
        api_version.clamp(0, 4)
    } else {
        api_version
    });
    let raw = RequestHeader::decode(&mut buf, header_version)
        .map_err(|e| CloseConnection(format!("cannot read the request header: {e}")))?;
    let header = Header {
        api_key,
        api_version,
        correlation_id: raw.correlation_id,
        client_id: raw.client_id.map(|s| s.to_string()),
    };
    let v = api_version;
    let request = match api_key {
        ApiKey::ApiVersions => {
            if !unsupported_api_versions {
                // Read to check it parses; its fields (client software) change nothing here.
                body::<kafka_protocol::messages::ApiVersionsRequest>(api_key, v, &mut buf)?;
            }
            Request::ApiVersions { unsupported: unsupported_api_versions }
        }
        ApiKey::Metadata => Request::Metadata(body(api_key, v, &mut buf)?),
        ApiKey::Produce => Request::Produce(body(api_key, v, &mut buf)?),
        ApiKey::Fetch => Request::Fetch(body(api_key, v, &mut buf)?),
        ApiKey::ListOffsets => Request::ListOffsets(body(api_key, v, &mut buf)?),
        ApiKey::CreateTopics => Request::CreateTopics(body(api_key, v, &mut buf)?),
        ApiKey::FindCoordinator => Request::FindCoordinator(body(api_key, v, &mut buf)?),
        ApiKey::JoinGroup => Request::JoinGroup(body(api_key, v, &mut buf)?),
        ApiKey::SyncGroup => Request::SyncGroup(body(api_key, v, &mut buf)?),
        ApiKey::Heartbeat => Request::Heartbeat(body(api_key, v, &mut buf)?),
        ApiKey::LeaveGroup => Request::LeaveGroup(body(api_key, v, &mut buf)?),
        ApiKey::OffsetCommit => Request::OffsetCommit(body(api_key, v, &mut buf)?),
        ApiKey::OffsetFetch => Request::OffsetFetch(body(api_key, v, &mut buf)?),
        ApiKey::InitProducerId => Request::InitProducerId(body(api_key, v, &mut buf)?),
        ApiKey::AddPartitionsToTxn => Request::AddPartitionsToTxn(body(api_key, v, &mut buf)?),
        ApiKey::AddOffsetsToTxn => Request::AddOffsetsToTxn(body(api_key, v, &mut buf)?),
        ApiKey::EndTxn => Request::EndTxn(body(api_key, v, &mut buf)?),
        ApiKey::TxnOffsetCommit => Request::TxnOffsetCommit(body(api_key, v, &mut buf)?),
        ApiKey::CreatePartitions => Request::CreatePartitions(body(api_key, v, &mut buf)?),
        ApiKey::IncrementalAlterConfigs => Request::IncrementalAlterConfigs(body(api_key, v, &mut buf)?),
        ApiKey::DeleteRecords => Request::DeleteRecords(body(api_key, v, &mut buf)?),
        ApiKey::DescribeGroups => Request::DescribeGroups(body(api_key, v, &mut buf)?),
        ApiKey::ListGroups => Request::ListGroups(body(api_key, v, &mut buf)?),
        ApiKey::DescribeConfigs => Request::DescribeConfigs(body(api_key, v, &mut buf)?),
        ApiKey::DeleteTopics => Request::DeleteTopics(body(api_key, v, &mut buf)?),
        ApiKey::OffsetForLeaderEpoch => Request::OffsetForLeaderEpoch(body(api_key, v, &mut buf)?),
        other => return Err(CloseConnection(format!("no handler for {other:?}"))),
    };
    let _ = buf.remaining();
    Ok((header, request))
}

/// A response to `header`'s request as one frame: the response header (v0 or v1 as the
/// API's flexible versions say; ApiVersions always v0) and the body at `version`.
pub fn encode_response<T: Encodable>(header: &Header, version: i16, response: &T) -> Result<Vec<u8>, String> {
    let mut out = BytesMut::new();
    let response_header = ResponseHeader::default().with_correlation_id(header.correlation_id);
    response_header
        .encode(&mut out, header.api_key.response_header_version(version))
        .map_err(|e| format!("response header: {e}"))?;
    response
        .encode(&mut out, version)
        .map_err(|e| format!("{:?} v{version} response: {e}", header.api_key))?;
    Ok(framed(&out))
}

//! The one table of the APIs `serve` answers and their versions: the ApiVersions
//! response is made from it and the request decoder refuses what is not in it, so what
//! is advertised cannot drift from what is handled. ApiVersions itself follows Kafka's
//! `ApiVersionsRequest.getErrorResponse` / `RequestContext.apiVersion`: a version it
//! does not know is answered as v0 with `UNSUPPORTED_VERSION` and only ApiVersions'
//! own range (KIP-511), so the client can retry with one it knows.

use kafka_protocol::messages::api_versions_response::{ApiVersion, ApiVersionsResponse};
use kafka_protocol::messages::ApiKey;

/// (API, lowest version, highest version) of every API with a handler.
pub const SUPPORTED: &[(ApiKey, i16, i16)] = &[
    (ApiKey::Produce, 3, 9),
    (ApiKey::Fetch, 4, 12),
    (ApiKey::ListOffsets, 1, 7),
    (ApiKey::Metadata, 0, 12),
    (ApiKey::ApiVersions, 0, 4),
    (ApiKey::CreateTopics, 2, 4),
    (ApiKey::FindCoordinator, 0, 4),
    (ApiKey::JoinGroup, 0, 5),
    (ApiKey::SyncGroup, 0, 3),
    (ApiKey::Heartbeat, 0, 3),
    (ApiKey::LeaveGroup, 0, 3),
    (ApiKey::OffsetCommit, 2, 7),
    (ApiKey::OffsetFetch, 1, 7),
    (ApiKey::InitProducerId, 0, 4),
    (ApiKey::DeleteTopics, 1, 5),
    (ApiKey::OffsetForLeaderEpoch, 2, 4),
    (ApiKey::DeleteRecords, 0, 2),
    (ApiKey::CreatePartitions, 0, 3),
    (ApiKey::IncrementalAlterConfigs, 0, 1),
    (ApiKey::DescribeGroups, 0, 5),
    (ApiKey::ListGroups, 0, 4),
    (ApiKey::DescribeConfigs, 1, 4),
    (ApiKey::AddPartitionsToTxn, 0, 3),
    (ApiKey::AddOffsetsToTxn, 0, 3),
    (ApiKey::EndTxn, 0, 3),
    (ApiKey::TxnOffsetCommit, 0, 3),
];

/// Kafka's `UNSUPPORTED_VERSION` error code.
pub const UNSUPPORTED_VERSION: i16 = 35;

/// The versions of `key` this server handles, if any.
pub fn supported(key: ApiKey) -> Option<(i16, i16)> {
    SUPPORTED.iter().find(|(k, _, _)| *k == key).map(|(_, min, max)| (*min, *max))
}

pub fn is_supported(key: ApiKey, version: i16) -> bool {
    supported(key).is_some_and(|(min, max)| (min..=max).contains(&version))
}

fn entry(key: ApiKey, min: i16, max: i16) -> ApiVersion {
    ApiVersion::default().with_api_key(key as i16).with_min_version(min).with_max_version(max)
}

/// The answer to a supported ApiVersions request: every API of [`SUPPORTED`].
pub fn api_versions_response() -> ApiVersionsResponse {
    let keys = SUPPORTED.iter().map(|(k, min, max)| entry(*k, *min, *max)).collect();
    ApiVersionsResponse::default().with_error_code(0).with_api_keys(keys)
}

/// The answer to an ApiVersions request of a version this server does not know (sent
/// as v0): `UNSUPPORTED_VERSION` and ApiVersions' own range only.
pub fn unsupported_api_versions_response() -> ApiVersionsResponse {
    let (min, max) = supported(ApiKey::ApiVersions).unwrap_or((0, 0));
    ApiVersionsResponse::default().with_error_code(UNSUPPORTED_VERSION).with_api_keys(vec![entry(
        ApiKey::ApiVersions,
        min,
        max,
    )])
}

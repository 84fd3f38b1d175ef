"""Writes tests/vectors/wire_requests.json and tests/fuzz_corpus/wire_frame/ from
kafka-python 3.0.12's own encoders (an independent implementation of Kafka's JSON
schemas): request frames as a client sends them, and the response bytes kafka-python
encodes for the answers `serve` must give. Run from the repo root:
  .venv/bin/python tests/serve/make_wire_vectors.py
"""
import json, os, struct, uuid
from kafka.protocol.metadata.api_versions import ApiVersionsRequest, ApiVersionsResponse
from kafka.protocol.metadata.metadata import MetadataRequest
from kafka.protocol.producer.produce import ProduceRequest
from kafka.protocol.consumer.fetch import FetchRequest
from kafka.protocol.consumer.offsets import ListOffsetsRequest
from kafka.protocol.admin.topics import CreateTopicsRequest
from kafka.record.memory_records import MemoryRecordsBuilder
from kafka.protocol.metadata.find_coordinator import FindCoordinatorRequest
from kafka.protocol.consumer.group import (JoinGroupRequest, SyncGroupRequest, HeartbeatRequest, LeaveGroupRequest,
                                           OffsetCommitRequest, OffsetFetchRequest)
from kafka.protocol.producer.transaction import (InitProducerIdRequest, AddPartitionsToTxnRequest,
                                                 AddOffsetsToTxnRequest, EndTxnRequest, TxnOffsetCommitRequest)
from kafka.protocol.admin.topics import DeleteTopicsRequest
from kafka.protocol.consumer.offsets import OffsetForLeaderEpochRequest
from kafka.protocol.admin.topics import CreatePartitionsRequest, DeleteRecordsRequest
from kafka.protocol.admin.configs import IncrementalAlterConfigsRequest, DescribeConfigsRequest
from kafka.protocol.admin.groups import DescribeGroupsRequest, ListGroupsRequest

# serve's table (src/wire/versions.rs), in its order.
TABLE = [(0, 3, 9), (1, 4, 12), (2, 1, 7), (3, 0, 12), (18, 0, 4), (19, 2, 4),
         (10, 0, 4), (11, 0, 5), (14, 0, 3), (12, 0, 3), (13, 0, 3), (8, 2, 7), (9, 1, 7), (22, 0, 4),
         (20, 1, 5), (23, 2, 4), (21, 0, 2), (37, 0, 3), (44, 0, 1), (15, 0, 5), (16, 0, 4), (32, 1, 4), (24, 0, 3), (25, 0, 3), (26, 0, 3), (28, 0, 3)]

def frame(req, version, correlation_id):
    req.API_VERSION = version
    req.with_header(correlation_id=correlation_id, client_id='vectors')
    return req.encode(version=version, header=True, framed=True)

def batch():
    b = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    b.append(timestamp=1700000000000, key=b'k', value=b'v', headers=[])
    b.close()
    return bytes(b.buffer())

RECORDS = batch()
vectors = []

def add(name, api, version, req, expect):
    cid = 1000 + len(vectors)
    vectors.append({'name': name, 'api_key': api, 'version': version, 'correlation_id': cid,
                    'frame': frame(req, version, cid).hex(), 'expect': expect})

for v in range(0, 5):
    add('api_versions_v%d' % v, 18, v, ApiVersionsRequest(client_software_name='kp', client_software_version='1'), {})
for v in (0, 1, 4, 9, 12):
    topics = [MetadataRequest.MetadataRequestTopic(name='some_topic', topic_id=uuid.UUID(int=0))]
    add('metadata_v%d' % v, 3, v, MetadataRequest(topics=topics, allow_auto_topic_creation=False,
        include_cluster_authorized_operations=False, include_topic_authorized_operations=False),
        {'topics': ['some_topic'], 'allow_auto_topic_creation': v < 4 or False})
add('metadata_v1_all', 3, 1, MetadataRequest(topics=None), {'topics': None})
for v in (3, 7, 9):
    P = ProduceRequest.TopicProduceData
    data = [P(name='some_topic', partition_data=[P.PartitionProduceData(index=2, records=RECORDS)])]
    add('produce_v%d' % v, 0, v, ProduceRequest(transactional_id=None, acks=-1, timeout_ms=30000, topic_data=data),
        {'acks': -1, 'timeout_ms': 30000, 'topic': 'some_topic', 'partition': 2, 'records': RECORDS.hex()})
add('produce_v8_acks0', 0, 8, ProduceRequest(transactional_id=None, acks=0, timeout_ms=1500,
    topic_data=[ProduceRequest.TopicProduceData(name='t', partition_data=[
        ProduceRequest.TopicProduceData.PartitionProduceData(index=0, records=RECORDS)])]),
    {'acks': 0, 'timeout_ms': 1500, 'topic': 't', 'partition': 0, 'records': RECORDS.hex()})
for v in (4, 11, 12):
    F = FetchRequest.FetchTopic
    parts = [F.FetchPartition(partition=1, current_leader_epoch=-1, fetch_offset=7, last_fetched_epoch=-1,
                              log_start_offset=-1, partition_max_bytes=1048576)]
    add('fetch_v%d' % v, 1, v, FetchRequest(replica_id=-1, max_wait_ms=500, min_bytes=1, max_bytes=52428800,
        isolation_level=0, session_id=0, session_epoch=-1, topics=[F(topic='some_topic', partitions=parts)],
        forgotten_topics_data=[], rack_id=''),
        {'max_wait_ms': 500, 'max_bytes': 52428800, 'topic': 'some_topic', 'partition': 1, 'fetch_offset': 7})
for v in (1, 5, 7):
    L = ListOffsetsRequest.ListOffsetsTopic
    add('list_offsets_v%d' % v, 2, v, ListOffsetsRequest(replica_id=-1, isolation_level=0, topics=[
        L(name='some_topic', partitions=[L.ListOffsetsPartition(partition_index=0, current_leader_epoch=-1, timestamp=-2)])]),
        {'topic': 'some_topic', 'partition': 0, 'timestamp': -2})
for v in (2, 4):
    C = CreateTopicsRequest.CreatableTopic
    add('create_topics_v%d' % v, 19, v, CreateTopicsRequest(topics=[C(name='orders', num_partitions=6,
        replication_factor=1, assignments=[], configs=[C.CreatableTopicConfig(name='retention.ms', value='1000')])],
        timeout_ms=30000, validate_only=False),
        {'name': 'orders', 'num_partitions': 6, 'replication_factor': 1, 'configs': [['retention.ms', '1000']]})

# The group, producer-id and admin APIs: every request names group "g" (or topic
# "some_topic"); `expect` holds what the decoder must read back.
for v in (0, 3, 4):
    keys = dict(coordinator_keys=['g']) if v >= 4 else dict(key='g')
    add('find_coordinator_v%d' % v, 10, v, FindCoordinatorRequest(key_type=0, **keys), {'group_id': 'g'})
for v in (0, 4, 5):
    J = JoinGroupRequest.JoinGroupRequestProtocol
    add('join_group_v%d' % v, 11, v, JoinGroupRequest(group_id='g', session_timeout_ms=10000, rebalance_timeout_ms=30000,
        member_id='', group_instance_id=None, protocol_type='consumer', protocols=[J(name='range', metadata=b'\x00')]),
        {'group_id': 'g'})
for v in (0, 3):
    A = SyncGroupRequest.SyncGroupRequestAssignment
    add('sync_group_v%d' % v, 14, v, SyncGroupRequest(group_id='g', generation_id=1, member_id='m',
        group_instance_id=None, assignments=[A(member_id='m', assignment=b'\x00')]), {'group_id': 'g'})
    add('heartbeat_v%d' % v, 12, v, HeartbeatRequest(group_id='g', generation_id=1, member_id='m',
        group_instance_id=None), {'group_id': 'g'})
    M = LeaveGroupRequest.MemberIdentity
    add('leave_group_v%d' % v, 13, v, LeaveGroupRequest(group_id='g', member_id='m',
        members=[M(member_id='m', group_instance_id=None)]), {'group_id': 'g'})
for v in (2, 7):
    T = OffsetCommitRequest.OffsetCommitRequestTopic
    add('offset_commit_v%d' % v, 8, v, OffsetCommitRequest(group_id='g', generation_id_or_member_epoch=1,
        member_id='m', group_instance_id=None, retention_time_ms=-1, topics=[T(name='some_topic', partitions=[
            T.OffsetCommitRequestPartition(partition_index=0, committed_offset=5, committed_leader_epoch=-1,
                                           committed_metadata='')])]), {'group_id': 'g'})
for v in (1, 7):
    T = OffsetFetchRequest.OffsetFetchRequestTopic
    add('offset_fetch_v%d' % v, 9, v, OffsetFetchRequest(group_id='g', topics=[T(name='some_topic',
        partition_indexes=[0])], require_stable=False), {'group_id': 'g'})
for v in (0, 4):
    add('init_producer_id_v%d' % v, 22, v, InitProducerIdRequest(transactional_id=None, transaction_timeout_ms=60000,
        producer_id=-1, producer_epoch=-1), {})
for v in (1, 5):
    add('delete_topics_v%d' % v, 20, v, DeleteTopicsRequest(topic_names=['some_topic'], timeout_ms=30000), {})
for v in (2, 4):
    T = OffsetForLeaderEpochRequest.OffsetForLeaderTopic
    add('offset_for_leader_epoch_v%d' % v, 23, v, OffsetForLeaderEpochRequest(replica_id=-1, topics=[T(
        topic='some_topic', partitions=[T.OffsetForLeaderPartition(partition=0, current_leader_epoch=-1,
                                                                  leader_epoch=0)])]), {})
for v in (0, 2):
    T = DeleteRecordsRequest.DeleteRecordsTopic
    add('delete_records_v%d' % v, 21, v, DeleteRecordsRequest(topics=[T(name='some_topic', partitions=[
        T.DeleteRecordsPartition(partition_index=0, offset=5)])], timeout_ms=30000), {})
for v in (0, 3):
    T = CreatePartitionsRequest.CreatePartitionsTopic
    add('create_partitions_v%d' % v, 37, v, CreatePartitionsRequest(topics=[T(name='some_topic', count=6,
        assignments=None)], timeout_ms=30000, validate_only=False), {})
for v in (0, 1):
    R = IncrementalAlterConfigsRequest.AlterConfigsResource
    add('incremental_alter_configs_v%d' % v, 44, v, IncrementalAlterConfigsRequest(resources=[R(resource_type=4,
        resource_name='', configs=[R.AlterableConfig(name='log.retention.check.interval.ms', config_operation=0,
                                                      value='5000')])], validate_only=False), {})
for v in (0, 5):
    add('describe_groups_v%d' % v, 15, v, DescribeGroupsRequest(groups=['g'], include_authorized_operations=False), {})
for v in (0, 4):
    add('list_groups_v%d' % v, 16, v, ListGroupsRequest(states_filter=['Stable'] if v >= 4 else []), {})
for v in (0, 3):
    T = AddPartitionsToTxnRequest.AddPartitionsToTxnTopic
    add('add_partitions_to_txn_v%d' % v, 24, v, AddPartitionsToTxnRequest(v3_and_below_transactional_id='txn',
        v3_and_below_producer_id=7, v3_and_below_producer_epoch=0,
        v3_and_below_topics=[T(name='some_topic', partitions=[0])]), {})
    add('add_offsets_to_txn_v%d' % v, 25, v, AddOffsetsToTxnRequest(transactional_id='txn', producer_id=7,
        producer_epoch=0, group_id='g'), {})
    add('end_txn_v%d' % v, 26, v, EndTxnRequest(transactional_id='txn', producer_id=7, producer_epoch=0,
        committed=True), {})
    T = TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic
    add('txn_offset_commit_v%d' % v, 28, v, TxnOffsetCommitRequest(transactional_id='txn', group_id='g',
        producer_id=7, producer_epoch=0, generation_id=1, member_id='m', group_instance_id=None,
        topics=[T(name='some_topic', partitions=[T.TxnOffsetCommitRequestPartition(partition_index=0,
            committed_offset=5, committed_leader_epoch=-1, committed_metadata='')])]), {})
for v in (1, 4):
    D = DescribeConfigsRequest.DescribeConfigsResource
    add('describe_configs_v%d' % v, 32, v, DescribeConfigsRequest(resources=[D(resource_type=2,
        resource_name='some_topic', configuration_keys=['retention.ms'])], include_synonyms=False,
        include_documentation=False), {})

def api_versions_response(version, error, keys, cid):
    AK = ApiVersionsResponse.ApiVersion
    r = ApiVersionsResponse(error_code=error, api_keys=[AK(api_key=k, min_version=a, max_version=b) for k, a, b in keys],
                            throttle_time_ms=0, supported_features=[], finalized_features_epoch=-1,
                            finalized_features=[], zk_migration_ready=False)
    r.API_VERSION = version
    r.with_header(correlation_id=cid)
    return r.encode(header=True, framed=True).hex()

responses = {'api_versions_v%d' % v: api_versions_response(v, 0, TABLE, 1000 + v) for v in range(0, 5)}
# An ApiVersions version the server does not know: answered as v0 with UNSUPPORTED_VERSION
# (35) and only ApiVersions' own range (ApiVersionsRequest.getErrorResponse, KIP-511).
responses['api_versions_unsupported'] = api_versions_response(0, 35, [(18, 0, 4)], 77)

os.makedirs('tests/vectors', exist_ok=True)
with open('tests/vectors/wire_requests.json', 'w') as f:
    json.dump({'source': 'kafka-python 3.0.12 encoders (tests/serve/make_wire_vectors.py)',
               'requests': vectors, 'responses': responses}, f, indent=1)
    f.write('\n')
os.makedirs('tests/fuzz_corpus/wire_frame', exist_ok=True)
for v in vectors:
    with open('tests/fuzz_corpus/wire_frame/%s.bin' % v['name'], 'wb') as f:
        f.write(bytes.fromhex(v['frame']))
print('%d request vectors, %d responses' % (len(vectors), len(responses)))

"""The code the page shows for its actions (src/takeaway, `kafka-playground code`), run
with the real confluent_kafka against `kafka-playground serve`:
* create_topic: the AdminClient program creates the topic with 3 partitions (Metadata
  through kafka-python says so);
* produce: 25 records keyed bytes(0)..bytes(24), with the page's default producer
  settings (the Java client's). The program sets `partitioner: murmur2_random` because the
  page partitions as the Java client does: every delivery report's partition must be
  Java's murmur2 of the key mod 3, computed by kafka-python's own murmur2 (an independent
  port of Java's `Utils.murmur2`), not librdkafka's default CRC-32;
* consume_in_group with enable.auto.commit=false: the program reads all 25 values,
  per partition in offset order, and commits after processing; killed after its reads,
  the group's committed offsets equal the partition sizes;
* create_partitions: the topic grows to 6 partitions (Metadata says so);
* delete_records: partition 0's log start offset becomes 2 (ListOffsets earliest);
* alter_broker_configs: confluent_kafka cannot address the brokers' cluster-wide default
  (librdkafka refuses a BROKER resource with an empty name), so its tab gives
  `kafka-configs.sh --entity-default`; the request that tool sends (IncrementalAlterConfigs,
  kafka-python's encoder) sets the config, and a bad value is refused INVALID_REQUEST as
  Kafka's ConfigAdminManager refuses it (KAFKA-13609);
* delete_topic: the topic is gone from Metadata.
Each program is printed by `kafka-playground code python ACTION.json --bootstrap ...`
and run unchanged. Usage: takeaway.py KAFKA_PLAYGROUND_BINARY.
"""
import json, os, re, subprocess, sys, tempfile, time
from clients_common import PASSED, FAILED, check, start, raw_request

BIN = sys.argv[1]
PY = sys.executable
TMP = tempfile.mkdtemp()
PAGE_PRODUCER = {"client_id": "p1", "acks": "all", "linger_ms": 5, "batch_size": 16384,
                 "compression_type": "none", "enable_idempotence": True,
                 "max_in_flight_requests_per_connection": 5, "partitioner": "built_in"}


def program(action, bootstrap, name):
    path = os.path.join(TMP, name + '.json')
    with open(path, 'w') as f:
        json.dump(action, f)
    out = subprocess.run([BIN, 'code', 'python', path, '--bootstrap', bootstrap],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise SystemExit('code %s failed: %s' % (name, out.stderr))
    script = os.path.join(TMP, name + '.py')
    with open(script, 'w') as f:
        f.write(out.stdout)
    return script


def run(script, timeout):
    """Runs a program; a consumer's endless loop is stopped after `timeout` seconds."""
    try:
        done = subprocess.run([PY, '-u', script], capture_output=True, text=True, timeout=timeout)
        return done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or '')
        return None, out, ''


def partitions_of(port, topic):
    from kafka import KafkaConsumer
    c = KafkaConsumer(bootstrap_servers='127.0.0.1:%d' % port)
    try:
        return c.partitions_for_topic(topic)
    finally:
        c.close()


def probe_watermarks(boot, partition):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({'bootstrap.servers': boot, 'group.id': 'takeaway-probe'})
    try:
        return c.get_watermark_offsets(TopicPartition('takeaway', partition), timeout=10)
    finally:
        c.close()


def alter_configs(port, value):
    from kafka.protocol.admin.configs import IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse
    R = IncrementalAlterConfigsRequest.AlterConfigsResource
    req = IncrementalAlterConfigsRequest(resources=[R(resource_type=4, resource_name='', configs=[
        R.AlterableConfig(name='log.cleaner.backoff.ms', config_operation=0, value=value)])], validate_only=False)
    response = raw_request(port, req, IncrementalAlterConfigsResponse, 1)
    return [(r.error_code, r.error_message) for r in response.responses]


def main():
    from kafka.partitioner import murmur2
    proc, port = start(BIN, 3)
    boot = '127.0.0.1:%d' % port
    try:
        rc, out, err = run(program({"create_topic": {"name": "takeaway", "partitions": 3, "replication_factor": 3}},
                                   boot, 'create'), 60)
        check('create_topic program runs', rc == 0 and 'created takeaway' in out, (rc, out, err))
        check('the topic has 3 partitions', partitions_of(port, 'takeaway') == {0, 1, 2})

        produce = {"produce": {"producer": PAGE_PRODUCER, "first_number": 0,
                               "command": {"topic": "takeaway", "key": "{i:bytes}", "value": "v-{i}", "count": 25}}}
        rc, out, err = run(program(produce, boot, 'produce'), 60)
        reports = re.findall(r"^takeaway-(\d+) at offset (\d+): key=.* value=b'v-(\d+)'$", out, re.M)
        check('produce program: 25 delivery reports', rc == 0 and len(reports) == 25, (rc, out, err))
        java = [(murmur2(bytes(i)) & 0x7fffffff) % 3 for i in range(25)]
        got = {int(v): int(p) for p, _, v in reports}
        check("every key in Java's murmur2 partition", [got.get(i) for i in range(25)] == java, (got, java))

        consume = {"consume_in_group": {"topics": ["takeaway"], "configs": {
            "group.id": "takeaway-group", "auto.offset.reset": "earliest", "enable.auto.commit": "false"}}}
        rc, out, err = run(program(consume, boot, 'consume'), 20)
        read = re.findall(r"^takeaway-(\d+) offset (\d+): key=\S+ value=b'v-(\d+)'$", out, re.M)
        check('consume program reads all 25 values', sorted(int(v) for _, _, v in read) == list(range(25)), out)
        in_order = all([int(o) for p2, o, _ in read if p2 == p] == sorted(int(o) for p2, o, _ in read if p2 == p)
                       for p in '012')
        check('each partition read in offset order', in_order, read)
        sizes = {p: java.count(p) for p in range(3)}
        from confluent_kafka import Consumer, TopicPartition
        probe = Consumer({'bootstrap.servers': boot, 'group.id': 'takeaway-group'})
        try:
            committed = {tp.partition: tp.offset for tp in
                         probe.committed([TopicPartition('takeaway', p) for p in range(3)], timeout=10)}
        finally:
            probe.close()
        check('committed offsets after processing equal the partition sizes',
              {p: committed.get(p, 0) for p in range(3)} == sizes, (committed, sizes))

        # The group as confluent_kafka's AdminClient sees it (ListGroups to every broker,
        # DescribeGroups to the coordinator): the killed consumer's member is still there
        # until its session times out, so the group is Stable with its assignment.
        from confluent_kafka.admin import AdminClient
        admin = AdminClient({'bootstrap.servers': boot})
        listed = admin.list_consumer_groups().result(timeout=20)
        check('ListGroups lists the group', any(g.group_id == 'takeaway-group' for g in listed.valid), listed.valid)
        described = admin.describe_consumer_groups(['takeaway-group'])['takeaway-group'].result(timeout=20)
        members = described.members
        assigned = sorted(tp.partition for m in members for tp in m.assignment.topic_partitions)
        check('DescribeGroups: Stable, one member holding partitions 0-2, range assignor',
              str(described.state).endswith('STABLE') and len(members) == 1 and assigned == [0, 1, 2]
              and described.partition_assignor == 'range',
              (described.state, [(m.member_id, m.assignment.topic_partitions) for m in members],
               described.partition_assignor))
        # Kafka's clientHost is the connection's address as Java writes it (`/127.0.0.1`).
        check('DescribeGroups: the member host is its address', [m.host for m in members] == ['/127.0.0.1'],
              [m.host for m in members])

        rc, out, err = run(program({"create_partitions": {"topic": "takeaway", "count": 6}}, boot, 'grow'), 60)
        check('create_partitions program runs', rc == 0 and 'grown takeaway' in out, (rc, out, err))
        check('the topic has 6 partitions', partitions_of(port, 'takeaway') == set(range(6)))

        rc, out, err = run(program({"delete_records": {"topic": "takeaway", "partition": 0, "offset": 2}},
                                   boot, 'delete_records'), 60)
        check('delete_records program runs', rc == 0 and 'log start moved' in out, (rc, out, err))
        low, high = probe_watermarks(boot, 0)
        check('partition 0 now starts at offset 2', (low, high) == (2, sizes[0]), (low, high))

        # librdkafka cannot name the cluster-wide default (an empty BROKER name): the Python
        # tab gives Kafka's own tool instead, and IncrementalAlterConfigs itself is checked
        # with kafka-python's encoder, as kafka-configs.sh --entity-default sends it.
        alter = program({"alter_broker_configs": {"configs": {"log.cleaner.backoff.ms": "20000"}}}, boot, 'alter')
        with open(alter) as f:
            text = f.read()
        check('the Python tab names kafka-configs.sh --entity-default',
              '--entity-type brokers --entity-default --alter --add-config log.cleaner.backoff.ms=20000' in text, text)
        check('IncrementalAlterConfigs sets a cluster-wide broker config', alter_configs(port, '20000') == [(0, None)])
        bad = alter_configs(port, 'soon')
        # ConfigAdminManager.preprocess turns the broker's ConfigException into
        # InvalidRequestException (KAFKA-13609 notes it should be INVALID_CONFIG; it is not).
        check("a bad value is refused as Kafka refuses it: INVALID_REQUEST (42) naming the value",
              bad[0][0] == 42 and 'Invalid value soon for configuration log.cleaner.backoff.ms' in (bad[0][1] or ''), bad)

        rc, out, err = run(program({"delete_topic": {"topic": "takeaway"}}, boot, 'delete'), 60)
        check('delete_topic program runs', rc == 0 and 'deleted takeaway' in out, (rc, out, err))
        time.sleep(1)
        check('the topic is gone', not partitions_of(port, 'takeaway'))
    finally:
        proc.kill()
    print('serve takeaway: %d passed, %d failed' % (len(PASSED), len(FAILED)))
    sys.exit(1 if FAILED else 0)


if __name__ == '__main__':
    main()

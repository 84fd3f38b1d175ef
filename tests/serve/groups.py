"""Consumer groups through `kafka-playground serve`, with real clients:
* the lecture's notebook cells (/work/shared/course/lecture-ru.md: AdminClient, a Producer
  writing 25 keyed records to `some_topic`, a Consumer in `group1` with
  auto.offset.reset=earliest), run verbatim with confluent_kafka, only the bootstrap
  address substituted. Checked against librdkafka's own rules: keys land in
  crc32(key) % 3 (consistent_random; key 0 is `bytes(0)`, empty, which librdkafka treats
  as no key, so any partition); the group reads each partition in offset order; after
  close() the committed offsets are what was read. The lecture's loop makes 25 one-second
  polls: on a fresh cluster the first FindCoordinator creates `__consumer_offsets` and is
  answered COORDINATOR_NOT_AVAILABLE, so one poll can go to the lookup and the loop read
  24 (the lecture's own output shows 24: b'Msg 23' is missing). Running the consumer cell
  again, as a notebook user would, reads the rest from the committed offsets; then the
  group has read all 25, commits the partition sizes, and one more `group1` consumer
  reads nothing new;
* the same flow with kafka-python 3.0.12 (KafkaConsumer with group_id) and `kcat -G`;
* idempotent producers (confluent's enable.idempotence, kafka-python's
  enable_idempotence): InitProducerId gives an id, every record is acknowledged, and the
  stored batches carry that id, epoch 0 and sequences from 0 (read back raw)
  (transactional producers: tests/serve/transactions.py);
* a group of two kafka-python consumers splits the partitions; when one is killed
  (SIGKILL: no LeaveGroup) the coordinator expires its session and the other gets
  every partition;
* admin clients delete topics (DeleteTopics): confluent's AdminClient and kafka-python's
  KafkaAdminClient; the topic is gone from Metadata, and a second delete is refused
  UNKNOWN_TOPIC_OR_PARTITION.
Usage: groups.py KAFKA_PLAYGROUND_BINARY. Prints `serve groups: N passed, M failed`.
"""
import contextlib, io, subprocess, sys, time, zlib
from clients_common import PASSED, FAILED, check, start, kcat, raw_fetch

BIN = sys.argv[1]

# The lecture's cells, verbatim (lecture-ru.md, "Пример клиента (Confluent Kafka)").
ADMIN_CELL = '''
from confluent_kafka.admin import AdminClient

client = AdminClient({
    "bootstrap.servers": "localhost:9092"
})
'''
IMPORT_CELL = '''
from confluent_kafka import Producer, Consumer, TopicPartition
'''
PRODUCER_CELL = '''
TOPIC_NAME = "some_topic"

producer = Producer({
        "bootstrap.servers": "localhost:9092"
    })

for idx in range(0, 25):
    producer.produce(TOPIC_NAME, key=bytes(idx), value=b"Msg %d" % idx)
    producer.flush()
'''
CONSUMER_CELL = '''
consumer = Consumer({
    "bootstrap.servers": "localhost:9092",
    "group.id": "group1",
    "auto.offset.reset": "earliest"
})

consumer.subscribe([TOPIC_NAME])

# tp = TopicPartition(topic=TOPIC_NAME, partition=0, offset=0)
# consumer.assign([tp])
# consumer.seek(tp)

for _ in range(25): 
    msg = consumer.consume(num_messages=1, timeout=1.0)
    if len(msg) > 0:
        print(msg[0].value()) 

consumer.close()
'''


def run_cell(cell, namespace, bootstrap):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(cell.replace('localhost:9092', bootstrap), namespace)
    return [eval(line) for line in out.getvalue().splitlines() if line.startswith("b'")]


def partitions_of(bootstrap, topic):
    """{partition: [(offset, key, value)]} read without a group (kafka-python, assign)."""
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=bootstrap, consumer_timeout_ms=2000, enable_auto_commit=False)
    tps = [TopicPartition(topic, p) for p in range(3)]
    c.assign(tps)
    c.seek_to_beginning()
    got = {}
    for r in c:
        got.setdefault(r.partition, []).append((r.offset, r.key, r.value))
    c.close()
    return got


def committed(bootstrap, group, topic):
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    out = {p: c.committed(TopicPartition(topic, p)) for p in range(3)}
    c.close()
    return out


def in_partition_order(read, stored):
    """Every value read appears once, and per partition in offset order."""
    where = {v: (p, o) for p, recs in stored.items() for o, _, v in recs}
    if len(set(read)) != len(read) or any(v not in where for v in read):
        return False
    for p in stored:
        offsets = [where[v][1] for v in read if where[v][0] == p]
        if offsets != sorted(offsets):
            return False
    return True


def run_lecture(port):
    bootstrap = '127.0.0.1:%d' % port
    ns = {}
    run_cell(ADMIN_CELL, ns, bootstrap)
    run_cell(IMPORT_CELL, ns, bootstrap)
    run_cell(PRODUCER_CELL, ns, bootstrap)
    stored = partitions_of(bootstrap, 'some_topic')
    check('lecture: the producer cell wrote 25 records',
          sum(len(r) for r in stored.values()) == 25, stored)
    check('lecture: keys 1-24 are in partition crc32(key) % 3 (librdkafka consistent_random)',
          all(zlib.crc32(k) % 3 == p for p, recs in stored.items() for _, k, _ in recs if k), stored)
    sizes = {p: len(stored.get(p, [])) for p in range(3)}
    first = run_cell(CONSUMER_CELL, ns, bootstrap)
    print('      the verbatim consumer cell printed %d values' % len(first))
    check('lecture: the group read is in partition order, each value once', in_partition_order(first, stored), first)
    check('lecture: 25 one-second polls read at least 24 (one may go to the coordinator lookup)',
          len(first) >= 24, first)
    per = {p: sum(1 for v in first if v in {x[2] for x in stored.get(p, [])}) for p in range(3)}
    check('lecture: after close() the committed offsets are what the group read',
          committed(bootstrap, 'group1', 'some_topic') == per, (committed(bootstrap, 'group1', 'some_topic'), per))
    again = run_cell(CONSUMER_CELL, ns, bootstrap)
    check('lecture: the cell run again reads the rest, from the committed offsets',
          sorted(first + again) == sorted(b'Msg %d' % i for i in range(25)), (first, again))
    check('lecture: the group read all 25, per partition in order', in_partition_order(first + again, stored))
    check('lecture: committed offsets equal the partition sizes after close()',
          committed(bootstrap, 'group1', 'some_topic') == sizes, (committed(bootstrap, 'group1', 'some_topic'), sizes))
    third = run_cell(CONSUMER_CELL, ns, bootstrap)
    check('lecture: another group1 consumer reads nothing new', third == [], third)
    ns.clear()  # the notebook's clients close now, not when serve is already gone


def run_kafka_python_group(port):
    from kafka import KafkaConsumer, KafkaProducer
    bootstrap = '127.0.0.1:%d' % port
    producer = KafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, acks='all')
    for i in range(25):
        producer.send('py_group_topic', key=b'%d' % i, value=b'Msg %d' % i)
    producer.flush(20)
    producer.close()
    stored = partitions_of(bootstrap, 'py_group_topic')
    sizes = {p: len(stored.get(p, [])) for p in range(3)}

    def group_read():
        c = KafkaConsumer('py_group_topic', bootstrap_servers=bootstrap, group_id='py_group',
                          auto_offset_reset='earliest', consumer_timeout_ms=4000)
        read = [r.value for r in c]
        c.close()  # commits (enable_auto_commit, autocommit on close)
        return read

    read = group_read()
    check('kafka-python group: reads all 25', sorted(read) == sorted(b'Msg %d' % i for i in range(25)), read)
    check('kafka-python group: per partition in order', in_partition_order(read, stored), read)
    check('kafka-python group: committed offsets equal the partition sizes after close()',
          committed(bootstrap, 'py_group', 'py_group_topic') == sizes, committed(bootstrap, 'py_group', 'py_group_topic'))
    check('kafka-python group: a second consumer reads nothing new', group_read() == [])


def run_kcat_group(port):
    bootstrap = '127.0.0.1:%d' % port
    lines = ['k%d:v%d' % (i, i) for i in range(12)]
    r = kcat('-P', '-b', bootstrap, '-t', 'kcat_group_topic', '-K:', stdin='\n'.join(lines) + '\n')
    check('kcat -P exits 0', r.returncode == 0, r.stderr)
    stored = partitions_of(bootstrap, 'kcat_group_topic')
    sizes = {p: len(stored.get(p, [])) for p in range(3)}

    def group_read():
        r = kcat('-b', bootstrap, '-G', 'kcat_group', 'kcat_group_topic', '-e', '-q', '-f', '%p %o %k %s\n',
                 '-X', 'auto.offset.reset=earliest')
        return r, [l.split(' ') for l in r.stdout.splitlines() if l]

    r, got = group_read()
    check('kcat -G exits 0', r.returncode == 0, r.stderr)
    check('kcat -G reads every record once', sorted(v for _, _, _, v in got) == sorted(l.split(':')[1] for l in lines), got)
    for p in range(3):
        offsets = [int(o) for q, o, _, _ in got if int(q) == p]
        check('kcat -G: partition %d read in offset order from 0' % p, offsets == list(range(sizes[p])), got)
    check('kcat -G: committed offsets equal the partition sizes',
          committed(bootstrap, 'kcat_group', 'kcat_group_topic') == sizes,
          committed(bootstrap, 'kcat_group', 'kcat_group_topic'))
    r, got = group_read()
    check('kcat -G again reads nothing new', r.returncode == 0 and got == [], (r.stderr, got))


def batches(port, topic, partition):
    """The stored batches of one partition: (producer id, epoch, base sequence, records)."""
    from kafka.record import MemoryRecords
    _, p = raw_fetch(port, topic, partition, 0, 100)
    records = MemoryRecords(bytes(p.records or b''))
    out = []
    while records.has_next():
        b = records.next_batch()
        out.append((b.producer_id, b.producer_epoch, b.base_sequence, len(list(b))))
    return out


def check_sequenced(port, topic, who):
    per = {p: batches(port, topic, p) for p in range(3)}
    ids = {b[0] for bs in per.values() for b in bs}
    check('%s: every batch carries one producer id (>= 0) and epoch 0' % who,
          len(ids) == 1 and min(ids) >= 0 and all(b[1] == 0 for bs in per.values() for b in bs), per)
    ok = True
    for bs in per.values():
        expected = 0
        for _, _, base_sequence, count in bs:
            ok &= base_sequence == expected
            expected += count
    check('%s: sequences run from 0 in each partition, without gaps' % who, ok, per)
    return ids


def run_idempotent(port):
    from confluent_kafka import Producer
    from kafka import KafkaProducer
    bootstrap = '127.0.0.1:%d' % port
    reports = []
    p = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True})
    for i in range(20):
        p.produce('idem_confluent', key=b'k%d' % i, value=b'v%d' % i,
                  on_delivery=lambda err, m: reports.append((err, m.partition(), m.offset())))
    p.flush(20)
    check('confluent idempotent: every record acknowledged without error',
          len(reports) == 20 and all(e is None for e, _, _ in reports), reports)
    c_ids = check_sequenced(port, 'idem_confluent', 'confluent idempotent')
    kp = KafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks='all')
    futures = [kp.send('idem_python', key=b'k%d' % i, value=b'v%d' % i) for i in range(20)]
    kp.flush(20)
    check('kafka-python idempotent: every record acknowledged', all(f.succeeded() for f in futures))
    kp.close()
    k_ids = check_sequenced(port, 'idem_python', 'kafka-python idempotent')
    check('each producer got its own id', not (c_ids & k_ids), (c_ids, k_ids))


def run_delete_topics(port):
    from confluent_kafka.admin import AdminClient, NewTopic
    from kafka.admin import KafkaAdminClient
    from kafka.errors import UnknownTopicOrPartitionError
    bootstrap = '127.0.0.1:%d' % port
    admin = AdminClient({'bootstrap.servers': bootstrap})
    admin.create_topics([NewTopic('doomed', 2, 1)])['doomed'].result(10)
    check('confluent AdminClient: the topic exists', 'doomed' in admin.list_topics(timeout=10).topics)
    admin.delete_topics(['doomed'])['doomed'].result(10)
    time.sleep(0.5)
    check('confluent AdminClient: deleted, gone from Metadata', 'doomed' not in admin.list_topics(timeout=10).topics)
    try:
        admin.delete_topics(['doomed'])['doomed'].result(10)
        second = None
    except Exception as e:
        second = e.args[0].code() if e.args and hasattr(e.args[0], 'code') else e
    check('confluent AdminClient: deleting it again is UNKNOWN_TOPIC_OR_PARTITION (3)', second == 3, second)
    kadmin = KafkaAdminClient(bootstrap_servers=bootstrap)
    kadmin.create_topics([__import__('kafka.admin', fromlist=['NewTopic']).NewTopic('doomed2', 1, 1)])
    kadmin.delete_topics(['doomed2'])
    time.sleep(0.5)
    check('kafka-python KafkaAdminClient: deleted', 'doomed2' not in kadmin.list_topics(), kadmin.list_topics())
    try:
        kadmin.delete_topics(['doomed2'])
        refused = None
    except UnknownTopicOrPartitionError as e:
        refused = e
    check('kafka-python KafkaAdminClient: deleting it again is refused', refused is not None)
    kadmin.close()


MEMBER = '''
import sys, time
from kafka import KafkaConsumer
c = KafkaConsumer('rebalance_topic', bootstrap_servers=sys.argv[1], group_id='rebalance_group',
                  session_timeout_ms=6000, heartbeat_interval_ms=1000)
end = time.time() + float(sys.argv[2])
while time.time() < end:
    c.poll(200)
    print(sorted(tp.partition for tp in c.assignment()), flush=True)
c.close()
'''


def run_rebalance(port):
    bootstrap = '127.0.0.1:%d' % port
    from kafka import KafkaProducer
    p = KafkaProducer(bootstrap_servers=bootstrap)
    p.send('rebalance_topic', b'x').get(10)
    p.close()
    spawn = lambda seconds: subprocess.Popen([sys.executable, '-c', MEMBER, bootstrap, str(seconds)],
                                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    a, b = spawn(60), spawn(60)

    def latest(proc, want, timeout):
        end, last = time.time() + timeout, None
        while time.time() < end:
            line = proc.stdout.readline()
            if not line:
                break
            last = eval(line)
            if want(last):
                return last
        return last

    # Each prints its assignment every poll; wait until both hold part of it.
    got_a = got_b = None
    end = time.time() + 30
    while time.time() < end and not (got_a and got_b and sorted(got_a + got_b) == [0, 1, 2]):
        got_a = latest(a, lambda x: True, 1)
        got_b = latest(b, lambda x: True, 1)
    check('two consumers split the 3 partitions', got_a and got_b and sorted(got_a + got_b) == [0, 1, 2],
          (got_a, got_b))
    a.kill()
    a.wait()
    began = time.time()
    got_b = latest(b, lambda x: x == [0, 1, 2], 40)
    took = time.time() - began
    check('one killed: the other gets every partition after its session expires (%.1f s)' % took,
          got_b == [0, 1, 2] and took < 30, (got_b, took))
    b.kill()
    b.wait()


def main():
    start_s = time.time()
    proc, port = start(BIN, 1)
    try:
        run_lecture(port)
        run_kafka_python_group(port)
        run_kcat_group(port)
        run_idempotent(port)
        run_delete_topics(port)
        run_rebalance(port)
    finally:
        proc.kill()
        _, err = proc.communicate()
    check('serve logged no panic', 'panicked' not in err, err[-2000:])
    print('serve groups: %d passed, %d failed (%.1f s)' % (len(PASSED), len(FAILED), time.time() - start_s))
    sys.exit(1 if FAILED else 0)


main()

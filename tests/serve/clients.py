"""Real Kafka clients against `kafka-playground serve` on free loopback ports: kcat
(librdkafka) and kafka-python 3.0.12 produce, then read back, and every offset, key,
value and partition is checked against the clients' own rules (librdkafka's
consistent_random: crc32(key) % partitions; kafka-python's murmur2 partitioner) and
against what the other client wrote; a fetch at the high watermark waits max_wait_ms; bad
frames close their connection and the broker goes on. Usage: clients.py KAFKA_PLAYGROUND_BINARY.
Prints `serve clients: N passed, M failed`; exits non-zero on a failure.
"""
import socket, sys, time, zlib
from clients_common import PASSED, FAILED, check, kcat, raw_fetch
from clients_common import start as start_serve
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.partitioner.default import murmur2

BIN = sys.argv[1]


def start(brokers):
    return start_serve(BIN, brokers)


def run_kcat(port):
    bootstrap = '127.0.0.1:%d' % port
    lines = ['key-%d:value %d' % (i, i) for i in range(12)]
    r = kcat('-P', '-b', bootstrap, '-t', 'kcat_topic', '-K:', stdin='\n'.join(lines) + '\n')
    check('kcat -P exits 0', r.returncode == 0, r.stderr)
    r = kcat('-C', '-b', bootstrap, '-t', 'kcat_topic', '-e', '-q', '-f', '%p %o %k %s\n')
    check('kcat -C -e exits 0', r.returncode == 0, r.stderr)
    got = [l.split(' ', 3) for l in r.stdout.splitlines() if l]
    by_partition = {}
    for p, o, k, v in got:
        by_partition.setdefault(int(p), []).append((int(o), k, v))
    check('kcat reads back every record once', sorted((k, v) for _, _, k, v in got) ==
          sorted(tuple(l.split(':')) for l in lines), got)
    check('topic auto-created with 3 partitions (num.partitions as the lecture sets it)',
          set(by_partition) <= {0, 1, 2} and len(by_partition) > 1, by_partition)
    for p, recs in by_partition.items():
        check('partition %d offsets are 0..n-1 in order' % p, [o for o, _, _ in recs] == list(range(len(recs))), recs)
        # librdkafka's default partitioner (consistent_random): crc32(key) % partitions.
        check('partition %d holds the keys crc32 puts there' % p,
              all(zlib.crc32(k.encode()) % 3 == p for _, k, _ in recs), recs)
    # Producer order is kept per partition (one request at a time, acks=all by default).
    for p, recs in by_partition.items():
        idx = [int(k.split('-')[1]) for _, k, _ in recs]
        check('partition %d keeps the producer order' % p, idx == sorted(idx), idx)
    return got


def run_kafka_python(port, kcat_records):
    bootstrap = '127.0.0.1:%d' % port
    # kafka-python 3's default: idempotent (InitProducerId, then sequenced batches).
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks='all')
    futures = [(bytes(str(i), 'ascii'), ('Msg %d' % i).encode(), producer.send('py_topic', key=bytes(str(i), 'ascii'),
                                                                           value=('Msg %d' % i).encode()))
               for i in range(25)]
    producer.flush(20)
    sent = []
    for k, v, f in futures:
        m = f.get(10)
        sent.append((m.partition, m.offset, k, v))
    producer.close()
    check('kafka-python: every send acknowledged', len(sent) == 25)
    check('kafka-python: partitions follow its murmur2 partitioner',
          all(p == (murmur2(k) & 0x7fffffff) % 3 for p, _, k, _ in sent), sent)
    per = {}
    for p, o, k, v in sent:
        per.setdefault(p, []).append(o)
    check('kafka-python: offsets per partition are 0..n-1', all(sorted(o) == list(range(len(o))) for o in per.values()), per)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset='earliest', consumer_timeout_ms=3000,
                             enable_auto_commit=False)
    tps = [TopicPartition('py_topic', i) for i in range(3)]
    consumer.assign(tps)
    read = [(r.partition, r.offset, r.key, r.value) for r in consumer]
    check('kafka-python reads back what it wrote', sorted(read) == sorted(sent), (read, sent))
    ends = consumer.end_offsets(tps)
    check('ListOffsets latest = records per partition', all(ends[tp] == len(per.get(tp.partition, [])) for tp in tps), ends)
    begins = consumer.beginning_offsets(tps)
    check('ListOffsets earliest = 0', all(v == 0 for v in begins.values()), begins)
    # Cross-client: kafka-python reads what kcat wrote.
    ktps = [TopicPartition('kcat_topic', i) for i in range(3)]
    consumer.assign(ktps)
    consumer.seek_to_beginning()
    other = sorted((r.partition, r.offset, r.key.decode(), r.value.decode()) for r in consumer)
    check('kafka-python reads kcat\'s records', other == sorted((int(p), int(o), k, v) for p, o, k, v in kcat_records),
          other)
    consumer.close()


def run_max_wait(port):
    # At the high watermark nothing is there: the broker's delayed fetch holds the
    # request for max_wait_ms (DelayedFetch), then answers with no records.
    took, p = raw_fetch(port, 'py_topic', 0, 10 ** 6, 800)
    check('Fetch at an offset past the log: answered with OFFSET_OUT_OF_RANGE (1)', p.error_code == 1, p)
    consumer = KafkaConsumer(bootstrap_servers='127.0.0.1:%d' % port)
    end = consumer.end_offsets([TopicPartition('py_topic', 0)])[TopicPartition('py_topic', 0)]
    consumer.close()
    took, p = raw_fetch(port, 'py_topic', 0, end, 800)
    check('Fetch at the high watermark waits max_wait_ms (800 ms)', 0.7 <= took < 2.5 and p.error_code == 0,
          (took, p))
    took, p = raw_fetch(port, 'py_topic', 0, 0, 800)
    check('Fetch with records answers at once, with the batches', took < 0.5 and p.high_watermark == end
          and len(p.records or b'') > 0, (took, p.high_watermark, end))


def run_bad_frames(port):
    """Kafka's SocketServer closes a connection on a bad frame; the broker goes on."""
    from kafka.protocol.metadata.api_versions import ApiVersionsRequest, ApiVersionsResponse
    for name, data in [('a negative size', (-1).to_bytes(4, 'big', signed=True)),
                       ('a size above socket.request.max.bytes', (104857601).to_bytes(4, 'big')),
                       ('an unknown API key', bytes.fromhex('0000000a03e700000000000100ff'))]:
        with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
            s.sendall(data)
            try:
                closed = s.recv(1) == b''
            except ConnectionResetError:
                closed = True
        check('%s closes the connection' % name, closed)
    req = ApiVersionsRequest(client_software_name='raw', client_software_version='1')
    req.API_VERSION = 3
    req.with_header(correlation_id=9, client_id='raw')
    with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
        s.sendall(req.encode(header=True, framed=True))
        size = int.from_bytes(s.recv(4, socket.MSG_WAITALL), 'big')
        body = s.recv(size, socket.MSG_WAITALL)
    # ApiVersions responses always carry header v0 (KIP-511), whatever the version.
    r = ApiVersionsResponse.decode(body[4:], version=3)
    versions = {k.api_key: (k.min_version, k.max_version) for k in r.api_keys}
    check('and the broker still answers ApiVersions v3', r.error_code == 0 and versions.get(1) == (4, 12)
          and versions.get(0) == (3, 9), versions)


def run_three_brokers():
    proc, port = start(3)
    try:
        r = kcat('-L', '-b', '127.0.0.1:%d' % port, '-t', 'spread')
        text = r.stdout
        check('3 brokers: each advertised at its own port',
              all('broker %d at 127.0.0.1:%d' % (b, port + b - 1) in text for b in (1, 2, 3)), text)
        # Produce through the bootstrap broker; partitions led by other brokers are
        # reached on their own listeners.
        r = kcat('-P', '-b', '127.0.0.1:%d' % port, '-t', 'spread', '-K:',
                 stdin=''.join('k%d:v%d\n' % (i, i) for i in range(30)))
        check('3 brokers: kcat -P exits 0', r.returncode == 0, r.stderr)
        r = kcat('-C', '-b', '127.0.0.1:%d' % (port + 2), '-t', 'spread', '-e', '-q', '-f', '%k %s\n')
        got = sorted(r.stdout.split())
        check('3 brokers: every record read back', got == sorted(['k%d' % i for i in range(30)] +
                                                              ['v%d' % i for i in range(30)]), got)
        r = kcat('-L', '-b', '127.0.0.1:%d' % port, '-t', 'spread')
        leaders = {l.split('leader ')[1].split(',')[0] for l in r.stdout.splitlines() if 'leader ' in l}
        check('3 brokers: partitions are led by more than one broker', len(leaders) > 1, r.stdout)
    finally:
        proc.kill()
        proc.wait()


def main():
    start_s = time.time()
    proc, port = start(1)
    try:
        got = run_kcat(port)
        run_kafka_python(port, got)
        run_max_wait(port)
        run_bad_frames(port)
    finally:
        proc.kill()
        _, err = proc.communicate()
    check('serve logged no panic', 'panicked' not in err, err[-2000:])
    run_three_brokers()
    print('serve clients: %d passed, %d failed (%.1f s)' % (len(PASSED), len(FAILED), time.time() - start_s))
    sys.exit(1 if FAILED else 0)


main()

"""Records per second and latency through `kafka-playground serve` from real clients
(issue 15, "BENCHMARKS.md: records/s through serve ..."), the way Kafka's own figures
were taken (Kreps, "Benchmarking Apache Kafka: 2 Million Writes Per Second (On Three
Cheap Machines)", 2014: 100-byte values, one producer, no replication vs 3× replication
with acks=all; end-to-end latency of a producer-to-consumer pair).

For 1 and 3 brokers (topic `bench`, 3 partitions, replication factor = brokers) and
acks=1 and acks=all:
  * throughput: one confluent_kafka producer (librdkafka defaults, linger.ms 5) sends
    N records of 100 bytes as fast as it can; records/s = N / (first send to flush);
    produce latency = delivery report time - send time, p50 and p99;
  * end-to-end latency: 1,000 records at 200/s read by a consumer polling all the time:
    receive time - send time, p50 and p99 (produce + replication to the high watermark +
    fetch);
  * kafka-python's producer: the same throughput run with N/5 records.
Usage: serve_throughput.py KAFKA_PLAYGROUND_BINARY [N]   (N defaults to 100000). Run by
scripts/bench.sh with the release binary; prints one line per configuration.
"""
import os, subprocess, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'tests', 'serve'))
from clients_common import free_ports, serve_args, wait_started

BIN = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
VALUE = b'x' * 100


def start(brokers):
    port = free_ports(brokers)
    proc = subprocess.Popen(serve_args(BIN, brokers, port),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wait_started(proc, brokers)
    return proc, ','.join('127.0.0.1:%d' % (port + i) for i in range(brokers))


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float('nan')


def create_topic(boot, brokers):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({'bootstrap.servers': boot})
    admin.create_topics([NewTopic('bench', num_partitions=3, replication_factor=brokers)])['bench'].result()
    time.sleep(1)


def confluent_throughput(boot, acks):
    from confluent_kafka import Producer
    p = Producer({'bootstrap.servers': boot, 'acks': acks, 'queue.buffering.max.messages': 1_000_000})
    latencies, errors = [], []

    def report(err, msg, sent):
        if err:
            errors.append(err)
        else:
            latencies.append(time.perf_counter() - sent)

    start = time.perf_counter()
    for i in range(N):
        sent = time.perf_counter()
        while True:
            try:
                p.produce('bench', key=str(i % 1000), value=VALUE, on_delivery=lambda e, m, s=sent: report(e, m, s))
                break
            except BufferError:
                p.poll(0.01)
        if i % 1000 == 0:
            p.poll(0)
    p.flush(300)
    wall = time.perf_counter() - start
    return N / wall, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, len(errors)


def end_to_end(boot, acks):
    from confluent_kafka import Consumer, Producer
    c = Consumer({'bootstrap.servers': boot, 'group.id': 'bench-e2e-%s' % acks, 'auto.offset.reset': 'latest',
                  'fetch.wait.max.ms': 100})
    c.subscribe(['bench'])
    deadline = time.time() + 30
    while not c.assignment() and time.time() < deadline:
        c.poll(0.1)
    time.sleep(1)
    p = Producer({'bootstrap.servers': boot, 'acks': acks, 'linger.ms': 0})
    sent, seen, n = {}, [], 1000
    next_at = time.perf_counter()
    i = 0
    while len(seen) < n and time.time() < deadline + 60:
        now = time.perf_counter()
        if i < n and now >= next_at:
            key = 'e2e-%d' % i
            sent[key] = now
            p.produce('bench', key=key, value=VALUE)
            p.poll(0)
            i += 1
            next_at += 1 / 200
        m = c.poll(0.001)
        if m is not None and not m.error() and m.key() and m.key().decode() in sent:
            seen.append(time.perf_counter() - sent[m.key().decode()])
    c.close()
    return percentile(seen, 0.5) * 1000, percentile(seen, 0.99) * 1000, len(seen)


def kafka_python_throughput(boot, acks):
    from kafka import KafkaProducer
    n = N // 5
    p = KafkaProducer(bootstrap_servers=boot.split(','), acks=(1 if acks == '1' else 'all'))
    start = time.perf_counter()
    futures = [p.send('bench', key=str(i % 1000).encode(), value=VALUE) for i in range(n)]
    p.flush(300)
    wall = time.perf_counter() - start
    failed = sum(1 for f in futures if f.failed())
    p.close()
    return n / wall, failed


def main():
    load = open('/proc/loadavg').read().split()[:3]
    print('== serve throughput: %d records of 100 bytes, %d cores, load %s' % (N, os.cpu_count(), ' '.join(load)))
    for brokers in (1, 3):
        proc, boot = start(brokers)
        try:
            create_topic(boot, brokers)
            for acks in ('1', 'all'):
                rate, p50, p99, errors = confluent_throughput(boot, acks)
                e50, e99, seen = end_to_end(boot, acks)
                kp_rate, kp_failed = kafka_python_throughput(boot, acks)
                print('brokers %d, RF %d, acks=%s: confluent_kafka %.0f records/s (produce latency p50 %.1f ms, '
                      'p99 %.1f ms, %d errors); end to end p50 %.1f ms, p99 %.1f ms (%d records); '
                      'kafka-python %.0f records/s (%d failed)'
                      % (brokers, brokers, acks, rate, p50, p99, errors, e50, e99, seen, kp_rate, kp_failed), flush=True)
        finally:
            proc.kill()


if __name__ == '__main__':
    main()

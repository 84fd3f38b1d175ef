"""The real clients of tests/serve/page.test.mjs: a confluent_kafka producer (acks=all,
idempotent, client.id page-test-producer) that keeps producing to topic `live` (one
partition, replication factor 3, min.insync.replicas 2, created here) until killed, and
prints `delivered N failed M` every quarter second, so the test sees its deliveries go on
across a leader crash; and a consumer in group `page-group` (client.id
page-test-consumer) reading it in a thread, so the page has a group to draw.
Usage: page_producer.py BOOTSTRAP"""
import sys, threading, time
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

boot = sys.argv[1]
admin = AdminClient({'bootstrap.servers': boot})
futures = admin.create_topics([NewTopic('live', num_partitions=1, replication_factor=3,
                                        config={'min.insync.replicas': '2'})])
futures['live'].result(timeout=30)
p = Producer({'bootstrap.servers': boot, 'client.id': 'page-test-producer', 'acks': 'all',
              'enable.idempotence': True, 'linger.ms': 20})
counts = {'delivered': 0, 'failed': 0}


def consume():
    c = Consumer({'bootstrap.servers': boot, 'group.id': 'page-group', 'client.id': 'page-test-consumer',
                  'auto.offset.reset': 'earliest'})
    c.subscribe(['live'])
    while True:
        c.poll(0.5)


threading.Thread(target=consume, daemon=True).start()


def report(err, msg):
    counts['failed' if err else 'delivered'] += 1


last = 0.0
i = 0
while True:
    p.produce('live', key=str(i % 10), value=('record %d ' % i) + 'x' * 80, on_delivery=report)
    i += 1
    p.poll(0.02)
    now = time.monotonic()
    if now - last > 0.25:
        last = now
        print('delivered %d failed %d' % (counts['delivered'], counts['failed']), flush=True)

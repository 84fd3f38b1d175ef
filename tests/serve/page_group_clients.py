"""The real clients of tests/serve/groups_page.test.mjs, one process each so the test can
kill one. `producer BOOTSTRAP`: creates topic `group-topic` (3 partitions, replication
factor 3), prints `ready`, then keeps producing keyed records (acks=all) until killed.
`consumer BOOTSTRAP CLIENT_ID`: a confluent_kafka consumer in `group1` with that client.id
(the range assignor, auto.offset.reset=earliest, offsets auto-committed every second,
session.timeout.ms 6000: the broker's group.min.session.timeout.ms, so a killed member is
removed 6 s after its last heartbeat), polling until killed.
Usage: page_group_clients.py producer BOOTSTRAP | consumer BOOTSTRAP CLIENT_ID"""
import sys, time
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

TOPIC = 'group-topic'
mode, boot = sys.argv[1], sys.argv[2]
if mode == 'producer':
    admin = AdminClient({'bootstrap.servers': boot})
    futures = admin.create_topics([NewTopic(TOPIC, num_partitions=3, replication_factor=3)])
    futures[TOPIC].result(timeout=30)
    print('ready', flush=True)
    p = Producer({'bootstrap.servers': boot, 'client.id': 'group-test-producer', 'acks': 'all', 'linger.ms': 20})
    i = 0
    while True:
        p.produce(TOPIC, key=str(i % 30), value='record %d' % i)
        i += 1
        p.poll(0.02)
else:
    c = Consumer({'bootstrap.servers': boot, 'group.id': 'group1', 'client.id': sys.argv[3],
                  'auto.offset.reset': 'earliest', 'partition.assignment.strategy': 'range',
                  'auto.commit.interval.ms': 1000, 'session.timeout.ms': 6000,
                  'heartbeat.interval.ms': 1000})
    c.subscribe([TOPIC])
    print('subscribed', flush=True)
    while True:
        c.poll(0.2)

"""Transactions through `kafka-playground serve`, with real clients (issue 13):
* confluent_kafka's transactional producer (librdkafka: FindCoordinator key type 1,
  InitProducerId with a transactional.id, AddPartitionsToTxn, EndTxn): a committed
  transaction, an aborted one, and one left open. A read_committed consumer (librdkafka's
  default isolation) gets exactly the committed records and stops at the last stable
  offset while the open transaction holds it; a read_uncommitted consumer gets every
  record, aborted ones included; committing the open transaction releases it.
* zombie fencing: a second producer with the same transactional.id bumps the epoch, and
  the first one's next commit fails fatally (PRODUCER_FENCED / INVALID_PRODUCER_EPOCH).
* consume-transform-produce with send_offsets_to_transaction (AddOffsetsToTxn,
  TxnOffsetCommit): the output holds each input record once, transformed, and the group's
  committed offsets take effect with the commit.
* KIP-447: while a transaction's offsets for a group are pending, an OffsetFetch that
  requires stable offsets (confluent_kafka's list_consumer_group_offsets with
  require_stable) is answered UNSTABLE_OFFSET_COMMIT; without it, the last committed
  offset; after the commit, the transaction's offset.
* kafka-python 3.0.12's transactional producer (an independent implementation): commit
  and abort, read back with read_committed.
Usage: transactions.py KAFKA_PLAYGROUND_BINARY. Prints `serve transactions: N passed, M failed`.
"""
import sys, time
from clients_common import PASSED, FAILED, check, start

BIN = sys.argv[1]


def read_all(boot, topic, isolation, group, expect_at_least=0, seconds=15):
    from confluent_kafka import Consumer
    c = Consumer({'bootstrap.servers': boot, 'group.id': group, 'auto.offset.reset': 'earliest',
                  'isolation.level': isolation, 'enable.auto.commit': False})
    c.subscribe([topic])
    values, deadline, idle = [], time.time() + seconds, 0
    try:
        while time.time() < deadline and idle < 4:
            m = c.poll(1.0)
            if m is None:
                idle = idle + 1 if len(values) >= expect_at_least else 0
                continue
            if m.error():
                continue
            idle = 0
            values.append(m.value().decode())
    finally:
        c.close()
    return values


def main():
    from confluent_kafka import Producer, KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic
    proc, port = start(BIN, 3)
    boot = '127.0.0.1:%d' % port
    try:
        admin = AdminClient({'bootstrap.servers': boot})
        for f in admin.create_topics([NewTopic(t, num_partitions=3, replication_factor=3)
                                      for t in ('txn-out', 'pipe-in', 'pipe-out', 'kp-out')]).values():
            f.result()

        p = Producer({'bootstrap.servers': boot, 'transactional.id': 'tx-1', 'linger.ms': 5})
        p.init_transactions(30)
        check('init_transactions succeeds', True)
        p.begin_transaction()
        for i in range(10):
            p.produce('txn-out', key=str(i), value='committed-%d' % i)
        p.commit_transaction(30)
        p.begin_transaction()
        for i in range(5):
            p.produce('txn-out', key=str(i), value='aborted-%d' % i)
        p.flush(30)  # written to the log first: abort_transaction purges what is still unsent
        p.abort_transaction(30)
        p.begin_transaction()
        for i in range(3):
            p.produce('txn-out', key=str(i), value='open-%d' % i)
        p.flush(30)

        committed = read_all(boot, 'txn-out', 'read_committed', 'rc-1', 10)
        check('read_committed gets exactly the committed records while one transaction is open',
              sorted(committed) == sorted('committed-%d' % i for i in range(10)), committed)
        uncommitted = read_all(boot, 'txn-out', 'read_uncommitted', 'ru-1', 18)
        check('read_uncommitted also gets the aborted and the open records',
              sorted(uncommitted) == sorted(['committed-%d' % i for i in range(10)] +
                                            ['aborted-%d' % i for i in range(5)] + ['open-%d' % i for i in range(3)]),
              uncommitted)
        p.commit_transaction(30)
        released = read_all(boot, 'txn-out', 'read_committed', 'rc-2', 13)
        check('committing the open transaction releases it to read_committed readers',
              sorted(released) == sorted(['committed-%d' % i for i in range(10)] + ['open-%d' % i for i in range(3)]),
              released)

        # A zombie: the same transactional.id initialised again fences the first producer.
        p.begin_transaction()
        p.produce('txn-out', value='zombie')
        p.flush(10)
        p2 = Producer({'bootstrap.servers': boot, 'transactional.id': 'tx-1'})
        p2.init_transactions(30)
        fenced = None
        try:
            p.commit_transaction(20)
        except KafkaException as e:
            fenced = e.args[0]
        check('the zombie producer is fenced fatally',
              fenced is not None and fenced.fatal() and ('FENCED' in fenced.name() or 'EPOCH' in fenced.name()),
              fenced and (fenced.name(), fenced.str()))
        after = read_all(boot, 'txn-out', 'read_committed', 'rc-3', 13)
        check("the zombie's record is never committed", 'zombie' not in after, after)

        pipeline(boot)
        unstable_offsets(boot)
        kafka_python(boot)
    finally:
        proc.kill()
    single_broker()
    print('serve transactions: %d passed, %d failed' % (len(PASSED), len(FAILED)))
    sys.exit(1 if FAILED else 0)


def single_broker():
    """The lecture's Docker setup: one broker. serve's defaults put __transaction_state on
    it (replication factor 1, min.isr 1, as Kafka's shipped server.properties)."""
    from confluent_kafka import Producer
    proc, port = start(BIN, 1)
    boot = '127.0.0.1:%d' % port
    try:
        p = Producer({'bootstrap.servers': boot, 'transactional.id': 'solo'})
        p.init_transactions(30)
        p.begin_transaction()
        for i in range(3):
            p.produce('solo-out', value='solo-%d' % i)
        p.commit_transaction(30)
        got = read_all(boot, 'solo-out', 'read_committed', 'solo-check', 3)
        check('one broker: a transaction commits and read_committed reads it', sorted(got) == ['solo-0', 'solo-1', 'solo-2'], got)
    finally:
        proc.kill()


def pipeline(boot):
    """Consume-transform-produce, exactly once: read pipe-in in group `pipe`, write the
    upper-cased value to pipe-out and the consumed offsets in the same transaction."""
    from confluent_kafka import Producer, Consumer, TopicPartition
    src = Producer({'bootstrap.servers': boot})
    for i in range(20):
        src.produce('pipe-in', key=str(i), value='item-%d' % i)
    src.flush(30)
    c = Consumer({'bootstrap.servers': boot, 'group.id': 'pipe', 'auto.offset.reset': 'earliest',
                  'enable.auto.commit': False, 'isolation.level': 'read_committed'})
    p = Producer({'bootstrap.servers': boot, 'transactional.id': 'pipe-tx'})
    p.init_transactions(30)
    c.subscribe(['pipe-in'])
    seen, deadline = 0, time.time() + 40
    try:
        while seen < 20 and time.time() < deadline:
            msgs = c.consume(num_messages=10, timeout=1.0)
            msgs = [m for m in msgs if not m.error()]
            if not msgs:
                continue
            p.begin_transaction()
            for m in msgs:
                p.produce('pipe-out', key=m.key(), value=m.value().decode().upper())
            p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
            p.commit_transaction(30)
            seen += len(msgs)
        committed = c.committed([TopicPartition('pipe-in', i) for i in range(3)], timeout=10)
    finally:
        c.close()
    out = read_all(boot, 'pipe-out', 'read_committed', 'pipe-check', 20)
    check('the pipeline wrote each input once, transformed',
          sorted(out) == sorted('ITEM-%d' % i for i in range(20)), out)
    total = sum(tp.offset for tp in committed if tp.offset >= 0)
    check("the group's offsets committed with the transactions cover the input", total == 20,
          [(tp.partition, tp.offset) for tp in committed])


def unstable_offsets(boot):
    from confluent_kafka import Producer, Consumer, TopicPartition, ConsumerGroupTopicPartitions
    from confluent_kafka.admin import AdminClient
    admin = AdminClient({'bootstrap.servers': boot})
    group = Consumer({'bootstrap.servers': boot, 'group.id': 'stable'})
    group.commit(offsets=[TopicPartition('pipe-in', 0, 2)], asynchronous=False)

    def listed(require_stable):
        asked = [ConsumerGroupTopicPartitions('stable', [TopicPartition('pipe-in', 0)])]
        got = admin.list_consumer_group_offsets(asked, require_stable=require_stable)['stable'].result()
        return [(tp.offset, tp.error.name() if tp.error else None) for tp in got.topic_partitions]

    p = Producer({'bootstrap.servers': boot, 'transactional.id': 'stable-tx'})
    p.init_transactions(30)
    p.begin_transaction()
    p.send_offsets_to_transaction([TopicPartition('pipe-in', 0, 7)], group.consumer_group_metadata(), 30)
    pending_stable, pending = listed(True), listed(False)
    check('a pending transactional offset is UNSTABLE_OFFSET_COMMIT to a fetch requiring stable offsets',
          pending_stable == [(-1001, 'UNSTABLE_OFFSET_COMMIT')], pending_stable)
    check('without require_stable the fetch answers the last committed offset', pending == [(2, None)], pending)
    p.commit_transaction(30)
    after = listed(True)
    check("after the commit the transaction's offset is the group's", after == [(7, None)], after)
    group.close()


def kafka_python(boot):
    from kafka import KafkaProducer
    p = KafkaProducer(bootstrap_servers=boot, transactional_id='kp-tx')
    p.init_transactions()
    p.begin_transaction()
    for i in range(4):
        p.send('kp-out', value=b'kp-committed-%d' % i)
    p.commit_transaction()
    p.begin_transaction()
    p.send('kp-out', value=b'kp-aborted')
    p.flush()
    p.abort_transaction()
    p.close()
    got = read_all(boot, 'kp-out', 'read_committed', 'kp-check', 4)
    check("kafka-python's transactional producer: committed records read, the aborted one not",
          sorted(got) == ['kp-committed-%d' % i for i in range(4)], got)


if __name__ == '__main__':
    main()

"""A leader crash under a running acks=all producer, through `kafka-playground serve`
(issue 15): 3 brokers, a topic with replication factor 3 and min.insync.replicas=2. A
confluent_kafka producer (acks=all, idempotent) sends 600 records in a steady stream;
while it runs, the leader of partition 0 is crashed from serve's control input
(`crash N`), and restarted later. Checked against Kafka's guarantee: every record the
producer saw acknowledged is read back by a consumer from the beginning, in each
partition in the order it was acknowledged, none twice (idempotence), and the crashed
broker's partitions got new leaders while it was down.
Usage: faults.py KAFKA_PLAYGROUND_BINARY. Prints `serve faults: N passed, M failed`.
"""
import subprocess, sys, time, threading
from clients_common import PASSED, FAILED, check, free_ports, serve_args, wait_started

BIN = sys.argv[1]


def start_with_control(brokers):
    port = free_ports(brokers)
    proc = subprocess.Popen(serve_args(BIN, brokers, port),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_started(proc, brokers)
    return proc, port


def say(proc, line):
    proc.stdin.write(line + '\n')
    proc.stdin.flush()
    return proc.stdout.readline().strip()


def leader_of(boot, topic, partition):
    from confluent_kafka.admin import AdminClient
    md = AdminClient({'bootstrap.servers': boot}).list_topics(topic, timeout=10)
    return md.topics[topic].partitions[partition].leader


def main():
    from confluent_kafka import Producer, Consumer
    from confluent_kafka.admin import AdminClient, NewTopic
    proc, port = start_with_control(3)
    # Every broker as bootstrap, as a client of a cluster lists it: any one may be down.
    boot = ','.join('127.0.0.1:%d' % (port + i) for i in range(3))
    try:
        admin = AdminClient({'bootstrap.servers': boot})
        admin.create_topics([NewTopic('durable', num_partitions=3, replication_factor=3,
                                      config={'min.insync.replicas': '2'})])['durable'].result()
        time.sleep(1)
        victim = leader_of(boot, 'durable', 0)
        acked, failed = [], []

        def report(err, msg):
            (failed if err else acked).append((msg.partition(), msg.offset(), msg.value().decode()) if not err
                                              else (str(err), msg.value().decode()))

        p = Producer({'bootstrap.servers': boot, 'acks': 'all', 'enable.idempotence': True,
                      'linger.ms': 5, 'message.timeout.ms': 60000})
        answers, during = [], None
        for i in range(600):
            p.produce('durable', key=str(i), value='v-%d' % i, on_delivery=report)
            p.poll(0)
            time.sleep(0.03)
            if i == 100:
                answers.append(say(proc, 'crash %d' % victim))
            if i == 500:  # ~12 s later: past broker.session.timeout.ms (9 s), the controller fenced it
                during = leader_of(boot, 'durable', 0)
            if i == 550:
                answers.append(say(proc, 'restart %d' % victim))
        p.flush(60)
        check('serve answered the control lines', len(answers) == 2 and answers[0].startswith('broker %d crashed' % victim)
              and answers[1] == 'broker %d restarted' % victim, answers)
        check('while broker %d was down another broker led partition 0' % victim,
              during is not None and during not in (-1, victim), during)
        check('every record acknowledged (the cluster kept min.insync.replicas=2)',
              len(acked) == 600 and not failed, (len(acked), failed[:3]))

        c = Consumer({'bootstrap.servers': boot, 'group.id': 'faults-check', 'auto.offset.reset': 'earliest'})
        c.subscribe(['durable'])
        read, deadline = [], time.time() + 40
        while len(read) < len(acked) and time.time() < deadline:
            m = c.poll(1.0)
            if m is not None and not m.error():
                read.append((m.partition(), m.offset(), m.value().decode()))
        c.close()
        check('no acknowledged record lost: all are read back at their acknowledged offsets',
              sorted(read) == sorted(acked), (len(read), len(acked), sorted(set(acked) - set(read))[:5]))
        check('none twice', len(set(v for _, _, v in read)) == len(read))
    finally:
        proc.kill()
    print('serve faults: %d passed, %d failed' % (len(PASSED), len(FAILED)))
    sys.exit(1 if FAILED else 0)


if __name__ == '__main__':
    main()

"""A leader crash under a running acks=all producer, through `kafka-playground serve`
(issue 15): 3 brokers, a topic with replication factor 3 and min.insync.replicas=2. A
confluent_kafka producer (acks=all, idempotent) sends 600 records in a steady stream;
while it runs, the leader of partition 0 is crashed from serve's control input
(`crash N`), and restarted later. Checked against Kafka's guarantee: every record the
producer saw acknowledged is read back by a consumer from the beginning, in each
partition in the order it was acknowledged, none twice (idempotence), and the crashed
broker's partitions got new leaders while it was down. The session runs with
`--journal`: the file is a whole journal while serve runs, and after `stop`
`kafka-playground replay` of it prints exactly the final state serve printed (issue 15:
"replay of a serve journal gives the identical final state"); a serve killed with
SIGKILL leaves a journal that replays.
Usage: faults.py KAFKA_PLAYGROUND_BINARY. Prints `serve faults: N passed, M failed`.
"""
import json, os, subprocess, sys, tempfile, time, threading
from clients_common import PASSED, FAILED, check, free_ports, serve_args, wait_started

BIN = sys.argv[1]


JOURNAL = os.path.join(tempfile.mkdtemp(), 'serve-journal.json')


def start_with_control(brokers):
    port = free_ports(brokers)
    proc = subprocess.Popen(serve_args(BIN, brokers, port) + ['--journal', JOURNAL],
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


def killed_journal_replays():
    """serve killed (SIGKILL, no chance to finish anything) after a client wrote: its
    journal file still replays, with the client's topic in the state."""
    path = os.path.join(tempfile.mkdtemp(), 'killed.json')
    port = free_ports(1)
    proc = subprocess.Popen(serve_args(BIN, 1, port) + ['--journal', path],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        wait_started(proc, 1)
        subprocess.run(['kcat', '-P', '-b', '127.0.0.1:%d' % port, '-t', 'before-the-kill'],
                       input='one\ntwo\n', capture_output=True, text=True, timeout=30)
        time.sleep(0.5)
    finally:
        proc.kill()
        proc.wait()
    replayed = subprocess.run([BIN, 'replay', path], capture_output=True, text=True, timeout=60)
    check('serve killed: its journal still replays, with what the client did',
          replayed.returncode == 0 and 'before-the-kill' in replayed.stdout, replayed.stderr[-300:])


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

        # The file is whole after every write; a read that overlaps a write sees the file
        # grow under it (JSON "extra data"), so it is read again.
        running = {}
        for _ in range(20):
            try:
                with open(JOURNAL) as f:
                    running = json.load(f)
                break
            except json.JSONDecodeError:
                time.sleep(0.05)
        check('while serve runs its journal file is a whole journal',
              running['seed'] == 0 and running['scenario']['name'] == 'serve' and len(running['entries']) > 1000,
              len(running.get('entries', [])))
        proc.stdin.write('stop\n')
        proc.stdin.flush()
        out, _ = proc.communicate(timeout=60)
        lines = out.strip().splitlines()
        stopped = json.loads(lines[-1]) if lines and lines[-1].startswith('{') else None
        replayed = subprocess.run([BIN, 'replay', JOURNAL], capture_output=True, text=True, timeout=120)
        final = json.loads(replayed.stdout)['final_state'] if replayed.returncode == 0 else None
        check('`stop` ends serve and prints its final state', proc.returncode == 0 and stopped is not None,
              (proc.returncode, lines[-2:]))
        check('replay of the journal rebuilds the identical final state (crash and restart included)',
              stopped is not None and final == stopped, replayed.stderr[-500:])
    finally:
        proc.kill()
    killed_journal_replays()
    print('serve faults: %d passed, %d failed' % (len(PASSED), len(FAILED)))
    sys.exit(1 if FAILED else 0)


if __name__ == '__main__':
    main()

"""What clients.py and groups.py share: the check tally, free loopback ports, starting
`kafka-playground serve` on them, running kcat."""
import socket, subprocess, time

PASSED, FAILED = [], []


def check(name, ok, detail=''):
    (PASSED if ok else FAILED).append(name)
    print('%s  %s%s' % ('ok  ' if ok else 'FAIL', name, '' if ok else ': ' + str(detail)))


def free_ports(n):
    """A base port with n free ports after it (bound and released, as a test can)."""
    for _ in range(50):
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        base = s.getsockname()[1]
        s.close()
        if base + n > 65535:
            continue
        socks = []
        try:
            for p in range(base, base + n):
                t = socket.socket()
                t.bind(('127.0.0.1', p))
                socks.append(t)
            return base
        except OSError:
            pass
        finally:
            for t in socks:
                t.close()
    raise SystemExit('no %d free consecutive ports' % n)


def serve_args(bin_path, brokers, port):
    """serve's command line on free ports: the brokers' from `port`, the page's its own."""
    return [bin_path, 'serve', '--brokers', str(brokers), '--port', str(port),
            '--http-port', str(free_ports(1))]


def wait_started(proc, brokers):
    """Reads serve's start lines: one per broker listening, then the page's address (a
    missing page build is said on a line before it). Returns the page's address."""
    for _ in range(brokers):
        line = proc.stdout.readline()
        if 'listening' not in line:
            proc.kill()
            raise SystemExit('serve did not start: %r %s' % (line, proc.stderr.read()))
    while True:
        line = proc.stdout.readline()
        if not line.startswith('page: '):
            proc.kill()
            raise SystemExit('serve did not say its page: %r' % line)
        if line.startswith('page: http://'):
            return line[len('page: '):].strip()


def start(bin_path, brokers):
    port = free_ports(brokers)
    proc = subprocess.Popen(serve_args(bin_path, brokers, port),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_started(proc, brokers)
    return proc, port


def kcat(*args, stdin=None):
    return subprocess.run(['kcat', *args], input=stdin, capture_output=True, text=True, timeout=30)


def raw_fetch(port, topic, partition, offset, max_wait_ms):
    """One Fetch v4 on a fresh connection, encoded and decoded by kafka-python's own
    schema classes; returns (seconds until the answer, the partition's answer)."""
    from kafka.protocol.consumer.fetch import FetchRequest, FetchResponse
    F = FetchRequest.FetchTopic
    req = FetchRequest(replica_id=-1, max_wait_ms=max_wait_ms, min_bytes=1, max_bytes=1 << 20, isolation_level=0,
                       topics=[F(topic=topic, partitions=[F.FetchPartition(partition=partition, fetch_offset=offset,
                                                                            partition_max_bytes=1 << 20)])])
    req.API_VERSION = 4
    req.with_header(correlation_id=7, client_id='raw')
    frame = req.encode(header=True, framed=True)
    with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
        began = time.time()
        s.sendall(frame)
        size = int.from_bytes(s.recv(4, socket.MSG_WAITALL), 'big')
        body = b''
        while len(body) < size:
            body += s.recv(size - len(body))
        took = time.time() - began
    response = FetchResponse.decode(body, version=4, header=True)
    return took, response.responses[0].partitions[0]


def raw_request(port, req, response_class, version):
    """One request on a fresh connection, encoded and decoded by kafka-python's schema
    classes; returns the decoded response."""
    req.API_VERSION = version
    req.with_header(correlation_id=9, client_id='raw')
    with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
        s.sendall(req.encode(header=True, framed=True))
        size = int.from_bytes(s.recv(4, socket.MSG_WAITALL), 'big')
        body = b''
        while len(body) < size:
            body += s.recv(size - len(body))
    return response_class.decode(body, version=version, header=True)

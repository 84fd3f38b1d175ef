"""What clients.py and groups.py share: the check tally, free loopback ports, starting
`kafka-playground serve` on them, running kcat."""
import socket, subprocess

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


def start(bin_path, brokers):
    port = free_ports(brokers)
    proc = subprocess.Popen([bin_path, 'serve', '--brokers', str(brokers), '--port', str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(brokers):
        line = proc.stdout.readline()
        if 'listening' not in line:
            proc.kill()
            raise SystemExit('serve did not start: %r %s' % (line, proc.stderr.read()))
    return proc, port


def kcat(*args, stdin=None):
    return subprocess.run(['kcat', *args], input=stdin, capture_output=True, text=True, timeout=30)

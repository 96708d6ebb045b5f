# Issue 12's bar, checked from outside: a connected client floods a real Demo server (insecure mode, real UDP on
# loopback) with crafted packets for 30 s while 8 honest bots play. Reports the server's RSS growth (from
# /proc/<pid>/status), the longest stall of the server as a connected probe sees it (the largest gap between two
# packets the server sent the probe, minus the 1/60 s tick), whether the probe and the bots stayed connected, and
# how many times the attacker was disconnected.
#
# The attacker speaks the wire protocol (docs/PROTOCOL.md §3.4, §4, §7) from scratch: an insecure handshake, then
# payload packets with fresh sequences. Each life first fills memory within the rules (reliable ids ahead of the
# window, fragments of groups that never complete: §9.1's worst case), then sends one abusive pattern as fast as it
# can until the server disconnects it; the next life comes from the next 127.0.0.x address (the last one is
# penalised), cycling through the patterns.
#
# With --slots it checks the admission bar instead: 64 connections from 64 addresses of 127.0.0.0/24, then 32 from
# 127.0.1.0/24, against a fresh server (no bots); it reports how many were admitted and why the rest were refused.
#
# Run (after a build):  /work/lead/bin/exclusive python3 tools/measure-connected-flood.py [--seconds 30] [--port N]
# DEMO_DLL overrides the demo (default: Release build if present, else Debug).
import argparse, multiprocessing, os, re, select, socket, struct, subprocess, sys, threading, time

parser = argparse.ArgumentParser()
parser.add_argument('--seconds', type=float, default=30)
parser.add_argument('--port', type=int, default=0)
parser.add_argument('--bots', type=int, default=8)
parser.add_argument('--slots', action='store_true', help='instead: try to take all 64 slots from one /24 (127.0.0.x), then from a second')
args = parser.parse_args()

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
dll = os.environ.get('DEMO_DLL') or next(p for p in [os.path.join(root, 'Demo/bin/Release/net10.0/Demo.dll'),
                                                        os.path.join(root, 'Demo/bin/Debug/net10.0/Demo.dll')] if os.path.exists(p))
if args.port == 0:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0)); args.port = s.getsockname()[1]; s.close()
server_address = ('127.0.0.1', args.port)

TICK = 1 / 60
VERSION = b'TRKNET19'


def sealed_header(prefix, sequence):
    """Prefix with the sequence's byte count minus one in bits 5-7, then the sequence in the fewest bytes (LE)."""
    count = max(1, (sequence.bit_length() + 7) // 8)
    return bytes([prefix | ((count - 1) << 5)]) + sequence.to_bytes(count, 'little')


def header_length(datagram):
    return 2 + ((datagram[0] >> 5) & 7)
PAYLOAD, COMPRESSED = 4, 0x10
DISCONNECT_REASONS = {4: 'TimedOut', 14: 'ProtocolViolation', 17: 'Idle', 18: 'AddressLimit', 6: 'ServerFull'}


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


class Peer:
    """One insecure connection from (host, ephemeral port), speaking the protocol by hand."""

    def __init__(self, host, client_id, protocol, schema):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((host, 0))
        self.sock.setblocking(False)
        self.request = b'\x06' + VERSION + struct.pack('<QQQ', protocol, schema, client_id)
        self.sequence = 0       # TRKNET06: every connection counts from 0 (insecure mode, so no keys to derive)
        self.newest = None      # newest sequence received from the server
        self.bits = 0
        self.ended = None       # disconnect or denial reason
        self.last_received = None
        self.most_gap = 0.0

    def connect(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        cookie = None
        next_send = 0
        while time.monotonic() < deadline:
            now = time.monotonic()
            if now >= next_send:
                if cookie is None:
                    self.sock.sendto(self.request, server_address)
                else:
                    self.sock.sendto(b'\x07' + self.request[1:] + cookie, server_address)
                next_send = now + 0.1
            select.select([self.sock], [], [], 0.02)
            for data in self.receive():
                if data[0] == 1 and len(data) == 25 and cookie is None:
                    cookie = data[1:]
                    next_send = 0
                elif data[0] & 0x0F == PAYLOAD:
                    return True
                elif data[0] & 0x0F == 3:
                    self.ended = DISCONNECT_REASONS.get(data[9], data[9])
                    return False
        return False

    def receive(self):
        out = []
        while True:
            try:
                data, _ = self.sock.recvfrom(2048)
            except BlockingIOError:
                return out
            now = time.monotonic()
            h = header_length(data)
            if data[0] & 0x0F == PAYLOAD and len(data) >= h + 6:
                if self.last_received is not None:
                    self.most_gap = max(self.most_gap, now - self.last_received)
                self.last_received = now
                self.ack(int.from_bytes(data[1:h], 'little'))
            elif data[0] & 0x0F == 5 and len(data) == h + 1:
                self.ended = DISCONNECT_REASONS.get(data[h], data[h])
            out.append(data)

    def ack(self, sequence):
        if self.newest is None:
            self.newest, self.bits = sequence, 0
        elif sequence > self.newest:
            shift = sequence - self.newest
            self.bits = ((self.bits << shift) | (1 << (shift - 1))) & 0xFFFFFFFF if shift <= 32 else 0
            self.newest = sequence
        elif 0 < self.newest - sequence <= 32:
            self.bits |= 1 << (self.newest - sequence - 1)

    def header(self):
        """The ack header in its explicit form (form 3, index 0: the ack and the 32 bits; PROTOCOL.md §6, TRKNET09)."""
        return bytes([3]) + struct.pack('<HI', (self.newest or 0) & 0xFFFF, self.bits)

    def send(self, plaintext, prefix=PAYLOAD):
        self.sequence += 1
        try:
            self.sock.sendto(sealed_header(prefix, self.sequence) + plaintext, server_address)
        except BlockingIOError:
            pass

    def close(self):
        self.sock.close()


def record(data, channel=0, ident=None, fragment=None):
    flags = channel | (0x04 if fragment else 0)
    out = bytes([flags]) + struct.pack('<H', len(data))
    if channel != 0 or fragment:
        out += struct.pack('<H', ident)
    if fragment:
        out += struct.pack('<HH', *fragment)
    return out + data


def messages(data, count):
    return b''.join(record(data) for _ in range(count))


def lz4_zeros(length):
    """A standard LZ4 block that decompresses to `length` zero bytes (one literal, then a long match)."""
    match = length - 1 - 4
    token = 0x10 | 0x0F
    rest = match - 15
    extra = b'\xff' * (rest // 255) + bytes([rest % 255])
    return bytes([token]) + b'\x00' + struct.pack('<H', 1) + extra + b''


PATTERNS = [
    ('compressed without negotiation', lambda p: p.send(p.header() + lz4_zeros(1100), PAYLOAD | COMPRESSED)),
    ('empty records', lambda p: p.send(p.header() + b'\x00\x00\x00' * 128)),
    ('129 records', lambda p: p.send(p.header() + messages(b'\x80', 129))),
    ('valid messages beyond the budget', lambda p: p.send(p.header() + messages(b'\x80', 128))),
    ('snapshot acks beyond their rate', lambda p: p.send(p.header() + messages(b'\x52' + bytes(12), 60))),
    ('input commands beyond their rate', lambda p: p.send(p.header() + messages(b'\x70' + bytes(59), 15))),
    ('client RPCs beyond their rate', lambda p: p.send(p.header() + messages(b'\x61' + bytes(99), 10))),
    ('malformed records', lambda p: p.send(p.header() + b'\xf8\x01\x00\x00' * 4)),
]


def fill_memory(peer):
    """§9.1's worst case within the rules: reliable messages that can never be delivered, unreliable fragments that
    never complete; 100 packets per tick, within the datagram budget, so this part breaks no rule."""
    data = bytes(1160)
    packets = [record(data, 2, ident) for ident in range(1, 1024)]
    packets += [record(data, 0, group, (index, 226)) for group in range(4) for index in range(1, 226)]
    for at in range(0, len(packets), 100):
        for body in packets[at:at + 100]:
            peer.send(peer.header() + body)
        peer.receive()
        time.sleep(TICK)


def run_probe(protocol, schema, connection, stop):
    """A quiet honest client in its own process: acks what the server sends and measures the gaps between its packets."""
    probe = Peer('127.0.0.1', 9_000_001, protocol, schema)
    if not probe.connect():
        connection.send(('refused', probe.ended))
        return
    connection.send(('connected', None))
    next_keepalive = 0
    while not stop.is_set():
        select.select([probe.sock], [], [], 0.005)
        probe.receive()
        if time.monotonic() >= next_keepalive:
            probe.send(probe.header())  # an ack-only payload: keep-alive and acks
            next_keepalive = time.monotonic() + 0.02
        if connection.poll():
            connection.recv()
            probe.most_gap = 0.0  # measure from the attack's start
    connection.send((probe.ended or 'connected', probe.most_gap))


def start_server(bots):
    server = subprocess.Popen(['dotnet', dll, '--server', '--port', str(args.port), '--duration', str(args.seconds + 25),
                               '--latency', '0', '--loss', '0', '--bots', str(bots), '--headless'],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in server.stdout:
        found = re.search(r'protocol ([0-9A-F]{16}) schema ([0-9A-F]{16})', line)
        if found:
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            return server, int(found.group(1), 16), int(found.group(2), 16)
    sys.exit('the demo server did not start')


def check_slots():
    server, protocol, schema = start_server(args.bots)
    results = {}
    peers = []
    for network, count in (('127.0.0', 64), ('127.0.1', 32)):
        for host in range(2, 2 + count):
            peer = Peer(f'{network}.{host}', 5_000_000 + len(peers), protocol, schema)
            outcome = 'admitted' if peer.connect(timeout=2) else f'refused ({peer.ended or "no answer"})'
            results[(network, outcome)] = results.get((network, outcome), 0) + 1
            peers.append(peer)
    server.kill()
    server.wait()
    print(f'demo: {dll} (insecure --server, 64 slots)')
    for (network, outcome), count in sorted(results.items()):
        print(f'  {network}.0/24: {count:2d} {outcome}')
    from_first = results.get(('127.0.0', 'admitted'), 0)
    print('bar: ' + ('MET' if from_first < 64 else 'NOT MET') + f' ({from_first} of 64 slots taken from one /24)')
    sys.exit(0 if from_first < 64 else 1)


def main():
    if args.slots:
        check_slots()
    server = subprocess.Popen(['dotnet', dll, '--server', '--port', str(args.port), '--duration', str(args.seconds + 25),
                               '--latency', '0', '--loss', '0', '--bots', str(args.bots), '--headless'],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    protocol = schema = None
    for line in server.stdout:
        found = re.search(r'protocol ([0-9A-F]{16}) schema ([0-9A-F]{16})', line)
        if found:
            protocol, schema = int(found.group(1), 16), int(found.group(2), 16)
            break
    if protocol is None:
        sys.exit('the demo server did not start')
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    bots = subprocess.Popen(['dotnet', dll, '--client', f'127.0.0.1:{args.port}', '--bots', str(args.bots),
                             '--duration', str(args.seconds + 12), '--latency', '0', '--loss', '0', '--headless'],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    bot_lines = []
    threading.Thread(target=lambda: [bot_lines.append(l.rstrip()) for l in bots.stdout], daemon=True).start()

    stop = multiprocessing.Event()
    connection, child = multiprocessing.Pipe()
    probe = multiprocessing.Process(target=run_probe, args=(protocol, schema, child, stop))
    probe.start()
    state, reason = connection.recv()
    if state != 'connected':
        sys.exit(f'the probe could not connect ({reason})')
    time.sleep(8)  # bots connect and play; the server's memory settles
    connection.send('attack starts')
    baseline = rss_kib(server.pid)
    peak = baseline
    lives, ended = 0, {}
    sent = 0
    start = time.monotonic()
    next_sample = start
    while time.monotonic() - start < args.seconds:
        peer = Peer(f'127.0.0.{2 + lives % 250}', 7_000_000 + lives, protocol, schema)
        name, pattern = PATTERNS[lives % len(PATTERNS)]
        lives += 1
        if not peer.connect(timeout=2):
            ended[f'refused at connect ({peer.ended})'] = ended.get(f'refused at connect ({peer.ended})', 0) + 1
            peer.close()
            continue
        fill_memory(peer)
        life_start = time.monotonic()
        while peer.ended is None and time.monotonic() - start < args.seconds and time.monotonic() - life_start < 10:
            for _ in range(50):
                pattern(peer)
            sent += 50
            peer.receive()
            if time.monotonic() >= next_sample:
                peak = max(peak, rss_kib(server.pid))
                next_sample += 0.1
        over = time.monotonic() - start >= args.seconds
        key = f'{name}: {peer.ended or ("still connected when the attack ended" if over else "still connected after 10 s")}'
        ended[key] = ended.get(key, 0) + 1
        peer.close()
    attack = time.monotonic() - start
    peak = max(peak, rss_kib(server.pid))
    time.sleep(2)
    after = rss_kib(server.pid)
    stop.set()
    probe_end, stall = connection.recv()
    probe.join()
    bots.wait(timeout=60)
    server.wait(timeout=60)

    print(f'demo: {dll}')
    print(f'attack: {attack:.1f} s, {lives} attacker lives, {sent:,} crafted packets sent')
    for key, count in sorted(ended.items()):
        print(f'  {count:3d} × {key}')
    print(f'server RSS: {baseline / 1024:.1f} MiB before, peak {peak / 1024:.1f} MiB (+{(peak - baseline) / 1024:.1f} MiB), '
          f'{after / 1024:.1f} MiB 2 s after the attack')
    print(f'longest server stall seen by the probe: {max(0.0, stall - TICK) * 1000:.0f} ms (largest gap between its packets {stall * 1000:.0f} ms)')
    print(f'probe: {probe_end}; bots exit code {bots.returncode}')
    for line in bot_lines:
        if re.search(r'connected|result|UNHEALTHY|Error|error', line):
            print(f'  bots: {line}')
    ok = peak - baseline < 64 * 1024 and stall - TICK < 0.1 and probe_end == 'connected' and bots.returncode == 0
    print('bar: ' + ('MET' if ok else 'NOT MET') + ' (RSS growth < 64 MiB, no stall > 100 ms, honest clients connected)')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Connection churn against a stream listener (WebSocket or TCP) from one address, measuring the server's CPU.

Opens and closes connections as fast as THREADS threads can from one source address (WebSocket: a full upgrade,
then close; TCP: connect, send a 3-byte frame, close) for SECONDS, and reads the server process's CPU time from
/proc before and after. Usage:
  python3 tools/measure-stream-churn.py --pid PID --port PORT [--kind ws|tcp] [--threads 8] [--seconds 10] [--source 127.0.0.9]
      [--addresses N]
With --addresses N the connections come from N loopback addresses in turn (127.10.0.1 onwards, 256 to a /24), each under
the per-address connection rate when N is large enough: the churn the rate limit does not stop. The server's resident
memory is sampled every 5 s (bounded memory shows as a plateau).
"""
import argparse, os, socket, threading, time

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

UPGRADE = (b"GET /traktor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")

def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--kind", default="ws", choices=["ws", "tcp"])
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--source", default="127.0.0.9")
    p.add_argument("--addresses", type=int, default=0, help="rotate over this many source addresses (0: --source only)")
    a = p.parse_args()
    turn = [0]
    counts = {"upgraded": 0, "answered": 0, "closed": 0, "errors": 0}
    lock = threading.Lock()
    stop = time.monotonic() + a.seconds

    def source():
        if a.addresses <= 0:
            return a.source
        with lock:
            i = turn[0] % a.addresses
            turn[0] += 1
        return f"127.{10 + (i >> 16)}.{(i >> 8) & 255}.{(i & 255) or 1}"

    def worker():
        local = dict.fromkeys(counts, 0)
        while time.monotonic() < stop:
            s = socket.socket()
            try:
                s.settimeout(2)
                s.bind((source(), 0))
                s.connect(("127.0.0.1", a.port))
                if a.kind == "tcp":
                    s.sendall(b"\x00\x01\x00")
                    local["answered"] += 1
                else:
                    s.sendall(UPGRADE)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    if data.startswith(b"HTTP/1.1 101"):
                        local["upgraded"] += 1
                    elif data:
                        local["answered"] += 1
                    else:
                        local["closed"] += 1
            except OSError:
                local["errors"] += 1
            finally:
                s.close()
        with lock:
            for k, v in local.items():
                counts[k] += v

    before = cpu_seconds(a.pid)
    rss_before = rss_mib(a.pid)
    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(a.threads)]
    for t in threads: t.start()
    samples = []
    while any(t.is_alive() for t in threads):
        threads[0].join(5) if threads[0].is_alive() else time.sleep(0.1)
        if any(t.is_alive() for t in threads):
            samples.append(f"{rss_mib(a.pid):.0f}")
    for t in threads: t.join()
    elapsed = time.monotonic() - started
    used = cpu_seconds(a.pid) - before
    total = sum(counts.values())
    print(f"{total} connections in {elapsed:.1f} s ({total / elapsed:.0f}/s): {counts}; "
          f"server CPU {used:.2f} s ({100 * used / elapsed:.0f}% of one core, {1e6 * used / max(1, total):.0f} us per connection); "
          f"RSS {rss_before:.0f} MiB, then every 5 s: {' '.join(samples)} MiB")

if __name__ == "__main__":
    main()

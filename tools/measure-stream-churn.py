#!/usr/bin/env python3
"""Connection churn against a stream listener (WebSocket or TCP) from one address, measuring the server's CPU.

Opens and closes connections as fast as THREADS threads can from one source address (WebSocket: a full upgrade,
then close; TCP: connect, send a 3-byte frame, close) for SECONDS, and reads the server process's CPU time from
/proc before and after. Usage:
  python3 tools/measure-stream-churn.py --pid PID --port PORT [--kind ws|tcp] [--threads 8] [--seconds 10] [--source 127.0.0.9]
"""
import argparse, os, socket, threading, time

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

UPGRADE = (b"GET /traktor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--kind", default="ws", choices=["ws", "tcp"])
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--source", default="127.0.0.9")
    a = p.parse_args()
    counts = {"upgraded": 0, "answered": 0, "closed": 0, "errors": 0}
    lock = threading.Lock()
    stop = time.monotonic() + a.seconds

    def worker():
        local = dict.fromkeys(counts, 0)
        while time.monotonic() < stop:
            s = socket.socket()
            try:
                s.settimeout(2)
                s.bind((a.source, 0))
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
    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(a.threads)]
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.monotonic() - started
    used = cpu_seconds(a.pid) - before
    total = sum(counts.values())
    print(f"{total} connections in {elapsed:.1f} s ({total / elapsed:.0f}/s): {counts}; "
          f"server CPU {used:.2f} s ({100 * used / elapsed:.0f}% of one core, {1e6 * used / max(1, total):.0f} us per connection)")

if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Slowloris against a real backend process on loopback (docs/SECURITY.md, "Connections per address").

Starts the backend (Debug build by default, SQLite in a temp folder, Development keys), opens N connections from one
address (127.0.0.1), each sending a request line and one header and then a header line every 5 s, and reports how many
the backend holds, its RSS before and at the peak, and how /v1/health/live answers another address (127.0.0.2)
meanwhile. Extra arguments after `--` go to the backend (e.g. `-- --Online:MaxConnectionsPerAddress=100000` to see the
node without the gate).

    dotnet build Traktor.Ecs.Net.Backend
    python3 tools/measure-slowloris.py --connections 9000 --seconds 25
"""
import argparse
import os
import socket
import subprocess
import tempfile
import time


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def probe(port, source="127.0.0.2"):
    """One GET /v1/health/live from another address: (status line, milliseconds)."""
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as s:
            s.sendall(b"GET /v1/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = s.recv(64)
        return answer.split(b"\r\n")[0].decode(errors="replace"), (time.perf_counter() - started) * 1000
    except OSError as error:
        return f"error {error}", (time.perf_counter() - started) * 1000


def alive(sock):
    """False when the server closed or reset the connection."""
    try:
        data = sock.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK)
        return data != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=9000)
    parser.add_argument("--seconds", type=float, default=25, help="how long to hold them (under Kestrel's 30 s header timeout)")
    parser.add_argument("--port", type=int, default=18733)
    parser.add_argument("--dll", default="Traktor.Ecs.Net.Backend/bin/Debug/net10.0/Traktor.Ecs.Net.Backend.dll")
    parser.add_argument("backend_args", nargs="*")
    options = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="slowloris-")
    backend = subprocess.Popen(
        ["dotnet", options.dll, f"--urls=http://127.0.0.1:{options.port}", "--environment=Development",
         "--Logging:LogLevel:Default=Warning", f"--Online:ConnectionString={folder}/online.db", *options.backend_args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            if probe(options.port)[0].startswith("HTTP/1.1 200"):
                break
            time.sleep(0.1)
        else:
            raise SystemExit("the backend did not answer")
        time.sleep(1)
        before = rss_mib(backend.pid)
        sockets = []
        started = time.monotonic()
        for _ in range(options.connections):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            try:
                s.connect(("127.0.0.1", options.port))
                s.sendall(b"GET /v1/health/live HTTP/1.1\r\nHost: x\r\n")
                sockets.append(s)
            except OSError:
                s.close()
        opened = time.monotonic() - started
        peak, latencies, statuses, next_line = before, [], set(), time.monotonic() + 5
        while time.monotonic() - started < options.seconds:
            peak = max(peak, rss_mib(backend.pid))
            status, ms = probe(options.port)
            statuses.add(status)
            latencies.append(ms)
            if time.monotonic() >= next_line:
                next_line += 5
                for s in sockets:
                    try:
                        s.send(b"X-Slow: 1\r\n", socket.MSG_DONTWAIT)
                    except OSError:
                        pass
            time.sleep(0.25)
        held = sum(1 for s in sockets if alive(s))
        latencies.sort()
        print(f"connections opened from 127.0.0.1: {len(sockets)} in {opened:.1f} s; held by the backend after {options.seconds:.0f} s: {held}")
        print(f"RSS: {before:.1f} -> {peak:.1f} MiB peak (+{peak - before:.1f} MiB)")
        print(f"/v1/health/live from 127.0.0.2: {sorted(statuses)}, {len(latencies)} probes, "
              f"median {latencies[len(latencies) // 2]:.1f} ms, max {latencies[-1]:.1f} ms")
        for s in sockets:
            s.close()
    finally:
        backend.terminate()
        backend.wait(timeout=30)


if __name__ == "__main__":
    main()

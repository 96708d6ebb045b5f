#!/usr/bin/env python3
"""Head-of-line blocking on a link with delay: a model, beside the measurement (tools/measure-head-of-line.sh).

This kernel has no netem, so the measurement runs on loopback, where a round trip takes microseconds. This model
extends it to real round-trip times. It replays the measured scenario (one snapshot per tick at 30 Hz, each in one
segment, snapshot age sampled at 60 Hz) with each packet lost independently with probability LOSS, and recovers a
lost TCP segment the way Linux does (RACK-TLP, RFC 8985):
  - a later segment arrives, its SACK reaches the sender one round trip after that segment was sent, and the
    sender retransmits after a reordering window of RTT/4; the retransmission takes RTT/2 to arrive;
  - when no later segment is SACKed first, the tail loss probe fires max(2 RTT, 10 ms) after the send;
  - a lost retransmission waits for the retransmission timeout, RTT + 200 ms (Linux floors the RTT variance term
    at its 200 ms minimum RTO), doubling each time;
  - everything behind an undelivered segment waits for it (in-order delivery): that is head-of-line blocking.
UDP: a lost snapshot is never resent; the next one replaces it. ACK losses are not modelled (SACK makes them cheap).
Deterministic (fixed seed). Usage: tools/model-head-of-line.py [loss=0.02] [minutes=30]
"""
import random
import sys

TICK = 1 / 30
SAMPLE = 1 / 60
RTO_MIN = 0.200


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def simulate(rtt, loss, seconds, stream, seed=7):
    rng = random.Random(seed)
    n = int(seconds / TICK)
    sent = [i * TICK for i in range(n)]
    lost = [rng.random() < loss for _ in range(n)]
    arrival = [None] * n
    for i in range(n):
        if not lost[i]:
            arrival[i] = sent[i] + rtt / 2
            continue
        if not stream:
            continue  # UDP: gone, the next snapshot replaces it
        # The first later segment that arrives triggers RACK; otherwise the tail loss probe.
        j = next((k for k in range(i + 1, min(n, i + 200)) if not lost[k]), None)
        rack = sent[j] + rtt + rtt / 4 if j is not None else float("inf")
        tlp = sent[i] + max(2 * rtt, 0.010)
        resend = min(rack, tlp)
        rto = rtt + RTO_MIN
        while rng.random() < loss:  # the retransmission is lost too: wait for the timeout, doubling
            resend += rto
            rto *= 2
        arrival[i] = resend + rtt / 2
    if stream:  # in-order delivery: a segment is handed over only when every earlier one has been
        delivered, latest = [], 0.0
        for i in range(n):
            latest = max(latest, arrival[i])
            delivered.append(latest)
    else:
        delivered = arrival
    # snapshot age at each sample: now minus the send time of the newest snapshot delivered by then
    events = sorted((d, sent[i]) for i, d in enumerate(delivered) if d is not None)
    # the client samples on its own clock, not in step with the server's ticks: a random phase per sample
    phase = random.Random(seed + 1)
    ages, newest, e = [], None, 0
    base = 1.0
    while base < seconds:
        t = base + phase.random() * SAMPLE
        while e < len(events) and events[e][0] <= t:
            newest = events[e][1] if newest is None else max(newest, events[e][1])
            e += 1
        if newest is not None:
            ages.append((t - newest) * 1000)
        base += SAMPLE
    return ages


def main():
    loss = float(sys.argv[1]) if len(sys.argv) > 1 else 0.02
    seconds = 60 * (float(sys.argv[2]) if len(sys.argv) > 2 else 30)
    print(f"model: {loss:.0%} packet loss, 30 Hz snapshots, age sampled at 60 Hz, {seconds / 60:.0f} simulated minutes")
    print("| RTT | transport | age p50 | p90 | p99 | p99.9 | max | samples > RTT/2 + 100 ms |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for rtt_ms in (0.1, 20, 50, 100, 200):
        for name, stream in (("UDP", False), ("TCP / WebSocket", True)):
            ages = simulate(rtt_ms / 1000, loss, seconds, stream)
            late = sum(a > rtt_ms / 2 + 100 for a in ages) / len(ages)
            p = lambda q: percentile(ages, q)
            print(f"| {rtt_ms:g} ms | {name} | {p(0.5):.0f} ms | {p(0.9):.0f} ms | {p(0.99):.0f} ms | {p(0.999):.0f} ms | {max(ages):.0f} ms | {late:.2%} |")


if __name__ == "__main__":
    main()

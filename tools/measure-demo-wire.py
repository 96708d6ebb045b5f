#!/usr/bin/env python3
"""Per-client packet rates and wire overhead from a Demo capture (capture.pcapng).

The capture holds every packet's plaintext (prefix + sequence + payload, before encryption) in IPv6/UDP
frames. On the real wire a payload packet is 28 B of IPv4+UDP, the clear header (prefix and 1-8 sequence
bytes, their count minus one in bits 5-7 of the prefix), the plaintext and a 16 B AEAD tag. Overhead = (server->client wire bytes - snapshot message bytes) / snapshot message bytes.
The plaintext is read as TRKNET09 frames it (docs/PROTOCOL.md sections 6-7): an ack header of 3, 4 or 7 bytes, then
records with a 1-byte, 2-byte or no length. The last line breaks the mean server->client packet down by field.

usage: tools/measure-demo-wire.py capture.pcapng [--tag 16]
"""
import struct
import sys
from collections import defaultdict

PAYLOAD = 4
SNAPSHOT = 0x51


def packets(path):
    data = open(path, 'rb').read()
    at = 0
    while at + 12 <= len(data):
        block_type, length = struct.unpack_from('<II', data, at)
        if length < 12:
            break
        if block_type == 6:
            hi, lo, captured = struct.unpack_from('<III', data, at + 12)
            frame = data[at + 28: at + 28 + captured]
            src = (frame[8:24], struct.unpack_from('>H', frame, 40)[0])
            dst = (frame[24:40], struct.unpack_from('>H', frame, 42)[0])
            yield ((hi << 32) | lo) / 1e6, src, dst, frame[48:]
        at += length


def ack_length(payload):
    """Bytes of the ack header: form 0 and 1 take 3, form 2 takes 4, form 3 (the bits written out) 7."""
    return (3, 3, 4, 7)[payload[0] & 3] if payload else 0


def records(payload):
    """Message records after the ack header: (channel, fragment, header bytes, data)."""
    at = ack_length(payload)
    while at < len(payload):
        flags = payload[at]
        channel, fragment = flags & 3, (flags & 4) != 0
        length_bytes = 0 if flags & 0x10 else 1 if flags & 0x08 else 2
        header = 1 + length_bytes + (2 if channel != 0 or fragment else 0) + (4 if fragment else 0)
        if length_bytes == 0:
            length = len(payload) - at - header
        elif length_bytes == 1:
            length = payload[at + 1]
        else:
            length = struct.unpack_from('<H', payload, at + 1)[0]
        yield channel, fragment, header, payload[at + header: at + header + length]
        at += header + length


def main():
    path = sys.argv[1]
    tag = int(sys.argv[sys.argv.index('--tag') + 1]) if '--tag' in sys.argv else 16
    all_packets = list(packets(path))
    ends = defaultdict(int)
    for _, src, dst, _ in all_packets:
        ends[src] += 1
        ends[dst] += 1
    server = max(ends, key=ends.get)
    out = defaultdict(lambda: {'packets': 0, 'wire': 0, 'snapshot': 0, 'first': None, 'last': 0, 'kinds': defaultdict(int), 'only_status': 0})
    inbound = defaultdict(int)
    fields = defaultdict(int)  # bytes per field over every server->client payload packet
    payload_packets = 0
    for time, src, dst, udp in all_packets:
        if src != server:
            inbound[src] += 1
            continue
        c = out[dst]
        c['first'] = time if c['first'] is None else c['first']
        c['last'] = time
        c['packets'] += 1
        c['wire'] += 28 + len(udp) + (tag if udp and udp[0] & 0x0F in (PAYLOAD, 5) else 0)
        if udp and udp[0] & 0x0F == PAYLOAD:
            kinds = []
            sequence_bytes = 1 + ((udp[0] >> 5) & 7)
            plaintext = udp[1 + sequence_bytes:]
            payload_packets += 1
            fields['IPv4 + UDP'] += 28
            fields['prefix'] += 1
            fields['sequence'] += sequence_bytes
            fields['AEAD tag'] += tag
            fields['ack header'] += ack_length(plaintext)
            for channel, fragment, header, data in records(plaintext):
                fields['record headers'] += header
                if data:
                    kinds.append(data[0])
                    c['kinds'][data[0]] += 1
                    fields[f'message 0x{data[0]:02x}'] += len(data)
                    if data[0] == SNAPSHOT:
                        c['snapshot'] += len(data)
            if kinds and SNAPSHOT not in kinds:
                c['only_status'] += 1
    total_packets = total_wire = total_snapshot = 0
    seconds_sum = 0
    for client, c in sorted(out.items(), key=lambda kv: kv[0][1]):
        seconds = max(1e-3, c['last'] - c['first'])
        seconds_sum += seconds
        total_packets += c['packets']
        total_wire += c['wire']
        total_snapshot += c['snapshot']
        overhead = (c['wire'] - c['snapshot']) / c['snapshot'] * 100 if c['snapshot'] else float('nan')
        print(f"client port {client[1]}: {c['packets'] / seconds:.1f} packets/s server->client, "
              f"{inbound[client] / seconds:.1f} client->server, {c['wire'] / seconds:.0f} B/s wire, "
              f"{c['snapshot'] / seconds:.0f} B/s snapshots, overhead {overhead:.0f}%, "
              f"{c['only_status']} packets without a snapshot")
    n = len(out)
    if n and total_snapshot:
        print(f"mean per client: {total_packets / seconds_sum:.1f} packets/s server->client, "
              f"overhead {(total_wire - total_snapshot) / total_snapshot * 100:.0f}% of snapshot payload "
              f"({total_wire / total_packets:.1f} B wire per packet, {total_snapshot / total_packets:.1f} B snapshot)")
    if payload_packets:
        print(f"mean server->client payload packet ({payload_packets} packets), B: " +
              ", ".join(f"{name} {count / payload_packets:.2f}" for name, count in fields.items()))


if __name__ == '__main__':
    main()

using System.Buffers.Binary;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Fuzz.Seeding;

/// <summary>Seed scripts cut from <see cref="RealTraffic"/>, in each target's script encoding.</summary>
internal static class TrafficSeeds
{
    /// <summary>Seeds stay small: the fuzzer's inputs are capped at a few KiB, and short seeds mutate faster.</summary>
    private const int MaxSeedBytes = 3000;

    private static readonly Lazy<RealTraffic> Traffic = new(() => RealTraffic.Record());

    /// <summary>Where a recorded (insecure, so plaintext) packet's payload starts: after its 1–8 sequence bytes.</summary>
    private static int HeaderLength(byte[] datagram) => SealedPacket.TryReadHeader(datagram, out _, out int length) ? length : datagram.Length;

    /// <summary>The first client's payload packets as the server received them, a few per seed, with updates between.</summary>
    public static IEnumerable<byte[]> Payload()
    {
        var source = Traffic.Value.ServerReceived[0].Source;
        var payloads = Traffic.Value.ServerReceived
            .Where(d => d.Source == source && d.Data.Length >= PacketLayout.MinSealedHeaderSize && (d.Data[0] & PacketLayout.TypeMask) is 4 or 5)
            .Select(d => d.Data).ToList();
        return Chunks(payloads, (w, datagram) =>
        {
            int flags = ((datagram[0] & PacketLayout.CompressedFlag) != 0 ? 2 : 0) | ((datagram[0] & PacketLayout.TypeMask) == 5 ? 4 : 0);
            w.Byte(0).Byte(flags).Block(datagram.AsSpan(HeaderLength(datagram)));
            w.Byte(2).Byte(16);
        });
    }

    /// <summary>(flags, plaintext) of the first client's payload packets, for scripts that seal them themselves.</summary>
    public static IEnumerable<(int Flags, byte[] Plaintext)> PayloadPlaintexts()
    {
        var source = Traffic.Value.ServerReceived[0].Source;
        return Traffic.Value.ServerReceived
            .Where(d => d.Source == source && d.Data.Length > HeaderLength(d.Data) && (d.Data[0] & PacketLayout.TypeMask) == 4)
            .Select(d => ((d.Data[0] & PacketLayout.CompressedFlag) != 0 ? 2 : 0, d.Data[HeaderLength(d.Data)..]));
    }

    /// <summary>The real server's payload plaintexts to the first client, after the scripted handshake of the client target.</summary>
    public static IEnumerable<byte[]> ClientPayloads()
    {
        var payloads = Traffic.Value.ClientReceived
            .Where(d => d.Length >= PacketLayout.MinSealedHeaderSize && (d[0] & PacketLayout.TypeMask) is 4 or 5)
            .ToList();
        return Chunks(payloads, (w, datagram) =>
        {
            int flags = ((datagram[0] & PacketLayout.CompressedFlag) != 0 ? 2 : 0) | ((datagram[0] & PacketLayout.TypeMask) == 5 ? 4 : 0);
            w.Byte(3).Byte(flags).Block(datagram.AsSpan(HeaderLength(datagram)));
            w.Byte(5).Byte(4);
        }, ScriptSeeds.ClientHandshake);
    }

    /// <summary>Real snapshots to the first client (kind byte left to the target), an ack and interpolation between.</summary>
    public static IEnumerable<byte[]> Snapshots()
    {
        var snapshots = Traffic.Value.ToClients.Where(m => m.Data.Length > 0 && m.Data[0] == SnapshotFormat.SnapshotMessage).Select(m => m.Data).ToList();
        return Chunks(snapshots, (w, snapshot) =>
        {
            w.Byte(0).Block(snapshot.AsSpan(1));
            w.Byte(3);
            w.Byte(2).Byte(1);
        });
    }

    /// <summary>Real client-to-server messages (of one kind when the target forces it), with ticks between.</summary>
    public static IEnumerable<byte[]> ServerMessages(byte? kind)
    {
        var messages = Traffic.Value.ToServer.Where(m => m.Data.Length > 0 && (kind is null || m.Data[0] == kind)).ToList();
        if (messages.Count == 0 && kind == SnapshotFormat.AckMessage) messages = Corrections();
        return Chunks(messages, (w, message) =>
        {
            w.Byte(4 | ((int)message.Channel << 3)).Byte(0).Block(kind is null ? message.Data : message.Data.AsSpan(1));
            w.Byte(2).Byte(0);
        });
    }

    /// <summary>
    /// Snapshot corrections (0x52, docs/PROTOCOL.md §10.2) for the recorded snapshots' ticks, as a client that dropped
    /// every fourth snapshot sends them: an honest client sends one only after dropping a snapshot, which the recorded game
    /// never does, so the recording has none to cut.
    /// </summary>
    private static List<(ChannelKind Channel, byte[] Data)> Corrections() =>
        Traffic.Value.ToClients
            .Where(m => m.Data.Length >= 5 && m.Data[0] == SnapshotFormat.SnapshotMessage)
            .Select(m => BinaryPrimitives.ReadUInt32LittleEndian(m.Data.AsSpan(1)))
            .Distinct()
            .Select(tick =>
            {
                var correction = new byte[13];
                correction[0] = SnapshotFormat.AckMessage;
                BinaryPrimitives.WriteUInt32LittleEndian(correction.AsSpan(1), tick);
                BinaryPrimitives.WriteUInt64LittleEndian(correction.AsSpan(5), 0xEEEE_EEEE_EEEE_EEEFUL);
                return (ChannelKind.Unreliable, correction);
            })
            .ToList();

    /// <summary>Real server-to-client messages (snapshots, RPCs, input status), with ticks between.</summary>
    public static IEnumerable<byte[]> ClientMessages()
    {
        var messages = Traffic.Value.ToClients.Where(m => m.Data.Length > 0).Select(m => m.Data).ToList();
        return Chunks(messages, (w, message) =>
        {
            w.Byte(0).Block(message);
            w.Byte(3).Byte(16);
        });
    }

    /// <summary>Consecutive items per seed up to the size cap; at most a dozen seeds spread over the recording.</summary>
    private static IEnumerable<byte[]> Chunks<T>(List<T> items, Action<ScriptWriter, T> write, Action<ScriptWriter>? prologue = null)
    {
        if (items.Count == 0) throw new InvalidOperationException("the recording holds nothing for this target");
        var seeds = new List<byte[]>();
        int stride = Math.Max(1, items.Count / 12);
        for (int start = 0; start < items.Count && seeds.Count < 12; start += stride)
        {
            var w = new ScriptWriter();
            prologue?.Invoke(w);
            for (int i = start; i < items.Count && w.Length < MaxSeedBytes / 2; i++) write(w, items[i]);
            seeds.Add(w.ToArray());
        }
        return seeds;
    }
}

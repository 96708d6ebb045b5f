using System.Buffers.Binary;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport.Conformance;

/// <summary>
/// Hostile datagrams from a peer of the same transport kind (it cannot spoof addresses over a stream, so it sends
/// from its own): garbage, truncated and bit-flipped copies of real handshake and payload packets. The server drops
/// them all without an internal error, creates no connection, and its connected client keeps talking.
/// </summary>
public class HostileInputConformanceTests
{
    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void Hostile_datagrams_from_a_peer_do_not_disturb_a_connected_client(WireKind wire)
    {
        using var h = new TransportHarness(wire: wire);
        var client = h.Connect(1, record: true);
        var connection = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        for (int i = 0; i < 5; i++)
        {
            client.Send(ChannelKind.ReliableOrdered, [(byte)i]);
            h.Step();
        }
        var samples = h.ClientWires[0].Sent.Select(s => s.Data).ToList();
        h.ClientWires[0].Enabled = false;
        h.DrainServer();

        var attacker = h.Wire.CreateClient();
        h.Disposables.Add(attacker);
        var random = new Random(77);
        int sent = 0, received = 0, hostile = 0;
        long before = h.Server.Counters.DatagramsReceived;
        Span<byte> message = stackalloc byte[4];
        for (int round = 0; round < 40; round++)
        {
            for (int i = 0; i < 250; i++)
            {
                var sample = samples[random.Next(samples.Count)];
                byte[] datagram = random.Next(4) switch
                {
                    0 => RandomBytes(random, random.Next(1, 1200)),
                    1 => sample[..random.Next(1, sample.Length)],
                    _ => Flip(random, sample),
                };
                SendAll(h, attacker, datagram);
                hostile++;
                // Let the server's side take them in small batches, so no receive buffer overflows whatever the
                // machine's speed: every hostile datagram arrives, on every transport, every run.
                if (hostile % 25 == 0) h.Wire.Settle();
            }
            BinaryPrimitives.WriteInt32LittleEndian(message, sent++);
            Assert.Equal(SendResult.Queued, client.Send(ChannelKind.ReliableOrdered, message));
            h.Step();
            received += Count(h.DrainServer(), ref received);
        }
        Assert.True(h.RunUntil(() => (received += Count(h.DrainServer(), ref received)) >= sent, maxSteps: 50), $"{received} of {sent}");
        Assert.Equal(0, h.Server.Counters.InternalErrors);
        Assert.Equal(1, h.Server.ConnectionCount);
        Assert.Equal(ClientState.Connected, client.State);
        Assert.True(h.Server.Counters.DatagramsReceived - before >= hostile, $"{h.Server.Counters.DatagramsReceived - before} of {hostile} hostile datagrams reached the server");
        Assert.True(h.Server.TryGetStats(connection, out _));
    }

    /// <summary>
    /// Sends one datagram, waiting (wall time, bounded) while a stream transport's send buffer is full: its own task
    /// drains it as the server reads, so the flood is limited by the server's pace, not dropped at random.
    /// </summary>
    private static void SendAll(TransportHarness h, IDatagramTransport attacker, byte[] datagram)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!attacker.TrySend(datagram, h.ServerAddress))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the attacker's transport refused a datagram for 10 s");
            h.Wire.Settle();
            Thread.Yield();
        }
    }

    private static int Count(List<NetEvent> events, ref int received)
    {
        int count = 0;
        foreach (var e in events)
        {
            Assert.NotEqual(NetEventType.Connected, e.Type);
            Assert.NotEqual(NetEventType.Disconnected, e.Type);
            if (e.Type != NetEventType.Message) continue;
            Assert.Equal(received + count, BinaryPrimitives.ReadInt32LittleEndian(e.Data.Span));
            count++;
        }
        return count;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Flip(Random random, byte[] sample)
    {
        var copy = sample.ToArray();
        for (int i = 0, flips = random.Next(1, 4); i < flips; i++) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }
}

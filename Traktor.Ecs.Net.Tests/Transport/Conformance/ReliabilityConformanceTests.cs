using Traktor.Ecs.Net;
using System.Buffers.Binary;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport.Conformance;

/// <summary>
/// The reliability soak over every transport: the link simulator sits above the real socket, so even a stream
/// transport sees datagram loss, duplication and reordering (a stream transport drops datagrams too, when a peer's
/// send buffer is full), and the reliable channels must still deliver exactly once, in order.
/// </summary>
public class ReliabilityConformanceTests
{
    private static LinkConditions Hostile() => new() { LatencyMs = 100, JitterMs = 50, LossPercent = 30, DuplicatePercent = 5, ReorderPercent = 5 };

    internal static int Pump(TransportHarness h, NetClient client, ChannelKind channel, int total, Action<int, int>? onStep = null, int maxSteps = 200_000)
    {
        int sent = 0, received = 0;
        var seen = channel == ChannelKind.ReliableUnordered ? new bool[total] : null;
        Span<byte> message = stackalloc byte[12];
        for (int step = 0; step < maxSteps && received < total; step++)
        {
            while (sent < total && client.GetStats().PendingReliable < 4000)
            {
                BinaryPrimitives.WriteInt32LittleEndian(message, sent);
                Assert.Equal(SendResult.Queued, client.Send(channel, message));
                sent++;
            }
            onStep?.Invoke(step, received);
            h.Step();
            while (h.Server.TryPollEvent(out var e))
            {
                Assert.NotEqual(NetEventType.Disconnected, e.Type);
                if (e.Type != NetEventType.Message) continue;
                int value = BinaryPrimitives.ReadInt32LittleEndian(e.Data.Span);
                if (seen is null) Assert.Equal(received, value);
                else
                {
                    Assert.False(seen[value], $"message {value} delivered twice");
                    seen[value] = true;
                }
                received++;
            }
        }
        return received;
    }

    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void Reliable_ordered_delivers_every_message_once_in_order_over_a_hostile_link(WireKind wire)
    {
        using var h = new TransportHarness(Hostile(), seed: 11, wire: wire);
        var client = h.Connect(1, Hostile(), seed: 12);
        h.DrainServer();
        Assert.Equal(100_000, Pump(h, client, ChannelKind.ReliableOrdered, 100_000));
        Assert.Equal(ClientState.Connected, client.State);
        var stats = client.GetStats();
        Assert.InRange(stats.PacketLossPercent, 20, 50);
        Assert.True(stats.Resends > 0);
    }

    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void Reliable_unordered_delivers_every_message_exactly_once_over_a_hostile_link(WireKind wire)
    {
        using var h = new TransportHarness(Hostile(), seed: 21, wire: wire);
        var client = h.Connect(1, Hostile(), seed: 22);
        h.DrainServer();
        Assert.Equal(20_000, Pump(h, client, ChannelKind.ReliableUnordered, 20_000));
    }

    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void Reliable_channel_recovers_after_three_seconds_of_total_loss(WireKind wire)
    {
        using var h = new TransportHarness(Hostile(), seed: 31, wire: wire);
        var client = h.Connect(1, Hostile(), seed: 32);
        h.DrainServer();
        int blackoutStart = 100, blackoutSteps = (int)(3000 / 16.0);
        int? recoveredAt = null;
        int receivedWhenLinkCameBack = -1;
        int received = Pump(h, client, ChannelKind.ReliableOrdered, 10_000, (step, receivedSoFar) =>
        {
            bool dark = step >= blackoutStart && step < blackoutStart + blackoutSteps;
            double loss = dark ? 100 : 30;
            h.ServerLink.Conditions.LossPercent = loss;
            h.ClientLinks[0].Conditions.LossPercent = loss;
            if (step == blackoutStart + blackoutSteps) receivedWhenLinkCameBack = receivedSoFar;
            else if (receivedWhenLinkCameBack >= 0 && recoveredAt is null && receivedSoFar > receivedWhenLinkCameBack) recoveredAt = step;
        });
        Assert.Equal(10_000, received);
        Assert.NotNull(recoveredAt);
        Assert.True((recoveredAt!.Value - blackoutStart - blackoutSteps) * 16 < 1500, $"recovered after {(recoveredAt.Value - blackoutStart - blackoutSteps) * 16} ms");
    }

    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void Every_channel_carries_messages_both_ways(WireKind wire)
    {
        using var h = new TransportHarness(wire: wire);
        var client = h.Connect(42);
        var hello = Assert.Single(h.DrainServer(), e => e.Type == NetEventType.Connected);
        Assert.True(h.Server.TryGetStats(hello.Connection, out var serverSide));
        Assert.Equal(ExpectedKind(wire), serverSide.Transport);
        Assert.Equal(ExpectedKind(wire), client.GetStats().Transport);
        foreach (ChannelKind channel in Enum.GetValues<ChannelKind>())
        {
            Assert.Equal(SendResult.Queued, client.Send(channel, [1, 2, (byte)channel]));
            Assert.Equal(SendResult.Queued, h.Server.Send(hello.Connection, channel, [9, (byte)channel]));
        }
        // A message of 200 KiB travels in fragments.
        var large = new byte[200 * 1024];
        new Random(3).NextBytes(large);
        Assert.Equal(SendResult.Queued, client.Send(ChannelKind.ReliableOrdered, large));
        for (int i = 0; i < 30; i++) h.Step();
        var atServer = h.DrainServer().Where(e => e.Type == NetEventType.Message).ToList();
        var atClient = TransportHarness.DrainClient(client).Where(e => e.Type == NetEventType.Message).ToList();
        Assert.Equal(5, atServer.Count);
        Assert.Equal(4, atClient.Count);
        Assert.Equal(large, atServer.Single(e => e.Data.Length == large.Length).Data.ToArray());
        foreach (var e in atServer.Where(e => e.Data.Length == 3)) Assert.Equal(new byte[] { 1, 2, (byte)e.Channel }, e.Data.ToArray());
        foreach (var e in atClient) Assert.Equal(new byte[] { 9, (byte)e.Channel }, e.Data.ToArray());
    }

    internal static TransportKind ExpectedKind(WireKind wire) => wire switch
    {
        WireKind.Tcp => TransportKind.Tcp,
        WireKind.WebSocket => TransportKind.WebSocket,
        _ => TransportKind.Udp,
    };
}

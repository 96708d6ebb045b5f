using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net.Tests.Diagnostics;

/// <summary>Counter and statistics types print their values with names and units, not the type name.</summary>
public sealed class CounterTextTests
{
    [Fact]
    public void Rpc_counters_print_their_counts_and_drops_by_reason()
    {
        var counters = new RpcCounters { Sent = 12, Received = 30 };
        Assert.Equal("sent 12, received 30, released early 0, dropped 0", counters.ToString());

        counters.CountDrop(RpcDropReason.WrongDirection);
        counters.CountDrop(RpcDropReason.WrongDirection);
        counters.CountDrop(RpcDropReason.Oversized);
        Assert.Equal("sent 12, received 30, released early 0, dropped 3 (Oversized 1, WrongDirection 2)", counters.ToString());
    }

    [Fact]
    public void Input_replication_and_server_counters_print_every_count_by_name()
    {
        Assert.Equal("inputs accepted 1,600, invalid 1, late 3, early 4, malformed 0; ticks with input 1,590, without 2",
            new InputCounters { Accepted = 1_600, Invalid = 1, Late = 3, Early = 4, Used = 1_590, Missing = 2 }.ToString());
        Assert.Equal("snapshots 240 (61,440 B, largest 512 B), records 1,900, despawns 4, re-encoded 0, invalid acks 0, malformed 0, missing baselines 0, suspicious ticks 0",
            new ReplicationCounters { Snapshots = 240, SnapshotBytes = 61_440, LargestSnapshot = 512, Records = 1_900, Despawns = 4 }.ToString());
        string server = new NetServerCounters { DatagramsReceived = 1_234, Denied = 2 }.ToString();
        Assert.StartsWith("datagrams 1,234 (malformed 0, ", server, StringComparison.Ordinal);
        Assert.Contains("denied 2", server, StringComparison.Ordinal);
        Assert.EndsWith("internal errors 0", server, StringComparison.Ordinal);
    }

    [Fact]
    public void Link_statistics_print_with_units()
    {
        var stats = new NetStats
        {
            RoundTripTimeMs = 48.24, JitterMs = 1.26, PacketLossPercent = 2, BytesInPerSecond = 12_400, BytesOutPerSecond = 3_100,
            PacketsSent = 600, PacketsReceived = 590, BytesSent = 1_200_000, BytesReceived = 3_400_000, Resends = 4,
        };
        Assert.Equal("udp, rtt 48.2 ms, jitter 1.3 ms, loss 2.0 %, in 12.4 kB/s, out 3.1 kB/s, packets 600 sent / 590 received, 1,200,000 B sent / 3,400,000 B received, 4 resends, 0 reliable pending, 0 unreliable dropped",
            stats.ToString());
        Assert.StartsWith("websocket, rtt ", (stats with { Transport = TransportKind.WebSocket }).ToString(), StringComparison.Ordinal);
        Assert.StartsWith("tcp, rtt ", (stats with { Transport = TransportKind.Tcp }).ToString(), StringComparison.Ordinal);
    }
}

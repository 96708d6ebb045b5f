using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// The input status in the snapshot header (TRKNET11, docs/PROTOCOL.md §10.1, §10.4): one byte after the flags, written
/// when the prediction layer has a status for the connection, reported by the client only from its newest snapshot.
/// </summary>
public class SnapshotInputStatusTests
{
    private static readonly ConnectionId WithInput = new(1, 1);
    private static readonly ConnectionId WithoutInput = new(2, 1);

    [Fact]
    public void The_status_rides_in_the_header_of_the_connections_with_input_and_reaches_the_client()
    {
        using var serverWorld = World.Create();
        var server = new ServerReplication(serverWorld, ReplicationWorld.Registry) { InputStatus = new FixedStatus(-3) };
        server.AddConnection(WithInput);
        server.AddConnection(WithoutInput);
        var mover = serverWorld.Create(new Position2 { Value = Vector2.Zero });
        var sink = new Sink();
        serverWorld.Get<Position2>(mover).Value += Vector2.One;
        server.Update(sink);

        Assert.True(server.CarriedInputStatus(WithInput));
        Assert.False(server.CarriedInputStatus(WithoutInput));
        Assert.Equal(SnapshotFormat.AdaptiveFlag | SnapshotFormat.InputStatusFlag, sink.Sent[WithInput][5]);
        Assert.Equal(unchecked((byte)-3), sink.Sent[WithInput][6]);
        Assert.Equal(SnapshotFormat.AdaptiveFlag, sink.Sent[WithoutInput][5]);

        var (client, reports) = Client();
        Assert.True(client.ReceiveSnapshot(sink.Sent[WithInput], 0, 0));
        Assert.Equal([(server.Tick + 1, (sbyte)-3)], reports);
        var (other, none) = Client();
        Assert.True(other.ReceiveSnapshot(sink.Sent[WithoutInput], 0, 0));
        Assert.Empty(none);

        // A tick later the server says it again; a snapshot with nothing in it (no snapshot at all) carries nothing.
        server.Update(sink);
        Assert.False(server.CarriedInputStatus(WithInput));
    }

    [Fact]
    public void Only_the_newest_snapshots_status_is_reported()
    {
        using var serverWorld = World.Create();
        var status = new FixedStatus(1);
        var server = new ServerReplication(serverWorld, ReplicationWorld.Registry) { InputStatus = status };
        server.AddConnection(WithInput);
        var mover = serverWorld.Create(new Position2 { Value = Vector2.Zero });
        var sink = new Sink();
        var snapshots = new List<byte[]>();
        for (int i = 0; i < 2; i++)
        {
            status.Value = (sbyte)(i + 1);
            serverWorld.Get<Position2>(mover).Value += Vector2.One;
            server.Update(sink);
            snapshots.Add(sink.Sent[WithInput]);
            server.ReceiveDelivery(WithInput, server.Tick); // so the next tick sends the change, not a spawn in flight
        }

        var (client, reports) = Client();
        Assert.NotEqual(snapshots[0], snapshots[1]);
        client.ReceiveSnapshot(snapshots[1], 0, 0); // a delta whose baseline is missing: dropped, but its header's status is good
        client.ReceiveSnapshot(snapshots[0], 0, 0); // overtaken: its status is older than the one already taken
        Assert.Equal([(server.Tick + 1, (sbyte)2)], reports);
    }

    [Theory]
    [InlineData(0x04)] // a flag this version does not know
    [InlineData(0x80)]
    public void A_header_with_an_unknown_flag_is_malformed_and_reports_nothing(byte flag)
    {
        var snapshot = OneSnapshot();
        snapshot[5] |= flag;
        var (client, reports) = Client();
        Assert.False(client.ReceiveSnapshot(snapshot, 0, 0));
        Assert.Equal(1, client.Counters.MalformedSnapshots);
        Assert.Empty(reports);
    }

    [Fact]
    public void A_header_that_promises_a_status_and_ends_is_malformed()
    {
        var snapshot = OneSnapshot()[..6];
        var (client, reports) = Client();
        Assert.False(client.ReceiveSnapshot(snapshot, 0, 0));
        Assert.Equal(1, client.Counters.MalformedSnapshots);
        Assert.Empty(reports);
    }

    private static byte[] OneSnapshot()
    {
        using var serverWorld = World.Create();
        var server = new ServerReplication(serverWorld, ReplicationWorld.Registry) { InputStatus = new FixedStatus(2) };
        server.AddConnection(WithInput);
        serverWorld.Create(new Position2 { Value = Vector2.One });
        var sink = new Sink();
        server.Update(sink);
        return sink.Sent[WithInput];
    }

    private static (ClientReplication Client, List<(uint Tick, sbyte Buffered)> Reports) Client()
    {
        var client = new ClientReplication(World.Create(), ReplicationWorld.Registry);
        var reports = new List<(uint, sbyte)>();
        client.InputStatusReceived += (tick, buffered) => reports.Add((tick, buffered));
        return (client, reports);
    }

    private sealed class FixedStatus(sbyte value) : IInputStatusSource
    {
        public sbyte Value { get; set; } = value;

        public bool TryGetInputStatus(ConnectionId connection, out sbyte buffered)
        {
            buffered = Value;
            return connection == WithInput;
        }
    }

    private sealed class Sink : ISnapshotSink
    {
        public Dictionary<ConnectionId, byte[]> Sent { get; } = new();

        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot) => Sent[connection] = snapshot.ToArray();
    }
}

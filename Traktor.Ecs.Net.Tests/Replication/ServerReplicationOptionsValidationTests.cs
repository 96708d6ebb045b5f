using System.Numerics;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// <see cref="ServerReplicationOptions"/> is checked, and copied, when a server's replication is made (attack review 29's
/// leftover). Before, nothing was checked and the caller's object was used live: a <see cref="ServerReplicationOptions.MaxSnapshotBytes"/>
/// of <see cref="int.MaxValue"/> allocated a 2 GiB buffer, one under 64 or a budget of zero never sent a snapshot, an
/// undefined coder made every snapshot undecodable, and a value changed after the checks reached the running server.
/// </summary>
public sealed class ServerReplicationOptionsValidationTests
{
    public static TheoryData<string, object> BadValues => new()
    {
        { nameof(ServerReplicationOptions.TickRate), 0 },
        { nameof(ServerReplicationOptions.TickRate), -60 },
        { nameof(ServerReplicationOptions.TickRate), ServerReplicationOptions.TickRateLimit + 1 },
        { nameof(ServerReplicationOptions.SnapshotRate), -1 },
        { nameof(ServerReplicationOptions.MaxSnapshotBytes), 0 },
        { nameof(ServerReplicationOptions.MaxSnapshotBytes), ServerReplicationOptions.MinMaxSnapshotBytes - 1 },
        { nameof(ServerReplicationOptions.MaxSnapshotBytes), ServerReplicationOptions.MaxSnapshotBytesLimit + 1 },
        { nameof(ServerReplicationOptions.MaxSnapshotBytes), int.MaxValue },
        { nameof(ServerReplicationOptions.BytesPerSecond), 0 },
        { nameof(ServerReplicationOptions.BytesPerSecond), -1 },
        { nameof(ServerReplicationOptions.Coder), (DeltaCoder)2 },
        { nameof(ServerReplicationOptions.SpawnResendTicks), 0 },
        { nameof(ServerReplicationOptions.SpawnResendTicks), 65 },
        { nameof(ServerReplicationOptions.SpawnResendTicks), int.MaxValue },
        { nameof(ServerReplicationOptions.MaxDespawnsPerSnapshot), 0 },
        { nameof(ServerReplicationOptions.MaxDespawnsPerSnapshot), 4097 },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_value_out_of_range_is_refused_when_the_replication_is_made(string option, object value)
    {
        var options = new ServerReplicationOptions();
        typeof(ServerReplicationOptions).GetProperty(option)!.SetValue(options, value);
        using var world = World.Create();

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new ServerReplication(world, ReplicationWorld.Registry, options));
        Assert.Equal(option, refused.ParamName);
    }

    [Fact]
    public void The_bounds_themselves_are_taken()
    {
        using var world = World.Create();
        _ = new ServerReplication(world, ReplicationWorld.Registry, new ServerReplicationOptions
        {
            TickRate = ServerReplicationOptions.TickRateLimit,
            SnapshotRate = 0,
            MaxSnapshotBytes = ServerReplicationOptions.MaxSnapshotBytesLimit,
            BytesPerSecond = int.MaxValue,
            Coder = DeltaCoder.Static,
            SpawnResendTicks = 64,
            MaxDespawnsPerSnapshot = 4096,
        });
        _ = new ServerReplication(world, ReplicationWorld.Registry, new ServerReplicationOptions
        {
            TickRate = 1,
            MaxSnapshotBytes = ServerReplicationOptions.MinMaxSnapshotBytes,
            BytesPerSecond = 1,
            SpawnResendTicks = 1,
            MaxDespawnsPerSnapshot = 1,
        });
    }

    [Fact]
    public void The_largest_snapshot_is_what_the_largest_mtu_carries_unfragmented()
    {
        var options = new NetServerOptions { Insecure = true, Mtu = 8192 };
        using var server = new NetServer(new InMemoryNetwork().CreateTransport(), options);
        Assert.Equal(ServerReplicationOptions.MaxSnapshotBytesLimit, server.MaxUnfragmentedMessageSize);
    }

    [Fact]
    public void Changing_the_callers_object_afterwards_changes_nothing()
    {
        using var world = World.Create();
        var options = new ServerReplicationOptions();
        var server = new ServerReplication(world, ReplicationWorld.Registry, options);
        var connection = new ConnectionId(1, 1);
        server.AddConnection(connection);
        world.Create(new Position2 { Value = Vector2.One });

        // Each of these, read live, stopped every snapshot (a zero byte budget) or made them undecodable.
        options.BytesPerSecond = 0;
        options.MaxSnapshotBytes = int.MaxValue;
        options.Coder = (DeltaCoder)2;
        var sink = new Sink();
        server.Update(sink);

        Assert.Single(sink.Sent);
        Assert.Equal(SnapshotFormatAdaptive, sink.Sent[0][5] & SnapshotFormatAdaptive); // the adaptive flag, with adaptive coding
        Assert.Equal(1100, server.Options.MaxSnapshotBytes);
    }

    [Fact]
    public void The_options_read_back_are_a_copy()
    {
        using var world = World.Create();
        var server = new ServerReplication(world, ReplicationWorld.Registry, new ServerReplicationOptions());

        server.Options.MaxSnapshotBytes = int.MaxValue;
        server.Options.TickRate = 0;

        Assert.Equal(1100, server.Options.MaxSnapshotBytes);
        Assert.Equal(60, server.Options.TickRate);
    }

    [Theory]
    [InlineData(0f, null, "radius")]
    [InlineData(-1f, null, "radius")]
    [InlineData(float.PositiveInfinity, null, "radius")]
    [InlineData(float.NaN, null, "radius")]
    [InlineData(10f, 0f, "cellSize")]
    [InlineData(10f, -5f, "cellSize")]
    [InlineData(10f, float.PositiveInfinity, "cellSize")]
    [InlineData(10f, float.NaN, "cellSize")]
    public void A_relevancy_radius_or_cell_size_that_is_not_positive_and_finite_is_refused_when_made(float radius, float? cellSize, string parameter)
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new SpatialRelevancy<Position2>(p => p.Value, radius, cellSize));
        Assert.Equal(parameter, refused.ParamName);
    }

    /// <summary>The flag byte's adaptive bit (docs/PROTOCOL.md §10.1: kind, tick u32, then the flags).</summary>
    private const int SnapshotFormatAdaptive = 0x01;

    private sealed class Sink : ISnapshotSink
    {
        public List<byte[]> Sent { get; } = new();

        public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot) => Sent.Add(snapshot.ToArray());
    }
}

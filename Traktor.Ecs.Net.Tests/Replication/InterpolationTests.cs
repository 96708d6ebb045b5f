using System.Numerics;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>Remote entities presented by interpolation, end to end over the simulated link.</summary>
public class InterpolationTests
{
    /// <summary>
    /// An entity whose types' <c>SendRate</c> sends it every 4th tick, moving one unit every tick, is shown moving one
    /// unit every frame beside an entity sent at every snapshot: the client presents it at a delay that covers its own
    /// send interval, not the snapshots'.
    /// Before, it was presented at the snapshots' delay and stood still for part of every interval.
    /// </summary>
    [Theory]
    [InlineData(0)]  // a snapshot every tick
    [InlineData(30)] // every 2nd tick: the marker rides every 2nd snapshot
    [InlineData(20)] // every 3rd tick: the marker's 4 ticks round up to 6
    public void An_entity_sent_less_often_than_snapshots_moves_every_frame(int snapshotRate)
    {
        using var setup = new ReplicationWorld(new LinkConditions { LatencyMs = 40 }, new ServerReplicationOptions { SnapshotRate = snapshotRate });
        var marker = setup.ServerWorld.Create(new SlowMarker());
        var runner = setup.ServerWorld.Create(new Position2()); // changes every tick, so every snapshot tick sends one
        var client = setup.AddClient(1, seed: 7);
        var clientWorld = setup.Clients[0].World;
        var query = new QueryDescription().WithAll<SlowMarker>();
        Assert.True(setup.TickUntil(() => clientWorld.CountEntities(in query) == 1, 600), "the marker never reached the client");

        var shown = new List<float>();
        for (int frame = 0; frame < 420; frame++)
        {
            setup.ServerWorld.Get<SlowMarker>(marker).Value.X += 1;
            setup.ServerWorld.Get<Position2>(runner).Value.X += 1;
            setup.Tick();
            if (frame >= 120) // the clock and the spacing estimate have settled
            {
                clientWorld.Query(in query, (ref SlowMarker m) => shown.Add(m.Value.X));
            }
        }

        var steps = shown.Zip(shown.Skip(1), (before, after) => after - before).ToList();
        int stalls = steps.Count(step => step < 0.5f);
        Assert.True(stalls == 0, $"the marker stood still in {stalls} of {steps.Count} frames (client delay {client.Replication.Clock.InterpolationDelayTicks:F1} ticks)");
        Assert.All(steps, step => Assert.InRange(step, 0.5f, 1.5f));
    }

    /// <summary>
    /// Lag compensation rewinds a hit test against a slowly sent entity to where the client drew it: the server's
    /// <c>ViewLagTicks</c> matches the extra interpolation delay the client gives it, so the recorded history at the
    /// client's view tick less that lag is the value on the client's screen (the marker moves one unit a tick, so a
    /// tick of error is a unit). Before, the server rewound it to the snapshots' view tick: 6 units off at a snapshot a
    /// tick, 4 at one every 2nd and 6 at one every 3rd. An entity sent with every snapshot has no lag.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    [InlineData(20)]
    public void Lag_compensation_rewinds_a_slowly_sent_entity_to_where_the_client_drew_it(int snapshotRate)
    {
        using var setup = new ReplicationWorld(new LinkConditions { LatencyMs = 40 }, new ServerReplicationOptions { SnapshotRate = snapshotRate });
        var marker = setup.ServerWorld.Create(new SlowMarker());
        var runner = setup.ServerWorld.Create(new Position2());
        var history = new LagCompensation<SlowMarker>(
            setup.ServerWorld, new QueryDescription(), (a, b, t) => new SlowMarker { Value = Vector2.Lerp(a.Value, b.Value, t) });
        ConnectionId? viewer = null;
        setup.Server.ClientConnected += (connection, _) => viewer = connection;
        var client = setup.AddClient(1, seed: 7);
        var clientWorld = setup.Clients[0].World;
        var query = new QueryDescription().WithAll<SlowMarker>();
        Assert.True(setup.TickUntil(() => clientWorld.CountEntities(in query) == 1, 600), "the marker never reached the client");

        var errors = new List<double>();
        for (int frame = 0; frame < 300; frame++)
        {
            setup.ServerWorld.Get<SlowMarker>(marker).Value.X += 1;
            setup.ServerWorld.Get<Position2>(runner).Value.X += 1;
            setup.Tick();
            history.Record(setup.Server.Replication.Tick);
            if (frame < 120)
            {
                continue; // the clock and the spacing estimate settle
            }

            float drawn = 0;
            clientWorld.Query(in query, (ref SlowMarker m) => drawn = m.Value.X);
            double view = client.Replication.Clock.RenderTick(client.LocalSeconds) - setup.Server.Replication.ViewLagTicks(viewer!.Value, marker);
            Assert.True(history.TryGetAt(marker, view, out var rewound), $"tick {view:F1} is not in the history");
            errors.Add(Math.Abs(rewound.Value.X - drawn));
        }

        Assert.Equal(0, setup.Server.Replication.ViewLagTicks(viewer!.Value, runner));
        Assert.True(errors.Max() < 0.6, $"the rewound marker was up to {errors.Max():F2} units from where the client drew it (mean {errors.Average():F2})");
    }
}

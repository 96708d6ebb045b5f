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
}

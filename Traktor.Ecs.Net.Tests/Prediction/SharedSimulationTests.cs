using System.Numerics;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>
/// One simulation system for both sides, reading its input with <c>world.TryGetInput</c>, and predicted state
/// kept at wire precision by the library (issue 15, items 4 and 5: users had to re-quantize by hand and probe
/// for <c>PredictionContext</c>; without the rounding a body with momentum drifts from the server between
/// snapshots and every snapshot corrects it).
/// </summary>
public class SharedSimulationTests
{
    [Fact]
    public void OneSystemSimulatesOnBothSidesAndAPerfectLinkNeedsNoCorrections()
    {
        using var setup = new ReplicationWorld(new LinkConditions { LatencyMs = 40 }, new ServerReplicationOptions());
        var world = setup.ServerWorld;
        var inputs = new ServerInputs<MoveInput, MoveInputSerializer>(setup.Server);
        setup.ServerGroup.Add(inputs, new GliderSystem(world));
        setup.Server.PlayerConnected += e =>
            setup.Server.SetPlayerEntity(e.Connection, world.Create(new Glider(), new NetworkOwner(e.Connection)));

        var client = setup.AddClient(1, seed: 5);
        var smoothing = new PredictionSmoothing<Glider>(g => new Vector3(g.Position, 0), snapDistance: 100f, minimumCorrection: 0.001f);
        bool steering = true;
        var prediction = new ClientPrediction<MoveInput, MoveInputSerializer>(
            client,
            new Group<float>("predicted", new GliderSystem(client.World)),
            tick => steering ? new MoveInput { X = MathF.Sin(tick * 0.05f), Y = MathF.Cos(tick * 0.031f) } : default,
            options: new ClientPredictionOptions { Smoothing = smoothing });
        setup.Clients[^1].Group.Add(prediction);
        var mine = new QueryDescription().WithAll<Glider, LocalOwner>();
        Assert.True(setup.TickUntil(() => client.World.CountEntities(in mine) == 1, 600), "the glider never reached its owner");

        setup.Tick(120); // the input buffer and the timeline settle
        Assert.True(setup.Server.TryGetPlayerEntity(setup.Server.Connections.Single(), out var serverGlider));
        var clientGlider = client.Replication.Find(world.Get<NetworkId>(serverGlider));
        long before = smoothing.Corrections;
        long mispredictedBefore = prediction.Mispredictions;
        var authoritative = new Dictionary<uint, Vector2>();
        var predicted = new Dictionary<uint, Vector2>();
        for (int i = 0; i < 600; i++)
        {
            setup.Tick();
            authoritative[setup.Server.Replication.Tick] = world.Get<Glider>(serverGlider).Position;
            predicted[prediction.PredictedTick - 1] = client.World.Get<Glider>(clientGlider).Position;
        }

        Assert.True(prediction.ReplayedTicks > 600, $"{prediction.ReplayedTicks} ticks replayed");
        Assert.True(smoothing.Corrections - before <= 2, $"{smoothing.Corrections - before} corrections on a perfect link");
        Assert.True(prediction.Mispredictions - mispredictedBefore <= 2, $"{prediction.Mispredictions - mispredictedBefore} mispredictions on a perfect link");

        // Tick by tick, the client predicted exactly what the server then computed: the same rounded numbers.
        var compared = predicted.Keys.Where(authoritative.ContainsKey).ToList();
        Assert.True(compared.Count > 500, $"{compared.Count} ticks compared");
        int differing = compared.Count(tick => predicted[tick] != authoritative[tick]);
        Assert.True(differing <= 2, $"{differing} of {compared.Count} predicted ticks differ from the server's");
        Assert.True(authoritative.Values.Max(p => p.Length()) > 5, "the glider did not move");
    }

    [Fact]
    public void TheInputOfAnEntityIsItsOwnersOnTheServerAndTheLocalPlayersOnlyForOwnedEntitiesOnAClient()
    {
        using var setup = new ReplicationWorld(new LinkConditions(), new ServerReplicationOptions());
        var world = setup.ServerWorld;
        Assert.Throws<InvalidOperationException>(() => world.GetInput<MoveInput>(Entity.Null)); // no ServerInputs yet
        var inputs = new ServerInputs<MoveInput, MoveInputSerializer>(setup.Server);
        setup.ServerGroup.Add(inputs);
        var unowned = world.Create(new Drone());
        setup.Server.PlayerConnected += e => setup.Server.SetPlayerEntity(e.Connection, world.Create(new Glider(), new NetworkOwner(e.Connection)));
        var client = setup.AddClient(1, seed: 5);
        var prediction = new ClientPrediction<MoveInput, MoveInputSerializer>(
            client, new Group<float>("predicted"), tick => new MoveInput { X = 0.5f });
        setup.Clients[^1].Group.Add(prediction);
        var mine = new QueryDescription().WithAll<Glider, LocalOwner>();
        Assert.True(setup.TickUntil(() => client.World.CountEntities(in mine) == 1 && client.Replication.EntityCount == 2, 600));
        setup.Tick(60);

        Assert.True(setup.Server.TryGetPlayerEntity(setup.Server.Connections.Single(), out var glider));
        Assert.True(world.TryGetInput(glider, out MoveInput serverInput));
        Assert.Equal(0.5f, serverInput.X);
        Assert.False(world.TryGetInput(unowned, out MoveInput _));
        Assert.False(world.IsReplaying<MoveInput>());

        var clientGlider = client.Replication.Find(world.Get<NetworkId>(glider));
        var clientDrone = client.Replication.Find(world.Get<NetworkId>(unowned));
        Assert.True(client.World.TryGetInput(clientGlider, out MoveInput _));
        Assert.False(client.World.TryGetInput(clientDrone, out MoveInput droneInput));
        Assert.Equal(default, droneInput);
    }

    [Fact]
    public void MispredictionsCountTheReplaysThatChangedThePredictedStateExactly()
    {
        using var setup = new ReplicationWorld(new LinkConditions { LatencyMs = 40 }, new ServerReplicationOptions());
        var world = setup.ServerWorld;
        setup.ServerGroup.Add(new ServerInputs<MoveInput, MoveInputSerializer>(setup.Server), new GliderSystem(world));
        setup.Server.PlayerConnected += e =>
            setup.Server.SetPlayerEntity(e.Connection, world.Create(new Glider(), new NetworkOwner(e.Connection)));
        var client = setup.AddClient(1, seed: 7);
        var prediction = new ClientPrediction<MoveInput, MoveInputSerializer>(
            client, new Group<float>("predicted", new GliderSystem(client.World)), tick => new MoveInput { X = 0.5f, Y = MathF.Sin(tick * 0.02f) });
        setup.Clients[^1].Group.Add(prediction);
        var mine = new QueryDescription().WithAll<Glider, LocalOwner>();
        Assert.True(setup.TickUntil(() => client.World.CountEntities(in mine) == 1, 600), "the glider never reached its owner");
        setup.Tick(120); // the input buffer and the timeline settle

        long replays = prediction.Replays, mispredictions = prediction.Mispredictions;
        setup.Tick(300);
        Assert.True(prediction.Replays - replays > 100, $"{prediction.Replays - replays} replays");
        Assert.True(prediction.Mispredictions - mispredictions <= 2, $"{prediction.Mispredictions - mispredictions} mispredictions while the client predicted right");

        // A server-only effect the client cannot foresee: a push of five quanta (0.05).
        Assert.True(setup.Server.TryGetPlayerEntity(setup.Server.Connections.Single(), out var glider));
        mispredictions = prediction.Mispredictions;
        world.Get<Glider>(glider).Position.X += 0.05f;
        setup.Tick(120);
        long caused = prediction.Mispredictions - mispredictions;
        Assert.True(caused is >= 1 and <= 3, $"{caused} mispredictions from one push");
    }

    /// <summary>The same rule on the server (every owned glider, its owner's input) and in the prediction group (the local player's glider).</summary>
    private sealed class GliderSystem(World world) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription gliders = new QueryDescription().WithAll<Glider>();

        public override void Update(in float dt)
        {
            float step = dt;
            World.Query(in gliders, (Entity entity, ref Glider glider) =>
            {
                if (World.TryGetInput(entity, out MoveInput input))
                {
                    glider.Velocity += new Vector2(input.X, input.Y) * (7f * step);
                    glider.Velocity *= 1f - (0.6f * step);
                    glider.Position += glider.Velocity * step;
                }
            });
        }
    }
}

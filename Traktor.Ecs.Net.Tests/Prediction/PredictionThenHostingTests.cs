using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>
/// A player's world predicts as a client, then hosts (a <c>Multiplayer</c> player-hosted session, or a successor after a
/// host migration): its <see cref="ClientPrediction{TInput, TSerializer}"/> stays in the game's group for when it joins
/// others again, and the host's <see cref="ServerInputs{TInput, TSerializer}"/> goes into the same world.
/// </summary>
public class PredictionThenHostingTests
{
    private const ulong Protocol = 0x5052_4544;

    [Fact]
    public void A_world_that_predicted_as_a_client_can_host_with_server_inputs_and_its_prediction_rests_meanwhile()
    {
        var network = new InMemoryNetwork();
        var registry = ReplicationWorld.Registry;

        // First the player plays on someone else's server, predicting its ship.
        using var serverWorld = World.Create();
        var serverSocket = network.CreateTransport();
        var netServer = new NetServer(serverSocket, new NetServerOptions { ProtocolId = Protocol, Insecure = true }, ownsTransport: true);
        var server = new NetworkServer(serverWorld, netServer, registry);
        var serverInputs = new ServerInputs<MoveInput, MoveInputSerializer>(server);
        server.ClientConnected += (connection, _) => serverWorld.Create(new ShipBody(), new Pilot(), new NetworkOwner(connection));
        var serverGroup = new Group<float>("server", server, serverInputs, new MoveByInput(serverWorld));

        using var world = World.Create();
        var netClient = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = Protocol, Insecure = true }, ownsTransport: true);
        var client = new NetworkClient(world, netClient, registry);
        var predictedTicks = new TickCounter(world);
        var prediction = new ClientPrediction<MoveInput, MoveInputSerializer>(client,
            new Group<float>("predicted", new MoveByInput(world), predictedTicks), _ => new MoveInput { X = 1 });
        var playerGroup = new Group<float>("player", client, prediction);
        netClient.ConnectInsecure(serverSocket.LocalAddress, clientId: 2);

        var loop = new NetworkLoop(tickRate: 60).Add(serverGroup, playerGroup);
        void RunUntil(string what, Func<bool> done)
        {
            for (var deadline = DateTime.UtcNow.AddMinutes(1); !done(); Thread.Sleep(1))
            {
                Assert.True(DateTime.UtcNow < deadline, what);
                loop.Update();
            }
        }

        RunUntil("the client predicts", () => prediction.Replays > 10 && predictedTicks.Ticks > 10);

        // That server goes away; the player now hosts in the same world, its prediction still in its group.
        netServer.Dispose();
        loop.Remove(serverGroup);
        RunUntil("the client hears the server shut down", () => netClient.State == ClientState.Disconnected);
        var hostServer = new NetServer(network.CreateTransport(), new NetServerOptions { ProtocolId = Protocol, Insecure = true }, ownsTransport: true);
        var host = new NetworkHost(world, hostServer, registry, localClientId: 2);
        var inputs = new ServerInputs<MoveInput, MoveInputSerializer>(host.Server);   // threw: the prediction held the input source
        Assert.Same(inputs, world.Resources.Get<InputSource<MoveInput>>());
        host.Server.ClientConnected += (connection, _) => world.Create(new ShipBody(), new Pilot(), new NetworkOwner(connection));
        _ = new HostInputs<MoveInput, MoveInputSerializer>(host, _ => new MoveInput { X = 1 });
        var hostGroup = new Group<float>("host", host, inputs, new MoveByInput(world));
        loop.Add(hostGroup);
        int restingAt = predictedTicks.Ticks;
        RunUntil("the host's player plays", () => inputs.CountersFor(host.LocalConnection).Accepted >= 60);

        // The prediction did not simulate the host's ship a second time each tick (it rests while its client is not connected).
        Assert.Equal(restingAt, predictedTicks.Ticks);
        // Its ship moved one step per accepted input (give or take the ticks in flight and wire rounding), not two.
        Entity ship = default;
        world.Query(new QueryDescription().WithAll<ShipBody, LocalOwner>(), (Entity entity) => ship = entity);
        long moved = (long)MathF.Round(world.Get<ShipBody>(ship).Position.X / (ShipRules.Speed / 60f));
        long accepted = inputs.CountersFor(host.LocalConnection).Accepted;
        Assert.InRange(moved, accepted - 3, accepted + 3);

        // Hosting ends: the world's input source is the prediction's again.
        loop.Remove(hostGroup);
        hostGroup.Dispose();
        Assert.Same(prediction, world.Resources.Get<InputSource<MoveInput>>());
        hostServer.Dispose();
    }

    [Fact]
    public void A_second_server_inputs_in_one_world_is_refused_with_a_message_that_says_what_to_do()
    {
        var network = new InMemoryNetwork();
        using var world = World.Create();
        var server = new NetworkServer(world, new NetServer(network.CreateTransport(), new NetServerOptions { ProtocolId = Protocol, Insecure = true }, ownsTransport: true), ReplicationWorld.Registry);
        using var first = new ServerInputs<MoveInput, MoveInputSerializer>(server);
        var refused = Assert.Throws<InvalidOperationException>(() => new ServerInputs<MoveInput, MoveInputSerializer>(server));
        Assert.Contains("one ServerInputs<MoveInput, …> per world", refused.Message);
        Assert.Same(first, world.Resources.Get<InputSource<MoveInput>>());
    }

    /// <summary>Moves every ship by the tick's input of its owner, through the world's input source.</summary>
    private sealed class MoveByInput(World world) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription ships = new QueryDescription().WithAll<ShipBody>();

        public override void Update(in float dt)
        {
            float step = dt;
            World.Query(in ships, (Entity entity, ref ShipBody body) =>
            {
                if (World.TryGetInput(entity, out MoveInput input)) body.Position = ShipRules.Step(body.Position, in input, step);
            });
        }
    }

    /// <summary>Counts the ticks its group ran.</summary>
    private sealed class TickCounter(World world) : BaseSystem<World, float>(world)
    {
        public int Ticks { get; private set; }

        public override void Update(in float dt) => Ticks++;
    }
}

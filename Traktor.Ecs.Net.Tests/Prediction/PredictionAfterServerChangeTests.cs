using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>
/// A predicting client that connects to another server whose ticks are elsewhere (a successor after a host migration
/// continues the lost host's ticks from its replica, seconds behind the timeline the client kept predicting on; a
/// reconnect to another game server starts at its own): the prediction starts over from that server's snapshots.
/// </summary>
public class PredictionAfterServerChangeTests
{
    private const ulong Protocol = 0x5052_4543;

    [Fact]
    public void After_connecting_to_a_server_on_another_timeline_the_inputs_reach_it_in_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
        var network = new InMemoryNetwork();
        using var world = World.Create();
        var netClient = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = Protocol, Insecure = true }, time, ownsTransport: true);
        var client = new NetworkClient(world, netClient, ReplicationWorld.Registry, 60, time);
        var prediction = new ClientPrediction<MoveInput, MoveInputSerializer>(client,
            new Group<float>("predicted", new MoveByInput(world)), _ => new MoveInput { X = 1 });
        var playerGroup = new Group<float>("player", client, prediction);
        playerGroup.Initialize();

        // The first server has run for a minute when the player joins it.
        var first = new Server(network, time);
        first.Tick(3600, time, null);
        netClient.ConnectInsecure(first.Address, clientId: 2);
        first.Tick(180, time, playerGroup);
        Assert.True(first.Inputs.CountersFor(first.Connection).Used > 60, first.Inputs.CountersFor(first.Connection).ToString());

        // It goes away; the player connects to a server that is a minute behind it.
        first.Dispose();
        for (int i = 0; i < 60 && netClient.State != ClientState.Disconnected; i++)
        {
            time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            playerGroup.Tick(1f / 60f);
        }

        Assert.Equal(ClientState.Disconnected, netClient.State);
        long heldBefore = prediction.HeldTicks;
        var second = new Server(network, time);
        netClient.ConnectInsecure(second.Address, clientId: 2);
        second.Tick(120, time, playerGroup);

        // Within two seconds its inputs are used tick after tick: the ship moved on the second server for at least one
        // of them. Before, the prediction went on from the first server's timeline (the replication clock still
        // estimated it) a minute ahead of the second: the server buffered the inputs for ticks a minute away, the
        // client held still a hold at a time, and the ship did not move for that whole time.
        var counters = second.Inputs.CountersFor(second.Connection);
        Assert.True(counters.Used >= 60, counters.ToString());
        Assert.True(second.ShipX >= 60 * ShipRules.Speed / 60f * 0.9f, $"the ship moved {second.ShipX}");
        Assert.Equal(heldBefore, prediction.HeldTicks);
        second.Dispose();
    }

    private sealed class Server : IDisposable
    {
        private readonly World world = World.Create();
        private readonly NetServer transport;
        private readonly Group<float> group;
        private Entity ship = Entity.Null;

        public Server(InMemoryNetwork network, TimeProvider time)
        {
            var socket = network.CreateTransport();
            Address = socket.LocalAddress;
            transport = new NetServer(socket, new NetServerOptions { ProtocolId = Protocol, Insecure = true }, time, ownsTransport: true);
            var server = new NetworkServer(world, transport, ReplicationWorld.Registry);
            Inputs = new ServerInputs<MoveInput, MoveInputSerializer>(server);
            server.ClientConnected += (connection, _) =>
            {
                Connection = connection;
                ship = world.Create(new ShipBody(), new Pilot(), new NetworkOwner(connection));
            };
            group = new Group<float>("server", server, Inputs, new MoveByInput(world));
            group.Initialize();
        }

        public NetAddress Address { get; }

        public ServerInputs<MoveInput, MoveInputSerializer> Inputs { get; }

        public ConnectionId Connection { get; private set; }

        public float ShipX => world.Get<ShipBody>(ship).Position.X;

        public void Tick(int ticks, FakeTimeProvider time, Group<float>? player)
        {
            for (int i = 0; i < ticks; i++)
            {
                time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
                // The player ticks between the server's receive and its send, as over a real network where the
                // packet accepting the connection and the first snapshot arrive in different frames.
                group.BeforeUpdate(1f / 60f);
                player?.Tick(1f / 60f);
                group.Update(1f / 60f);
                group.AfterUpdate(1f / 60f);
            }
        }

        public void Dispose()
        {
            transport.Dispose();
            world.Dispose();
        }
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
}

using System.Diagnostics;
using System.Net;
using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>Listen-server mode: a host that plays in its own world while remote players connect as usual.</summary>
public class HostModeTests
{
    private const ulong Protocol = 0x484F_5354;

    private static bool WithinSpeed(ConnectionId _, uint __, in MoveInput input) => MathF.Abs(input.X) <= 1f && MathF.Abs(input.Y) <= 1f;

    [Fact]
    public void Local_player_and_two_remote_clients_over_UDP_converge_on_the_same_ships()
    {
        var key = ConnectTokenIssuer.GenerateServerKey();
        using var serverSocket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        var serverAddress = NetAddress.FromEndPoint(serverSocket.LocalEndPoint);
        using var transport = new NetServer(serverSocket, new NetServerOptions { ProtocolId = Protocol, PrivateKey = key, PublicAddresses = [serverAddress] });
        var issuer = new ConnectTokenIssuer(key, Protocol);
        using var hostWorld = World.Create();
        var host = new NetworkHost(hostWorld, transport, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 1);
        var inputs = new ServerInputs<MoveInput, MoveInputSerializer>(host.Server, new ServerInputOptions<MoveInput> { Validate = WithinSpeed });
        var ships = new Dictionary<ulong, Entity>();
        host.Server.ClientConnected += (connection, clientId) =>
            ships[clientId] = hostWorld.Create(new ShipBody { Position = new Vector2(clientId * 10f, 0) }, new Pilot { Seat = (int)clientId }, new NetworkOwner(connection));
        bool moving = true;
        var hostInputs = new HostInputs<MoveInput, MoveInputSerializer>(host, _ => moving ? new MoveInput { X = 1 } : default);
        var hostGroup = new Group<float>("host", host, inputs, new ServerShipSystem(hostWorld, inputs));
        hostGroup.Initialize();

        var remotes = new List<(World World, NetworkClient Client, UdpTransport Socket)>();
        var loop = new NetworkLoop(60);
        foreach (var (id, direction) in new[] { (2UL, new Vector2(0, 1)), (3UL, new Vector2(-1, 0)) })
        {
            var socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
            var netClient = new NetClient(socket, new NetClientOptions { ProtocolId = Protocol });
            var world = World.Create();
            var client = new NetworkClient(world, netClient, ReplicationWorld.Registry, 60);
            var prediction = new ClientPrediction<MoveInput, MoveInputSerializer>(
                client, new Group<float>("predicted", new ClientShipSystem(world)), new QueryDescription().WithAll<ShipBody, Pilot>(),
                _ => moving ? new MoveInput { X = direction.X, Y = direction.Y } : default);
            var group = new Group<float>("client", client, prediction);
            group.Initialize();
            loop.Add(group);
            netClient.Connect(issuer.Issue(id, [], TimeSpan.FromMinutes(5), [serverSocket.LocalEndPoint]));
            remotes.Add((world, client, socket));
        }

        loop.Add(hostGroup);
        try
        {
            bool Run(Func<bool> done)
            {
                var deadline = Stopwatch.StartNew();
                while (deadline.Elapsed < TimeSpan.FromSeconds(60))
                {
                    loop.Update();
                    if (done()) return true;
                    Thread.Sleep(1);
                }

                return false;
            }

            Assert.True(Run(() => ships.Count == 3 && remotes.All(r => Count<ShipBody>(r.World) == 3)), "every client sees the three ships");
            var local = host.LocalConnection;
            Assert.True(Run(() => inputs.CountersFor(local).Accepted >= 60
                && ships.Values.All(s => inputs.CountersFor(hostWorld.Get<NetworkOwner>(s).Connection).Accepted >= 60)), "inputs from all three players");
            moving = false;
            Assert.True(Run(() => remotes.All(r => SameShips(hostWorld, r.World))), "the remote clients converge on the host's state");

            // The host's own player went through the server's input path (buffered, validated, counted) and moved.
            Assert.True(hostInputs.Sent >= 60);
            Assert.Equal(0, inputs.CountersFor(local).Invalid);
            Assert.True(hostWorld.Get<ShipBody>(ships[1]).Position.X > 10f + 5f);
            Assert.True(hostWorld.Get<ShipBody>(ships[2]).Position.Y > 5f);
            Assert.True(hostWorld.Get<ShipBody>(ships[3]).Position.X < 30f - 5f);

            // Only the host's ship is tagged as its own; the local player got no snapshots and no packets.
            Assert.True(hostWorld.Has<LocalOwner>(ships[1]));
            Assert.False(hostWorld.Has<LocalOwner>(ships[2]) || hostWorld.Has<LocalOwner>(ships[3]));
            Assert.Equal(2, transport.ConnectionCount);
            Assert.Equal(3, host.Server.Connections.Count);
            Assert.Equal(0, host.LocalMessagesRefused);
        }
        finally
        {
            foreach (var (world, client, socket) in remotes)
            {
                client.Transport.Dispose();
                world.Dispose();
                socket.Dispose();
            }
        }
    }

    [Fact]
    public void The_hosts_inputs_are_validated_like_a_remote_players()
    {
        using var harness = new TransportHarness();
        using var world = World.Create();
        var host = new NetworkHost(world, harness.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 7);
        var inputs = new ServerInputs<MoveInput, MoveInputSerializer>(host.Server, new ServerInputOptions<MoveInput> { Validate = WithinSpeed });
        Entity ship = Entity.Null;
        host.Server.ClientConnected += (connection, _) => ship = world.Create(new ShipBody(), new Pilot { Seat = 7 }, new NetworkOwner(connection));
        var wanted = new MoveInput { X = 5 }; // five times the allowed speed: a cheating host is refused like a cheating client
        var hostInputs = new HostInputs<MoveInput, MoveInputSerializer>(host, _ => wanted);
        var group = new Group<float>("host", host, inputs, new ServerShipSystem(world, inputs));
        group.Initialize();
        void Tick(int n)
        {
            for (int i = 0; i < n; i++)
            {
                harness.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
                float dt = 1f / 60f;
                group.Tick(in dt);
            }
        }

        Tick(30);
        Assert.Equal(30, inputs.CountersFor(host.LocalConnection).Invalid);
        Assert.True(world.Get<ShipBody>(ship).Position.Length() < 0.01f); // at rest (the server rounds state to the wire's precision)
        Assert.True(world.Has<LocalOwner>(ship));

        wanted = new MoveInput { X = 1 };
        Tick(60);
        Assert.Equal(60, inputs.CountersFor(host.LocalConnection).Accepted);
        Assert.Equal(30, inputs.CountersFor(host.LocalConnection).Missing); // only the refused ones: each valid input served the tick it was sampled for
        Assert.Equal(10f, world.Get<ShipBody>(ship).Position.X, 0.2f); // 60 ticks at 10/s, each step rounded to the wire's grid
        Assert.Equal(90, hostInputs.Sent);
    }

    [Fact]
    public void The_hosts_RPCs_pass_the_servers_rules_and_name_the_local_connection()
    {
        using var harness = new TransportHarness();
        using var world = World.Create();
        var host = new NetworkHost(world, harness.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 7);
        var rpcs = new RpcServer(host.Server, RpcWorld.Rpcs).AllowFromClients<FireCommand>();
        var seen = new List<(int Weapon, RpcSource Source)>();
        var group = new Group<float>("host", host, new RpcCapture(world, seen));
        group.Initialize();
        float dt = 1f / 60f;
        group.Tick(in dt); // the local player connects

        Assert.Equal(SendResult.Queued, host.SendRpc(new FireCommand { Weapon = 3 }));
        Assert.Equal(SendResult.Queued, host.SendRpc(new ScoreAnnouncement { Score = 1 })); // server-only: refused like a client's
        group.Tick(in dt);

        var (weapon, source) = Assert.Single(seen);
        Assert.Equal(3, weapon);
        Assert.Equal(host.LocalConnection, source.Connection);
        Assert.False(source.IsLocal);
        Assert.Equal(1, rpcs.Counters.DroppedFor(RpcDropReason.WrongDirection));
    }

    [Fact]
    public void The_local_player_sends_to_the_server_as_a_client_does_with_world_SendRpc()
    {
        // A Multiplayer player hosts or joins, and a migration turns a joiner into the host: its game sends the same way in
        // both roles. Before, the host's world.SendRpc(rpc, RpcTarget.Server) threw "the server cannot send an RPC to itself".
        using var harness = new TransportHarness();
        using var world = World.Create();
        var host = new NetworkHost(world, harness.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 7);
        var rpcs = new RpcServer(host.Server, RpcWorld.Rpcs).AllowFromClients<FireCommand>();
        var seen = new List<(int Weapon, RpcSource Source)>();
        var group = new Group<float>("host", host, new RpcCapture(world, seen));
        group.Initialize();
        float dt = 1f / 60f;
        group.Tick(in dt); // the local player connects

        Assert.Equal(Entity.Null, world.SendRpc(new FireCommand { Weapon = 4 }, RpcTarget.Server));
        world.SendRpc(new ScoreAnnouncement { Score = 1 }, RpcTarget.Server);   // server-only: refused like a client's
        group.Tick(in dt);

        var (weapon, source) = Assert.Single(seen);
        Assert.Equal(4, weapon);
        Assert.Equal(host.LocalConnection, source.Connection);
        Assert.Equal(1, rpcs.Counters.DroppedFor(RpcDropReason.WrongDirection));
    }

    [Fact]
    public void The_host_tells_which_of_its_outgoing_RPCs_are_meant_for_its_own_player()
    {
        // Nothing reaches the local connection, so the host's game reads them from the outgoing entities; before, their
        // target (RpcOutgoing) was internal and the game could not tell an RPC to another player from one to itself.
        using var harness = new TransportHarness();
        using var world = World.Create();
        var host = new NetworkHost(world, harness.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 7);
        _ = new RpcServer(host.Server, RpcWorld.Rpcs).AllowFromClients<FireCommand>();
        var received = new List<Entity>();
        var verdicts = new List<bool>();
        var group = new Group<float>("host", host, new Probe(world, e => verdicts.Add(host.IsForLocalPlayer(e)), received));
        group.Initialize();
        float dt = 1f / 60f;
        group.Tick(in dt); // the local player connects
        var local = host.LocalConnection;
        var other = new ConnectionId(3, 1);

        Assert.True(host.IsForLocalPlayer(world.SendRpc(new ScoreAnnouncement { Score = 1 }, RpcTarget.AllClients)));
        Assert.True(host.IsForLocalPlayer(world.SendRpc(new ScoreAnnouncement { Score = 2 }, RpcTarget.To(local))));
        Assert.True(host.IsForLocalPlayer(world.SendRpc(new ScoreAnnouncement { Score = 3 }, RpcTarget.AllExcept(other))));
        Assert.False(host.IsForLocalPlayer(world.SendRpc(new ScoreAnnouncement { Score = 4 }, RpcTarget.To(other))));
        Assert.False(host.IsForLocalPlayer(world.SendRpc(new ScoreAnnouncement { Score = 5 }, RpcTarget.AllExcept(local))));
        Assert.False(host.IsForLocalPlayer(world.Create(new ScoreAnnouncement { Score = 6 })));   // not an RPC being sent

        Assert.Equal(SendResult.Queued, host.SendRpc(new FireCommand { Weapon = 1 }));           // received from the local player
        group.Tick(in dt);
        Assert.Single(received);
        Assert.Equal([false], verdicts);   // a received RPC is the server's to handle, not the local player's

        host.LeaveLocalPlayer();
        group.Tick(in dt);
        Assert.False(host.IsForLocalPlayer(world.SendRpc(new ScoreAnnouncement { Score = 7 }, RpcTarget.AllClients)));   // nobody local to deliver to
    }

    [Fact]
    public void The_local_player_leaves_and_joins_like_a_remote_one()
    {
        using var harness = new TransportHarness();
        using var world = World.Create();
        var host = new NetworkHost(world, harness.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 7);
        var events = new List<string>();
        var ships = new Dictionary<ConnectionId, Entity>();
        host.Server.ClientConnected += (c, id) =>
        {
            events.Add($"+{id}");
            ships[c] = world.Create(new ShipBody(), new NetworkOwner(c));
        };
        host.Server.ClientDisconnected += (c, reason) =>
        {
            events.Add($"-{reason}");
            world.Destroy(ships[c]);
        };
        var group = new Group<float>("host", host);
        group.Initialize();
        float dt = 1f / 60f;
        group.Tick(in dt);
        var first = host.LocalConnection;
        Assert.True(host.Server.IsLocal(first));

        host.LeaveLocalPlayer();
        Assert.Equal(SendResult.NotConnected, host.SendFromLocalPlayer([0x70]));
        group.Tick(in dt);
        host.JoinLocalPlayer();
        group.Tick(in dt);

        Assert.Equal(["+7", "-ClientDisconnected", "+7"], events);
        Assert.NotEqual(first, host.LocalConnection);
        var ship = Assert.Single(ships, s => world.IsAlive(s.Value)).Value;
        Assert.True(world.Has<LocalOwner>(ship));
    }

    [Fact]
    public void A_remote_client_presenting_the_hosts_client_id_is_refused_and_the_host_keeps_its_ship()
    {
        // Before: the server took it for the host's player coming back (Reconnected) and handed it the host's ship.
        using var harness = new TransportHarness();
        using var world = World.Create();
        var host = new NetworkHost(world, harness.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 7);
        var joined = new List<(ulong Id, bool Reconnected)>();
        host.Server.PlayerConnected += player =>
        {
            joined.Add((player.ClientId, player.Reconnected));
            if (!player.Reconnected) host.Server.SetPlayerEntity(player.Connection, world.Create(new ShipBody(), new NetworkOwner(player.Connection)));
        };
        var group = new Group<float>("host", host);
        group.Initialize();
        float dt = 1f / 60f;
        group.Tick(in dt);

        var impostor = harness.AddClient();
        impostor.Connect(harness.IssueToken(7));   // a valid token, for the host's own identity
        var honest = harness.AddClient(seed: 3);
        honest.Connect(harness.IssueToken(8));
        for (int i = 0; i < 300 && !(impostor.State == ClientState.Disconnected && honest.State == ClientState.Connected && joined.Count == 2); i++)
        {
            harness.Step();
            group.Tick(in dt);
        }

        Assert.Equal(ClientState.Disconnected, impostor.State);
        Assert.Equal(DisconnectReason.AlreadyConnected, impostor.LastDisconnectReason);
        Assert.Equal(ClientState.Connected, honest.State);
        Assert.Equal([(7UL, false), (8UL, false)], joined);
        Assert.True(host.Server.TryGetPlayerEntity(host.LocalConnection, out var ship));
        Assert.Equal(host.LocalConnection, world.Get<NetworkOwner>(ship).Connection);
        Assert.True(world.Has<LocalOwner>(ship));
        for (int i = 0; i < 30; i++)
        {
            harness.Step();
            group.Tick(in dt);
        }

        Assert.Equal(2, host.Server.Connections.Count);   // the host's player and the honest one; the impostor left no trace
    }

    private static int Count<T>(World world)
        where T : struct => world.CountEntities(new QueryDescription().WithAll<T>());

    /// <summary>Every ship of the host is on the client, at the host's position (to the wire's 0.01 quantization).</summary>
    private static bool SameShips(World host, World client)
    {
        var onHost = Positions(host);
        var onClient = Positions(client);
        return onHost.Count == onClient.Count
            && onHost.All(s => onClient.TryGetValue(s.Key, out var p) && Vector2.Distance(p, s.Value) < 0.011f);
    }

    private static Dictionary<NetworkId, Vector2> Positions(World world)
    {
        var result = new Dictionary<NetworkId, Vector2>();
        foreach (ref var chunk in world.Query(new QueryDescription().WithAll<ShipBody, NetworkId>()))
        {
            var bodies = chunk.GetReadOnlySpan<ShipBody>();
            var ids = chunk.GetReadOnlySpan<NetworkId>();
            for (int i = 0; i < bodies.Length; i++) result[ids[i]] = bodies[i].Position;
        }

        return result;
    }

    private sealed class Probe(World world, Action<Entity> judge, List<Entity> received) : BaseSystem<World, float>(world)
    {
        public override void Update(in float dt)
        {
            foreach (ref var chunk in World.Query(new QueryDescription().WithAll<FireCommand, RpcSource>()))
            {
                foreach (var entity in chunk.Entities)
                {
                    received.Add(entity);
                    judge(entity);
                }
            }
        }
    }

    private sealed class RpcCapture(World world, List<(int Weapon, RpcSource Source)> seen) : BaseSystem<World, float>(world)
    {
        public override void Update(in float dt)
        {
            foreach (ref var chunk in World.Query(new QueryDescription().WithAll<FireCommand, RpcSource>()))
            {
                var commands = chunk.GetReadOnlySpan<FireCommand>();
                var sources = chunk.GetReadOnlySpan<RpcSource>();
                for (int i = 0; i < commands.Length; i++) seen.Add((commands[i].Weapon, sources[i]));
            }
        }
    }
}

using System.Numerics;
using Traktor.Ecs;
using Traktor.Ecs.Net;
using Traktor.Ecs.Systems;

namespace Skirmish;

/// <summary>The whole game in one process: a server and three players over loopback UDP through link simulators.</summary>
public sealed class Game : IDisposable
{
    public const int TickRate = 60;
    public static readonly ReplicationRegistry Registry = ReplicationRegistry.FromLoadedSchemas();
    public static readonly RpcRegistry Rpcs = RpcRegistry.FromLoadedSchemas();
    public static readonly NetClientOptions ClientOptions = new() { ProtocolId = 0x5348, SchemaHash = Registry.ProtocolHash, Insecure = true };
    private static readonly QueryDescription Positioned = new QueryDescription().WithAll<Position, NetworkId>();
    private readonly NetServer transport;

    public Game(LinkConditions link, int players = 3)
    {
        var socket = UdpTransport.Bind();
        transport = new NetServer(new LinkSimulator(socket, link, TimeProvider.System, seed: 0),   // its Dispose closes the socket
            new NetServerOptions { ProtocolId = ClientOptions.ProtocolId, SchemaHash = Registry.ProtocolHash, Insecure = true }, ownsTransport: true);
        Server = new NetworkServer(ServerWorld, transport, Registry, new ServerReplicationOptions { TickRate = TickRate });
        new RpcServer(Server, Rpcs).AllowFromClients<Chat>().AllowFromClients<Fire>();
        Server.PlayerConnected += joined =>
        {
            if (joined.Reconnected) return;                             // a returning player keeps its ship
            var start = new Vector2(joined.ClientId * 20f, 0);
            Server.SetPlayerEntity(joined.Connection, ServerWorld.Create(
                new Ship { Position = start }, new Position { Value = start }, new NetworkOwner(joined.Connection)));
        };
        var inputs = new ServerInputs<Steer, SteerSerializer>(Server);
        Loop.Add(new Group<float>("server", Server, inputs, new ShipSystem(ServerWorld), new ServerRules(ServerWorld, Server)));
        var address = NetAddress.Parse($"127.0.0.1:{socket.LocalEndPoint.Port}");
        Players.AddRange(Enumerable.Range(1, players).Select(id => new Player(id, address, link)));
        Players.ForEach(player => Loop.Add(player.Group));
    }

    public World ServerWorld { get; } = World.Create();
    public NetworkServer Server { get; }
    public List<Player> Players { get; } = new();
    public NetworkLoop Loop { get; } = new(TickRate);

    /// <summary>The scenario: everyone plays, one player drops and comes back, hands off until all agree, stats.</summary>
    public static Game Play(TextWriter output)
    {
        var game = new Game(new LinkConditions { LatencyMs = 30, JitterMs = 5, LossPercent = 1 });
        var leaver = game.Players[^1];
        game.RunUntil("everyone chatted, shot and saw a bullet expire", () => game.Players.All(player => player.SawItAll));
        leaver.Transport.Disconnect();
        game.RunUntil("the server saw the player leave", () => game.Server.Connections.Count == game.Players.Count - 1);
        leaver.ChatsHeard = leaver.ShotsSeen = 0;
        leaver.Connect();                                                // back within the grace period: the same ship
        game.RunUntil("the player is back in the game", () => leaver.SawItAll);
        game.Players.ForEach(player => player.Active = false);
        game.RunUntil("every player sees what the server sees", () => game.Players.All(game.Agrees));
        foreach (var player in game.Players)
        {
            var stats = player.Transport.GetStats();
            output.WriteLine($"player {player.Id}: rtt {stats.RoundTripTimeMs:F0} ms, loss {stats.PacketLossPercent:F1} %, " +
                $"in {stats.KilobytesInPerSecond:F1} KB/s, out {stats.KilobytesOutPerSecond:F1} KB/s, " +
                $"mispredictions {player.Prediction.Mispredictions}, chats heard {player.ChatsHeard}, shots seen {player.ShotsSeen}");
        }

        return game;
    }

    /// <summary>Runs the loop until <paramref name="done"/> holds; a minute of wall clock is plenty even on a busy machine.</summary>
    public void RunUntil(string what, Func<bool> done)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(1); !done(); Thread.Sleep(1))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within a minute: {what}");
            Loop.Update();                                               // a game with a renderer calls this every frame
        }
    }

    /// <summary>True when <paramref name="player"/> has every replicated entity where the server has it.</summary>
    public bool Agrees(Player player)
    {
        var (expected, seen) = (Positions(ServerWorld), Positions(player.World));
        return expected.Count == seen.Count && expected.All(e => seen.TryGetValue(e.Key, out var at) && Vector2.Distance(at, e.Value) <= 0.011f);
    }

    public static Dictionary<NetworkId, Vector2> Positions(World world)
    {
        var positions = new Dictionary<NetworkId, Vector2>();
        world.Query(in Positioned, (ref Position p, ref NetworkId id) => positions[id] = p.Value);
        return positions;
    }

    public void Dispose()
    {
        Players.ForEach(player => { player.Transport.Dispose(); player.World.Dispose(); });
        transport.Dispose();
        ServerWorld.Dispose();
    }
}

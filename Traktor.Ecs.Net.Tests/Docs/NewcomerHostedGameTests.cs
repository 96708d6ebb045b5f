namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// A small game written from README.md and docs/ alone, as a newcomer would: one player hosts (docs/P2P.md,
/// "Host mode") and two more join over loopback UDP, every ship is predicted by its owner (README, "Prediction and
/// input commands"), and every player cheers once through an RPC the host relays to everyone (docs/rpc.md). It is
/// compiled and run the way a user's console project would be (<see cref="SnippetCompiler.Run"/>).
/// </summary>
[Collection(Traktor.Ecs.Net.Tests.Rpc.ConsoleErrorCollection.Name)]
public class NewcomerHostedGameTests
{
    private const string Game = """
        using System.Numerics;
        using Traktor.Ecs;
        using Traktor.Ecs.Net;
        using Traktor.Ecs.Systems;
        using CheerGame;

        var registry = ReplicationRegistry.FromLoadedSchemas();
        var rpcRegistry = RpcRegistry.FromLoadedSchemas();

        // The host: a world, a NetServer over UDP, and a NetworkHost in place of a NetworkServer. Its own player is client 1.
        using var world = World.Create();
        using var transport = new NetServer(UdpTransport.Bind(), new NetServerOptions { ProtocolId = 7, Insecure = true, SchemaHash = registry.ProtocolHash }, ownsTransport: true);
        var host = new NetworkHost(world, transport, registry, localClientId: 1);
        host.Server.PlayerConnected += joined =>
        {
            if (joined.Reconnected) return;
            var ship = world.Create(new Ship(), new NetworkOwner(joined.Connection));
            host.Server.SetPlayerEntity(joined.Connection, ship);
        };
        var inputs = new ServerInputs<Steer, SteerSerializer>(host.Server);
        var rpcs = new RpcServer(host.Server, rpcRegistry).AllowFromClients<Cheer>();
        var hostCheers = new HostCheers(world, host);
        new HostInputs<Steer, SteerSerializer>(host, tick => new Steer { X = -1 });
        var hostGroup = new Group<float>("host", host, inputs, new ShipSystem(world), new CheerRelay(world), hostCheers);

        // Two players join over loopback: the host's port on 127.0.0.1 (not transport.LocalAddress, which is [::]:port).
        var hostAddress = NetAddress.Parse($"127.0.0.1:{transport.LocalAddress.Port}");
        var players = new List<Player>();
        var loop = new NetworkLoop(tickRate: 60).Add(hostGroup);
        foreach (var (id, steer) in new[] { (2UL, new Steer { X = 1 }), (3UL, new Steer { Y = 1 }) })
        {
            var player = new Player(id, registry, rpcRegistry, steer);
            players.Add(player);
            loop.Add(player.Group);
            player.NetClient.ConnectInsecure(hostAddress, clientId: id);
        }

        bool RunUntil(Func<bool> done)
        {
            for (var deadline = DateTime.UtcNow.AddMinutes(1); !done(); Thread.Sleep(1))
            {
                if (DateTime.UtcNow > deadline) return false;
                loop.Update();
            }

            return true;
        }

        // Once everyone is in, the host's player cheers as any player would: an RPC to the server, from its own world.
        // The others cheer back when they hear it (a cheer relayed before a player joined would not reach that player).
        if (!RunUntil(() => players.All(p => p.NetClient.State == ClientState.Connected))) return 1;
        world.SendRpc(new Cheer { From = 1 }, RpcTarget.Server);

        // Play until every player heard all three cheers and has flown for two seconds.
        if (!RunUntil(() => loop.Ticks >= 180 && hostCheers.Heard.Count == 3 && players.All(p => p.Cheers.Heard.Count == 3))) return 2;

        var ships = new QueryDescription().WithAll<Ship, NetworkOwner>();
        world.Query(in ships, (ref Ship ship, ref NetworkOwner owner) =>
        {
            host.Server.TryGetClientId(owner.Connection, out ulong id);
            Console.WriteLine($"host world: ship of player {id} at {Direction(ship.Position)}");
        });
        Console.WriteLine($"player 1 (host) heard cheers from {string.Join(", ", hostCheers.Heard.Order())}");
        foreach (var player in players)
        {
            var mine = new QueryDescription().WithAll<Ship, LocalOwner>();
            player.World.Query(in mine, (ref Ship ship) => Console.WriteLine($"player {player.Id}: my predicted ship at {Direction(ship.Position)}"));
            Console.WriteLine($"player {player.Id} heard cheers from {string.Join(", ", player.Cheers.Heard.Order())}");
        }

        foreach (var player in players) player.Dispose();
        return 0;

        static string Direction(Vector2 p) => p.X > 1 ? "+X" : p.X < -1 ? "-X" : p.Y > 1 ? "+Y" : p.Y < -1 ? "-Y" : "the start";

        namespace CheerGame
        {
            [Replicated(Audience = Audience.Owner, Smoothing = Smoothing.Predict)]
            public struct Ship { [Range(-4096, 4096)] [Quantize(0.01f)] public Vector2 Position; }

            [NetInput]
            public struct Steer { [Range(-1, 1)] [Quantize(0.01f)] public float X, Y; }

            /// <summary>A player tells the host it cheers.</summary>
            [Rpc] public struct Cheer { [Range(0, 255)] public int From; }

            /// <summary>The host tells every player who cheered.</summary>
            [Rpc] public struct Cheered { [Range(0, 255)] public int From; }

            /// <summary>One rule for every ship: the host simulates them all, each player predicts its own.</summary>
            public sealed class ShipSystem(World world) : BaseSystem<World, float>(world)
            {
                private readonly QueryDescription ships = new QueryDescription().WithAll<Ship>();

                public override void Update(in float dt)
                {
                    float step = dt;
                    World.Query(in ships, (Entity entity, ref Ship ship) =>
                    {
                        if (World.TryGetInput(entity, out Steer steer)) ship.Position += new Vector2(steer.X, steer.Y) * 5f * step;
                    });
                }
            }

            /// <summary>On the host: every Cheer a player sent (the host's player included) goes to every player.</summary>
            public sealed class CheerRelay(World world) : BaseSystem<World, float>(world)
            {
                private readonly QueryDescription cheers = new QueryDescription().WithAll<Cheer, RpcSource>();

                public override void Update(in float dt) =>
                    World.Query(in cheers, (ref Cheer cheer) => World.SendRpc(new Cheered { From = cheer.From }, RpcTarget.AllClients));
            }

            /// <summary>On the host: the host's own player hears a Cheered as the outgoing event entity meant for it.</summary>
            public sealed class HostCheers(World world, NetworkHost host) : BaseSystem<World, float>(world)
            {
                private readonly QueryDescription outgoing = new QueryDescription().WithAll<Cheered>().WithNone<RpcSource>();

                public HashSet<int> Heard { get; } = [];

                public override void Update(in float dt) =>
                    World.Query(in outgoing, (Entity entity, ref Cheered cheered) =>
                    {
                        if (host.IsForLocalPlayer(entity)) Heard.Add(cheered.From);
                    });
            }

            /// <summary>On a player: note every Cheered the host sends, and cheer back at the host's cheer.</summary>
            public sealed class PlayerCheers(World world, int id) : BaseSystem<World, float>(world)
            {
                private readonly QueryDescription received = new QueryDescription().WithAll<Cheered, RpcSource>();

                public HashSet<int> Heard { get; } = [];

                public override void Update(in float dt) =>
                    World.Query(in received, (ref Cheered cheered) =>
                    {
                        if (Heard.Add(cheered.From) && cheered.From == 1) World.SendRpc(new Cheer { From = id }, RpcTarget.Server);
                    });
            }

            /// <summary>A remote player: its world, client, prediction and RPCs, the README's client half.</summary>
            public sealed class Player : IDisposable
            {
                public Player(ulong id, ReplicationRegistry registry, RpcRegistry rpcRegistry, Steer steer)
                {
                    Id = id;
                    World = World.Create();
                    NetClient = new NetClient(UdpTransport.Bind(), new NetClientOptions { ProtocolId = 7, Insecure = true, SchemaHash = registry.ProtocolHash }, ownsTransport: true);
                    Client = new NetworkClient(World, NetClient, registry);
                    new RpcClient(Client, rpcRegistry);
                    var prediction = new ClientPrediction<Steer, SteerSerializer>(Client,
                        new Group<float>("predicted", new ShipSystem(World)), tick => steer);
                    Cheers = new PlayerCheers(World, (int)id);
                    Group = new Group<float>($"player {id}", Client, prediction, Cheers);
                }

                public ulong Id { get; }
                public World World { get; }
                public NetClient NetClient { get; }
                public NetworkClient Client { get; }
                public PlayerCheers Cheers { get; }
                public Group<float> Group { get; }

                public void Dispose()
                {
                    NetClient.Dispose();
                    World.Dispose();
                }
            }
        }
        """;

    [Fact]
    public void A_hosted_game_with_two_players_over_UDP_predicts_every_ship_and_relays_every_cheer()
    {
        var (exitCode, output) = SnippetCompiler.Run(Game);

        Assert.True(exitCode == 0, $"exit code {exitCode}: {output}");
        string[] expected =
        [
            "host world: ship of player 1 at -X",
            "host world: ship of player 2 at +X",
            "host world: ship of player 3 at +Y",
            "player 1 (host) heard cheers from 1, 2, 3",
            "player 2: my predicted ship at +X",
            "player 2 heard cheers from 1, 2, 3",
            "player 3: my predicted ship at +Y",
            "player 3 heard cheers from 1, 2, 3",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }
}

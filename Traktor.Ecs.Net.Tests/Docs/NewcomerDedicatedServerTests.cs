namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// A small game written from README.md and docs/ alone, as a newcomer would: a dedicated server (docs/replication.md,
/// "Running the tick": <c>await loop.RunAsync(token)</c>) and two players who log in to embedded online services
/// (docs/ONLINE-API.md, "Using the services from C#") and connect over loopback UDP with the connect tokens their
/// logins return (docs/TRANSPORT.md). Interest management (README, "Options": <c>SpatialRelevancy</c>) shows the
/// beacon only to the player near it; the beacon is sent 15 times a second and interpolated between (docs/replication.md,
/// "One client tick"); the player who sees it claims it with an RPC the server checks (README, "RPCs"); the server
/// writes the match's points to a leaderboard. Compiled and run as a user's console project (<see cref="SnippetCompiler.Run"/>).
/// </summary>
[Collection(Traktor.Ecs.Net.Tests.Rpc.ConsoleErrorCollection.Name)]
public class NewcomerDedicatedServerTests
{
    private const string Game = """
        using System.Numerics;
        using System.Security.Cryptography;
        using Traktor.Ecs;
        using Traktor.Ecs.Net;
        using Traktor.Ecs.Net.Online;
        using Traktor.Ecs.Net.Online.Authentication;
        using Traktor.Ecs.Systems;
        using BeaconGame;

        const ulong ProtocolId = 0x5452414B;
        var registry = ReplicationRegistry.FromLoadedSchemas();
        var rpcRegistry = RpcRegistry.FromLoadedSchemas();

        // The dedicated server's socket comes first: logins hand out connect tokens naming its address.
        var socket = UdpTransport.Bind();
        var serverAddress = NetAddress.Parse($"127.0.0.1:{socket.LocalAddress.Port}");
        byte[] gameServerKey = ConnectTokenIssuer.GenerateServerKey();

        // Online services, embedded on SQLite: accounts whose logins carry connect tokens, and a leaderboard.
        string database = Path.Combine(Path.GetTempPath(), $"beacon-{Guid.NewGuid():N}.db");
        var online = await OnlineServices.OpenSqliteAsync(database, new OnlineServicesOptions
        {
            Authentication = new AuthenticationOptions { TokenSigningKey = RandomNumberGenerator.GetBytes(32) },
            ConnectTokenIssuer = new TransportConnectTokenIssuer(new ConnectTokenIssuer(gameServerKey, ProtocolId, TimeProvider.System), [serverAddress]),
        });
        await online.Leaderboards.DefineLeaderboardAsync(new LeaderboardDefinition("beacon-points"));
        var alice = await online.Authentication.RegisterAsync("alice", "correct horse");
        var bob = await online.Authentication.RegisterAsync("bob", "battery staple");

        // The server: interest management by Position, players' ships at their spawn points, the beacon near alice's.
        using var world = World.Create();
        var netServer = new NetServer(socket, new NetServerOptions
        {
            ProtocolId = ProtocolId, PrivateKey = gameServerKey, SchemaHash = registry.ProtocolHash, PublicAddresses = [serverAddress],
        }, ownsTransport: true);
        var server = new NetworkServer(world, netServer, registry,
            new ServerReplicationOptions { Relevancy = new SpatialRelevancy<Position>(p => p.Value, radius: 150f) });
        server.PlayerConnected += joined =>
        {
            if (joined.Reconnected || !server.TryGetClientId(joined.Connection, out ulong userId)) return;
            var spawn = (long)userId == alice.UserId ? Vector2.Zero : new Vector2(1000, 0);
            var ship = world.Create(new Position { Value = spawn }, new Pilot { Number = (int)userId }, new NetworkOwner(joined.Connection));
            server.SetPlayerEntity(joined.Connection, ship);
        };
        var beacon = world.Create(new Position { Value = new Vector2(60, 0) }, new Beacon { Points = 10 });
        var claims = new ClaimSystem(world, server, beacon);
        new RpcServer(server, rpcRegistry).AllowFromClients<Claim>();
        var serverLoop = new NetworkLoop(tickRate: 60).Add(new Group<float>("server", server, new BeaconSystem(world), claims));
        using var stop = new CancellationTokenSource();
        var serverRun = serverLoop.RunAsync(stop.Token);                 // a dedicated server's main loop, here on its own task

        // Two players log in and connect with the tokens their logins returned.
        var clientLoop = new NetworkLoop(tickRate: 60);
        var players = new List<Player>();
        foreach (var (name, password) in new[] { ("alice", "correct horse"), ("bob", "battery staple") })
        {
            var session = await online.Authentication.LoginAsync(name, password);
            var player = new Player(name, registry, rpcRegistry);
            players.Add(player);
            clientLoop.Add(player.Group);
            player.NetClient.Connect(session.ConnectToken);
        }

        bool RunUntil(Func<bool> done)
        {
            for (var deadline = DateTime.UtcNow.AddMinutes(1); !done(); Thread.Sleep(1))
            {
                if (DateTime.UtcNow > deadline) return false;
                clientLoop.Update();
            }

            return true;
        }

        // Play until alice was awarded the beacon, then watch it on her screen for 60 frames.
        if (!RunUntil(() => players.All(p => p.Ships() == 1) && players[0].Points > 0)) return 1;
        int moved = 0;
        float? lastY = null;
        for (long frame = clientLoop.Ticks + 60; clientLoop.Ticks < frame;)
        {
            long before = clientLoop.Ticks;
            if (!RunUntil(() => clientLoop.Ticks > before)) return 2;
            float y = players[0].BeaconY() ?? float.NaN;
            if (lastY is { } last && y != last) moved++;
            lastY = y;
        }

        stop.Cancel();
        await serverRun;                                                 // the server world is ours again
        foreach (var player in players)
        {
            Console.WriteLine($"{player.Name} sees {player.Ships()} ship(s), the beacon: {(player.BeaconY() is null ? "no" : "yes")}, points: {player.Points}");
        }

        Console.WriteLine($"the beacon moved on alice's screen in {(moved >= 30 ? "most" : "few")} frames though sent 15 times a second");
        Console.WriteLine($"the server refused {claims.Refused} claim(s)");

        // The match is over: the server writes every player's points; the leaderboard ranks them.
        string matchId = Guid.NewGuid().ToString("N");
        foreach (var user in new[] { alice, bob })
        {
            claims.Points.TryGetValue((ulong)user.UserId, out int points);
            await online.Leaderboards.SubmitScoreAsync(new ScoreSubmission("beacon-points", user.UserId, points, IdempotencyKey: matchId));
        }

        var top = await online.Leaderboards.GetLeaderboardAsync("beacon-points", offset: 0, limit: 10);
        Console.WriteLine("leaderboard: " + string.Join(", ", top.Entries.Select(e => $"{e.Rank}. {e.Username} {e.Score}")));

        foreach (var player in players) player.Dispose();
        netServer.Dispose();
        await online.DisposeAsync();
        File.Delete(database);
        return 0;

        namespace BeaconGame
        {
            /// <summary>Everyone near it sees it, interpolated between the 15 sends a second.</summary>
            [Replicated(Smoothing = Smoothing.Interpolate, SendRate = 15)]
            public struct Position { [Range(-4096, 4096)] [Quantize(0.01f)] public Vector2 Value; }

            /// <summary>Only its owner receives it, which marks the owner's ship with LocalOwner.</summary>
            [Replicated(Audience = Audience.Owner)]
            public struct Pilot { [Range(0, 1_000_000)] public int Number; }

            [Replicated]
            public struct Beacon { [Range(0, 100)] public int Points; }

            /// <summary>A player claims the beacon it sees.</summary>
            [Rpc] public struct Claim { [Range(0, 255)] public int Attempt; }

            /// <summary>The server tells a player it scored.</summary>
            [Rpc] public struct Awarded { [Range(0, 100)] public int Points; }

            /// <summary>On the server: the beacon drifts north.</summary>
            public sealed class BeaconSystem(World world) : BaseSystem<World, float>(world)
            {
                private readonly QueryDescription beacons = new QueryDescription().WithAll<Beacon, Position>();

                public override void Update(in float dt)
                {
                    float step = dt;
                    World.Query(in beacons, (ref Position position) => position.Value.Y += 20f * step);
                }
            }

            /// <summary>On the server: a claim counts when the claimer's ship is within 150 of the beacon, once per player.</summary>
            public sealed class ClaimSystem(World world, NetworkServer server, Entity beacon) : BaseSystem<World, float>(world)
            {
                private readonly QueryDescription claims = new QueryDescription().WithAll<Claim, RpcSource>();

                public Dictionary<ulong, int> Points { get; } = [];

                public int Refused { get; private set; }

                public override void Update(in float dt) =>
                    World.Query(in claims, (ref RpcSource from) =>
                    {
                        if (!server.TryGetClientId(from.Connection, out ulong userId) || !server.TryGetPlayerEntity(from.Connection, out var ship)
                            || Points.ContainsKey(userId)
                            || Vector2.Distance(World.Get<Position>(ship).Value, World.Get<Position>(beacon).Value) > 150f)
                        {
                            Refused++;
                            return;
                        }

                        int points = World.Get<Beacon>(beacon).Points;
                        Points[userId] = points;
                        World.SendRpc(new Awarded { Points = points }, RpcTarget.To(from.Connection));
                    });
            }

            /// <summary>On a player: claim the beacon once on seeing it (bob, far away, claims anyway), and keep the points awarded.</summary>
            public sealed class PlayerSystem(World world, bool cheats) : BaseSystem<World, float>(world)
            {
                private readonly QueryDescription beacons = new QueryDescription().WithAll<Beacon>();
                private readonly QueryDescription awards = new QueryDescription().WithAll<Awarded, RpcSource>();
                private bool claimed;

                public int Points { get; private set; }

                public override void Update(in float dt)
                {
                    if (!claimed && (cheats || World.CountEntities(in beacons) > 0) && World.CountEntities(new QueryDescription().WithAll<Pilot, LocalOwner>()) > 0)
                    {
                        claimed = true;
                        World.SendRpc(new Claim { Attempt = 1 }, RpcTarget.Server);
                    }

                    World.Query(in awards, (ref Awarded awarded) => Points += awarded.Points);
                }
            }

            /// <summary>A player's process: its world, client, RPCs and game system.</summary>
            public sealed class Player : IDisposable
            {
                private readonly PlayerSystem system;

                public Player(string name, ReplicationRegistry registry, RpcRegistry rpcRegistry)
                {
                    Name = name;
                    World = World.Create();
                    NetClient = new NetClient(UdpTransport.Bind(), new NetClientOptions { ProtocolId = 0x5452414B, SchemaHash = registry.ProtocolHash }, ownsTransport: true);
                    var client = new NetworkClient(World, NetClient, registry);
                    new RpcClient(client, rpcRegistry);
                    system = new PlayerSystem(World, cheats: name == "bob");
                    Group = new Group<float>(name, client, system);
                }

                public string Name { get; }
                public World World { get; }
                public NetClient NetClient { get; }
                public Group<float> Group { get; }
                public int Points => system.Points;

                public int Ships() => World.CountEntities(new QueryDescription().WithAll<Position>().WithNone<Beacon>());

                public float? BeaconY()
                {
                    float? y = null;
                    World.Query(new QueryDescription().WithAll<Beacon, Position>(), (ref Position p) => y = p.Value.Y);
                    return y;
                }

                public void Dispose()
                {
                    NetClient.Dispose();
                    World.Dispose();
                }
            }
        }
        """;

    [Fact]
    public void A_dedicated_server_with_two_logged_in_players_shows_each_only_what_is_near_and_ranks_them()
    {
        var (exitCode, output) = SnippetCompiler.Run(Game);

        Assert.True(exitCode == 0, $"exit code {exitCode}: {output}");
        string[] expected =
        [
            "alice sees 1 ship(s), the beacon: yes, points: 10",
            "bob sees 1 ship(s), the beacon: no, points: 0",
            "the beacon moved on alice's screen in most frames though sent 15 times a second",
            "the server refused 1 claim(s)",
            "leaderboard: 1. alice 10, 2. bob 0",
        ];
        Assert.Equal(expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

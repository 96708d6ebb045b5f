using System.Net;
using System.Numerics;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Scripting;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// Host migration through the <see cref="Multiplayer"/> facade alone: three C# players of a player-hosted session (real
/// backend over HTTP, a real introducer, UDP on loopback); the host's game dies (it stops ticking and its link to the
/// backend is cut). The directory gives the session to the first successor, which hosts from its copy of the world, and
/// the third player reconnects to it: both hear <see cref="Multiplayer.HostLost"/> then <see cref="Multiplayer.HostMigrated"/>,
/// the world goes on (the lost host's entity gone, the others' handed back to their owners), and the old host, back on its
/// feet, learns it was replaced and stops. Before, the players were told <see cref="SessionEndReason.ConnectionLost"/> and
/// lost the world, and the old host went on serving nobody.
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed partial class MultiplayerHostMigrationTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task When_the_host_dies_the_directory_picks_a_successor_that_hosts_the_world_and_the_others_follow_it()
    {
        await using var rig = await Rig.StartAsync();
        var alice = rig.Alice;
        var bob = rig.Bob;
        var carol = rig.Carol;
        var session = await rig.RunAsync(alice.Multiplayer.CreateSessionAsync(new SessionOptions("coop", 4), SessionHostKind.Player, Cancel), "alice to host");
        await rig.RunAsync(bob.Multiplayer.JoinSessionAsync(session.Id, Cancel), "bob's join");
        await rig.RunAsync(carol.Multiplayer.JoinSessionAsync(session.Id, Cancel), "carol's join");
        await rig.TickUntilAsync(() => rig.Players.All(p => Values(p.World).Count == 3), "every world to hold the three players' entities");
        for (int i = 0; i < 60; i++) rig.Tick();
        rig.Moving = false;
        alice.Mover!.Moving = false;
        var before = Values(alice.World);
        var aliceEntity = Assert.Single(Values(alice.World, new QueryDescription().WithAll<Position2, LocalOwner>()));
        await rig.TickUntilAsync(() => Values(bob.World).SequenceEqual(before) && Values(carol.World).SequenceEqual(before), "bob and carol to converge on alice's world");
        await rig.TickUntilAsync(() => bob.Multiplayer.HasOwners && carol.Multiplayer.HasOwners, "the owners to reach the players");
        long beats = alice.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => alice.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "alice to report bob and carol, her successors, to the directory");
        long aliceId = alice.Multiplayer.UserId!.Value, bobId = bob.Multiplayer.UserId!.Value, carolId = carol.Multiplayer.UserId!.Value;

        // Alice's game dies: no more ticks, and its heartbeats stop reaching the backend.
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Migrated is not null && carol.Migrated is not null,
            $"the migration (bob lost {bob.Lost is not null} migrated {bob.Migrated is not null} {bob.Client.Transport.State} {bob.Client.Transport.LastDisconnectReason}, carol lost {carol.Lost is not null} migrated {carol.Migrated is not null} {carol.Client.Transport.State}, ended {bob.Ended}/{carol.Ended}, migrating {bob.Multiplayer.IsMigrating}/{carol.Multiplayer.IsMigrating}, hosting {bob.Multiplayer.Host is not null})");
        Assert.Equal(session.Id, bob.Lost!.Id);
        Assert.Equal(session.Id, carol.Lost!.Id);
        Assert.Null(bob.Ended);
        Assert.Null(carol.Ended);

        // The directory chose bob, the first player alice reported: he hosts now, carol plays under him.
        Assert.True(bob.Migrated!.IsLocalHost);
        Assert.Equal((aliceId, bobId), (bob.Migrated.PreviousHostUserId, bob.Migrated.NewHostUserId));
        Assert.False(carol.Migrated!.IsLocalHost);
        Assert.Equal((aliceId, bobId), (carol.Migrated.PreviousHostUserId, carol.Migrated.NewHostUserId));
        Assert.NotNull(bob.Multiplayer.Host);
        Assert.Equal(bobId, bob.Multiplayer.CurrentSession!.HostUserId);
        Assert.Equal(bobId, carol.Multiplayer.CurrentSession!.HostUserId);
        Assert.False(bob.Multiplayer.IsMigrating || carol.Multiplayer.IsMigrating);
        var directory = (await rig.Directory.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal(SessionState.Live, directory.State);
        Assert.Equal(bobId, directory.HostUserId);

        // The world goes on from where alice left it: her entity is gone, bob's and carol's are where they were, and carol's
        // world converges on bob's.
        var kept = before.Where(v => v != aliceEntity).ToList();
        Assert.Equal(kept, Values(bob.World));
        await rig.TickUntilAsync(() => Values(carol.World).SequenceEqual(kept), $"carol to converge on bob's world ({string.Join(",", Values(carol.World))} vs {string.Join(",", kept)})");

        // Each player got its entity back on the new host: bob's own is his local player's, carol's is her connection's again;
        // the game goes on moving them (it moves owned entities only).
        await rig.TickUntilAsync(() => Owned(bob.World) == 2, "carol to get her entity back on bob's host");
        Assert.Equal(1, bob.World.CountEntities(new QueryDescription().WithAll<Position2, LocalOwner>()));
        bob.Mover!.Moving = true;
        for (int i = 0; i < 30; i++) rig.Tick();
        bob.Mover.Moving = false;
        var moved = Values(bob.World);
        Assert.All(moved, v => Assert.DoesNotContain(v, kept));
        await rig.TickUntilAsync(() => Values(carol.World).SequenceEqual(moved), "carol to follow bob's moves");

        // Alice comes back: her next heartbeat is refused (bob hosts), so she stops serving and is told why.
        alice.Running = true;
        alice.Link.Cut = false;
        await rig.TickUntilAsync(() => alice.Ended is not null, "alice to learn she was replaced");
        Assert.Equal(SessionEndReason.HostReplaced, alice.Ended);
        Assert.Null(alice.Multiplayer.Host);
        Assert.Null(alice.Multiplayer.CurrentSession);
        Assert.Null(bob.Ended);
        Assert.Null(carol.Ended);
    }

    [Fact]
    public async Task A_successor_whose_claim_answer_is_lost_claims_again_and_hosts()
    {
        await using var rig = await Rig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        long bobId = bob.Multiplayer.UserId!.Value;

        // The directory gives bob the session, but its answer to his claim never reaches him. Before, bob then saw himself
        // named host, neither claimed again (the host was no longer alice) nor followed (it was himself): nobody hosted, and
        // every player's session ended after HostMigrationWait.
        bob.Link.LoseClaimAnswers = 1;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Migrated is not null && carol.Migrated is not null,
            $"the migration (bob migrating {bob.Multiplayer.IsMigrating}, hosting {bob.Multiplayer.Host is not null}, claims lost {1 - bob.Link.LoseClaimAnswers}, ended {bob.Ended}/{carol.Ended})");
        Assert.Equal(0, bob.Link.LoseClaimAnswers); // the lost answer did happen
        Assert.True(bob.Migrated!.IsLocalHost);
        Assert.NotNull(bob.Multiplayer.Host);
        Assert.Equal(bobId, carol.Migrated!.NewHostUserId);
        Assert.Null(bob.Ended);
        Assert.Null(carol.Ended);
        Assert.Equal(bobId, (await rig.Directory.GetSessionAsync(session.Id, Cancel))!.HostUserId);
    }

    private static List<(float, float)> Values(World world) => Values(world, new QueryDescription().WithAll<Position2>());

    private static List<(float, float)> Values(World world, QueryDescription query)
    {
        var values = new List<(float, float)>();
        world.Query(query, (ref Position2 p) => values.Add((MathF.Round(p.Value.X, 2), MathF.Round(p.Value.Y, 2))));
        values.Sort();
        return values;
    }

    private static int Owned(World world) => world.CountEntities(new QueryDescription().WithAll<Position2, NetworkOwner>());

    /// <summary>Moves every owned entity on whichever player hosts.</summary>
    private sealed class Mover(World world) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription moving = new QueryDescription().WithAll<Position2, NetworkOwner>();

        public bool Moving { get; set; } = true;

        public override void Update(in float dt)
        {
            if (!Moving) return;
            World.Query(in moving, (ref Position2 p) => p.Value += new Vector2(0.5f, -0.25f));
        }
    }

    /// <summary>One player: its world, its facade over its own link to the backend, and what the facade told it.</summary>
    private sealed class Player
    {
        public required World World { get; init; }

        public required Multiplayer Multiplayer { get; init; }

        public required NetworkClient Client { get; init; }

        public required Group<float> Group { get; init; }

        public required Partition Link { get; init; }

        public Mover? Mover { get; set; }

        public bool Running { get; set; } = true;

        public SessionInfo? Lost { get; set; }

        public Traktor.Ecs.Net.Sessions.HostMigration? Migrated { get; set; }

        public SessionEndReason? Ended { get; set; }

        /// <summary>The players <see cref="Multiplayer.PlayerJoined"/> announced, in order.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<ulong> Joined { get; } = new();
    }

    private sealed class Rig : IAsyncDisposable
    {
        private readonly Introducer introducer;
        private readonly List<IDisposable> owned = [];

        private Rig(BackendTestServer backend)
        {
            Backend = backend;
            // A lost host's rendezvous is free for the successor once the introducer stops hearing from it.
            introducer = new Introducer(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), new IntroducerOptions { HostTimeout = TimeSpan.FromSeconds(2) });
            Directory = new HttpSessions(backend.CreateBackendClient(asServer: true));
            Alice = AddPlayer("migrating-alice");
            Bob = AddPlayer("migrating-bob");
            Carol = AddPlayer("migrating-carol");
            Dave = AddPlayer("migrating-dave");
        }

        public BackendTestServer Backend { get; }

        public HttpSessions Directory { get; }

        public Player Alice { get; }

        public Player Bob { get; }

        public Player Carol { get; }

        /// <summary>A fourth player, in no session until a test joins it.</summary>
        public Player Dave { get; }

        public IEnumerable<Player> Players => [Alice, Bob, Carol];

        private IEnumerable<Player> Everyone => [Alice, Bob, Carol, Dave];

        /// <summary>Whether a host that starts moves the entities (the game's rule while the test watches it).</summary>
        public bool Moving { get; set; } = true;

        /// <summary>What the players' facades logged (warnings and up, and migration news), for a failure's message.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

        public static async Task<Rig> StartAsync() => new(await BackendTestServer.StartAsync(null, null, DirectoryTestSettings.BackendArgs));

        public void Tick()
        {
            float dt = 1f / 60;
            introducer.Update();
            foreach (var player in Everyone)
            {
                if (player.Running) player.Group.Tick(in dt);
            }
        }

        /// <summary>
        /// Alice hosts, bob and carol join; returns once every world holds the three players' entities, the owners reached
        /// bob and carol, and alice has reported them, her successors, to the directory (a migration can then start).
        /// </summary>
        public async Task<SessionInfo> AliceHostsBobAndCarolAsync()
        {
            var session = await RunAsync(Alice.Multiplayer.CreateSessionAsync(new SessionOptions("coop", 4), SessionHostKind.Player, Cancel), "alice to host");
            await RunAsync(Bob.Multiplayer.JoinSessionAsync(session.Id, Cancel), "bob's join");
            await RunAsync(Carol.Multiplayer.JoinSessionAsync(session.Id, Cancel), "carol's join");
            await TickUntilAsync(() => Players.All(p => Values(p.World).Count == 3), "every world to hold the three players' entities");
            await TickUntilAsync(() => Bob.Multiplayer.HasOwners && Carol.Multiplayer.HasOwners, "the owners to reach the players");
            long beats = Alice.Multiplayer.HostEntry!.Heartbeats;
            await TickUntilAsync(() => Alice.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "alice to report bob and carol, her successors, to the directory");
            return session;
        }

        public async Task TickUntilAsync(Func<bool> done, string what)
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(45); !done(); await Task.Delay(2, Cancel))
            {
                Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; log: {string.Join(" | ", Log)}");
                Tick();
            }
        }

        public async Task<T> RunAsync<T>(Task<T> task, string what)
        {
            await TickUntilAsync(() => task.IsCompleted, what);
            return await task;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var player in Everyone)
            {
                player.Multiplayer.Dispose();
                player.World.Dispose();
            }

            foreach (var disposable in owned) disposable.Dispose();
            introducer.Dispose();
            await Backend.DisposeAsync();
        }

        private Player AddPlayer(string name)
        {
            var traversal = new NatTraversalOptions { Introducer = introducer.LocalAddress };
            var clientSocket = new NatTraversal(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), traversal);
            var hostSocket = new NatTraversal(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), traversal);
            owned.Add(hostSocket);
            var world = World.Create();
            var client = new NetworkClient(world, new NetClient(clientSocket, new NetClientOptions { ProtocolId = DirectoryTestSettings.ProtocolId }, ownsTransport: true),
                ReplicationWorld.Registry);
            _ = new RpcClient(client, RpcWorld.Rpcs);
            var backend = Backend.CreateBackendClient(asServer: false);
            var link = new Partition(new HttpSessions(backend));
            Player? player = null;
            var multiplayer = new Multiplayer(client, new HttpAuthentication(backend), link, new MultiplayerAccount(name, SeedNetwork.Password, RegisterIfMissing: true),
                new MultiplayerOptions
                {
                    Traversal = clientSocket,
                    Hosting = new MultiplayerHosting(hostSocket)
                    {
                        // The game's authority, on whichever player hosts: an entity per player, moved by the host.
                        Systems = host =>
                        {
                            host.Server.PlayerConnected += joined =>
                            {
                                if (!joined.Reconnected) host.World.Create(new Position2 { Value = new Vector2(joined.ClientId % 100, 0) }, new NetworkOwner(joined.Connection));
                            };
                            player!.Mover = new Mover(host.World) { Moving = Moving };
                            return [player.Mover];
                        },
                    },
                }, logger: new QueueLogger(name, Log));
            player = new Player { World = world, Client = client, Multiplayer = multiplayer, Group = new Group<float>(name, client, multiplayer), Link = link };
            player.Group.Initialize();
            multiplayer.HostLost += session => player.Lost = session;
            multiplayer.HostMigrated += migration => player.Migrated = migration;
            multiplayer.SessionEnded += (_, reason) => player.Ended = reason;
            multiplayer.PlayerJoined += joined => player.Joined.Enqueue(joined.PlayerId);
            return player;
        }
    }

    private sealed class QueueLogger(string name, System.Collections.Concurrent.ConcurrentQueue<string> lines) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Debug;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            string text = formatter(state, exception);
            if (text.Contains("heartbeat", StringComparison.Ordinal) || text.Contains("NatTraversal", StringComparison.Ordinal)) return;
            if (lines.Count < 400) lines.Enqueue($"{name}: {formatter(state, exception)}{(exception is null ? "" : " (" + exception.Message + ")")}");
        }
    }

    /// <summary>A player's link to the backend's directory: cut, every call fails as an unreachable backend's would.</summary>
    private sealed class Partition(HttpSessions inner) : ISessions, IPlayerHostedSessions
    {
        public volatile bool Cut;
        private int calls;

        /// <summary>The directory calls made so far (a call made with a cancelled token is not: it never leaves the player).</summary>
        public int Calls => Volatile.Read(ref calls);

        public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default) =>
            Count(cancellationToken) && Cut ? Unreachable<SessionInfo>() : inner.CreateSessionAsync(options, cancellationToken);

        public Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default) =>
            Count(cancellationToken) && Cut ? Unreachable<SessionPage>() : inner.ListSessionsAsync(filter, offset, limit, cancellationToken);

        public Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
            Count(cancellationToken) && Cut ? Unreachable<SessionInfo?>() : inner.GetSessionAsync(id, cancellationToken);

        public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
            Count(cancellationToken) && Cut ? Unreachable<SessionJoinResult>() : inner.JoinSessionAsync(id, userId, cancellationToken);

        public Task<SessionJoinResult> QuickJoinAsync(long userId, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
            Count(cancellationToken) && Cut ? Unreachable<SessionJoinResult>() : inner.QuickJoinAsync(userId, filter, createIfNone, cancellationToken);

        public Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
            Count(cancellationToken) && Cut ? Unreachable<bool>() : inner.LeaveSessionAsync(id, userId, cancellationToken);

        public Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
            Count(cancellationToken) && Cut ? Unreachable<bool>() : inner.EndSessionAsync(id, cancellationToken);

        public Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default) =>
            Count(cancellationToken) && Cut ? Unreachable<PlayerHostGrant>() : inner.CreatePlayerHostedSessionAsync(options, hostUserId, cancellationToken);

        public Task<bool> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
            CancellationToken cancellationToken = default) =>
            Count(cancellationToken) && Cut ? Unreachable<bool>() : inner.HostHeartbeatAsync(id, hostUserId, addresses, connectedPlayers, cancellationToken);

        /// <summary>Claims the directory grants whose answers are then lost on the way back (the claim itself stands).</summary>
        public volatile int LoseClaimAnswers;

        public async Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default)
        {
            Count(cancellationToken);
            if (Cut) return await Unreachable<PlayerHostGrant>();
            var grant = await inner.ClaimHostAsync(id, userId, hostKey, cancellationToken);
            if (LoseClaimAnswers > 0)
            {
                LoseClaimAnswers--;
                throw new HttpRequestException("the directory's answer was lost");
            }

            return grant;
        }

        public Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
            Count(cancellationToken) && Cut ? Unreachable<bool>() : inner.ReportHostLostAsync(id, userId, cancellationToken);

        private bool Count(CancellationToken cancellationToken)
        {
            if (!cancellationToken.IsCancellationRequested) Interlocked.Increment(ref calls);
            return true;
        }

        private static Task<T> Unreachable<T>() => Task.FromException<T>(new HttpRequestException("the backend is unreachable"));
    }
}

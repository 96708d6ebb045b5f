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

/// <summary>The migration tests' rig: players over the real backend, a real introducer and UDP on loopback.</summary>
public sealed partial class MultiplayerHostMigrationTests
{
    /// <summary>One player: its world, its facade over its own link to the backend, and what the facade told it.</summary>
    private sealed class Player
    {
        public required World World { get; init; }

        public required Multiplayer Multiplayer { get; init; }

        public required NetworkClient Client { get; init; }

        public required Group<float> Group { get; init; }

        public required PartitionedSessions Link { get; init; }

        public Mover? Mover { get; set; }

        public bool Running { get; set; } = true;

        /// <summary>True to lose every datagram that reaches the player's client socket (its network drops what it is sent).</summary>
        public bool Deaf
        {
            get => Socket.Deaf;
            set => Socket.Deaf = value;
        }

        public required DeafenableSocket Socket { get; init; }

        public SessionInfo? Lost { get; set; }

        public Traktor.Ecs.Net.Sessions.HostMigration? Migrated { get; set; }

        public SessionEndReason? Ended { get; set; }

        /// <summary>The players <see cref="Multiplayer.PlayerJoined"/> announced, in order.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<ulong> Joined { get; } = new();

        /// <summary>The players <see cref="Multiplayer.PlayerLeft"/> announced, in order.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<ulong> Left { get; } = new();

        /// <summary>The <see cref="Traktor.Ecs.Net.Sessions.PlayerJoined"/> RPC events the world saw (what a game's own system queries), in order.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<ulong> RawJoined { get; } = new();

        /// <summary>The <see cref="Traktor.Ecs.Net.Sessions.PlayerLeft"/> RPC events the world saw, in order.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<ulong> RawLeft { get; } = new();

        /// <summary>Whether the game's host systems refuse to start (a takeover then fails).</summary>
        public bool FailHosting { get; set; }

        /// <summary>How often the game's host systems refused to start (<see cref="FailHosting"/>).</summary>
        public int HostingRefusals { get; set; }
    }

    /// <summary>
    /// Records the <see cref="Traktor.Ecs.Net.Sessions.PlayerJoined"/> and <see cref="Traktor.Ecs.Net.Sessions.PlayerLeft"/> RPC
    /// events of every tick, as a game system querying them would.
    /// </summary>
    private sealed class RawRoster(World world, Player player) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription joined = new QueryDescription().WithAll<Traktor.Ecs.Net.Sessions.PlayerJoined, RpcSource>();
        private readonly QueryDescription left = new QueryDescription().WithAll<Traktor.Ecs.Net.Sessions.PlayerLeft, RpcSource>();

        public override void Update(in float dt)
        {
            World.Query(in joined, (ref Traktor.Ecs.Net.Sessions.PlayerJoined e) => player.RawJoined.Enqueue(e.PlayerId));
            World.Query(in left, (ref Traktor.Ecs.Net.Sessions.PlayerLeft e) => player.RawLeft.Enqueue(e.PlayerId));
        }
    }

    private sealed class Rig : IAsyncDisposable
    {
        private readonly Introducer introducer;
        private readonly List<IDisposable> owned = [];

        private readonly TimeSpan? migrationWait;
        private readonly TimeSpan? joinWait;
        private readonly TimeSpan? claimWait;

        private Rig(BackendTestServer backend, TimeSpan? migrationWait, TimeSpan? joinWait, TimeSpan? claimWait)
        {
            this.migrationWait = migrationWait;
            this.joinWait = joinWait;
            this.claimWait = claimWait;
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

        /// <summary>
        /// The players' facades' clock: the system's, until a test jumps it past the waits of work it checks no longer comes
        /// (a stopped migration's calls, questions, give-backs), which real time would not reach within a check's ticks.
        /// </summary>
        public JumpClock Clock { get; } = new();

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

        /// <summary>
        /// Starts the backend, the introducer and four players (<paramref name="migrationWait"/>: their
        /// <see cref="MultiplayerOptions.HostMigrationWait"/>, <paramref name="joinWait"/> their <see cref="MultiplayerOptions.JoinWait"/>,
        /// <paramref name="claimWait"/> their <see cref="MultiplayerOptions.ClaimWait"/>, or the defaults). A test that holds a claim
        /// for a while lengthens the claim wait: its hold, counted in ticks, must not race the claim's expiry on a busy machine.
        /// </summary>
        public static async Task<Rig> StartAsync(TimeSpan? migrationWait = null, TimeSpan? joinWait = null, TimeSpan? claimWait = null) =>
            new(await BackendTestServer.StartAsync(null, null, DirectoryTestSettings.BackendArgs), migrationWait, joinWait, claimWait);

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

        /// <summary>
        /// Ticks until <paramref name="done"/>; a timeout fails naming <paramref name="what"/> was awaited, with every player's
        /// state (<see cref="State"/>) and the log at that moment.
        /// </summary>
        public async Task TickUntilAsync(Func<bool> done, string what)
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(45); !done(); await Task.Delay(2, Cancel))
            {
                if (DateTime.UtcNow >= deadline) Assert.Fail($"timed out waiting for {what}; {State()}");
                Tick();
            }
        }

        /// <summary>Every player's migration state (lost, migrated, ended, migrating, hosting, owned entities) and the log, for a failure's message.</summary>
        public string State() =>
            string.Join("; ", Everyone.Select(p => $"{NameOf(p)}: running {p.Running}, session {p.Multiplayer.CurrentSession?.Id.ToString() ?? "-"}"
                + $" host {p.Multiplayer.CurrentSession?.HostUserId.ToString() ?? "-"}, lost {p.Lost is not null}, migrated {Describe(p.Migrated)}, ended {p.Ended?.ToString() ?? "-"},"
                + $" migrating {p.Multiplayer.IsMigrating}, hosting {p.Multiplayer.Host is not null}, owned {Owned(p.World)}, entities {Values(p.World).Count}, has owners {p.Multiplayer.HasOwners}"))
            + $"; log: {string.Join(" | ", Log)}";

        private string NameOf(Player player) =>
            $"{(player == Alice ? "alice" : player == Bob ? "bob" : player == Carol ? "carol" : "dave")}#{player.Multiplayer.UserId}";

        private static string Describe(Traktor.Ecs.Net.Sessions.HostMigration? migration) =>
            migration is null ? "-" : $"{migration.PreviousHostUserId}->{migration.NewHostUserId}{(migration.IsLocalHost ? " (local)" : "")}";

        /// <summary>
        /// Completes once a facade logs a line containing <paramref name="fragment"/> (at once if one did): a step the facade
        /// takes off the tick thread (a background question ending) is awaited as it happens, not guessed with a wait.
        /// </summary>
        public Task LoggedAsync(string fragment)
        {
            var logged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (watches) watches.Add((fragment, logged));
            if (Log.Any(line => line.Contains(fragment, StringComparison.Ordinal))) logged.TrySetResult();
            return logged.Task;
        }

        private readonly List<(string Fragment, TaskCompletionSource Logged)> watches = [];

        private void Logged(string line)
        {
            lock (watches)
            {
                foreach (var (fragment, logged) in watches)
                {
                    if (line.Contains(fragment, StringComparison.Ordinal)) logged.TrySetResult();
                }
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
            var deafenable = new DeafenableSocket(clientSocket);
            var client = new NetworkClient(world, new NetClient(deafenable, new NetClientOptions { ProtocolId = DirectoryTestSettings.ProtocolId }, ownsTransport: true),
                ReplicationWorld.Registry);
            _ = new RpcClient(client, RpcWorld.Rpcs);
            var backend = Backend.CreateBackendClient(asServer: false);
            var link = new PartitionedSessions(new HttpSessions(backend));
            Player? player = null;
            var multiplayer = new Multiplayer(client, new HttpAuthentication(backend), link, new MultiplayerAccount(name, SeedNetwork.Password, RegisterIfMissing: true),
                new MultiplayerOptions
                {
                    Traversal = clientSocket,
                    HostMigrationWait = migrationWait ?? new MultiplayerOptions().HostMigrationWait,
                    JoinWait = joinWait ?? new MultiplayerOptions().JoinWait,
                    ClaimWait = claimWait ?? new MultiplayerOptions().ClaimWait,
                    Hosting = new MultiplayerHosting(hostSocket)
                    {
                        // The game's authority, on whichever player hosts: an entity per player, moved by the host.
                        Systems = host =>
                        {
                            if (player!.FailHosting)
                            {
                                player.HostingRefusals++;
                                throw new InvalidOperationException("the game's host systems refuse to start");
                            }

                            host.Server.PlayerConnected += joined =>
                            {
                                if (!joined.Reconnected) host.World.Create(new Position2 { Value = new Vector2(joined.ClientId % 100, 0) }, new NetworkOwner(joined.Connection));
                            };
                            player!.Mover = new Mover(host.World) { Moving = Moving };
                            return [player.Mover];
                        },
                    },
                }, Clock, new QueueLogger(name, Log, Logged));
            var group = new Group<float>(name, client, multiplayer);
            player = new Player { World = world, Client = client, Multiplayer = multiplayer, Group = group, Link = link, Socket = deafenable };
            group.Add(new RawRoster(world, player));
            player.Group.Initialize();
            multiplayer.HostLost += session => player.Lost = session;
            multiplayer.HostMigrated += migration => player.Migrated = migration;
            multiplayer.SessionEnded += (_, reason) => player.Ended = reason;
            multiplayer.PlayerJoined += joined => player.Joined.Enqueue(joined.PlayerId);
            multiplayer.PlayerLeft += left => player.Left.Enqueue(left.PlayerId);
            return player;
        }
    }

    private sealed class QueueLogger(string name, System.Collections.Concurrent.ConcurrentQueue<string> lines, Action<string> logged) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Debug;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            string text = formatter(state, exception);
            if (text.Contains("heartbeat", StringComparison.Ordinal) || text.Contains("NatTraversal", StringComparison.Ordinal)) return;
            string line = $"{name}: {text}{(exception is null ? "" : " (" + exception.Message + ")")}";
            if (lines.Count < 400) lines.Enqueue(line);
            logged(line); // also past the cap: a watched step is never missed
        }
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// Game-server processes (each a <see cref="GameServerHost"/> with its own router on the in-memory network) and player
/// clients, all on the directory's fake clock, ticked at 60 Hz. A server that is "killed" stops as a whole process would:
/// it ticks, sends and heartbeats no more, as after SIGKILL (or SIGSTOP, when it is resumed later). A server whose tick
/// is blocked still heartbeats (its heartbeats ride their own timer), as a live process with a stalled tick does.
/// </summary>
internal sealed class FleetRig : IDisposable
{
    public static readonly RpcOptions RpcOptions = new() { ReconnectGracePeriod = TimeSpan.FromSeconds(1) };

    private readonly InMemoryNetwork network = new();

    public FleetRig(DirectoryContext directory) => Directory = directory;

    public DirectoryContext Directory { get; }

    public FakeTimeProvider Time => Directory.Time;

    public List<Server> Servers { get; } = new();

    public List<Player> Players { get; } = new();

    /// <summary>True to sweep the directory every half heartbeat interval, as every backend node does.</summary>
    public bool Sweeping { get; set; }

    /// <summary>
    /// True to let a millisecond of real time pass per tick, so directory calls the facades make in the background (asking
    /// why a session ended) keep pace with the virtual clock instead of watching it race ahead while a request is in flight.
    /// </summary>
    public bool Paced { get; set; }

    private long ticks;

    /// <summary>Starts a game server registered through <paramref name="node"/>'s fleet API.</summary>
    public Task<Server> StartServerAsync(DirectoryNode node, int maxPlayers = 64, int maxSessions = 16)
    {
        var transport = network.CreateTransport();
        return StartServerAsync(node, transport, [transport.LocalAddress], maxPlayers, maxSessions);
    }

    /// <summary>The in-memory network the rig's servers and players are on.</summary>
    public InMemoryNetwork Network => network;

    /// <summary>
    /// Starts a game server whose router was given no <see cref="NetServerOptions.PublicAddresses"/> (as a deployer who
    /// left them out would): the addresses it registers with are the only record of where players reach it.
    /// </summary>
    public Task<Server> StartServerWithoutPublicAddressesAsync(DirectoryNode node)
    {
        var transport = network.CreateTransport();
        return StartServerAsync(node, transport, [transport.LocalAddress], 64, 16, namePublicAddresses: false);
    }

    /// <summary>Starts a game server listening on <paramref name="transport"/> (real sockets, several kinds), registered with <paramref name="publicAddresses"/>.</summary>
    public Task<Server> StartServerAsync(DirectoryNode node, IDatagramTransport transport, IReadOnlyList<NetAddress> publicAddresses, int maxPlayers = 64, int maxSessions = 16,
        bool namePublicAddresses = true) =>
        StartServerAsync(node, transport, publicAddresses, Options(namePublicAddresses ? publicAddresses : [], maxPlayers), maxPlayers, maxSessions);

    /// <summary>The router options of a rig server: the directory's key, <paramref name="publicAddresses"/>, room for every loopback player.</summary>
    public static NetServerOptions Options(IReadOnlyList<NetAddress> publicAddresses, int maxPlayers = 64) => new()
    {
        ProtocolId = DirectoryTestSettings.ProtocolId,
        PrivateKey = DirectoryTestSettings.GameServerKey,
        PublicAddresses = publicAddresses.ToArray(),
        // Every player of a test is on loopback.
        MaxConnectionsPerAddress = maxPlayers + 1,
        MaxConnectionsPerSubnet = maxPlayers + 1,
    };

    /// <summary>Starts a game server on a new in-memory transport whose router is built from <paramref name="options"/> (which several servers may share).</summary>
    public Task<Server> StartServerAsync(DirectoryNode node, NetServerOptions options, int maxSessions)
    {
        var transport = network.CreateTransport();
        return StartServerAsync(node, transport, [transport.LocalAddress], options, 64, maxSessions);
    }

    /// <summary>Starts a game server whose sessions are the game's own <see cref="IHostedSession"/>, made by <paramref name="wrap"/> around each session's <see cref="SessionWorld"/>.</summary>
    public Task<Server> StartServerAsync(DirectoryNode node, Func<SessionWorld, IHostedSession> wrap, ILogger? logger = null)
    {
        var transport = network.CreateTransport();
        return StartServerAsync(node, transport, [transport.LocalAddress], Options([transport.LocalAddress]), 64, 16, wrap, logger);
    }

    private async Task<Server> StartServerAsync(DirectoryNode node, IDatagramTransport transport, IReadOnlyList<NetAddress> publicAddresses, NetServerOptions options,
        int maxPlayers, int maxSessions, Func<SessionWorld, IHostedSession>? wrap = null, ILogger? logger = null)
    {
        var router = new SessionRouter(transport, options, Time);
        var worlds = new List<SessionWorld>();
        var fleet = new PausableFleet(node.Fleet);
        var host = new GameServerHost(fleet, router,
            new GameServerRegistration(publicAddresses.Select(a => a.ToString()).ToArray(), maxPlayers, maxSessions, $"gs{Servers.Count}"),
            (session, endpoint) =>
            {
                var world = new SessionWorld(session, endpoint, RpcWorld.Replicated, RpcWorld.Rpcs, directory: node.Sessions, rpcOptions: RpcOptions, time: Time);
                worlds.Add(world);
                return wrap is null ? world : wrap(world);
            },
            Time, logger);
        var server = new Server(host, router, transport, worlds, fleet);
        Servers.Add(server);
        await host.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    /// <summary>A player's client world (network plugin, RPC layer, recorders of joins and leaves).</summary>
    public Player AddPlayer(long userId) => AddPlayer(userId, null, null, null);

    /// <summary>A player's client world whose client sends through <paramref name="socket"/> (the rig disposes it).</summary>
    public Player AddPlayer(long userId, IDatagramTransport socket) => AddPlayer(userId, socket, null, null);

    /// <summary>A player's client world with a <see cref="Multiplayer"/> facade logging in as <paramref name="username"/> through <paramref name="node"/>
    /// (its directory seen through <paramref name="directory"/> when given: a test's stand-in for a race; the facade's options
    /// <paramref name="multiplayer"/> when given).</summary>
    public Player AddPlayer(DirectoryNode node, string username, Func<ISessions, ISessions>? directory = null, MultiplayerOptions? multiplayer = null) =>
        AddPlayer(node, username, null, null, directory, multiplayer);

    /// <summary>A player like <see cref="AddPlayer(DirectoryNode, string, Func{ISessions, ISessions}?, MultiplayerOptions?)"/> whose client uses <paramref name="transport"/> (real sockets) and <paramref name="options"/>.</summary>
    public Player AddPlayer(DirectoryNode node, string username, IDatagramTransport? transport, NetClientOptions? options, Func<ISessions, ISessions>? directory = null,
        MultiplayerOptions? multiplayer = null)
    {
        var (authentication, sessions) = node.ConnectPlayer();
        sessions = directory?.Invoke(sessions) ?? sessions;
        return AddPlayer(0, transport, options, client => new Multiplayer(client, authentication, sessions, new MultiplayerAccount(username, "correct horse battery", RegisterIfMissing: true),
            multiplayer ?? new MultiplayerOptions { DefaultSession = new SessionOptions("quick", 4) }, Time));
    }

    private Player AddPlayer(long userId, IDatagramTransport? socket, NetClientOptions? options, Func<NetworkClient, Multiplayer>? facade)
    {
        var transport = new NetClient(socket ?? network.CreateTransport(), options ?? new NetClientOptions { ProtocolId = DirectoryTestSettings.ProtocolId }, Time,
            ownsTransport: socket is not null);
        var world = World.Create();
        var client = new NetworkClient(world, transport, RpcWorld.Replicated, 60, Time);
        var rpcs = new RpcClient(client, RpcWorld.Rpcs, RpcOptions);
        var joins = new RpcRecorder<PlayerJoined>(world);
        var leaves = new RpcRecorder<PlayerLeft>(world);
        var multiplayer = facade?.Invoke(client);
        var group = new Group<float>("player", client, joins, leaves);
        if (multiplayer is not null)
        {
            group.Add(multiplayer);
        }

        var player = new Player(userId, world, client, rpcs, group, joins, leaves) { Multiplayer = multiplayer };
        Players.Add(player);
        return player;
    }

    /// <summary>One 60 Hz tick of every player and every running server; waits for directory calls the tick started.</summary>
    public async Task TickAsync(int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            float dt = 1f / 60f;
            foreach (var player in Players.Where(p => !p.Paused))
            {
                player.Group.Tick(in dt);
            }

            foreach (var server in Servers.Where(s => s.Running))
            {
                if (!server.TickBlocked)
                {
                    server.Host.Tick(dt);
                }

                // Heartbeats start on the clock's timer (inside Advance above); wait for their answers before the clock moves on
                // (for one held back, until it is held: the test releases it).
                if (server.Host.PendingCall is { } call)
                {
                    try
                    {
                        await server.Fleet.Settled(call);
                    }
                    catch (Exception)
                    {
                        // The host counts and retries a failed call; the test asserts on its effects.
                    }
                }
            }

            if (Paced)
            {
                await Task.Delay(1);
            }

            if (Sweeping && ++ticks % 30 == 0)
            {
                await Directory.Node.Sweep();
            }
        }
    }

    /// <summary>
    /// Runs a facade call to completion: the clock moves only while a facade waits for the tick thread (connecting), never while
    /// a directory call is in flight, so a slow machine cannot make virtual time run out under a login or a join.
    /// </summary>
    public async Task<T> RunAsync<T>(Task<T> task, int maxTicks = 600)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        int ticked = 0;
        while (!task.IsCompleted && ticked < maxTicks && started.Elapsed < TimeSpan.FromMinutes(1))
        {
            if (Players.Any(p => p.Multiplayer?.NeedsTicks == true))
            {
                await TickAsync();
                ticked++;
            }
            else
            {
                await Task.WhenAny(task, Task.Delay(5));
            }
        }

        Assert.True(task.IsCompleted, $"the call did not complete ({ticked} ticks, {started.Elapsed})");
        return await task;
    }

    /// <summary>Ticks until <paramref name="condition"/> holds; false after <paramref name="maxTicks"/>.</summary>
    public async Task<bool> TickUntilAsync(Func<bool> condition, int maxTicks)
    {
        for (int i = 0; i < maxTicks && !condition(); i++)
        {
            await TickAsync();
        }

        return condition();
    }

    public void Dispose()
    {
        foreach (var player in Players)
        {
            player.World.Dispose();
            player.Client.Transport.Dispose();
        }

        foreach (var server in Servers)
        {
            server.Host.Dispose();
            server.Router.Dispose();
            server.Transport.Dispose();
        }
    }

    internal sealed record Server(GameServerHost Host, SessionRouter Router, IDatagramTransport Transport, List<SessionWorld> Worlds, PausableFleet Fleet)
    {
        /// <summary>False while the process is stopped ("killed"): it neither ticks nor heartbeats.</summary>
        public bool Running
        {
            get => !Fleet.Paused;
            set => Fleet.Paused = !value;
        }

        /// <summary>True while its tick is stalled (the process lives: its heartbeat timer still fires).</summary>
        public bool TickBlocked { get; set; }

        public string Id => Host.ServerId!;
    }

    internal sealed record Player(long UserId, World World, NetworkClient Client, RpcClient Rpcs, Group<float> Group,
        RpcRecorder<PlayerJoined> Joins, RpcRecorder<PlayerLeft> Leaves)
    {
        public Multiplayer? Multiplayer { get; init; }

        /// <summary>
        /// True while the player's game loop does not run (the rig skips its ticks): a join it starts takes its seat in the
        /// directory, and its connection waits for the first tick after this is cleared.
        /// </summary>
        public bool Paused { get; set; }

        public ClientState State => Client.Transport.State;
    }
}

using System.Net;
using System.Numerics;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting;
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
/// A C# game hosts a session with <see cref="Multiplayer.CreateSessionAsync(SessionOptions, SessionHostKind, CancellationToken)"/>
/// (<see cref="SessionHostKind.Player"/>), as Lua's <c>multiplayer:createSession(name, max, "player")</c> could and the C#
/// facade could not: its listen server opens the directory's tokens for the session, registers the rendezvous with a real
/// introducer, and a C# joiner (<see cref="Multiplayer.JoinSessionAsync"/>) and a Lua joiner (<c>multiplayer:joinSession</c>)
/// reach it through the introducer and play its replicated world. Real backend over HTTP, real UDP on loopback.
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed partial class MultiplayerHostingTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_CSharp_host_and_a_CSharp_and_a_Lua_joiner_play_a_player_hosted_session_until_the_host_leaves()
    {
        await using var rig = await Rig.StartAsync();
        var session = await rig.HostAsync();
        Assert.Equal(SessionHostKind.Player, session.HostKind);
        Assert.Equal(rig.HostPlayer.UserId, session.HostUserId);
        Assert.NotNull(rig.HostPlayer.Host);
        Assert.Equal(session.Id, rig.HostPlayer.CurrentSession!.Id);

        await rig.JoinBothAsync(session.Id);
        Assert.Equal(NatPath.Direct, rig.JoinerSocket.GetPath(rig.JoinerSocket.HostAddress));
        Assert.Equal(NatPath.Direct, rig.LuaSocket.GetPath(rig.LuaSocket.HostAddress));
        await rig.PlayAsync();

        // The host leaves: its server tells the joiners the session ended, and the directory ends it (Ended: the host left;
        // it read ServerLost, a crash, before).
        SessionEndReason? joinerTold = null;
        rig.Joiner.SessionEnded += (_, reason) => joinerTold = reason;
        var leaving = rig.HostPlayer.LeaveSessionAsync(Cancel);
        await rig.TickUntilAsync(() => leaving.IsCompleted && joinerTold is not null && rig.LuaClient.Transport.State == ClientState.Disconnected, "the joiners to hear the session ended");
        Assert.True(await leaving);
        Assert.Null(rig.HostPlayer.Host);
        Assert.Null(rig.HostPlayer.CurrentSession);
        Assert.Equal(SessionEndReason.Ended, joinerTold);
        Assert.Equal(DisconnectReason.SessionEnded, rig.LuaClient.Transport.LastDisconnectReason);
        var ended = await rig.Directory.GetSessionAsync(session.Id, Cancel);
        Assert.True(ended is null || ended.State == SessionState.Ended, $"the directory ended the session ({ended?.State})");
    }

    [Fact]
    public async Task A_session_the_directory_ends_stops_the_host_and_tells_it_why()
    {
        await using var rig = await Rig.StartAsync();
        var session = await rig.HostAsync();
        (SessionInfo Session, SessionEndReason Reason)? told = null;
        rig.HostPlayer.SessionEnded += (s, reason) => told = (s, reason);

        Assert.True(await new HttpSessions(rig.Backend.CreateBackendClient(asServer: true)).EndSessionAsync(session.Id, Cancel));
        await rig.TickUntilAsync(() => told is not null, "the host to hear its session ended");
        Assert.Equal(session.Id, told!.Value.Session.Id);
        Assert.Equal(SessionEndReason.Ended, told.Value.Reason);
        Assert.Null(rig.HostPlayer.Host);
        Assert.Null(rig.HostPlayer.CurrentSession);
        Assert.Equal(SessionEndReason.Ended, rig.HostPlayer.LastEndReason);
    }

    [Fact]
    public async Task Disposing_the_host_ends_its_session_for_its_joiners()
    {
        await using var rig = await Rig.StartAsync();
        var session = await rig.HostAsync();
        await rig.JoinBothAsync(session.Id);
        SessionEndReason? joinerTold = null;
        rig.Joiner.SessionEnded += (_, reason) => joinerTold = reason;

        rig.StopHost();
        await rig.TickUntilAsync(() => joinerTold is not null, "the joiner to hear the session ended");
        Assert.Equal(SessionEndReason.Ended, joinerTold);
        Assert.Equal(DisconnectReason.SessionEnded, rig.LuaClient.Transport.LastDisconnectReason);
    }

    [Fact]
    public async Task Hosting_needs_a_reachable_socket_host_systems_that_start_and_a_free_player()
    {
        await using var rig = await Rig.StartAsync();
        using var world = World.Create();
        var client = new NetworkClient(world, new NetClient(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)),
            new NetClientOptions { ProtocolId = DirectoryTestSettings.ProtocolId }, ownsTransport: true), ReplicationWorld.Registry);
        using var cannotHost = Multiplayer.OverBackend(client, rig.Backend.CreateBackendClient(asServer: false), new MultiplayerAccount("no-host", SeedNetwork.Password, RegisterIfMissing: true));
        await Assert.ThrowsAsync<InvalidOperationException>(() => cannotHost.CreateSessionAsync(new SessionOptions("coop", 4), SessionHostKind.Player, Cancel));

        // A socket joiners cannot reach is refused before anything is created.
        using var anywhere = new UdpTransport(new IPEndPoint(IPAddress.Any, 0));
        using var unreachable = Multiplayer.OverBackend(client, rig.Backend.CreateBackendClient(asServer: false), new MultiplayerAccount("no-host", SeedNetwork.Password, RegisterIfMissing: true),
            new MultiplayerOptions { Hosting = new MultiplayerHosting(anywhere) });
        await Assert.ThrowsAsync<InvalidOperationException>(() => unreachable.CreateSessionAsync(new SessionOptions("coop", 4), SessionHostKind.Player, Cancel));

        // Host systems that cannot be built fail the call, and the session it created is left again.
        using var socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var broken = Multiplayer.OverBackend(client, rig.Backend.CreateBackendClient(asServer: false), new MultiplayerAccount("no-host", SeedNetwork.Password, RegisterIfMissing: true),
            new MultiplayerOptions { Hosting = new MultiplayerHosting(socket) {
                Systems = host =>
                {
                    _ = new RpcServer(host.Server, RpcWorld.Rpcs);   // the game's RPC layer, made before its arena fails
                    throw new InvalidOperationException("no arena");
                },
            } });
        var group = new Group<float>("broken", client, broken);
        group.Initialize();
        var failing = broken.CreateSessionAsync(new SessionOptions("broken-arena", 4), SessionHostKind.Player, Cancel);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !failing.IsCompleted && DateTime.UtcNow < deadline; await Task.Delay(2, Cancel))
        {
            float dt = 1f / 60;
            group.Tick(in dt);
        }

        Assert.Equal("no arena", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing)).Message);
        Assert.Null(broken.Host);
        Assert.Null(broken.CurrentSession);
        Assert.False(world.Resources.Has<RpcServer>()); // before: left behind, so the world's client never sent an RPC again
        Assert.Empty((await rig.Directory.ListSessionsAsync(new SessionFilter { NameContains = "broken-arena" }, cancellationToken: Cancel)).Sessions);

        var session = await rig.HostAsync();
        var again = await Assert.ThrowsAsync<InvalidOperationException>(() => rig.HostPlayer.CreateSessionAsync(new SessionOptions("coop", 4), SessionHostKind.Player, Cancel));
        Assert.Contains(session.Id.ToString(), again.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => rig.HostPlayer.JoinSessionAsync(session.Id, Cancel));
    }

    [Fact]
    public async Task A_player_hosted_session_announces_who_joins_and_leaves_as_a_game_servers_session_does()
    {
        await using var rig = await Rig.StartAsync();
        var host = new List<string>();
        var joiner = new List<string>();
        rig.HostPlayer.PlayerJoined += e => host.Add("+" + e.Name);
        rig.HostPlayer.PlayerLeft += e => host.Add("-" + e.Name);
        rig.Joiner.PlayerJoined += e => joiner.Add("+" + e.Name);
        rig.Joiner.PlayerLeft += e => joiner.Add("-" + e.Name);
        var session = await rig.HostAsync();
        await rig.JoinBothAsync(session.Id);

        // Before, a player-hosted session announced nothing: neither the host nor its joiners heard a join or a leave.
        await rig.TickUntilAsync(() => host.Count == 3 && joiner.Count >= 2 && joiner.Contains("+joining-carol"), $"the joins (host [{string.Join(",", host)}], joiner [{string.Join(",", joiner)}])");
        Assert.Equal("+hosting-alice", host[0]);   // the host itself first, under its account's name
        Assert.Equal(["+hosting-alice", "+joining-bob", "+joining-carol"], host.Order());
        Assert.Equal(["+hosting-alice", "+joining-bob", "+joining-carol"], joiner.Order());
        Assert.True(joiner.IndexOf("+hosting-alice") < joiner.IndexOf("+joining-bob"));   // who was there, then itself

        // A player who leaves departs at once: the host's reconnect grace is an hour (Rig), so a leave heard at all was not
        // a timed-out player's, which waits the grace out.
        Assert.True(await rig.Joiner.LeaveSessionAsync(Cancel));
        await rig.TickUntilAsync(() => host.Count == 4, "the host to hear the leave");
        Assert.Equal("-joining-bob", host[3]);
    }

    /// <summary>Moves every player's entity on the host: the replicated world the joiners follow.</summary>
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

    /// <summary>A backend, an introducer, a hosting C# player, a joining C# player and a joining Lua script.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly Introducer introducer;
        private readonly List<IDisposable> owned = [];
        private readonly Group<float> hostGroup;
        private readonly Group<float> joinerGroup;
        private readonly Group<float> luaGroup;
        private readonly ScriptHost luaScripts;
        private readonly World hostWorld = World.Create();
        private readonly World joinerWorld = World.Create();
        private readonly World luaWorld = World.Create();
        private readonly DeafenableSocket joinerDeafness;
        private Mover? mover;
        private bool hostStopped;
        private World? newcomerWorld;
        private Group<float>? newcomerGroup;

        private Rig(BackendTestServer backend, bool relay)
        {
            Backend = backend;
            introducer = new Introducer(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
            var traversal = new NatTraversalOptions { Introducer = introducer.LocalAddress };
            Directory = new HttpSessions(backend.CreateBackendClient(asServer: true));   // what the directory says, read with the server key

            // The host's game: a client it does not use while hosting, and the listen server's own socket through the introducer.
            var hostSocket = new NatTraversal(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), traversal);
            owned.Add(hostSocket);
            HostPlayer = Multiplayer.OverBackend(Client(hostWorld, new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), out var hostClient),
                backend.CreateBackendClient(asServer: false), new MultiplayerAccount("hosting-alice", SeedNetwork.Password, RegisterIfMissing: true),
                new MultiplayerOptions
                {
                    Hosting = new MultiplayerHosting(hostSocket)
                    {
                        Systems = host =>
                        {
                            // The game's RPC layer, which the session relay announces over: with a reconnect grace no test
                            // here waits out, so a departure heard is never one that came by the grace's end.
                            if (relay) _ = new RpcServer(host.Server, RpcWorld.Rpcs, new RpcOptions { ReconnectGracePeriod = TimeSpan.FromHours(1) });
                            host.Server.PlayerConnected += joined =>
                            {
                                if (!joined.Reconnected) host.World.Create(new Position2 { Value = new Vector2(joined.ClientId % 100, 0) }, new NetworkOwner(joined.Connection));
                            };
                            mover = new Mover(host.World);
                            return [mover];
                        },
                    },
                }, HostClock);
            if (relay) _ = new RpcClient(hostClient, RpcWorld.Rpcs);   // the host relays membership with the registry of its client's RPC layer
            hostGroup = new Group<float>("host", hostClient, HostPlayer);

            // The C# joiner.
            JoinerSocket = new NatTraversal(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), traversal);
            joinerDeafness = new DeafenableSocket(JoinerSocket);
            Joiner = Multiplayer.OverBackend(Client(joinerWorld, joinerDeafness, out var joinerClient), backend.CreateBackendClient(asServer: false),
                new MultiplayerAccount("joining-bob", SeedNetwork.Password, RegisterIfMissing: true), new MultiplayerOptions { Traversal = JoinerSocket });
            _ = new RpcClient(joinerClient, RpcWorld.Rpcs);
            joinerGroup = new Group<float>("joiner", joinerClient, Joiner);

            // The Lua joiner.
            LuaSocket = new NatTraversal(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), traversal);
            Client(luaWorld, LuaSocket, out var luaClient);
            LuaClient = luaClient;
            var luaBackend = backend.CreateBackendClient(asServer: false);
            luaScripts = new ScriptHost(new ScriptServices
            {
                Authentication = new HttpAuthentication(luaBackend),
                Sessions = new HttpSessions(luaBackend),
                Traversal = LuaSocket,
                // game.showEndScreen(name, reason): what the Lua player's world shows then, as a game's end screen reads it.
                Game = new Dictionary<string, ScriptFunction>
                {
                    ["showEndScreen"] = arguments =>
                    {
                        LuaEndScreen = (Describe(Values(luaWorld)), arguments[1].AsString);
                        return ScriptValue.Nil;
                    },
                    // game.keepResult(): what a lobby keeps of the end screen, read before the world drops it.
                    ["keepResult"] = _ =>
                    {
                        LuaKeptResult = Values(luaWorld);
                        return ScriptValue.Nil;
                    },
                },
            }, null, luaWorld);
            luaGroup = new Group<float>("lua", luaClient, luaScripts.System);
            hostGroup.Initialize();
            joinerGroup.Initialize();
            luaGroup.Initialize();
        }

        public BackendTestServer Backend { get; }

        public HttpSessions Directory { get; }

        public Multiplayer HostPlayer { get; }

        /// <summary>
        /// The hosting player's clock (its server's): a test holds it while the host delivers the end, so the delivery's
        /// real-time window (<see cref="SessionRelay.EndDeliveryWait"/>) outlasts however many ticks the test needs.
        /// </summary>
        public JumpClock HostClock { get; } = new();

        public Multiplayer Joiner { get; }

        public NatTraversal JoinerSocket { get; }

        public NatTraversal LuaSocket { get; }

        public NetworkClient LuaClient { get; }

        /// <summary>What the Lua player's world showed when its script's end screen ran (docs/SCRIPTING.md's block), and why the session ended.</summary>
        public (string World, string? Reason)? LuaEndScreen { get; set; }

        /// <summary>What the Lua player's world held when its script's <c>game.keepResult()</c> ran (docs/SCRIPTING.md's block).</summary>
        public List<(float, float)>? LuaKeptResult { get; set; }

        public World HostWorld => hostWorld;

        public World JoinerWorld => joinerWorld;

        public World LuaWorld => luaWorld;

        /// <summary>A C# player that joins later (<see cref="AddNewcomer"/>), or null.</summary>
        public Multiplayer? Newcomer { get; private set; }

        /// <summary>Whether <see cref="Tick"/> ticks the newcomer: until then its join's connection waits to start.</summary>
        public bool TickNewcomer { get; set; }

        /// <summary>
        /// A C# player (dave, on its own loopback socket, connecting to the host directly) ticked once, then only while
        /// <see cref="TickNewcomer"/> is set: a join it starts takes its seat in the directory, and its connection starts in
        /// its first tick after that.
        /// </summary>
        public Multiplayer AddNewcomer()
        {
            newcomerWorld = World.Create();
            Newcomer = Multiplayer.OverBackend(Client(newcomerWorld, new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), out var client),
                Backend.CreateBackendClient(asServer: false), new MultiplayerAccount("joining-dave", SeedNetwork.Password, RegisterIfMissing: true));
            _ = new RpcClient(client, RpcWorld.Rpcs);
            newcomerGroup = new Group<float>("newcomer", client, Newcomer);
            newcomerGroup.Initialize();
            float dt = 1f / 60;
            newcomerGroup.Tick(in dt); // ticked: its join does not fail as a facade nothing ticks
            return Newcomer;
        }

        /// <summary>True to lose every datagram that reaches the C# joiner's socket.</summary>
        public bool JoinerDeaf
        {
            get => joinerDeafness.Deaf;
            set => joinerDeafness.Deaf = value;
        }

        /// <summary>Whether the host's game moves every player's entity (its rule while a test watches).</summary>
        public bool Moving
        {
            get => mover!.Moving;
            set => mover!.Moving = value;
        }

        /// <summary>Starts the rig.</summary>
        /// <param name="relay">
        /// False for a host whose game has no RPC layer: its session has no <see cref="SessionRelay"/> (no joins and leaves
        /// announced, an ended session refused by its server alone).
        /// </param>
        public static async Task<Rig> StartAsync(bool relay = true)
        {
            var backend = await BackendTestServer.StartAsync(null, null, DirectoryTestSettings.BackendArgs);
            var players = new HttpAuthentication(backend.CreateBackendClient(asServer: false));
            await players.RegisterAsync("joining-carol", SeedNetwork.Password, Cancel);
            return new Rig(backend, relay);
        }

        public async Task<SessionInfo> HostAsync()
        {
            var hosting = HostPlayer.CreateSessionAsync(new SessionOptions("coop", 4), SessionHostKind.Player, Cancel);
            await TickUntilAsync(() => hosting.IsCompleted, "the host to serve");
            return await hosting;
        }

        /// <summary>The C# joiner and the Lua joiner join <paramref name="id"/>; the Lua script runs <paramref name="script"/> after its join.</summary>
        public async Task<LuaScript> JoinBothAsync(SessionId id, string script = "", string name = "join.lua")
        {
            var joining = Joiner.JoinSessionAsync(id, Cancel);
            var globals = new Dictionary<string, ScriptValue> { ["username"] = "joining-carol", ["password"] = SeedNetwork.Password, ["sessionId"] = id.ToString() };
            var lua = luaScripts.Load(name, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripting", "Seed", "02-login.lua"))
                + "local session = multiplayer:joinSession(sessionId)\nseedSession = session\n" + script, globals);
            await TickUntilAsync(() => joining.IsCompleted && lua.WaitingEntries == 0, "both joins");
            Assert.Equal(id, (await joining).Id);
            Assert.Empty(lua.Errors);
            Assert.Equal(id.ToString(), lua.GetGlobal("seedSession").AsTable!["id"].AsString);
            Assert.Equal(ClientState.Connected, LuaClient.Transport.State);
            return lua;
        }

        /// <summary>The host moves every player's entity for a second, then the joiners converge on its world.</summary>
        public async Task PlayAsync()
        {
            await TickUntilAsync(() => Values(hostWorld).Count == 3 && Values(joinerWorld).Count == 3 && Values(luaWorld).Count == 3,
                $"every world to hold the three players' entities (host {Values(hostWorld).Count}, C# {Values(joinerWorld).Count}, Lua {Values(luaWorld).Count})");
            for (int i = 0; i < 60; i++) Tick();
            mover!.Moving = false;
            var host = Values(hostWorld);
            Assert.Contains(host, v => v.Item1 >= 30);   // they moved
            await TickUntilAsync(() => Values(joinerWorld).SequenceEqual(host) && Values(luaWorld).SequenceEqual(host), "the joiners to converge on the host's world");
            Assert.NotNull(HostPlayer.Host);
            Assert.Contains(HostPlayer.Host!.LocalConnection, Owners(hostWorld));   // the hosting player plays too
        }

        public void StopHost()
        {
            hostStopped = true;
            HostPlayer.Dispose();
        }

        public void Tick()
        {
            float dt = 1f / 60;
            introducer.Update();
            if (!hostStopped) hostGroup.Tick(in dt);
            joinerGroup.Tick(in dt);
            luaGroup.Tick(in dt);
            if (TickNewcomer) newcomerGroup?.Tick(in dt);
        }

        public async Task TickUntilAsync(Func<bool> done, string what)
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(30); !done(); await Task.Delay(2, Cancel))
            {
                Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}: {string.Join(" | ", luaScripts.Logger.Lines.Select(l => l.Message))}");
                Tick();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!hostStopped) HostPlayer.Dispose();
            Joiner.Dispose();
            Newcomer?.Dispose();
            newcomerWorld?.Dispose();
            luaScripts.Dispose();
            foreach (var disposable in owned) disposable.Dispose();
            introducer.Dispose();
            hostWorld.Dispose();
            joinerWorld.Dispose();
            luaWorld.Dispose();
            await Backend.DisposeAsync();
        }

        private NetworkClient Client(World world, IDatagramTransport socket, out NetworkClient client)
        {
            client = new NetworkClient(world, new NetClient(socket, new NetClientOptions { ProtocolId = DirectoryTestSettings.ProtocolId }, ownsTransport: true),
                ReplicationWorld.Registry);
            return client;
        }

        public static string Describe(List<(float, float)> values) => string.Join(" ", values.Select(v => FormattableString.Invariant($"{v.Item1:0.##},{v.Item2:0.##}")));

        public static List<(float, float)> Values(World world)
        {
            var values = new List<(float, float)>();
            world.Query(new QueryDescription().WithAll<Position2>(), (ref Position2 p) => values.Add((MathF.Round(p.Value.X, 2), MathF.Round(p.Value.Y, 2))));
            values.Sort();
            return values;
        }

        private static List<ConnectionId> Owners(World world)
        {
            var owners = new List<ConnectionId>();
            world.Query(new QueryDescription().WithAll<NetworkOwner>(), (ref NetworkOwner o) => owners.Add(o.Connection));
            return owners;
        }
    }
}

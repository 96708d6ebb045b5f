using System.Net;
using System.Numerics;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Sessions;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A player-hosted session of one C# player and two Lua players on a real backend (HTTP), a real introducer and UDP on
/// loopback: alice hosts through <see cref="Multiplayer"/>; bob and carol are Lua games whose scripts join with
/// <c>multiplayer:joinSession</c> and whose <see cref="ScriptServices.StartHosting"/> starts a <see cref="NetworkHost"/> on
/// the game's tick thread. On every host, the game spawns an entity per player and moves the owned ones while told to.
/// </summary>
internal sealed class LuaMigrationRig : IAsyncDisposable
{
    private readonly Introducer introducer;
    private readonly List<IDisposable> owned = [];

    private LuaMigrationRig(BackendTestServer backend, LuaScriptOptions? options)
    {
        Backend = backend;
        // A lost host's rendezvous is free for the successor once the introducer stops hearing from it.
        introducer = new Introducer(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), new IntroducerOptions { HostTimeout = TimeSpan.FromSeconds(2) });
        Directory = new HttpSessions(backend.CreateBackendClient(asServer: true));
        Alice = AddAlice();
        Bob = new LuaPlayer(this, "lua-migrating-bob", options);
        Carol = new LuaPlayer(this, "lua-migrating-carol", options);
    }

    public BackendTestServer Backend { get; }

    public HttpSessions Directory { get; }

    /// <summary>The C# host.</summary>
    public CSharpPlayer Alice { get; }

    public LuaPlayer Bob { get; }

    public LuaPlayer Carol { get; }

    /// <summary>Whether the host's game moves the owned entities.</summary>
    public bool Moving { get; set; }

    /// <summary>
    /// The Lua players' clock (<see cref="ScriptServices.Time"/>): the system's, until a test jumps it past the waits of work
    /// it checks no longer comes, which real time would not reach within a check's ticks.
    /// </summary>
    public Traktor.Ecs.Net.Tests.Sessions.JumpClock Clock { get; } = new();

    /// <summary>Starts the backend, the introducer, alice and the two Lua players (with <paramref name="options"/>, or the defaults).</summary>
    public static async Task<LuaMigrationRig> StartAsync(LuaScriptOptions? options = null)
    {
        var rig = new LuaMigrationRig(await BackendTestServer.StartAsync(null, null, DirectoryTestSettings.BackendArgs), options);
        var accounts = new HttpAuthentication(rig.Backend.CreateBackendClient(asServer: false));
        await accounts.RegisterAsync(rig.Bob.Name, SeedNetwork.Password);
        await accounts.RegisterAsync(rig.Carol.Name, SeedNetwork.Password);
        return rig;
    }

    public void Tick()
    {
        float dt = 1f / 60;
        introducer.Update();
        if (Alice.Running) Alice.Group.Tick(in dt);
        Bob.Tick(dt);
        Carol.Tick(dt);
    }

    public async Task TickUntilAsync(Func<bool> done, string what)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(45); !done(); await Task.Delay(2, TestContext.Current.CancellationToken))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; bob: {Bob.Log} | carol: {Carol.Log}");
            Tick();
        }
    }

    public async Task<T> RunAsync<T>(Task<T> task, string what)
    {
        await TickUntilAsync(() => task.IsCompleted, what);
        return await task;
    }

    /// <summary>The game's authority on whichever player hosts: an entity per player that connects for the first time.</summary>
    public IEnumerable<ISystem<float>> HostSystems(NetworkHost host)
    {
        host.Server.PlayerConnected += joined =>
        {
            if (!joined.Reconnected) host.World.Create(new Position2 { Value = new Vector2(joined.ClientId % 100, 0) }, new NetworkOwner(joined.Connection));
        };
        return [new Mover(host.World, this)];
    }

    public NatTraversal Socket()
    {
        var socket = new NatTraversal(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), new NatTraversalOptions { Introducer = introducer.LocalAddress });
        owned.Add(socket);
        return socket;
    }

    public async ValueTask DisposeAsync()
    {
        Alice.Multiplayer.Dispose();
        Alice.World.Dispose();
        Bob.Dispose();
        Carol.Dispose();
        foreach (var disposable in owned) disposable.Dispose();
        introducer.Dispose();
        await Backend.DisposeAsync();
    }

    private CSharpPlayer AddAlice()
    {
        var clientSocket = Socket();
        var world = World.Create();
        var client = new NetworkClient(world, new NetClient(clientSocket, new NetClientOptions { ProtocolId = DirectoryTestSettings.ProtocolId }), ReplicationWorld.Registry);
        _ = new RpcClient(client, RpcWorld.Rpcs);
        var backend = Backend.CreateBackendClient(asServer: false);
        var link = new PartitionedSessions(new HttpSessions(backend));
        var multiplayer = new Multiplayer(client, new HttpAuthentication(backend), link, new MultiplayerAccount("lua-migrating-alice", SeedNetwork.Password, RegisterIfMissing: true),
            new MultiplayerOptions { Traversal = clientSocket, Hosting = new MultiplayerHosting(Socket()) { Systems = HostSystems } });
        var group = new Group<float>("alice", client, multiplayer);
        group.Initialize();
        return new CSharpPlayer(world, multiplayer, group, link);
    }

    /// <summary>The C# player: its world, facade, group and link to the directory (cut when its game dies).</summary>
    public sealed record CSharpPlayer(World World, Multiplayer Multiplayer, Group<float> Group, PartitionedSessions Link)
    {
        public bool Running { get; set; } = true;
    }

    /// <summary>Moves every owned entity on the host while <see cref="Moving"/>.</summary>
    private sealed class Mover(World world, LuaMigrationRig rig) : BaseSystem<World, float>(world)
    {
        private readonly QueryDescription moving = new QueryDescription().WithAll<Position2, NetworkOwner>();

        public override void Update(in float dt)
        {
            if (rig.Moving) World.Query(in moving, (ref Position2 p) => p.Value += new Vector2(0.5f, -0.25f));
        }
    }
}

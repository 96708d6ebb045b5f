using System.Net;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Everything the seed's snippets touch, for real: the online backend on Kestrel (127.0.0.1), the
/// api.example.com stand-in over HTTPS, and a game server and a client world talking over loopback UDP,
/// each with the network plugin, the RPC layer and a <see cref="LuaScriptSystem"/>. Sessions come from
/// the backend's session directory over HTTP (<see cref="HttpSessions"/>): the game server registers with
/// its fleet, and the directory's connect tokens bring the client to it.
/// </summary>
internal sealed class SeedNetwork : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private static readonly ReplicationRegistry Replicated = ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance]);
    private static readonly RpcRegistry Rpcs = RpcRegistry.FromSchemas([Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance]);

    private readonly List<IDisposable> _disposables = new();
    private readonly string _captureDirectory = Directory.CreateTempSubdirectory("traktor-lua-").FullName;

    private SeedNetwork(BackendTestServer backend, ExampleApiServer api, LuaScriptOptions? options, Func<ISessions, ISessions>? playerSessions, TimeProvider? serverScriptTime)
    {
        Backend = backend;
        Api = api;
        Admin = backend.CreateBackendClient(asServer: true);
        Sessions = new HttpSessions(Admin);

        // Game server on 127.0.0.1 (UDP), with the key the directory signs connect tokens with.
        var serverSocket = Own(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        int port = serverSocket.LocalEndPoint.Port;
        ServerAddress = $"127.0.0.1:{port}";
        var serverOptions = new NetServerOptions
        {
            ProtocolId = DirectoryTestSettings.ProtocolId,
            PrivateKey = DirectoryTestSettings.GameServerKey,
            PublicAddresses = [NetAddress.Parse(ServerAddress)],
        };
        ServerWorld = World.Create();
        Server = new NetworkServer(ServerWorld, Own(new NetServer(serverSocket, serverOptions)), Replicated, new ServerReplicationOptions());
        ServerRpcs = new RpcServer(Server, Rpcs, new RpcOptions()).AllowFromClients<SeedPlayerJoined>();
        ServerScripts = new ScriptHost(new ScriptServices { Sessions = Sessions, Rpcs = ScriptRpcs(), Time = serverScriptTime ?? TimeProvider.System }, options, ServerWorld);
        ServerReceived = new RpcRecorder<SeedPlayerJoined>(ServerWorld);
        ServerGroup = new Group<float>("server", Server, ServerScripts.System, ServerReceived);

        // Client on 127.0.0.1 (UDP), playing as a player of the backend.
        var clientSocket = Own(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        ClientOptions = new NetClientOptions { ProtocolId = DirectoryTestSettings.ProtocolId };
        ClientWorld = World.Create();
        Client = new NetworkClient(ClientWorld, Own(new NetClient(clientSocket, ClientOptions)), Replicated);
        _ = new RpcClient(Client, Rpcs);
        PlayerBackend = backend.CreateBackendClient(asServer: false);
        CapturePath = Path.Combine(_captureDirectory, "client.pcapng");
        PacketLog = new ScriptPacketLog(ClientOptions, () => File.Create(CapturePath));
        ClientScripts = new ScriptHost(new ScriptServices
        {
            Http = Own(api.CreateClient()),
            AllowedHttpHosts = [ExampleApiServer.HostName],
            Authentication = new HttpAuthentication(PlayerBackend),
            Leaderboards = new HttpLeaderboards(PlayerBackend),
            Achievements = new HttpAchievements(PlayerBackend),
            Sessions = playerSessions?.Invoke(new HttpSessions(PlayerBackend)) ?? new HttpSessions(PlayerBackend),
            Rpcs = ScriptRpcs(),
            PacketLog = PacketLog,
        }, options, ClientWorld);
        ClientReceived = new RpcRecorder<SeedPlayerJoined>(ClientWorld);
        ClientGroup = new Group<float>("client", Client, ClientScripts.System, ClientReceived);
    }

    public BackendTestServer Backend { get; }

    public ExampleApiServer Api { get; }

    public OnlineBackendClient PlayerBackend { get; }

    /// <summary>The backend as a game server sees it (server key).</summary>
    public OnlineBackendClient Admin { get; }

    /// <summary>The session directory with the server key (acts for any player); client scripts use it as the logged-in player.</summary>
    public HttpSessions Sessions { get; }

    /// <summary>The game server's "host:port", as registered with the fleet.</summary>
    public string ServerAddress { get; }

    public World ServerWorld { get; }

    public NetworkServer Server { get; }

    public RpcServer ServerRpcs { get; }

    public ScriptHost ServerScripts { get; }

    public RpcRecorder<SeedPlayerJoined> ServerReceived { get; }

    public Group<float> ServerGroup { get; }

    public NetClientOptions ClientOptions { get; }

    public World ClientWorld { get; }

    public NetworkClient Client { get; }

    public ScriptHost ClientScripts { get; }

    public RpcRecorder<SeedPlayerJoined> ClientReceived { get; }

    public Group<float> ClientGroup { get; }

    public ScriptPacketLog PacketLog { get; }

    public string CapturePath { get; }

    /// <summary>The backend user the snippets log in as.</summary>
    public UserAccount Alice { get; private set; } = null!;

    /// <summary>A second backend user, ahead of alice on the leaderboard.</summary>
    public UserAccount Bob { get; private set; } = null!;

    /// <summary>Starts everything; <paramref name="serverScriptTime"/> is the server scripts' clock (their RPC budget's, …), the system's by default.</summary>
    public static async Task<SeedNetwork> StartAsync(LuaScriptOptions? options = null, Func<ISessions, ISessions>? playerSessions = null, TimeProvider? serverScriptTime = null)
    {
        // The directory's settings; a registered server stays live without heartbeats for the test's length.
        var backend = await BackendTestServer.StartAsync(null, null, [.. DirectoryTestSettings.BackendArgs, "--Online:Sessions:DeadAfterMs=600000"]);
        var api = await ExampleApiServer.StartAsync();
        var network = new SeedNetwork(backend, api, options, playerSessions, serverScriptTime);
        var admin = network.Admin;
        await new HttpLeaderboards(admin).DefineLeaderboardAsync(new LeaderboardDefinition("HighScores"));
        await new HttpAchievements(admin).DefineAchievementAsync(new AchievementDefinition("FirstKill", "First kill", "Defeat an enemy."));
        var authentication = new HttpAuthentication(backend.CreateBackendClient(asServer: false));
        network.Alice = await authentication.RegisterAsync("alice", Password);
        var bob = await authentication.RegisterAsync("bob", Password);
        network.Bob = bob;
        await new HttpLeaderboards(admin).SubmitScoreAsync(new ScoreSubmission("HighScores", bob.UserId, 20000));
        await new HttpGameServerFleet(admin).RegisterServerAsync(new GameServerRegistration([network.ServerAddress], 16, 8, "seed-server"));
        return network;
    }

    /// <summary>Joins a session from C#, so a snippet has a live connection to work with.</summary>
    public async Task ConnectAsync()
    {
        var session = await Sessions.CreateSessionAsync(new SessionOptions("Warmup", 4), TestContext.Current.CancellationToken);
        var join = await Sessions.JoinSessionAsync(session.Id, Bob.UserId, TestContext.Current.CancellationToken);
        Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
        TickUntil(() => Client.Transport.State == ClientState.Connected && Server.Connections.Count == 1, "the client to connect");
        Tick(5);
    }

    /// <summary>Ticks both worlds at about 60 Hz of wall time until <paramref name="done"/> holds.</summary>
    public void TickUntil(Func<bool> done, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                var logged = ClientScripts.Logger.Lines.Concat(ServerScripts.Logger.Lines).Select(l => l.Message);
                throw new TimeoutException($"Timed out waiting for {what}. Scripts logged: {string.Join(" | ", logged)}");
            }

            Tick();
            Thread.Sleep(2);
        }
    }

    public void Tick(int count = 1)
    {
        float dt = 1f / 60f;
        for (int i = 0; i < count; i++)
        {
            ClientGroup.Tick(in dt);
            ServerGroup.Tick(in dt);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (PacketLog.Enabled)
        {
            PacketLog.Set(false);
        }

        ClientScripts.Dispose();
        ServerScripts.Dispose();
        ClientWorld.Dispose();
        ServerWorld.Dispose();
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            disposable.Dispose();
        }

        await Api.DisposeAsync();
        await Backend.DisposeAsync();
        Directory.Delete(_captureDirectory, recursive: true);
    }

    private static ScriptRpcMap ScriptRpcs() => new ScriptRpcMap().Map<SeedPlayerJoined>("onPlayerJoined");

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }
}

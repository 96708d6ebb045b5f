using System.Net;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// Everything the seed's snippets touch, for real: the online backend on Kestrel (127.0.0.1), the
/// api.example.com stand-in over HTTPS, and a game server and a client world talking over loopback UDP,
/// each with the network plugin, the RPC layer and a <see cref="LuaScriptSystem"/>. Sessions come from
/// the in-process directory (<see cref="InProcessSessions"/>) pointing at the game server.
/// </summary>
internal sealed class SeedNetwork : IAsyncDisposable
{
    public const ulong ProtocolId = 0x5343_5249_5054_0001;
    public const string Password = "correct horse battery staple";

    private static readonly ReplicationRegistry Replicated = ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance]);
    private static readonly RpcRegistry Rpcs = RpcRegistry.FromSchemas([Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance]);

    private readonly List<IDisposable> _disposables = new();
    private readonly string _captureDirectory = Directory.CreateTempSubdirectory("traktor-lua-").FullName;

    private SeedNetwork(BackendTestServer backend, ExampleApiServer api)
    {
        Backend = backend;
        Api = api;

        // Game server on 127.0.0.1 (UDP).
        byte[] serverKey = ConnectTokenIssuer.GenerateServerKey();
        var serverSocket = Own(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        int port = serverSocket.LocalEndPoint.Port;
        var serverOptions = new NetServerOptions { ProtocolId = ProtocolId, PrivateKey = serverKey, PublicAddresses = [NetAddress.Parse($"127.0.0.1:{port}")] };
        ServerWorld = World.Create();
        Server = new NetworkServer(ServerWorld, Own(new NetServer(serverSocket, serverOptions)), Replicated, new ServerReplicationOptions());
        ServerRpcs = new RpcServer(Server, Rpcs, new RpcOptions()).AllowFromClients<SeedPlayerJoined>();
        Sessions = new InProcessSessions(new SessionTokenOptions { ServerKey = serverKey, ProtocolId = ProtocolId }, [serverSocket.LocalEndPoint]);
        ServerWorld.Resources.Add<ISessions>(Sessions);
        ServerScripts = new ScriptHost(new ScriptServices { Sessions = Sessions, Rpcs = ScriptRpcs() }, world: ServerWorld);
        ServerReceived = new RpcRecorder<SeedPlayerJoined>(ServerWorld);
        ServerGroup = new Group<float>("server", Server, ServerScripts.System, ServerReceived);

        // Client on 127.0.0.1 (UDP), playing as a player of the backend.
        var clientSocket = Own(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        ClientOptions = new NetClientOptions { ProtocolId = ProtocolId };
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
            Sessions = Sessions,
            Rpcs = ScriptRpcs(),
            PacketLog = PacketLog,
        }, world: ClientWorld);
        ClientReceived = new RpcRecorder<SeedPlayerJoined>(ClientWorld);
        ClientGroup = new Group<float>("client", Client, ClientScripts.System, ClientReceived);
    }

    public BackendTestServer Backend { get; }

    public ExampleApiServer Api { get; }

    public OnlineBackendClient PlayerBackend { get; }

    public InProcessSessions Sessions { get; }

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

    public static async Task<SeedNetwork> StartAsync()
    {
        var backend = await BackendTestServer.StartAsync();
        var api = await ExampleApiServer.StartAsync();
        var network = new SeedNetwork(backend, api);
        var admin = backend.CreateBackendClient(asServer: true);
        await new HttpLeaderboards(admin).DefineLeaderboardAsync(new LeaderboardDefinition("HighScores"));
        await new HttpAchievements(admin).DefineAchievementAsync(new AchievementDefinition("FirstKill", "First kill", "Defeat an enemy."));
        var authentication = new HttpAuthentication(backend.CreateBackendClient(asServer: false));
        network.Alice = await authentication.RegisterAsync("alice", Password);
        var bob = await authentication.RegisterAsync("bob", Password);
        await new HttpLeaderboards(admin).SubmitScoreAsync(new ScoreSubmission("HighScores", bob.UserId, 20000));
        return network;
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

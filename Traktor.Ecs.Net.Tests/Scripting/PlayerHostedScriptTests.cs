using System.Net;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// The seed's <c>multiplayer:createSession("MyGame", 4)</c> in a game that can host (<see cref="ScriptServices.StartHosting"/>):
/// it makes a session of the directory hosted by the script's player, whose game starts a <see cref="NetworkHost"/> with the
/// directory's key and registers with an introducer; another player's script joins it by id through the introducer
/// (<see cref="ScriptServices.Traversal"/>) and its client connects to the host. Real backend over HTTP, real UDP on loopback.
/// </summary>
[Collection(nameof(SeedSnippetTests))]
public sealed class PlayerHostedScriptTests
{
    private static readonly ReplicationRegistry Replicated = ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance]);

    [Fact]
    public async Task CreateSession_as_in_the_seed_makes_a_player_hosted_session_that_another_script_joins_through_the_introducer()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var backend = await BackendTestServer.StartAsync(null, null, DirectoryTestSettings.BackendArgs);
        var players = new HttpAuthentication(backend.CreateBackendClient(asServer: false));
        await players.RegisterAsync("hosting-alice", SeedNetwork.Password, cancel);
        await players.RegisterAsync("joining-bob", SeedNetwork.Password, cancel);
        using var introducer = new Introducer(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        var traversal = new NatTraversalOptions { Introducer = introducer.LocalAddress };

        // The hosting player's game: until createSession it has no network; StartHosting builds its listen server.
        using var hostWorld = World.Create();
        var hostBackend = backend.CreateBackendClient(asServer: false);
        var hostSessions = new HttpSessions(hostBackend);
        var hostSocket = new NatTraversal(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), traversal);
        NetworkHost? host = null;
        PlayerSessionHost? directoryEntry = null;
        long hostUser = 0;
        var hostScripts = new ScriptHost(new ScriptServices
        {
            Authentication = new HttpAuthentication(hostBackend),
            Sessions = hostSessions,
            StartHosting = (grant, _) =>
            {
                var server = new NetServer(hostSocket, new NetServerOptions { ProtocolId = DirectoryTestSettings.ProtocolId, PrivateKey = grant.SessionKey });
                hostSocket.Host(grant.Rendezvous, grant.PunchKey);
                hostUser = grant.Session.HostUserId!.Value;
                directoryEntry = PlayerSessionHost.Start(hostSessions, grant, hostUser);
                Volatile.Write(ref host, new NetworkHost(hostWorld, server, Replicated, localClientId: (ulong)grant.Session.HostUserId!.Value));
                return Task.FromResult<PlayerSessionHost?>(directoryEntry);
            },
        }, null, hostWorld);

        // The joining player's game: a client whose socket goes through the introducer.
        using var joinerWorld = World.Create();
        var joinerBackend = backend.CreateBackendClient(asServer: false);
        var joinerSocket = new NatTraversal(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), traversal);
        var client = new NetworkClient(joinerWorld, new NetClient(joinerSocket, new NetClientOptions { ProtocolId = DirectoryTestSettings.ProtocolId }), Replicated);
        var joinerScripts = new ScriptHost(new ScriptServices
        {
            Authentication = new HttpAuthentication(joinerBackend),
            Sessions = new HttpSessions(joinerBackend),
            Traversal = joinerSocket,
        }, null, joinerWorld);
        var joinerGroup = new Group<float>("joiner", client, joinerScripts.System);
        joinerGroup.Initialize();
        var connected = new List<ulong>();
        Group<float>? hostGroup = null;
        void Tick()
        {
            float dt = 1f / 60;
            introducer.Update();
            if (hostGroup is null && Volatile.Read(ref host) is { } started)
            {
                started.Server.ClientConnected += (_, id) => connected.Add(id);
                hostGroup = new Group<float>("host", started);
                hostGroup.Initialize();
            }

            hostScripts.Tick();
            hostGroup?.Tick(in dt);
            if (host is not null && !hostSocket.PublicAddress.IsNone)
            {
                directoryEntry!.Report([hostSocket.PublicAddress.ToEndPoint()], connected.Where(c => c != (ulong)hostUser).Select(c => (long)c).ToArray());
            }

            joinerGroup.Tick(in dt);
        }

        void TickUntil(Func<bool> done, string what)
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(30); !done(); Thread.Sleep(2))
            {
                Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}: {string.Join(" | ", hostScripts.Logger.Lines.Concat(joinerScripts.Logger.Lines).Select(l => l.Message))}");
                Tick();
            }
        }

        // The seed's line, verbatim, after a login.
        var hostGlobals = new Dictionary<string, ScriptValue> { ["username"] = "hosting-alice", ["password"] = SeedNetwork.Password };
        var hosting = hostScripts.Load("host.lua", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripting", "Seed", "02-login.lua"))
            + "local session = multiplayer:createSession(\"MyGame\", 4)  -- Max 4 players\nseedSession = session\n", hostGlobals);
        TickUntil(() => hosting.WaitingEntries == 0, "createSession");
        Assert.Empty(hosting.Errors);
        var described = hosting.GetGlobal("seedSession").AsTable!;
        Assert.Equal("player", described["host"].AsString);
        Assert.Equal(1L, described["playerCount"].AsInteger);
        var session = await hostSessions.GetSessionAsync(SessionId.TryParse(described["id"].AsString, out var id) ? id : default, cancel);
        Assert.Equal(SessionHostKind.Player, session!.HostKind);
        Assert.Equal(session.HostUserId, described["hostId"].AsInteger);
        Assert.Null(session.ServerId);

        // Bob's script joins it by id: the introducer puts him through to alice's game, whose server admits him.
        var joinerGlobals = new Dictionary<string, ScriptValue> { ["username"] = "joining-bob", ["password"] = SeedNetwork.Password, ["sessionId"] = session.Id.ToString() };
        var joining = joinerScripts.Load("join.lua", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scripting", "Seed", "02-login.lua"))
            + "local session = multiplayer:joinSession(sessionId)\nseedSession = session\n", joinerGlobals);
        TickUntil(() => joining.WaitingEntries == 0, "joinSession");
        Assert.Empty(joining.Errors);
        Assert.Equal(ClientState.Connected, client.Transport.State);
        Assert.Equal(NatPath.Direct, joinerSocket.GetPath(joinerSocket.HostAddress));
        long bob = (await hostSessions.GetSessionAsync(session.Id, cancel))!.Members.Single(m => m.UserId != session.HostUserId).UserId;
        TickUntil(() => connected.Contains((ulong)bob), "the host to see bob");
        TickUntil(() => directoryEntry!.Heartbeats > 0, "the host's heartbeat");

        await directoryEntry!.DisposeAsync();
        hostScripts.Dispose();
        joinerScripts.Dispose();
    }
}

using System.Net;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Scripting;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A player who joins an <see cref="InProcessSessions"/> through Lua's <c>joinSession</c> or the <see cref="Multiplayer"/>
/// facade is seated under its name, so the session's <see cref="PlayerJoined"/> names it. Both joined through
/// <see cref="ISessions.JoinSessionAsync(SessionId, long, CancellationToken)"/>, which has no name, so an in-process game
/// announced " joined (1 players)" although the script or the facade had logged in as "dave" (found writing
/// docs/SCRIPTING.md's whole Lua player); the facade's quick-join and create-and-join the same.
/// </summary>
public sealed class NamedJoinTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static InProcessSessions Directory() => new(
        new SessionTokenOptions { ServerKey = ConnectTokenIssuer.GenerateServerKey(), ProtocolId = 0x5452_4b54 },
        [IPEndPoint.Parse("127.0.0.1:9")]);   // nobody answers there: these tests look at the seat, not the connection

    [Fact]
    public async Task Lua_joinSession_seats_the_player_under_its_name()
    {
        var sessions = Directory();
        var session = await sessions.CreateSessionAsync(new SessionOptions("Named", 4), Cancel);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42, PlayerName = "dave" });
        var script = host.Load("join.lua", $"""
            local session = multiplayer:joinSession("{session.Id}")
            log:info(session.name)
            """);

        host.TickUntil(() => script.WaitingEntries == 0);

        Assert.Empty(script.Errors);
        var member = Assert.Single((await sessions.GetSessionAsync(session.Id, Cancel))!.Members);
        Assert.Equal((42L, "dave"), (member.UserId, member.Name));
    }

    [Fact]
    public async Task A_Lua_createSession_on_an_in_process_directory_makes_a_session_its_creator_and_a_second_player_join_by_name()
    {
        // createSession on a directory of one process (no StartHosting: the process's own server hosts it) creates the
        // session; the creator's joinSession seats it under its name, and a second Lua player finds it by id and joins too.
        var sessions = Directory();
        using var creator = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42, PlayerName = "dave" });
        var creating = creator.Load("create.lua", """
            local created = multiplayer:createSession("MyGame", 4)
            createdId = created.id
            createdHost = created.host
            local joined = multiplayer:joinSession(created.id)
            joinedCount = joined.playerCount
            """);
        creator.TickUntil(() => creating.WaitingEntries == 0);
        Assert.Empty(creating.Errors);
        Assert.Equal("server", creating.GetGlobal("createdHost").AsString);
        Assert.Equal(1L, creating.GetGlobal("joinedCount").AsInteger);
        string id = creating.GetGlobal("createdId").AsString!;

        using var second = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 43, PlayerName = "erin" });
        var joining = second.Load("join.lua", """
            local joined = multiplayer:joinSession(sessionId)
            joinedName = joined.name
            joinedCount = joined.playerCount
            """, new Dictionary<string, ScriptValue> { ["sessionId"] = id });
        second.TickUntil(() => joining.WaitingEntries == 0);
        Assert.Empty(joining.Errors);
        Assert.Equal("MyGame", joining.GetGlobal("joinedName").AsString);
        Assert.Equal(2L, joining.GetGlobal("joinedCount").AsInteger);

        var listed = Assert.Single((await sessions.ListSessionsAsync(cancellationToken: Cancel)).Sessions);
        Assert.Equal(id, listed.Id.ToString());
        Assert.Equal([(42L, "dave"), (43L, "erin")], listed.Members.Select(m => (m.UserId, m.Name)).OrderBy(m => m.UserId));
    }

    [Fact]
    public async Task Every_directory_wrapper_passes_the_player_s_name_on()
    {
        // The named overloads have no default body any more: a wrapper that implemented only the unnamed ones compiled and
        // silently dropped the name (ServerReportsFirstSessions and JoinAlteringSessions did).
        ISessions[] wrappers = [new Fleet.ServerReportsFirstSessions(Directory()), new NotYetPublishedSessions(Directory(), 0)];
        foreach (var wrapper in wrappers)
        {
            var session = await wrapper.CreateSessionAsync(new SessionOptions("Named", 4), Cancel);
            Assert.True((await wrapper.JoinSessionAsync(session.Id, 42, "dave", Cancel)).Succeeded);
            Assert.True((await wrapper.QuickJoinAsync(43, "erin", null, new SessionOptions("Named", 4), Cancel)).Succeeded);
            var members = (await wrapper.GetSessionAsync(session.Id, Cancel))!.Members;
            Assert.Equal([(42L, "dave"), (43L, "erin")], members.Select(m => (m.UserId, m.Name)).OrderBy(m => m.UserId));
        }
    }

    [Theory]
    [InlineData("join")]
    [InlineData("quick-join")]
    [InlineData("create")]
    public async Task The_Multiplayer_facade_seats_the_player_under_its_login_name(string how)
    {
        string folder = OnlineTestSettings.TempDirectory();
        try
        {
            await using var online = await OnlineServices.OpenSqliteAsync(Path.Combine(folder, "online.db"),
                new OnlineServicesOptions { Authentication = OnlineTestSettings.Authentication() }, Cancel);
            long dave = (await online.Authentication.RegisterAsync("dave", "correct horse battery", Cancel)).UserId;
            var sessions = Directory();
            var session = await sessions.CreateSessionAsync(new SessionOptions("Named", 4), Cancel);
            using var world = World.Create();
            var client = new NetworkClient(world, new NetClient(new UdpTransport(IPEndPoint.Parse("127.0.0.1:0")),
                new NetClientOptions { ProtocolId = 0x5452_4b54, SchemaHash = ReplicationWorld.Registry.ProtocolHash }, ownsTransport: true), ReplicationWorld.Registry);
            using var multiplayer = new Multiplayer(client, online.Authentication, sessions, new MultiplayerAccount("dave", "correct horse battery"));
            var group = new Group<float>("player", client, multiplayer);
            group.Initialize();

            using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
            // A quick-join finds the one session with room; it named nobody either before.
            // The facade's createSession joined the session it made without a name too.
            var joining = how switch
            {
                "quick-join" => multiplayer.QuickJoinAsync(cancellationToken: giveUp.Token),
                "create" => multiplayer.CreateSessionAsync("Created", 4, giveUp.Token),
                _ => multiplayer.JoinSessionAsync(session.Id, giveUp.Token),
            };
            SessionInfo? seated = null;
            for (var deadline = DateTime.UtcNow.AddSeconds(30); seated is null && !joining.IsCompleted && DateTime.UtcNow < deadline; await Task.Delay(1, Cancel))
            {
                group.Tick(1f / 60f);
                seated = (await sessions.ListSessionsAsync(cancellationToken: Cancel)).Sessions.FirstOrDefault(s => s.IsMember(dave));
            }

            Assert.NotNull(seated);
            Assert.Equal("dave", Assert.Single(seated.Members).Name);
            await giveUp.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joining);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(folder);
        }
    }
}

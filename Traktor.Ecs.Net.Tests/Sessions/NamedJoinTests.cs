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
/// docs/SCRIPTING.md's whole Lua player); the facade's quick-join the same.
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_Multiplayer_facade_seats_the_player_under_its_login_name(bool quickJoin)
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
            var joining = quickJoin ? multiplayer.QuickJoinAsync(cancellationToken: giveUp.Token) : multiplayer.JoinSessionAsync(session.Id, giveUp.Token);
            SessionInfo? seated = null;
            for (var deadline = DateTime.UtcNow.AddSeconds(30); seated is null && !joining.IsCompleted && DateTime.UtcNow < deadline; await Task.Delay(1, Cancel))
            {
                group.Tick(1f / 60f);
                var now = await sessions.GetSessionAsync(session.Id, Cancel);
                if (now!.IsMember(dave)) seated = now;
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

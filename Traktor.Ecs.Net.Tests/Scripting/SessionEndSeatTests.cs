using System.Collections.Concurrent;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Sessions;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A Lua game whose connection to a dedicated game server ends (cut, the server gone) hears <c>onSessionEnded</c> and
/// gives its seat in the directory back at once, once: before, the seat stayed taken until the game server's reconnect
/// grace expired (or never, with the server gone), so the player could not take another seat meanwhile. A seat the player
/// gave up itself (<see cref="DisconnectReason.LeftSession"/>) is not left again.
/// </summary>
public sealed class SessionEndSeatTests
{
    private const long Player = 42;

    private const string Source = """
        ended = {}
        joins = 0

        function Script:onSessionEnded(session, reason)
            ended[#ended + 1] = reason
        end

        function Script:join()
            multiplayer:joinSession(sessionId)
            joins = joins + 1
        end

        function Script:leave()
            left = multiplayer:leaveSession()
        end
        """;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_player_its_game_server_cuts_gives_its_seat_back_once_and_may_join_again_at_once()
    {
        using var game = await GameAsync();
        game.Join();

        // The game server cuts the player without the directory (a kick of its own): the relay keeps the seat for the
        // player's reconnect grace (a minute here), which the directory hears of only when it expires.
        game.Setup.Harness.Server.Disconnect(game.Setup.ConnectionOf((ulong)Player), DisconnectReason.Kicked);
        Assert.True(game.Setup.TickUntil(() => game.Ended.Count == 1 && game.Members() == 0, 120), $"ended {game.Ended.Count}, members {game.Members()}");
        Assert.Equal(["Kicked"], game.Ended);
        var leave = Assert.Single(game.Directory.Leaves);
        Assert.Equal((Player, (DateTimeOffset?)game.FirstSeat), (leave.Player, leave.Granted)); // that seat only

        // Out of the session: leaveSession has nothing to leave, and the seat is not left twice.
        game.Call("leave");
        Assert.False(game.Script.GetGlobal("left").AsBoolean);

        // The player joins again at once (its new seat stays: the give-back named the old one), and plays.
        game.Join();
        Assert.Equal(1, game.Members());
        game.Setup.Tick(30);
        Assert.Equal(1, game.Members());
        Assert.Single(game.Directory.Leaves);
        Assert.Empty(game.Script.Errors);
    }

    [Fact]
    public async Task A_player_that_left_from_elsewhere_hears_it_and_leaves_nothing_again()
    {
        using var game = await GameAsync();
        game.Join();

        // The player's seat is given up through the directory (another device): the server tells the game LeftSession.
        Assert.True(await game.Sessions.LeaveSessionAsync(game.Session.Id, Player, Cancel));
        Assert.True(game.Setup.TickUntil(() => game.Ended.Count == 1, 120));
        Assert.Equal(["LeftSession"], game.Ended);
        game.Setup.Tick(30);
        Assert.Empty(game.Directory.Leaves);
        Assert.Empty(game.Script.Errors);
    }

    private static async Task<Game> GameAsync()
    {
        SessionRelay? relay = null;
        var setup = new RpcWorld(
            new LinkConditions(),
            new RpcOptions { ReconnectGracePeriod = TimeSpan.FromMinutes(1) },
            options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        var sessions = new InProcessSessions(
            new SessionTokenOptions { ServerKey = setup.Harness.ServerKey, ProtocolId = TransportHarness.ProtocolId },
            [setup.Harness.ServerAddress.ToEndPoint()],
            setup.Harness.Time);
        var session = await sessions.CreateSessionAsync(new SessionOptions("arena", 4), Cancel);
        relay = new SessionRelay(setup.ServerRpcs, session.Id, 4, sessions, setup.Harness.Time);
        sessions.Attach(relay);

        var peer = setup.AddClient((ulong)Player, seed: 7, connect: false);
        var directory = new CountingLeaves(sessions);
        var host = new ScriptHost(new ScriptServices { Sessions = directory, PlayerId = Player, Time = setup.Harness.Time }, world: peer.World);
        peer.Group.Add(host.System);
        var script = host.Load("arena.lua", Source, new Dictionary<string, ScriptValue> { ["sessionId"] = session.Id.ToString() });
        return new Game(setup, sessions, session, directory, host, script);
    }

    private sealed record Game(RpcWorld Setup, InProcessSessions Sessions, SessionInfo Session, CountingLeaves Directory, ScriptHost Host, LuaScript Script) : IDisposable
    {
        public DateTimeOffset? FirstSeat { get; private set; }

        public List<string> Ended => Script.GetGlobal("ended").AsTable?.Items.Select(e => e.AsString ?? "").ToList() ?? [];

        public int Members() => Sessions.GetSessionAsync(Session.Id, Cancel).GetAwaiter().GetResult()!.Members.Count;

        public void Call(string handler)
        {
            Assert.True(Script.Call(handler));
            Assert.True(Setup.TickUntil(() => Script.WaitingEntries == 0, 600), $"{handler} did not finish");
        }

        /// <summary>Joins through the script and waits until its client is connected to the game server.</summary>
        public void Join()
        {
            long joins = Script.GetGlobal("joins").AsInteger;
            Assert.True(Script.Call("join"));
            Assert.True(Setup.TickUntil(() => Script.GetGlobal("joins").AsInteger == joins + 1 || Script.Errors.Count > 0, 600), "the join did not finish");
            Assert.Empty(Script.Errors);
            Assert.Equal(ClientState.Connected, Setup.Clients[0].Client.Transport.State);
            FirstSeat ??= Sessions.GetSessionAsync(Session.Id, Cancel).GetAwaiter().GetResult()!.Members.Single().JoinedAt;
        }

        public void Dispose()
        {
            Host.Dispose();
            Setup.Dispose();
        }
    }

    /// <summary>The in-process directory, recording every leave (player, seat grant) that comes through it.</summary>
    private sealed class CountingLeaves(ISessions inner) : JoinAlteringSessions(inner)
    {
        public ConcurrentQueue<(long Player, DateTimeOffset? Granted)> Leaves { get; } = new();

        public override Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
            Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);

        public override Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
        {
            Leaves.Enqueue((userId, null));
            return Inner.LeaveSessionAsync(id, userId, cancellationToken);
        }

        public override Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default)
        {
            Leaves.Enqueue((userId, null));
            return Inner.LeaveSessionAsync(id, userId, reason, cancellationToken);
        }

        public override Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default)
        {
            Leaves.Enqueue((userId, seatGrantedAt));
            return Inner.LeaveSessionAsync(id, userId, reason, seatGrantedAt, cancellationToken);
        }
    }
}

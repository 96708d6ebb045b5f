using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
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
public sealed partial class SessionEndSeatTests
{
    private const long Player = 42;

    private const string Source = """
        ended = {}
        joins = 0

        function Script:onSessionEnded(session, reason, disconnect)
            ended[#ended + 1] = reason .. " " .. disconnect
            endedWhenTold = multiplayer:isEnded()
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
        // The directory still lists the session (the player's own give-back freed the seat): after EndReasonWait the reason
        // is ConnectionLost, as Multiplayer.SessionEnded says, and the connection's end is the third argument.
        Assert.True(game.Setup.TickUntil(() => game.Ended.Count == 1 && game.Members() == 0, 240), $"ended {game.Ended.Count}, members {game.Members()}");
        Assert.Equal(["ConnectionLost Kicked"], game.Ended);
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
        Assert.Equal(["Ended LeftSession"], game.Ended); // out of a live session's members: Ended, as Multiplayer says
        game.Setup.Tick(30);
        Assert.Empty(game.Directory.Leaves);
        Assert.Empty(game.Script.Errors);
    }

    [Theory]
    [InlineData(SessionEndReason.Ended)]
    [InlineData(SessionEndReason.ServerShutdown)]
    [InlineData(SessionEndReason.ServerLost)]
    public async Task A_session_the_directory_ends_tells_the_script_the_directory_s_reason_as_Multiplayer_does(SessionEndReason why)
    {
        using var game = await GameAsync();
        game.Join();

        // The directory ends the session; its game server disconnects the player with SessionEnded. Before, the script heard
        // "SessionEnded" whatever the directory said, where Multiplayer.SessionEnded gives the directory's reason.
        Assert.True(game.Sessions.End(game.Session.Id, why));
        Assert.True(game.Setup.TickUntil(() => game.Ended.Count == 1, 120), "the script did not hear the end");
        Assert.Equal([why + " SessionEnded"], game.Ended);
        Assert.Empty(game.Script.Errors);
    }

    [Fact]
    public async Task A_script_that_joins_again_before_the_reason_is_known_hears_nothing_of_the_old_session()
    {
        using var game = await GameAsync(directoryAnswers: false);
        game.Join();

        // The directory's answers about the session are held: the end's reason is still being asked when the script plays on.
        game.Setup.Harness.Server.Disconnect(game.Setup.ConnectionOf((ulong)Player), DisconnectReason.Kicked);
        Assert.True(game.Setup.TickUntil(() => game.Members() == 0, 120), "the seat was not given back");
        var migration = game.Host.System.MigrationOf(game.Script)!;
        var question = migration.EndQuestion;
        Assert.Equal(0, migration.EndQuestionsOver);
        game.Join();
        game.Directory.Answer.SetResult();

        // The join stopped the question: it is over without the clock moving on (its off-tick end is awaited, not guessed
        // with ticks). Before, it was asked on, and only the wait running out (EndReasonWait, on the ticks' clock) ended it.
        await question.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken); // a hang guard only: the answer was released above
        game.Setup.Tick(120); // past EndReasonWait (1 s): nothing of the old session's end is left to come due
        Assert.Equal(1, migration.EndQuestionsOver);
        Assert.Empty(game.Ended);
        Assert.Empty(game.Script.Errors);
    }

    private static async Task<Game> GameAsync(bool directoryAnswers = true, string extraSource = "")
    {
        SessionRelay? relay = null;
        var setup = new RpcWorld(
            new LinkConditions(),
            new RpcOptions { ReconnectGracePeriod = TimeSpan.FromMinutes(1) },
            options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        (var sessions, var session, relay) = await SessionRelayTests.OpenAsync(setup, "arena", 4);

        var peer = setup.AddClient((ulong)Player, seed: 7, connect: false);
        var directory = new CountingLeaves(sessions);
        if (directoryAnswers)
        {
            directory.Answer.SetResult();
        }

        var plays = new StrongBox<int>();
        var host = new ScriptHost(new ScriptServices
        {
            Sessions = directory,
            PlayerId = Player,
            Time = setup.Harness.Time,
            // game.play(dt): the game's own rule, counted.
            Game = new Dictionary<string, ScriptFunction> { ["play"] = _ => { plays.Value++; return ScriptValue.Nil; } },
        }, new LuaScriptOptions { EndReasonWait = TimeSpan.FromSeconds(1) }, world: peer.World);
        peer.Group.Add(host.System);
        var script = host.Load("arena.lua", Source + "\n" + extraSource, new Dictionary<string, ScriptValue> { ["sessionId"] = session.Id.ToString() });
        return new Game(setup, sessions, session, directory, host, script) { Plays = plays };
    }

    private sealed record Game(RpcWorld Setup, InProcessSessions Sessions, SessionInfo Session, CountingLeaves Directory, ScriptHost Host, LuaScript Script) : IDisposable
    {
        /// <summary>How many times the script called <c>game.play</c>.</summary>
        public StrongBox<int> Plays { get; init; } = new();

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

        /// <summary>Completed when the directory answers questions about a session that are asked after a leave (the end's reason).</summary>
        public TaskCompletionSource Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private volatile bool _left;

        public override async Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default)
        {
            if (_left)
            {
                await Answer.Task.WaitAsync(cancellationToken);
            }

            return await Inner.GetSessionAsync(id, cancellationToken);
        }

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
            _left = true;
            return Inner.LeaveSessionAsync(id, userId, reason, seatGrantedAt, cancellationToken);
        }
    }
}

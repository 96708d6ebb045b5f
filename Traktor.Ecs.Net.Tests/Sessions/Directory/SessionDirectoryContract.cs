using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;

namespace Traktor.Ecs.Net.Tests.Sessions.Directory;

/// <summary>
/// The session directory's contract, run unchanged on SQLite, on PostgreSQL, and through backend nodes over HTTP
/// (each with two nodes sharing one store).
/// </summary>
public abstract partial class SessionDirectoryContract<THarness> where THarness : IDirectoryHarness, new()
{
    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    protected static async Task<DirectoryContext> StartAsync(int nodes = 2) =>
        await new THarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), nodes);

    protected static async Task<long[]> PlayersAsync(DirectoryNode node, int count, string prefix = "p")
    {
        var ids = new long[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = (await node.Authentication.RegisterAsync($"{prefix}{i}", "correct horse battery", Cancel)).UserId;
        }

        return ids;
    }

    protected static Task<GameServerLease> ServerAsync(DirectoryNode node, int port, int maxPlayers = 256, int maxSessions = 64) =>
        node.Fleet.RegisterServerAsync(new GameServerRegistration([$"127.0.0.1:{port}"], maxPlayers, maxSessions, $"gs-{port}"), Cancel);

    protected static Task<FleetAssignments> BeatAsync(DirectoryNode node, GameServerLease server, params HostedSessionReport[] sessions) =>
        node.Fleet.HeartbeatAsync(server.ServerId, new GameServerHeartbeat(false, 1.5, sessions), Cancel);

    [Fact]
    public async Task TwoHundredConcurrentJoinsFromTwoNodesAdmitExactlyFourPerSession()
    {
        await using var directory = await StartAsync(nodes: 2);
        var server = await ServerAsync(directory.Node, 40100);
        var sessions = new List<SessionInfo>();
        for (int i = 0; i < 10; i++)
        {
            sessions.Add(await directory.Nodes[i % 2].Sessions.CreateSessionAsync(new SessionOptions($"race {i}", 4), Cancel));
        }

        long[] players = await PlayersAsync(directory.Node, 200);
        using var start = new Barrier(200);
        var joins = players.Select((player, i) => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(); // all two hundred race for the forty seats at once, half through each node
            return (Player: player, Session: sessions[i % 10].Id, Result: directory.Nodes[i % 2].Sessions.JoinSessionAsync(sessions[i % 10].Id, player, Cancel).GetAwaiter().GetResult());
        }, TaskCreationOptions.LongRunning)).ToArray();
        var results = await Task.WhenAll(joins);

        Assert.Equal(40, results.Count(r => r.Result.Status == SessionJoinStatus.Joined));
        Assert.Equal(160, results.Count(r => r.Result.Status == SessionJoinStatus.Full));
        foreach (var session in sessions)
        {
            var admitted = results.Where(r => r.Session == session.Id && r.Result.Status == SessionJoinStatus.Joined).Select(r => r.Player).Order().ToArray();
            var stored = (await directory.Nodes[1].Sessions.GetSessionAsync(session.Id, Cancel))!;
            Assert.Equal(4, admitted.Length);
            Assert.Equal(admitted, stored.Members.Select(m => m.UserId).Order());
        }

        foreach (var (player, session, result) in results.Where(r => r.Result.Succeeded))
        {
            var (clientId, ticket, addresses) = JoinTokens.Open(result.ConnectInfo!, DirectoryTestSettings.GameServerKey, DirectoryTestSettings.ProtocolId);
            Assert.Equal((ulong)player, clientId);
            Assert.Equal(session, ticket.SessionId);
            Assert.Equal(4, ticket.MaxPlayers);
            Assert.Equal($"p{Array.IndexOf(players, player)}", ticket.PlayerName);
            Assert.Equal(40100, Assert.Single(addresses).Port);
        }

        var status = Assert.Single(await directory.Node.Fleet.ListServersAsync(Cancel));
        Assert.Equal(server.ServerId, status.ServerId);
        Assert.Equal(40, status.ReservedPlayers);
        Assert.Equal(10, status.LiveSessions);
    }

    [Fact]
    public async Task SessionsGoToTheLeastLoadedServerAndNeverOverfillOne()
    {
        await using var directory = await StartAsync(nodes: 2);
        var a = await ServerAsync(directory.Node, 40201, maxPlayers: 8);
        var b = await ServerAsync(directory.Node, 40202, maxPlayers: 8);
        var placed = new List<string?>();
        for (int i = 0; i < 4; i++)
        {
            placed.Add((await directory.Nodes[i % 2].Sessions.CreateSessionAsync(new SessionOptions($"s{i}", 4), Cancel)).ServerId);
        }

        Assert.Equal(2, placed.Count(p => p == a.ServerId));
        Assert.Equal(2, placed.Count(p => p == b.ServerId));
        Assert.NotEqual(placed[0], placed[1]); // the second went to the emptier server
        var full = await Assert.ThrowsAsync<OnlineException>(() => directory.Node.Sessions.CreateSessionAsync(new SessionOptions("one too many", 1), Cancel));
        Assert.Equal(OnlineError.Unavailable, full.Error);

        // A draining server takes nothing new; its room goes unused.
        var c = await ServerAsync(directory.Node, 40203, maxPlayers: 8);
        await directory.Node.Fleet.HeartbeatAsync(c.ServerId, new GameServerHeartbeat(true, 0, []), Cancel);
        await Assert.ThrowsAsync<OnlineException>(() => directory.Node.Sessions.CreateSessionAsync(new SessionOptions("drained", 2), Cancel));
    }

    [Fact]
    public async Task ASilentServerIsDeclaredDeadItsSessionsEndAndNothingIsPlacedOnIt()
    {
        await using var directory = await StartAsync(nodes: 2);
        var doomed = await ServerAsync(directory.Node, 40301);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("doomed", 4), Cancel);
        long[] players = await PlayersAsync(directory.Node, 2);
        Assert.Equal(SessionJoinStatus.Joined, (await directory.Node.Sessions.JoinSessionAsync(session.Id, players[0], Cancel)).Status);
        var survivor = await ServerAsync(directory.Node, 40302);

        // The survivor heartbeats; the doomed server falls silent.
        for (int second = 1; second <= 6; second++)
        {
            directory.Time.Advance(TimeSpan.FromSeconds(1));
            await BeatAsync(directory.Node, survivor);
        }

        var report = await directory.Nodes[1].Sweep();
        Assert.Equal(1, report.ServersDeclaredDead);
        var ended = (await directory.Node.Sessions.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal(SessionState.Ended, ended.State);
        Assert.Equal(SessionEndReason.ServerLost, ended.EndReason);
        Assert.Equal(SessionJoinStatus.Ended, (await directory.Node.Sessions.JoinSessionAsync(session.Id, players[1], Cancel)).Status);
        Assert.Equal(0, (await directory.Node.Sessions.ListSessionsAsync(cancellationToken: Cancel)).Total);

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(survivor.ServerId, (await directory.Nodes[i % 2].Sessions.CreateSessionAsync(new SessionOptions($"after {i}", 4), Cancel)).ServerId);
        }

        // The dead server, back from a long pause, is told so: it must drop its sessions and register anew.
        Assert.Equal(GameServerState.Dead, (await BeatAsync(directory.Node, doomed)).State);
        Assert.Equal(0, (await directory.Node.Sweep()).ServersDeclaredDead);
        var statuses = await directory.Node.Fleet.ListServersAsync(Cancel);
        Assert.Equal(GameServerState.Dead, statuses.Single(s => s.ServerId == doomed.ServerId).State);
    }

    [Fact]
    public async Task AJoinThatFindsItsServerSilentDeclaresItDeadWithoutWaitingForASweep()
    {
        await using var directory = await StartAsync(nodes: 1);
        await ServerAsync(directory.Node, 40401);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("stale", 4), Cancel);
        long[] players = await PlayersAsync(directory.Node, 1);
        directory.Time.Advance(DirectoryTestSettings.DeadAfter + TimeSpan.FromMilliseconds(1));

        var join = await directory.Node.Sessions.JoinSessionAsync(session.Id, players[0], Cancel);
        Assert.Equal(SessionJoinStatus.Ended, join.Status);
        Assert.Equal(SessionEndReason.ServerLost, join.Session!.EndReason);
        Assert.Null(join.ConnectInfo);
        Assert.Equal(GameServerState.Dead, Assert.Single(await directory.Node.Fleet.ListServersAsync(Cancel)).State);
    }

    [Fact]
    public async Task APlayerHoldsOneSeatLeavesAndRejoinsWithAFresherTicket()
    {
        await using var directory = await StartAsync(nodes: 2);
        var server = await ServerAsync(directory.Node, 40501);
        var first = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("first", 2), Cancel);
        var second = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("second", 2), Cancel);
        long player = (await PlayersAsync(directory.Node, 1))[0];

        var join = await directory.Node.Sessions.JoinSessionAsync(first.Id, player, Cancel);
        Assert.Equal(SessionJoinStatus.Joined, join.Status);
        var again = await directory.Nodes[1].Sessions.JoinSessionAsync(first.Id, player, Cancel);
        Assert.Equal(SessionJoinStatus.AlreadyMember, again.Status);
        Assert.NotNull(again.ConnectInfo);
        Assert.Equal(1, again.Session!.PlayerCount);

        directory.Time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(SessionJoinStatus.Joined, (await directory.Nodes[1].Sessions.JoinSessionAsync(second.Id, player, Cancel)).Status);
        Assert.Empty((await directory.Node.Sessions.GetSessionAsync(first.Id, Cancel))!.Members); // moving gave up the first seat

        var assignments = await BeatAsync(directory.Node, server);
        var departed = Assert.Single(assignments.Sessions.Single(s => s.Session.Id == first.Id).Departures);
        Assert.Equal(player, departed.UserId);
        Assert.Equal(player, Assert.Single(assignments.Sessions.Single(s => s.Session.Id == second.Id).Session.Members).UserId);

        Assert.True(await directory.Node.Sessions.LeaveSessionAsync(second.Id, player, Cancel));
        Assert.False(await directory.Nodes[1].Sessions.LeaveSessionAsync(second.Id, player, Cancel));
        var leftAt = (await BeatAsync(directory.Node, server)).Sessions.Single(s => s.Session.Id == second.Id).Departures.Single().At;

        // Rejoining in the same millisecond still gets a ticket stamped after the departure.
        var rejoin = await directory.Node.Sessions.JoinSessionAsync(second.Id, player, Cancel);
        Assert.Equal(SessionJoinStatus.Joined, rejoin.Status);
        var (_, ticket, _) = JoinTokens.Open(rejoin.ConnectInfo!, DirectoryTestSettings.GameServerKey, DirectoryTestSettings.ProtocolId);
        Assert.True(ticket.IssuedAt > leftAt);
        Assert.Equal(SessionJoinStatus.NotFound, (await directory.Node.Sessions.JoinSessionAsync(SessionId.New(), player, Cancel)).Status);
    }

    [Fact]
    public async Task The_game_server_learns_why_each_seat_was_freed()
    {
        // Before, a departure carried no reason and the game server kicked every player still connected, one that left
        // itself included. The reason is stored with the seat, so it reaches every backend node's heartbeat answers.
        await using var directory = await StartAsync(nodes: 2);
        var server = await ServerAsync(directory.Node, 40551);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("why", 4), Cancel);
        var elsewhere = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("elsewhere", 4), Cancel);
        long[] players = await PlayersAsync(directory.Node, 4, "why");
        foreach (long player in players)
        {
            Assert.Equal(SessionJoinStatus.Joined, (await directory.Node.Sessions.JoinSessionAsync(session.Id, player, Cancel)).Status);
        }

        Assert.True(await directory.Node.Sessions.LeaveSessionAsync(session.Id, players[0], Cancel));
        Assert.True(await directory.Node.Sessions.LeaveSessionAsync(session.Id, players[1], SessionLeaveReason.Removed, Cancel));
        Assert.True(await directory.Nodes[1].Sessions.LeaveSessionAsync(session.Id, players[2], SessionLeaveReason.TimedOut, Cancel));
        Assert.Equal(SessionJoinStatus.Joined, (await directory.Node.Sessions.JoinSessionAsync(elsewhere.Id, players[3], Cancel)).Status);
        await Assert.ThrowsAsync<OnlineException>(() => directory.Node.Sessions.LeaveSessionAsync(session.Id, players[0], (SessionLeaveReason)7, Cancel));

        var departures = (await BeatAsync(directory.Nodes[1], server)).Sessions.Single(s => s.Session.Id == session.Id).Departures;
        Assert.Equal(
            [(players[0], SessionLeaveReason.Left), (players[1], SessionLeaveReason.Removed), (players[2], SessionLeaveReason.TimedOut), (players[3], SessionLeaveReason.Left)],
            departures.Select(d => (d.UserId, d.Reason)).OrderBy(d => d.UserId));
    }

    [Fact]
    public async Task A_rejoined_player_carries_no_departure_and_its_next_leave_says_why_it_left_then()
    {
        // A rejoin clears the departure and its reason together: the seat is held, and nothing of the removal before it
        // may reach a game server (as a departure or the reason of the next one).
        await using var directory = await StartAsync();
        var server = await ServerAsync(directory.Node, 40552);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("again", 4), Cancel);
        long player = (await PlayersAsync(directory.Node, 1, "again"))[0];
        Assert.Equal(SessionJoinStatus.Joined, (await directory.Node.Sessions.JoinSessionAsync(session.Id, player, Cancel)).Status);
        Assert.True(await directory.Node.Sessions.LeaveSessionAsync(session.Id, player, SessionLeaveReason.Removed, Cancel));
        var removed = Assert.Single((await BeatAsync(directory.Node, server)).Sessions.Single(s => s.Session.Id == session.Id).Departures);
        Assert.Equal(SessionLeaveReason.Removed, removed.Reason);

        Assert.Equal(SessionJoinStatus.Joined, (await directory.Node.Sessions.JoinSessionAsync(session.Id, player, Cancel)).Status);
        Assert.Empty((await BeatAsync(directory.Node, server)).Sessions.Single(s => s.Session.Id == session.Id).Departures);

        Assert.True(await directory.Node.Sessions.LeaveSessionAsync(session.Id, player, Cancel));
        var left = Assert.Single((await BeatAsync(directory.Node, server)).Sessions.Single(s => s.Session.Id == session.Id).Departures);
        Assert.Equal(SessionLeaveReason.Left, left.Reason);
    }

    [Fact]
    public async Task A_late_report_of_an_expired_grace_frees_only_the_seat_it_was_for_never_the_one_taken_since()
    {
        // A game server reports a player whose reconnect grace expired without awaiting it (and retries it): before, a report
        // that reached the directory after the player had left and rejoined removed the fresh seat, and the player that had
        // come back was cut. The report names the seat it is about by its tickets' grant time.
        await using var directory = await StartAsync(nodes: 2);
        var server = await ServerAsync(directory.Node, 40553);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("late", 4), Cancel);
        long player = (await PlayersAsync(directory.Node, 1, "late"))[0];
        var admitted = TicketOf(await directory.Node.Sessions.JoinSessionAsync(session.Id, player, Cancel));
        directory.Time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.True(await directory.Node.Sessions.LeaveSessionAsync(session.Id, player, Cancel));
        directory.Time.Advance(TimeSpan.FromMilliseconds(10));
        var rejoined = TicketOf(await directory.Nodes[1].Sessions.JoinSessionAsync(session.Id, player, Cancel));
        Assert.True(rejoined.IssuedAt > admitted.IssuedAt);

        // The report of the first seat, arriving now (and once more, as a retry), through either node: the new seat stays.
        Assert.False(await directory.Nodes[1].Sessions.LeaveSessionAsync(session.Id, player, SessionLeaveReason.TimedOut, admitted.IssuedAt, Cancel));
        Assert.False(await directory.Node.Sessions.LeaveSessionAsync(session.Id, player, SessionLeaveReason.TimedOut, admitted.IssuedAt, Cancel));
        var seated = (await directory.Node.Sessions.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal(player, Assert.Single(seated.Members).UserId);
        Assert.Equal(1, seated.PlayerCount);
        Assert.Empty((await BeatAsync(directory.Node, server)).Sessions.Single(s => s.Session.Id == session.Id).Departures);

        // Every ticket of the seat carries its grant (AlreadyMember too), and a report naming it frees the seat.
        var again = await directory.Node.Sessions.JoinSessionAsync(session.Id, player, Cancel);
        Assert.Equal(SessionJoinStatus.AlreadyMember, again.Status);
        Assert.Equal(rejoined.IssuedAt, TicketOf(again).IssuedAt);
        Assert.True(await directory.Nodes[1].Sessions.LeaveSessionAsync(session.Id, player, SessionLeaveReason.TimedOut, rejoined.IssuedAt, Cancel));
        var departed = Assert.Single((await BeatAsync(directory.Node, server)).Sessions.Single(s => s.Session.Id == session.Id).Departures);
        Assert.Equal((player, SessionLeaveReason.TimedOut), (departed.UserId, departed.Reason));
        Assert.Empty((await directory.Node.Sessions.GetSessionAsync(session.Id, Cancel))!.Members);
    }

    [Fact]
    public async Task A_rejoin_in_the_same_millisecond_takes_a_seat_of_its_own_that_the_first_seats_report_leaves_alone()
    {
        // The clock stands still: join, leave and rejoin share one millisecond (InProcessSessions gave both seats one grant
        // time; the directory stamps a rejoin after the departure it follows). The first seat's report frees nothing.
        await using var directory = await StartAsync(nodes: 2);
        var server = await ServerAsync(directory.Node, 40554);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("quick", 4), Cancel);
        long player = (await PlayersAsync(directory.Node, 1, "quick"))[0];
        var first = TicketOf(await directory.Node.Sessions.JoinSessionAsync(session.Id, player, Cancel));
        Assert.True(await directory.Nodes[1].Sessions.LeaveSessionAsync(session.Id, player, Cancel));
        var second = TicketOf(await directory.Node.Sessions.JoinSessionAsync(session.Id, player, Cancel));
        Assert.True(second.IssuedAt > first.IssuedAt);

        Assert.False(await directory.Nodes[1].Sessions.LeaveSessionAsync(session.Id, player, SessionLeaveReason.TimedOut, first.IssuedAt, Cancel));
        var seated = (await directory.Node.Sessions.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal(player, Assert.Single(seated.Members).UserId);
        Assert.Equal(1, seated.PlayerCount);
        Assert.Empty((await BeatAsync(directory.Node, server)).Sessions.Single(s => s.Session.Id == session.Id).Departures);
    }

    private static SessionTicket TicketOf(SessionJoinResult join)
    {
        Assert.True(join.Succeeded);
        return JoinTokens.Open(join.ConnectInfo!, DirectoryTestSettings.GameServerKey, DirectoryTestSettings.ProtocolId).Ticket;
    }

    [Fact]
    public async Task ListingShowsLivePublicSessionsFilteredAndPaged()
    {
        await using var directory = await StartAsync(nodes: 1);
        await ServerAsync(directory.Node, 40701, maxPlayers: 1000);
        var ctf = new Dictionary<string, string> { ["mode"] = "ctf" };
        for (int i = 0; i < 25; i++)
        {
            await directory.Node.Sessions.CreateSessionAsync(new SessionOptions($"Room {i}", 4) { Properties = i % 5 == 0 ? ctf : null }, Cancel);
            directory.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var hidden = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("Room secret", 4) { Visibility = SessionVisibility.Private, Properties = ctf }, Cancel);
        var full = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("Room 100% full_", 1) { Properties = ctf }, Cancel);
        long[] players = await PlayersAsync(directory.Node, 1);
        await directory.Node.Sessions.JoinSessionAsync(full.Id, players[0], Cancel);

        var first = await directory.Node.Sessions.ListSessionsAsync(limit: 10, cancellationToken: Cancel);
        Assert.Equal(26, first.Total);
        Assert.Equal(10, first.Sessions.Count);
        Assert.Equal(10, first.NextOffset);
        Assert.Equal("Room 0", first.Sessions[0].Name); // oldest first
        var last = await directory.Node.Sessions.ListSessionsAsync(offset: 20, limit: 10, cancellationToken: Cancel);
        Assert.Equal(6, last.Sessions.Count);
        Assert.Null(last.NextOffset);
        Assert.DoesNotContain(first.Sessions.Concat(last.Sessions), s => s.Id == hidden.Id);
        Assert.NotNull(await directory.Node.Sessions.GetSessionAsync(hidden.Id, Cancel)); // private: not listed, reachable by id

        var ctfOpen = await directory.Node.Sessions.ListSessionsAsync(new SessionFilter { Properties = ctf, OnlyWithFreeSlots = true }, cancellationToken: Cancel);
        Assert.Equal(5, ctfOpen.Total);
        Assert.All(ctfOpen.Sessions, s => Assert.Equal("ctf", s.Properties["mode"]));
        // LIKE wildcards in the filter are plain text.
        Assert.Equal(1, (await directory.Node.Sessions.ListSessionsAsync(new SessionFilter { NameContains = "100% FULL_" }, cancellationToken: Cancel)).Total);
        Assert.Equal(0, (await directory.Node.Sessions.ListSessionsAsync(new SessionFilter { NameContains = "%" , OnlyWithFreeSlots = true }, cancellationToken: Cancel)).Total);
        Assert.Equal(0, (await directory.Node.Sessions.ListSessionsAsync(new SessionFilter { NameContains = "Room_1" }, cancellationToken: Cancel)).Total);
        var bad = await Assert.ThrowsAsync<OnlineException>(() => directory.Node.Sessions.ListSessionsAsync(limit: 101, cancellationToken: Cancel));
        Assert.Equal(OnlineError.InvalidArgument, bad.Error);
    }

    [Fact]
    public async Task UnusedSeatsAreReleasedConnectedOnesKeptAndEmptySessionsEnd()
    {
        await using var directory = await StartAsync(nodes: 1);
        var server = await ServerAsync(directory.Node, 40801);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("idle", 4), Cancel);
        long[] players = await PlayersAsync(directory.Node, 2);
        await directory.Node.Sessions.JoinSessionAsync(session.Id, players[0], Cancel);
        await directory.Node.Sessions.JoinSessionAsync(session.Id, players[1], Cancel);

        // Player 0 connects (the server reports it); player 1 never does.
        for (int second = 0; second < 40; second++)
        {
            directory.Time.Advance(TimeSpan.FromSeconds(1));
            await BeatAsync(directory.Node, server, new HostedSessionReport(session.Id, [players[0]], 1.0));
            await directory.Node.Sweep();
        }

        var info = (await directory.Node.Sessions.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal([players[0]], info.Members.Select(m => m.UserId));

        Assert.True(await directory.Node.Sessions.LeaveSessionAsync(session.Id, players[0], Cancel));
        for (int second = 0; second < 59; second++)
        {
            directory.Time.Advance(TimeSpan.FromSeconds(1));
            await BeatAsync(directory.Node, server);
            Assert.Equal(0, (await directory.Node.Sweep()).EmptySessionsEnded);
        }

        directory.Time.Advance(TimeSpan.FromSeconds(1.5));
        await BeatAsync(directory.Node, server);
        Assert.Equal(1, (await directory.Node.Sweep()).EmptySessionsEnded);
        var ended = (await directory.Node.Sessions.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal(SessionEndReason.Empty, ended.EndReason);
        var assignment = Assert.Single((await BeatAsync(directory.Node, server)).Sessions);
        Assert.Equal(SessionState.Ended, assignment.Session.State); // the server learns why
        Assert.Equal(0, Assert.Single(await directory.Node.Fleet.ListServersAsync(Cancel)).ReservedPlayers);
    }

    [Fact]
    public async Task EndingAndDeregisteringEndSessionsWithTheirReasons()
    {
        await using var directory = await StartAsync(nodes: 2);
        var server = await ServerAsync(directory.Node, 40901);
        var a = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("a", 4), Cancel);
        var b = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("b", 4), Cancel);
        Assert.True(await directory.Nodes[1].Sessions.EndSessionAsync(a.Id, Cancel));
        Assert.False(await directory.Node.Sessions.EndSessionAsync(a.Id, Cancel));
        Assert.Equal(SessionEndReason.Ended, (await directory.Node.Sessions.GetSessionAsync(a.Id, Cancel))!.EndReason);

        Assert.True(await directory.Nodes[1].Fleet.DeregisterServerAsync(server.ServerId, Cancel));
        Assert.False(await directory.Node.Fleet.DeregisterServerAsync(server.ServerId, Cancel));
        Assert.Equal(SessionEndReason.ServerShutdown, (await directory.Node.Sessions.GetSessionAsync(b.Id, Cancel))!.EndReason);
        Assert.Equal(GameServerState.Gone, (await BeatAsync(directory.Node, server)).State);
        var unknown = await Assert.ThrowsAsync<OnlineException>(() => directory.Node.Fleet.HeartbeatAsync("0123456789abcdef0123456789abcdef", new GameServerHeartbeat(false, 0, []), Cancel));
        Assert.Equal(OnlineError.NotFound, unknown.Error);
        var badAddress = await Assert.ThrowsAsync<OnlineException>(() => directory.Node.Fleet.RegisterServerAsync(new GameServerRegistration(["nowhere"], 4, 1), Cancel));
        Assert.Equal(OnlineError.InvalidArgument, badAddress.Error);
    }
}

public sealed class SqliteSessionDirectoryTests : SessionDirectoryContract<SqliteDirectoryHarness>;
public sealed class PostgresSessionDirectoryTests : SessionDirectoryContract<PostgresDirectoryHarness>;
public sealed class HttpSqliteSessionDirectoryTests : SessionDirectoryContract<HttpSqliteDirectoryHarness>;
public sealed class HttpPostgresSessionDirectoryTests : SessionDirectoryContract<HttpPostgresDirectoryHarness>;

using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>The in-process sessions service: atomic capacity, one seat per player, leaving, ending, listing, filters and paging.</summary>
public class InProcessSessionsTests
{
    private static readonly byte[] Key = ConnectTokenIssuer.GenerateServerKey();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static InProcessSessions NewService(FakeTimeProvider? time = null) => new(
        new SessionTokenOptions { ServerKey = Key, ProtocolId = 0x1234 },
        [new IPEndPoint(IPAddress.Loopback, 40000)],
        time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero)));

    [Fact]
    public async Task HundredConcurrentJoinsIntoASixteenSlotSessionAdmitExactlySixteen()
    {
        var sessions = NewService();
        var session = await sessions.CreateSessionAsync(new SessionOptions("arena", 16), Cancel);
        using var start = new Barrier(100);

        var joins = Enumerable.Range(1, 100).Select(player => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(); // all hundred race for the slots at once
                return (Player: (long)player, Result: sessions.JoinSessionAsync(session.Id, player, $"p{player}", Cancel).GetAwaiter().GetResult());
            },
            TaskCreationOptions.LongRunning)).ToArray();
        var results = await Task.WhenAll(joins);

        var admitted = results.Where(r => r.Result.Status == SessionJoinStatus.Joined).ToArray();
        Assert.Equal(16, admitted.Length);
        Assert.Equal(84, results.Count(r => r.Result.Status == SessionJoinStatus.Full));
        Assert.All(results.Where(r => r.Result.Status == SessionJoinStatus.Full), r => Assert.Null(r.Result.ConnectInfo));
        foreach (var (player, result) in admitted)
        {
            var (clientId, ticket, _) = JoinTokens.Open(result.ConnectInfo!, Key, 0x1234);
            Assert.Equal((ulong)player, clientId);
            Assert.Equal(session.Id, ticket.SessionId);
            Assert.Equal($"p{player}", ticket.PlayerName);
        }

        var info = (await sessions.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal(admitted.Select(r => r.Player).Order(), info.Members.Select(m => m.UserId).Order());
        Assert.Equal(0, info.FreeSlots);
    }

    [Fact]
    public async Task LeavingFreesASlotMovingGivesUpTheOldSeatAndEndingRefusesJoins()
    {
        var sessions = NewService();
        var left = new ConcurrentQueue<(SessionId, long)>();
        sessions.MemberLeft += (session, departure) => left.Enqueue((session, departure.UserId));
        var duel = await sessions.CreateSessionAsync(new SessionOptions("duel", 2), Cancel);
        var other = await sessions.CreateSessionAsync(new SessionOptions("other", 2), Cancel);
        Assert.Equal(SessionJoinStatus.Joined, (await sessions.JoinSessionAsync(duel.Id, 1, Cancel)).Status);
        Assert.Equal(SessionJoinStatus.Joined, (await sessions.JoinSessionAsync(duel.Id, 2, Cancel)).Status);
        Assert.Equal(SessionJoinStatus.Full, (await sessions.JoinSessionAsync(duel.Id, 3, Cancel)).Status);

        var again = await sessions.JoinSessionAsync(duel.Id, 2, Cancel);
        Assert.Equal(SessionJoinStatus.AlreadyMember, again.Status);
        Assert.NotNull(again.ConnectInfo);

        var unknown = await Assert.ThrowsAsync<OnlineException>(() => sessions.LeaveSessionAsync(duel.Id, 1, (SessionLeaveReason)7, Cancel));
        Assert.Equal(OnlineError.InvalidArgument, unknown.Error); // as the directory; the seat stays taken
        Assert.True(await sessions.LeaveSessionAsync(duel.Id, 1, Cancel));
        Assert.False(await sessions.LeaveSessionAsync(duel.Id, 1, Cancel));
        Assert.Equal(SessionJoinStatus.Joined, (await sessions.JoinSessionAsync(other.Id, 2, Cancel)).Status); // moves: gives up the duel seat
        Assert.Equal([(duel.Id, 1L), (duel.Id, 2L)], left);
        Assert.Empty((await sessions.GetSessionAsync(duel.Id, Cancel))!.Members);

        Assert.Equal(SessionJoinStatus.NotFound, (await sessions.JoinSessionAsync(SessionId.New(), 5, Cancel)).Status);
        Assert.True(await sessions.EndSessionAsync(duel.Id, Cancel));
        Assert.False(await sessions.EndSessionAsync(duel.Id, Cancel));
        var ended = await sessions.JoinSessionAsync(duel.Id, 6, Cancel);
        Assert.Equal(SessionJoinStatus.Ended, ended.Status);
        Assert.Equal(SessionEndReason.Ended, ended.Session!.EndReason);
        await Assert.ThrowsAsync<OnlineException>(() => sessions.JoinSessionAsync(other.Id, 0, Cancel));
    }

    [Fact]
    public async Task A_late_report_of_an_expired_grace_frees_only_the_seat_it_was_for_never_the_one_taken_since()
    {
        // As SessionDirectoryContract's test of the same name: the in-process directory stamps every ticket of a seat with
        // the seat's grant (it stamped each ticket with its own issue time before), and frees a named seat only.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var sessions = NewService(time);
        var departures = new ConcurrentQueue<SessionDeparture>();
        sessions.MemberLeft += (_, departure) => departures.Enqueue(departure);
        var session = await sessions.CreateSessionAsync(new SessionOptions("late", 4), Cancel);
        var admitted = TicketOf(await sessions.JoinSessionAsync(session.Id, 7, "seven", Cancel));
        time.Advance(TimeSpan.FromMilliseconds(10.4));
        Assert.True(await sessions.LeaveSessionAsync(session.Id, 7, Cancel));
        time.Advance(TimeSpan.FromMilliseconds(10.4));
        var rejoined = await sessions.JoinSessionAsync(session.Id, 7, "seven", Cancel);
        Assert.True(TicketOf(rejoined).IssuedAt > admitted.IssuedAt);

        Assert.False(await sessions.LeaveSessionAsync(session.Id, 7, SessionLeaveReason.TimedOut, admitted.IssuedAt, Cancel));
        Assert.Equal(7, Assert.Single((await sessions.GetSessionAsync(session.Id, Cancel))!.Members).UserId);
        Assert.Single(departures); // the player's own leave only

        time.Advance(TimeSpan.FromMilliseconds(10.4));
        var again = await sessions.JoinSessionAsync(session.Id, 7, "seven", Cancel);
        Assert.Equal(SessionJoinStatus.AlreadyMember, again.Status);
        var seat = TicketOf(again).IssuedAt;
        Assert.Equal(TicketOf(rejoined).IssuedAt, seat);
        Assert.Equal(seat, Assert.Single(again.Session!.Members).JoinedAt);
        Assert.True(await sessions.LeaveSessionAsync(session.Id, 7, SessionLeaveReason.TimedOut, seat, Cancel));
        Assert.Equal(SessionLeaveReason.TimedOut, departures.Last().Reason);
        Assert.Empty((await sessions.GetSessionAsync(session.Id, Cancel))!.Members);
    }

    [Fact]
    public async Task A_rejoin_in_the_same_millisecond_takes_a_seat_of_its_own_that_the_first_seats_report_leaves_alone()
    {
        // The clock stands still: join, leave and rejoin share one millisecond. Before, both seats were granted at it, so the
        // late grace-expiry report of the first seat freed the second, and the rejoin's ticket read as issued before the
        // departure (a game server voids those).
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var sessions = NewService(time);
        var departures = new ConcurrentQueue<SessionDeparture>();
        sessions.MemberLeft += (_, departure) => departures.Enqueue(departure);
        var session = await sessions.CreateSessionAsync(new SessionOptions("quick", 4), Cancel);
        var first = TicketOf(await sessions.JoinSessionAsync(session.Id, 7, "seven", Cancel));
        Assert.True(await sessions.LeaveSessionAsync(session.Id, 7, Cancel));
        var second = TicketOf(await sessions.JoinSessionAsync(session.Id, 7, "seven", Cancel));
        Assert.True(second.IssuedAt > first.IssuedAt);
        Assert.True(second.IssuedAt > Assert.Single(departures).At);

        Assert.False(await sessions.LeaveSessionAsync(session.Id, 7, SessionLeaveReason.TimedOut, first.IssuedAt, Cancel));
        Assert.Equal(second.IssuedAt, Assert.Single((await sessions.GetSessionAsync(session.Id, Cancel))!.Members).JoinedAt);

        // A third seat in the same millisecond, and another player's, keep the rule; once the clock moves on, grants follow it.
        Assert.True(await sessions.LeaveSessionAsync(session.Id, 7, SessionLeaveReason.TimedOut, second.IssuedAt, Cancel));
        // The second seat departs no earlier than its grant (a millisecond ahead of the clock), so a game server voids its ticket.
        Assert.True(departures.Last().At >= second.IssuedAt, $"departed at {departures.Last().At:O}, before the seat's grant {second.IssuedAt:O}");
        var third = TicketOf(await sessions.JoinSessionAsync(session.Id, 7, "seven", Cancel));
        Assert.True(third.IssuedAt > second.IssuedAt);
        Assert.Equal(first.IssuedAt, TicketOf(await sessions.JoinSessionAsync(session.Id, 8, "eight", Cancel)).IssuedAt);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await sessions.LeaveSessionAsync(session.Id, 7, Cancel));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(time.GetUtcNow(), TicketOf(await sessions.JoinSessionAsync(session.Id, 7, "seven", Cancel)).IssuedAt);
    }

    private static SessionTicket TicketOf(SessionJoinResult join)
    {
        Assert.True(join.Succeeded);
        return JoinTokens.Open(join.ConnectInfo!, Key, 0x1234).Ticket;
    }

    [Fact]
    public async Task ListingShowsLivePublicSessionsFilteredAndPagedAndQuickJoinFillsThenCreates()
    {
        var sessions = NewService();
        var ctf = new Dictionary<string, string> { ["mode"] = "ctf" };
        for (int i = 0; i < 25; i++)
        {
            await sessions.CreateSessionAsync(new SessionOptions($"Room {i}", 4) { Properties = i % 5 == 0 ? ctf : null }, Cancel);
        }

        var hidden = await sessions.CreateSessionAsync(new SessionOptions("Room secret", 4) { Visibility = SessionVisibility.Private, Properties = ctf }, Cancel);
        var full = await sessions.CreateSessionAsync(new SessionOptions("Room full", 1) { Properties = ctf }, Cancel);
        await sessions.JoinSessionAsync(full.Id, 9, Cancel);

        var first = await sessions.ListSessionsAsync(limit: 10, cancellationToken: Cancel);
        Assert.Equal(26, first.Total);
        Assert.Equal(10, first.NextOffset);
        Assert.Equal("Room 0", first.Sessions[0].Name); // oldest first
        var last = await sessions.ListSessionsAsync(offset: 20, limit: 10, cancellationToken: Cancel);
        Assert.Equal(6, last.Sessions.Count);
        Assert.Null(last.NextOffset);
        Assert.DoesNotContain(first.Sessions.Concat(last.Sessions), s => s.Id == hidden.Id);
        Assert.NotNull(await sessions.GetSessionAsync(hidden.Id, Cancel)); // private: not listed, still reachable by id

        var filter = new SessionFilter { Properties = ctf, OnlyWithFreeSlots = true };
        Assert.Equal(5, (await sessions.ListSessionsAsync(filter, cancellationToken: Cancel)).Total);
        Assert.Equal(1, (await sessions.ListSessionsAsync(new SessionFilter { NameContains = "FULL" }, cancellationToken: Cancel)).Total);

        var quick = await sessions.QuickJoinAsync(50, new SessionFilter { NameContains = "full" }, new SessionOptions("Room full 2", 2), Cancel);
        Assert.Equal(SessionJoinStatus.Joined, quick.Status);
        Assert.Equal("Room full 2", quick.Session!.Name); // the only match had no room: a new session
        Assert.Equal(quick.Session.Id, (await sessions.QuickJoinAsync(51, new SessionFilter { NameContains = "full" }, new SessionOptions("never", 2), Cancel)).Session!.Id);
    }

    [Fact]
    public async Task QuickJoinsOfOnePlayerLeaveAtMostTwoSessionsEmptyAndThoseEndWhenLeftEmpty()
    {
        // A quick-join whose filter matches nothing creates a session and moves the player's one seat into it, leaving the
        // previous one empty. The backend bounds that (MaxSessionsPerPlayer); here, before, nothing did and nothing ended
        // the empty sessions: one player made a session a call, kept for good.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var sessions = NewService(time);
        var ends = new ConcurrentQueue<(SessionId, SessionEndReason)>();
        sessions.SessionEnded += (session, reason) => ends.Enqueue((session, reason));
        var outcomes = new List<string>();
        var created = new List<SessionId>();
        for (int i = 0; i < 8; i++)
        {
            try
            {
                var result = await QuickJoinAloneAsync(sessions, 7, i);
                outcomes.Add(result.Status.ToString());
                created.Add(result.Session!.Id);
            }
            catch (OnlineException e)
            {
                outcomes.Add(e.Error.ToString());
            }
        }

        Assert.Equal(["Joined", "Joined", "Joined", "QuotaExceeded", "QuotaExceeded", "QuotaExceeded", "QuotaExceeded", "QuotaExceeded"], outcomes);
        Assert.Equal(3, (await sessions.ListSessionsAsync(null, 0, 100, Cancel)).Total);

        // Another player matched into one of them takes it off the player's count: it may create one more, then no more.
        Assert.Equal(created[0], (await QuickJoinAloneAsync(sessions, 8, 0)).Session!.Id);
        var ninth = await QuickJoinAloneAsync(sessions, 7, 9);
        Assert.Equal(SessionJoinStatus.Joined, ninth.Status);
        var refused = await Assert.ThrowsAsync<OnlineException>(() => QuickJoinAloneAsync(sessions, 7, 10));
        Assert.Equal(OnlineError.QuotaExceeded, refused.Error);

        // The sessions it left empty end after EmptySessionTimeout; the ones someone sits in (and the game's own) stay.
        var own = await sessions.CreateSessionAsync(new SessionOptions("the game's own", 4), Cancel);
        time.Advance(TimeSpan.FromSeconds(60)); // the default EmptySessionTimeout
        Assert.Equal(SessionJoinStatus.Joined, (await QuickJoinAloneAsync(sessions, 7, 11)).Status);
        Assert.Equal([(created[1], SessionEndReason.Empty), (created[2], SessionEndReason.Empty)], ends);
        Assert.Equal(SessionEndReason.Empty, (await sessions.GetSessionAsync(created[1], Cancel))!.EndReason);
        Assert.Equal(SessionState.Live, (await sessions.GetSessionAsync(created[0], Cancel))!.State);
        Assert.Equal(SessionState.Live, (await sessions.GetSessionAsync(own.Id, Cancel))!.State);
        Assert.Equal(SessionState.Live, (await sessions.GetSessionAsync(ninth.Session!.Id, Cancel))!.State); // left empty just now
    }

    /// <summary>A quick-join whose filter matches no session but the one it may create (named after <paramref name="i"/>).</summary>
    private static Task<SessionJoinResult> QuickJoinAloneAsync(InProcessSessions sessions, long player, int i) =>
        sessions.QuickJoinAsync(player, new SessionFilter { NameContains = $"nobody plays {i}" }, new SessionOptions($"nobody plays {i}", 32), Cancel);
}

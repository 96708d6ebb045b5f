using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>The in-process sessions service: atomic capacity, leaving, listing, filters and paging.</summary>
public class InProcessSessionsTests
{
    private static InProcessSessions NewService(FakeTimeProvider? time = null) => new(
        new SessionHost
        {
            ServerAddresses = [new IPEndPoint(IPAddress.Loopback, 40000)],
            ServerKey = ConnectTokenIssuer.GenerateServerKey(),
            ProtocolId = 0x1234,
        },
        time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero)));

    [Fact]
    public async Task HundredConcurrentJoinsIntoASixteenSlotSessionAdmitExactlySixteen()
    {
        var sessions = NewService();
        var session = sessions.CreateSession("arena", 16);
        var announced = new ConcurrentBag<ulong>();
        sessions.MembershipChanged += change => announced.Add(change.PlayerId);
        using var start = new Barrier(100);

        var joins = Enumerable.Range(1, 100).Select(player => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(); // all hundred race for the slots at once
                return (Player: (ulong)player, Result: sessions.JoinSession(session.Id, (ulong)player, $"p{player}"));
            },
            TaskCreationOptions.LongRunning)).ToArray();
        var results = await Task.WhenAll(joins);

        var admitted = results.Where(r => r.Result.Status == SessionJoinStatus.Joined).ToArray();
        Assert.Equal(16, admitted.Length);
        Assert.Equal(84, results.Count(r => r.Result.Status == SessionJoinStatus.Full));
        Assert.All(results.Where(r => r.Result.Status == SessionJoinStatus.Full), r => Assert.Null(r.Result.ConnectInfo));
        Assert.All(admitted, r => Assert.Equal(ConnectTokenIssuer.TokenSize, r.Result.ConnectInfo!.ConnectToken.Length));
        Assert.True(sessions.TryGetSession(session.Id, out var info));
        Assert.Equal(admitted.Select(r => r.Player).Order(), info.Players.Order());
        Assert.Equal(0, info.FreeSlots);
        Assert.Equal(admitted.Select(r => r.Player).Order(), announced.Order());
    }

    [Fact]
    public void LeavingFreesASlotAndRejoiningDoesNotTakeASecondOne()
    {
        var sessions = NewService();
        var session = sessions.CreateSession("duel", 2);
        Assert.Equal(SessionJoinStatus.Joined, sessions.JoinSession(session.Id, 1).Status);
        Assert.Equal(SessionJoinStatus.Joined, sessions.JoinSession(session.Id, 2).Status);
        Assert.Equal(SessionJoinStatus.Full, sessions.JoinSession(session.Id, 3).Status);

        var again = sessions.JoinSession(session.Id, 2);
        Assert.Equal(SessionJoinStatus.AlreadyMember, again.Status);
        Assert.True(again.Succeeded);
        Assert.NotNull(again.ConnectInfo);

        Assert.True(sessions.LeaveSession(session.Id, 1));
        Assert.False(sessions.LeaveSession(session.Id, 1));
        Assert.Equal(SessionJoinStatus.Joined, sessions.JoinSession(session.Id, 3).Status);
        Assert.Equal(SessionJoinStatus.Full, sessions.JoinSession(session.Id, 4).Status);
        Assert.True(sessions.TryGetSession(session.Id, out var info));
        Assert.Equal([2UL, 3UL], info.Players);
        Assert.Equal(SessionJoinStatus.NotFound, sessions.JoinSession(SessionId.New(), 5).Status);
        Assert.True(sessions.CloseSession(session.Id));
        Assert.Equal(SessionJoinStatus.NotFound, sessions.JoinSession(session.Id, 6).Status);
    }

    [Fact]
    public void ListingShowsPublicSessionsFilteredAndPaged()
    {
        var sessions = NewService();
        var ctf = new Dictionary<string, string> { ["mode"] = "ctf" };
        for (int i = 0; i < 25; i++)
        {
            sessions.CreateSession($"Room {i}", 4, SessionVisibility.Public, i % 5 == 0 ? ctf : null);
        }

        var hidden = sessions.CreateSession("Room secret", 4, SessionVisibility.Private, ctf);
        var full = sessions.CreateSession("Room full", 1, SessionVisibility.Public, ctf);
        sessions.JoinSession(full.Id, 9);

        var first = sessions.ListSessions(limit: 10);
        Assert.Equal(26, first.Total);
        Assert.Equal(10, first.Sessions.Count);
        Assert.Equal(10, first.NextOffset);
        var last = sessions.ListSessions(offset: 20, limit: 10);
        Assert.Equal(6, last.Sessions.Count);
        Assert.Null(last.NextOffset);
        Assert.Equal("Room 0", first.Sessions[0].Name); // oldest first
        Assert.DoesNotContain(first.Sessions.Concat(last.Sessions), s => s.Id == hidden.Id);
        Assert.True(sessions.TryGetSession(hidden.Id, out _)); // private: not listed, still reachable by id

        var ctfOpen = sessions.ListSessions(new SessionFilter { Properties = ctf, OnlyWithFreeSlots = true });
        Assert.Equal(5, ctfOpen.Total);
        Assert.All(ctfOpen.Sessions, s => Assert.Equal("ctf", s.Properties["mode"]));
        Assert.Equal(1, sessions.ListSessions(new SessionFilter { NameContains = "FULL" }).Total);
        Assert.Equal(0, sessions.ListSessions(new SessionFilter { NameContains = "full", OnlyWithFreeSlots = true }).Total);
    }

    [Fact]
    public void JoinTokensCarryTheSessionAndExpireWithTheHostLifetime()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var sessions = NewService(time);
        var session = sessions.CreateSession("s", 4);
        var info = sessions.JoinSession(session.Id, 77).ConnectInfo!;
        Assert.Equal(session.Id, info.SessionId);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromMinutes(1), info.ExpiresAt);
        Assert.Equal(40000, Assert.Single(info.ServerAddresses).Port);
        Assert.True(sessions.IsMember(session.Id, 77));
        Assert.True(SessionId.TryParse(session.Id.ToString(), out var parsed));
        Assert.Equal(session.Id, parsed);
    }
}

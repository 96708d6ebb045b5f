using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A game's own <see cref="PlayerSessionHost.MemberLeft"/> handler that throws: before, the exception left the beat, so the
/// handlers after it (the relay's among them) missed that departure and every later one of the beat heard nothing.
/// </summary>
public sealed class PlayerSessionHostMemberLeftTests
{
    private static readonly SessionInfo Info = new(SessionId.New(), "game", 4, SessionVisibility.Public, new Dictionary<string, string>(), [], DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task A_handler_that_throws_is_logged_and_every_other_handler_hears_every_departure()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var departures = new[]
        {
            new SessionDeparture(2, time.GetUtcNow(), SessionLeaveReason.Left),
            new SessionDeparture(3, time.GetUtcNow(), SessionLeaveReason.Removed),
        };
        var logger = new CapturingLogger();
        await using var entry = PlayerSessionHost.Start(new Answering(departures), new PlayerHostGrant(Info, new byte[32], Guid.NewGuid()), 1,
            TimeSpan.FromSeconds(1), time, logger);
        var heard = new List<long>();
        entry.MemberLeft += departure => throw new InvalidOperationException($"the game's handler fails on {departure.UserId}");
        entry.MemberLeft += departure => heard.Add(departure.UserId);

        entry.Report([IPEndPoint.Parse("203.0.113.1:4000")], []);   // the first report beats at once
        await entry.BeatAsync();                                        // before, this one threw the game's exception

        Assert.Equal(2, entry.Heartbeats);
        Assert.Equal([2L, 3L, 2L, 3L], heard);
        Assert.Equal(4, logger.Lines.Count(l => l.Level == LogLevel.Error && l.Message.Contains("MemberLeft handler")));
    }

    /// <summary>A directory whose every host heartbeat answers live with the same departures.</summary>
    private sealed class Answering(IReadOnlyList<SessionDeparture> departures) : IPlayerHostedSessions
    {
        public Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
            CancellationToken cancellationToken = default) => Task.FromResult(new PlayerHostHeartbeat(true, departures));

        public Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}

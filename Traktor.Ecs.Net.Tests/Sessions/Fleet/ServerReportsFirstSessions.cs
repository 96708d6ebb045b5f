using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>The directory as the player sees it when the game server's departure report arrives just before the player's leave.</summary>
internal sealed class ServerReportsFirstSessions(ISessions inner) : ISessions
{
    public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default) => inner.CreateSessionAsync(options, cancellationToken);

    public Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default) =>
        inner.ListSessionsAsync(filter, offset, limit, cancellationToken);

    public Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) => inner.GetSessionAsync(id, cancellationToken);

    public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => inner.JoinSessionAsync(id, userId, cancellationToken);

    public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
        inner.JoinSessionAsync(id, userId, playerName, cancellationToken);

    public Task<SessionJoinResult> QuickJoinAsync(long userId, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        inner.QuickJoinAsync(userId, filter, createIfNone, cancellationToken);

    public Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        inner.QuickJoinAsync(userId, playerName, filter, createIfNone, cancellationToken);

    public async Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
    {
        Assert.True(await inner.LeaveSessionAsync(id, userId, cancellationToken));   // the game server's report, first
        return await inner.LeaveSessionAsync(id, userId, cancellationToken);        // the player's own: the seat is gone already
    }

    public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default) =>
        inner.LeaveSessionAsync(id, userId, reason, cancellationToken);

    public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default) =>
        inner.LeaveSessionAsync(id, userId, reason, seatGrantedAt, cancellationToken);

    public Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default) => inner.EndSessionAsync(id, cancellationToken);
}

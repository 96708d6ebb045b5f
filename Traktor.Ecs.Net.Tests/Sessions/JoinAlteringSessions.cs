using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A directory that passes every call to <paramref name="inner"/> but the join, which a test alters (answers it
/// Unavailable, hands out connect information a client cannot use, …) by overriding the named join (the unnamed one is
/// the named one with an empty name), passing the player's name on.
/// </summary>
internal abstract class JoinAlteringSessions(ISessions inner) : ISessions
{
    /// <summary>The directory behind the alterations.</summary>
    protected ISessions Inner => inner;

    public abstract Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default);

    public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        JoinSessionAsync(id, userId, string.Empty, cancellationToken);

    public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default) => inner.CreateSessionAsync(options, cancellationToken);

    public Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default) =>
        inner.ListSessionsAsync(filter, offset, limit, cancellationToken);

    public virtual Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) => inner.GetSessionAsync(id, cancellationToken);

    public Task<SessionJoinResult> QuickJoinAsync(long userId, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        inner.QuickJoinAsync(userId, filter, createIfNone, cancellationToken);

    public virtual Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        inner.QuickJoinAsync(userId, playerName, filter, createIfNone, cancellationToken);

    public virtual Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => inner.LeaveSessionAsync(id, userId, cancellationToken);

    public virtual Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default) =>
        inner.LeaveSessionAsync(id, userId, reason, cancellationToken);

    public virtual Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default) =>
        inner.LeaveSessionAsync(id, userId, reason, seatGrantedAt, cancellationToken);

    public Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default) => inner.EndSessionAsync(id, cancellationToken);
}

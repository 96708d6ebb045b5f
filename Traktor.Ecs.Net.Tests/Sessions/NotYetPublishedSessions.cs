using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// The directory as a joiner sees it while a player host has not reported its address: the join takes the seat, then is
/// answered Unavailable with a retry-after (no token yet), the first <paramref name="unavailableAnswers"/> times.
/// </summary>
internal sealed class NotYetPublishedSessions(ISessions inner, int unavailableAnswers) : ISessions
{
    public const string Reason = "The session's host has not published its address yet.";

    private int joins;

    /// <summary>Joins asked so far.</summary>
    public int Joins => Volatile.Read(ref joins);

    public async Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
    {
        var result = await inner.JoinSessionAsync(id, userId, cancellationToken);
        if (Interlocked.Increment(ref joins) <= unavailableAnswers)
        {
            throw new OnlineException(OnlineError.Unavailable, Reason, TimeSpan.FromMilliseconds(20));
        }

        return result;
    }

    public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default) => inner.CreateSessionAsync(options, cancellationToken);

    public Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default) =>
        inner.ListSessionsAsync(filter, offset, limit, cancellationToken);

    public Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) => inner.GetSessionAsync(id, cancellationToken);

    public Task<SessionJoinResult> QuickJoinAsync(long userId, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        inner.QuickJoinAsync(userId, filter, createIfNone, cancellationToken);

    public Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => inner.LeaveSessionAsync(id, userId, cancellationToken);

    public Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default) => inner.EndSessionAsync(id, cancellationToken);
}

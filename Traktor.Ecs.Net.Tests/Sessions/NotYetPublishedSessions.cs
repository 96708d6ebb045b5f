using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// The directory as a joiner sees it while a player host has not reported its address: the join takes the seat, then is
/// answered Unavailable with a retry-after (no token yet), the first <paramref name="unavailableAnswers"/> times.
/// </summary>
internal sealed class NotYetPublishedSessions(ISessions inner, int unavailableAnswers) : JoinAlteringSessions(inner)
{
    public const string Reason = "The session's host has not published its address yet.";

    private int joins;

    /// <summary>Joins asked so far.</summary>
    public int Joins => Volatile.Read(ref joins);

    public override async Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default)
    {
        var result = await Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);
        if (Interlocked.Increment(ref joins) <= unavailableAnswers)
        {
            throw new OnlineException(OnlineError.Unavailable, Reason, TimeSpan.FromMilliseconds(20));
        }

        return result;
    }
}

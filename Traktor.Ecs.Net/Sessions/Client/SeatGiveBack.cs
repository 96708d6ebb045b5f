using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net;

/// <summary>
/// Gives a seat back to the directory in the background (a join given up, a host disposed; in Lua, a connection to the
/// session that ended), for <see cref="Multiplayer"/> and Lua's <c>multiplayer</c>. It never throws: whatever the directory throws is logged and counted
/// (<see cref="MultiplayerMetrics.SeatGiveBacksFailed"/>), as nobody awaits a fire-and-forget give-back to observe it. It is
/// not retried: a seat given back to no avail is released by the directory's own expiry (the backend's sweep frees a seat
/// its server does not report connected within <c>MemberIdleTimeout</c>, 60 s by default), and retrying would hold a
/// disposing game's exit for longer.
/// </summary>
internal static class SeatGiveBack
{
    /// <summary>
    /// Leaves <paramref name="session"/> for <paramref name="user"/> within <paramref name="wait"/>; never throws. With
    /// <paramref name="seatGrantedAt"/>, only the seat granted then (<see cref="SessionMember.JoinedAt"/>): a give-back that
    /// arrives after the player took a new seat in the session (from this game or another device) leaves that one alone.
    /// </summary>
    /// <returns>True when the directory answered that it freed the seat; false when it had none to free, or failed.</returns>
    public static async Task<bool> RunAsync(ISessions sessions, SessionId session, long user, TimeSpan wait, TimeProvider time, ILogger logger,
        DateTimeOffset? seatGrantedAt = null)
    {
        try
        {
            using var bounded = new CancellationTokenSource(wait, time);
            bool left = seatGrantedAt is { } grantedAt
                ? await sessions.LeaveSessionAsync(session, user, SessionLeaveReason.Left, grantedAt, bounded.Token).ConfigureAwait(false)
                : await sessions.LeaveSessionAsync(session, user, bounded.Token).ConfigureAwait(false);
            // Debug: routine, and in a Lua host the logger is also the scripts' log:info stream.
            logger.LogDebug("Player {Player} gave its seat in session {Session} back ({Left}).", user, session, left);
            return left;
        }
        catch (Exception exception)
        {
            // Every type, not only the expected ones: a directory's own exception (a bug, a custom ISessions) would fault a
            // task nobody observes, and nothing would say the seat stayed taken.
            string reason = exception switch
            {
                OperationCanceledException => "timeout",
                OnlineException => "directory",
                HttpRequestException => "network",
                _ => "unexpected",
            };
            MultiplayerMetrics.SeatGiveBacksFailed.Add(1, new KeyValuePair<string, object?>(PeerMetrics.ReasonTag, reason));
            logger.LogWarning(exception, "Player {Player} could not give its seat in session {Session} back ({Reason}); the directory releases it once idle.",
                user, session, reason);
            return false;
        }
    }

    /// <summary>The grant of <paramref name="player"/>'s seat in <paramref name="session"/> as the directory last described it, or null when it did not list it.</summary>
    /// <param name="session">The session as the directory described it (a join's answer).</param>
    /// <param name="player">The player.</param>
    /// <returns>Its seat's grant (<see cref="SessionMember.JoinedAt"/>), or null.</returns>
    public static DateTimeOffset? GrantOf(SessionInfo session, long player)
    {
        foreach (var member in session.Members)
        {
            if (member.UserId == player)
            {
                return member.JoinedAt;
            }
        }

        return null;
    }
}

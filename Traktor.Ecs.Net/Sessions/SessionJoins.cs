using System.Runtime.ExceptionServices;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Joining as the engine's <c>joinSession(id)</c> does, shared by <see cref="Multiplayer.JoinSessionAsync"/> and Lua's
/// <c>multiplayer:joinSession</c> so both wait out the same answers the same way.
/// </summary>
public static class SessionJoins
{
    /// <summary>The longest a join waits before asking again, whatever the directory's <see cref="OnlineException.RetryAfter"/> says.</summary>
    public static TimeSpan MaxRetryWait { get; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Joins <paramref name="id"/>, asking again while the directory answers <see cref="OnlineError.Unavailable"/> with a
    /// <see cref="OnlineException.RetryAfter"/>: a player-hosted session whose host has not published its address yet,
    /// a moment after it was created or after a host migration. The seat was taken by the first ask, so a later one
    /// finds it (<see cref="SessionJoinStatus.AlreadyMember"/>) and gets the token. Every other answer or error returns
    /// or throws at once.
    /// </summary>
    /// <param name="sessions">The directory.</param>
    /// <param name="id">The session.</param>
    /// <param name="userId">The player.</param>
    /// <param name="time">The clock the waits run on; the system clock when null.</param>
    /// <param name="cancellationToken">
    /// Ends the waiting (the caller's deadline): cancelled between two asks, the directory's last answer is thrown — why
    /// the join could not complete — rather than an <see cref="OperationCanceledException"/>; cancelled during an ask,
    /// that request's cancellation.
    /// </param>
    /// <returns>The directory's answer: joined, or why not (<see cref="SessionJoinStatus.Full"/>, …).</returns>
    /// <exception cref="OnlineException">The directory's error; <see cref="OnlineError.Unavailable"/> with a
    /// <see cref="OnlineException.RetryAfter"/> when it still said so when <paramref name="cancellationToken"/> ended the wait.</exception>
    // A join right after the host's createSession failed by a race before (PlayerHostedScriptTests, when the thread pool
    // was busy); the C# facade failed the same way (MultiplayerJoinRetryTests).
    public static Task<SessionJoinResult> JoinWhenReachableAsync(this ISessions sessions, SessionId id, long userId,
        TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        JoinWhenReachableAsync(sessions, id, userId, string.Empty, time, cancellationToken);

    /// <summary>
    /// Joins as <see cref="JoinWhenReachableAsync(ISessions, SessionId, long, TimeProvider?, CancellationToken)"/> does,
    /// naming the player (<see cref="ISessions.JoinSessionAsync(SessionId, long, string, CancellationToken)"/>: used by a
    /// directory without accounts, such as <see cref="InProcessSessions"/>; an empty name joins unnamed).
    /// </summary>
    /// <param name="sessions">The directory.</param>
    /// <param name="id">The session.</param>
    /// <param name="userId">The player.</param>
    /// <param name="playerName">The player's display name, for <see cref="PlayerJoined"/>.</param>
    /// <param name="time">The clock the waits run on; the system clock when null.</param>
    /// <param name="cancellationToken">Ends the waiting, as in the overload without a name.</param>
    /// <returns>The directory's answer: joined, or why not (<see cref="SessionJoinStatus.Full"/>, …).</returns>
    /// <exception cref="OnlineException">The directory's error, as in the overload without a name.</exception>
    // Lua's joinSession and Multiplayer on an InProcessSessions announced their players with an empty name before
    // (NamedJoinTests), although the script or facade had logged in with one.
    public static async Task<SessionJoinResult> JoinWhenReachableAsync(this ISessions sessions, SessionId id, long userId, string playerName,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(playerName);
        time ??= TimeProvider.System;
        while (true)
        {
            OnlineException unavailable;
            try
            {
                // Always the named join: a directory with accounts ignores the name, and "" joins unnamed (the unnamed overload's default).
                return await sessions.JoinSessionAsync(id, userId, playerName, cancellationToken).ConfigureAwait(false);
            }
            catch (OnlineException e) when (e.Error == OnlineError.Unavailable && e.RetryAfter is not null)
            {
                unavailable = e;
            }

            try
            {
                var wait = unavailable.RetryAfter.Value;
                await Task.Delay(wait > MaxRetryWait ? MaxRetryWait : wait < TimeSpan.Zero ? TimeSpan.Zero : wait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                ExceptionDispatchInfo.Throw(unavailable);
            }
        }
    }
}

using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net;

/// <summary>
/// Asks the directory why a session ended under a player, for <see cref="Multiplayer.SessionEnded"/> and Lua's
/// <c>Script:onSessionEnded</c>: one rule, so a C# game and a Lua game tell their players the same reason.
/// </summary>
internal static class SessionEndLookup
{
    /// <summary>
    /// Polls the directory until it knows why <paramref name="session"/> is over for <paramref name="player"/>, or
    /// <paramref name="wait"/> passes (<see cref="SessionEndReason.ConnectionLost"/>). An ended or vanished session gives its
    /// recorded reason (<see cref="SessionEndReason.Ended"/> when none is recorded); a live session the player is no member of
    /// gives <see cref="SessionEndReason.Ended"/> (the directory removed the player), unless the player's own give-back
    /// (<paramref name="seatReturn"/>, awaited first) freed that seat.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was cancelled (the player moved on).</exception>
    public static async Task<SessionEndReason> RunAsync(ISessions sessions, SessionInfo session, long? player, Task<bool>? seatReturn,
        TimeSpan wait, TimeSpan pollInterval, TimeProvider time, ILogger logger, CancellationToken stop)
    {
        long started = time.GetTimestamp();
        // The player's own give-back first: a seat it freed leaves the player out of the members while the session lives on
        // (a crashed server not yet declared dead), which is not the directory removing it: the session's end is awaited then.
        bool gaveBack = seatReturn is not null && await seatReturn.WaitAsync(stop).ConfigureAwait(false);
        while (true)
        {
            try
            {
                var now = await sessions.GetSessionAsync(session.Id, stop).ConfigureAwait(false);
                if (now is null || now.State == SessionState.Ended)
                {
                    return now?.EndReason is { } recorded && recorded != SessionEndReason.None ? recorded : SessionEndReason.Ended;
                }

                if (!gaveBack && player is { } user && !now.IsMember(user))
                {
                    return SessionEndReason.Ended; // the directory removed this player (idle, or its seat moved)
                }
            }
            catch (Exception exception) when (exception is OnlineException or HttpRequestException or TaskCanceledException && !stop.IsCancellationRequested)
            {
                // The backend may be restarting; the question is asked again until the wait is over.
                logger.LogInformation(exception, "The directory did not answer about session {Session}; asking again.", session.Id);
            }

            if (time.GetElapsedTime(started) >= wait)
            {
                return SessionEndReason.ConnectionLost;
            }

            await Task.Delay(pollInterval, time, stop).ConfigureAwait(false);
        }
    }
}

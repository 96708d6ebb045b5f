using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>The end of a session under the player: why it ended (asked of the directory), and a seat given back.</summary>
public sealed partial class Multiplayer
{
    /// <summary>What a migration <see cref="Dispose"/> stopped still sends the directory (<see cref="DisposeAsync"/> awaits it).</summary>
    private Task stopping = Task.CompletedTask;

    /// <summary>Cancelled by <see cref="Dispose"/>: the questions to the directory of a session that ended stop at once.</summary>
    private readonly CancellationTokenSource disposed = new();

    /// <summary>Gives back the seat of a join the caller cancelled (or of a disposed host), within <see cref="MultiplayerOptions.JoinWait"/>; never throws (a failure is logged and counted).</summary>
    private Task GiveSeatBackAsync(SessionId session, long user) => SeatGiveBack.RunAsync(sessions, session, user, options.JoinWait, time, logger);

    /// <summary>
    /// Asks the directory why the session is gone, until it knows or <see cref="MultiplayerOptions.EndReasonWait"/> passes,
    /// then raises <see cref="SessionEnded"/>; <see cref="Dispose"/> stops it at once (no further question, nothing raised).
    /// </summary>
    private async Task ExplainEndAsync(SessionInfo session, DisconnectReason? disconnect)
    {
        var stop = disposed.Token;
        try
        {
            await ExplainEndUntilDisposedAsync(session, disconnect, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            logger.LogInformation("Stopped asking why session {Session} ended: the facade was disposed.", session.Id);
        }
    }

    /// <summary>The body of <see cref="ExplainEndAsync"/>: every directory call and wait ends (cancelled) on <paramref name="stop"/>.</summary>
    private async Task ExplainEndUntilDisposedAsync(SessionInfo session, DisconnectReason? disconnect, CancellationToken stop)
    {
        var reason = SessionEndReason.ConnectionLost;
        long started = time.GetTimestamp();
        while (true)
        {
            try
            {
                var now = await sessions.GetSessionAsync(session.Id, stop).ConfigureAwait(false);
                if (now is null || now.State == SessionState.Ended)
                {
                    reason = now?.EndReason is { } recorded && recorded != SessionEndReason.None ? recorded : SessionEndReason.Ended;
                    break;
                }

                if (login is { } player && !now.IsMember(player.UserId))
                {
                    reason = SessionEndReason.Ended; // the directory removed this player (idle, or its seat moved)
                    break;
                }
            }
            catch (Exception exception) when (exception is OnlineException or HttpRequestException or TaskCanceledException)
            {
                // The backend may be restarting; the question is asked again until the wait is over.
                logger.LogInformation(exception, "The directory did not answer about session {Session}; asking again.", session.Id);
            }

            if (time.GetElapsedTime(started) >= options.EndReasonWait)
            {
                break;
            }

            await Task.Delay(options.EndReasonPollInterval, time, stop).ConfigureAwait(false);
        }

        stop.ThrowIfCancellationRequested();

        logger.LogInformation("Session {Session} ended under this player ({Disconnect}): {Reason}.", session.Id, disconnect, reason);
        onTick.Enqueue(() =>
        {
            // Unless a join or a leave has moved the player on meanwhile (it cleared or replaced the session).
            if (!disposed.IsCancellationRequested && Interlocked.CompareExchange(ref current, null, session) == session)
            {
                LastEndReason = reason;
                SessionEnded?.Invoke(session, reason);
            }
        });
    }
}

using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net;

/// <summary>
/// The session calls (create, join, quick-join, leave) against the caller's cancel and <see cref="Dispose"/>: one runs at a
/// time; <see cref="Dispose"/> ends the one under way at once (<see cref="ObjectDisposedException"/>); what the directory
/// may have given it (a seat) goes back, and a leave once begun is sent, whether or not anybody still waits for it.
/// </summary>
public sealed partial class Multiplayer
{
    /// <summary>
    /// Seats given back and leaves sent after their caller stopped waiting for them (never faulted): a join or a create waits
    /// for them (a late give-back could free the seat it takes), and <see cref="DisposeAsync"/> awaits them. Guarded by <see cref="endGate"/>.
    /// </summary>
    private Task sending = Task.CompletedTask;

    /// <summary>
    /// Runs a session call: after the one under way, with a token the caller's cancel and <see cref="Dispose"/> both cancel.
    /// So <see cref="Dispose"/> does not leave a call under way waiting for ticks that no longer come (its seat taken), nor
    /// dispose the lock the call releases at its end (<see cref="ObjectDisposedException"/> there, for whatever else it threw).
    /// </summary>
    private async Task<T> OperationAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed.IsCancellationRequested, this);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disposed.Token);
        try
        {
            await oneAtATime.WaitAsync(call.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (disposed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw DisposedDuringCall();
        }

        try
        {
            return await operation(call.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (disposed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw DisposedDuringCall();
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private ObjectDisposedException DisposedDuringCall() => new(GetType().FullName,
        "The Multiplayer facade was disposed during the call; a seat the directory gave it is given back (DisposeAsync awaits that).");

    /// <summary>Keeps <paramref name="send"/> (never faulted) for the next join to wait for and <see cref="DisposeAsync"/> to await.</summary>
    private void KeepSending(Task send)
    {
        lock (endGate)
        {
            sending = sending.IsCompleted ? send : Task.WhenAll(sending, send);
        }
    }

    /// <summary>What <see cref="KeepSending"/> kept and is still on its way.</summary>
    private Task StillSending()
    {
        lock (endGate)
        {
            return sending;
        }
    }

    /// <summary>
    /// A directory call that may seat the player, whose answer names the seat (a created session's join, a quick-join): it
    /// runs to its answer (within <see cref="MultiplayerOptions.JoinWait"/>) whatever the caller does, and when the caller
    /// stopped waiting meanwhile (cancelled, or the facade disposed) the seat it names is given back. Were the call itself
    /// cancelled, a directory that had seated the player by then would keep the seat, and the lost answer would say nothing of where.
    /// </summary>
    private async Task<SessionJoinResult> SeatAsync(Func<CancellationToken, Task<SessionJoinResult>> ask, long user, CancellationToken cancellationToken)
    {
        var answer = AskWithinJoinWaitAsync(ask);
        try
        {
            return await answer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            KeepSending(GiveAnsweredSeatBackAsync(answer, user));
            throw;
        }
    }

    private async Task<SessionJoinResult> AskWithinJoinWaitAsync(Func<CancellationToken, Task<SessionJoinResult>> ask)
    {
        using var bounded = new CancellationTokenSource(options.JoinWait, time);
        try
        {
            return await ask(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (bounded.IsCancellationRequested)
        {
            throw new OnlineException(OnlineError.Unavailable,
                $"The session directory did not answer within {options.JoinWait.TotalSeconds:0.###} s (MultiplayerOptions.JoinWait).", innerException: exception);
        }
    }

    /// <summary>Once the directory answered a call its caller gave up on, gives the seat it names back (that seat only); never throws.</summary>
    private async Task GiveAnsweredSeatBackAsync(Task<SessionJoinResult> answer, long user)
    {
        SessionJoinResult result;
        try
        {
            result = await answer.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // No answer: a seat the directory may have given goes back with its idle sweep (MemberIdleTimeout).
            logger.LogInformation(exception, "A seat request given up by its caller got no answer; a seat the directory gave is freed once idle.");
            return;
        }

        if (result is { Succeeded: true, Session: { } session })
        {
            await SeatGiveBack.RunAsync(sessions, session.Id, user, options.JoinWait, time, logger, SeatGiveBack.GrantOf(session, user)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The leave, once begun, is sent: after the stopped migration's directory calls (<paramref name="stopped"/>, bounded on
    /// their own), within <see cref="MultiplayerOptions.JoinWait"/>, whether or not the caller still waits: a leave that
    /// sent nothing when cancelled while the migration stopped, or was cut short when cancelled on its way, would leave the
    /// player out of the session with its seat still taken.
    /// </summary>
    /// <exception cref="OnlineException">The directory refused it; <see cref="OnlineError.Unavailable"/> when it did not answer within <see cref="MultiplayerOptions.JoinWait"/>.</exception>
    private async Task SendLeaveAsync(SessionId session, long user, Task stopped)
    {
        await stopped.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        using var bounded = new CancellationTokenSource(options.JoinWait, time);
        try
        {
            await sessions.LeaveSessionAsync(session, user, bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (bounded.IsCancellationRequested)
        {
            throw new OnlineException(OnlineError.Unavailable,
                $"The session directory did not answer the leave of session {session} within {options.JoinWait.TotalSeconds:0.###} s (MultiplayerOptions.JoinWait).",
                innerException: exception);
        }
    }

    /// <summary><paramref name="send"/>, its failure logged instead of thrown (for <see cref="KeepSending"/>).</summary>
    private async Task Logged(Task send, SessionId session)
    {
        try
        {
            await send.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "The leave of session {Session} failed; the directory frees the seat once idle.", session);
        }
    }
}

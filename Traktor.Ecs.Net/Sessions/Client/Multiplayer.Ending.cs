using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>The end of a session under the player: why it ended (asked of the directory), and a seat given back.</summary>
public sealed partial class Multiplayer
{
    /// <summary>
    /// The world the last session ended with (its host or server ended it, went away or cut the player, a migration found
    /// no new host; this player's own hosted session once it stopped): kept for the game's end screen until the player joins
    /// or creates another session, or calls <see cref="LeaveSessionAsync"/> in no session.
    /// </summary>
    private readonly EndedSessionWorld endScreen = new();

    /// <summary>What a migration <see cref="Dispose"/> stopped still sends the directory (<see cref="DisposeAsync"/> awaits it).</summary>
    private Task stopping = Task.CompletedTask;

    /// <summary>Cancelled by <see cref="Dispose"/>: the questions to the directory of a session that ended stop at once.</summary>
    private readonly CancellationTokenSource disposed = new();

    /// <summary>
    /// The give-back of the seat a session's end left behind (<see cref="GiveSeatLeftBehind"/>): a join or a create waits for
    /// it, so it never reaches the directory after the seat they take (a rejoin of the same session is
    /// <see cref="SessionJoinStatus.AlreadyMember"/> of the seat not yet given back, which the late give-back would free).
    /// </summary>
    private volatile Task seatReturn = Task.CompletedTask;

    /// <summary>Gives back the seat of a join the caller cancelled (or of a disposed host), within <see cref="MultiplayerOptions.JoinWait"/>; never throws (a failure is logged and counted).</summary>
    private Task GiveSeatBackAsync(SessionId session, long user, DateTimeOffset? seatGrantedAt = null) =>
        SeatGiveBack.RunAsync(sessions, session, user, options.JoinWait, time, logger, seatGrantedAt);

    /// <summary>
    /// The session ended under the player other than by its own leave (its game server went away, cut it, or timed it out;
    /// a migration found no new host): gives its seat back, that seat only (the grant the join's answer listed), once per
    /// session end, as Lua's <c>multiplayer</c> does. Otherwise the seat stays taken until the game server's reconnect
    /// grace expires (a minute), or the directory's sweep with the server gone, and the player cannot take another seat in
    /// the session meanwhile. Started by <see cref="BeginEnd(SessionInfo, DisconnectReason?, bool)"/> only.
    /// </summary>
    /// <returns>Whether the directory freed the seat (never faults).</returns>
    private Task<bool> GiveSeatLeftBehind(SessionInfo lost)
    {
        if (login is not { } player)
        {
            return Task.FromResult(false);
        }

        return SeatGiveBack.RunAsync(sessions, lost.Id, player.UserId, options.JoinWait, time, logger, SeatGiveBack.GrantOf(lost, player.UserId));
    }

    /// <summary>Waits for the give-back of a seat a session's end left behind (bounded by its own wait), for a join or a create.</summary>
    private async Task AfterSeatReturnAsync(CancellationToken cancellationToken)
    {
        // And for a seat or a leave a call given up left on its way (StillSending): the same race, its give-back late.
        await Task.WhenAll(seatReturn, StillSending()).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Asks the directory why the session is gone, until it knows or <see cref="MultiplayerOptions.EndReasonWait"/> passes,
    /// then reports it (<see cref="ReportEnd"/>); a leave, a join that moves the player on, or <see cref="Dispose"/> stops it
    /// at once (no further question, nothing raised). When the end gave the player's seat back it asks once that is over,
    /// and a seat it freed is no sign that the directory removed the player.
    /// </summary>
    private async Task ExplainEndAsync(SessionEnd end, DisconnectReason? disconnect)
    {
        var stop = end.Stop;
        try
        {
            var reason = await LookUpEndReasonAsync(end, stop).ConfigureAwait(false);
            logger.LogInformation("Session {Session} ended under this player ({Disconnect}): {Reason}.", end.Session.Id, disconnect, reason);
            onTick.Enqueue(() => ReportEnd(end, reason));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            logger.LogInformation("Stopped asking why session {Session} ended: the player left it, joined another or disposed the facade.", end.Session.Id);
        }
    }

    /// <summary>The body of <see cref="ExplainEndAsync"/>: every directory call and wait ends (cancelled) on <paramref name="stop"/>.</summary>
    private Task<SessionEndReason> LookUpEndReasonAsync(SessionEnd end, CancellationToken stop) =>
        SessionEndLookup.RunAsync(sessions, end.Session, login?.UserId, end.GaveSeatBack ? end.SeatReturn : null,
            options.EndReasonWait, options.EndReasonPollInterval, time, logger, stop);
}

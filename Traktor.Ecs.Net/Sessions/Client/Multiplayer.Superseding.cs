using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// Who has the last word on a session that ended under the player: its end (a seat given back, the reason looked up and
/// reported), the player's own leave, or a join that moves the player on. Each decides under one lock, so a seat is given
/// back once and a reason is reported only for the session it describes.
/// </summary>
public sealed partial class Multiplayer
{
    /// <summary>Guards <see cref="current"/> against the end's start, a leave and a join's seat moving (any thread).</summary>
    private readonly Lock endGate = new();

    /// <summary>Joins whose directory call is under way (0 or 1: one session operation at a time).</summary>
    private int seating;

    /// <summary>The end of the current session being explained (its seat on its way back, its reason looked up), or null.</summary>
    private SessionEnd? ending;

    /// <summary>Ends noticed while a join was under way, started once it failed (a join that moved the player drops them).</summary>
    private List<Action>? endsAfterJoin;

    /// <summary>
    /// Starts the end of <paramref name="lost"/>, the session the player is in (any thread): gives its seat back when
    /// <paramref name="giveSeatBack"/> and asks the directory why it ended. Nothing when a leave or a join moved the player
    /// on; deferred while a join's directory call is under way, as that join may take the very seat the give-back would free
    /// (a rejoin answered <see cref="SessionJoinStatus.AlreadyMember"/>).
    /// </summary>
    private void BeginEnd(SessionInfo lost, DisconnectReason? disconnect, bool giveSeatBack)
    {
        SessionEnd end;
        lock (endGate)
        {
            if (!ReferenceEquals(current, lost))
            {
                return;
            }

            if (seating > 0)
            {
                (endsAfterJoin ??= []).Add(() => BeginEnd(lost, disconnect, giveSeatBack));
                return;
            }

            // Run off the lock: a directory may answer (and raise its events) synchronously.
            var seat = giveSeatBack ? Task.Run(() => GiveSeatLeftBehind(lost)) : Task.FromResult(false);
            if (giveSeatBack)
            {
                seatReturn = seat;
            }

            end = new SessionEnd(lost, CancellationTokenSource.CreateLinkedTokenSource(disposed.Token), seat, giveSeatBack);
            ending?.Supersede();
            ending = end;
        }

        _ = ExplainEndAsync(end, disconnect);
    }

    /// <summary>Tick thread: the end's reason is known; raises <see cref="SessionEnded"/> unless a leave or a join moved the player on, holding it while a join is under way.</summary>
    private void ReportEnd(SessionEnd end, SessionEndReason reason)
    {
        lock (endGate)
        {
            if (!ReferenceEquals(ending, end) || disposed.IsCancellationRequested)
            {
                return;
            }

            if (seating > 0)
            {
                end.Held = reason; // raised once the join failed; dropped when it moved the player on
                return;
            }

            ending = null;
            if (!ReferenceEquals(current, end.Session))
            {
                return;
            }

            current = null;
        }

        end.Finish();
        LastEndReason = reason;
        SessionEnded?.Invoke(end.Session, reason);
    }

    /// <summary>A join is about to ask the directory for a seat: a session's end noticed meanwhile waits for its outcome.</summary>
    private void BeginSeating()
    {
        lock (endGate)
        {
            seating++;
        }
    }

    /// <summary>
    /// The join's directory call failed or was cancelled: the player is still in the session it was in, so an end noticed
    /// meanwhile starts now, and a reason found meanwhile is reported (on the tick thread).
    /// </summary>
    private void SeatingFailed()
    {
        List<Action>? deferred;
        SessionEnd? held = null;
        lock (endGate)
        {
            seating--;
            deferred = endsAfterJoin;
            endsAfterJoin = null;
            if (ending is { Held: not null } found)
            {
                held = found;
            }
        }

        foreach (var retry in deferred ?? [])
        {
            onTick.Enqueue(retry);
        }

        if (held is not null)
        {
            onTick.Enqueue(() => ReportEnd(held, held.Held!.Value));
        }
    }

    /// <summary>
    /// The join took a seat: the player left the session it was in. An end noticed meanwhile is dropped (the directory moved
    /// the seat; a rejoin holds it), and the end being explained stops asking, with nothing reported.
    /// </summary>
    private void SeatMoved()
    {
        SessionEnd? superseded;
        lock (endGate)
        {
            seating--;
            current = null;
            endsAfterJoin = null;
            superseded = ending;
            ending = null;
        }

        superseded?.Supersede();
    }

    /// <summary>
    /// The player leaves <see cref="current"/>: clears it, and returns the end under way for that session, stopping its
    /// lookup (the leave and the end share one give-back), or null.
    /// </summary>
    private SessionInfo? TakeForLeave(out SessionEnd? shared)
    {
        SessionInfo? session;
        lock (endGate)
        {
            session = current;
            current = null;
            shared = ending is { } end && ReferenceEquals(end.Session, session) ? end : null;
            if (shared is not null)
            {
                ending = null;
            }
        }

        shared?.Supersede();
        return session;
    }

    /// <summary>One session's end under the player: its seat on its way back and the lookup of why it ended.</summary>
    /// <param name="session">The session that ended.</param>
    /// <param name="lookup">Stops the lookup: a leave or a join moved the player on, or the facade was disposed (it is linked to
    /// the facade's own token, so it is disposed once the end is over: each one left undisposed kept a registration on that
    /// token, and with it the end, for the facade's lifetime).</param>
    /// <param name="seatReturn">The seat's give-back: whether the directory freed it (false when none was sent).</param>
    /// <param name="gaveSeatBack">Whether the give-back was sent (not after the player's own leave from elsewhere, or a hosted session's end).</param>
    private sealed class SessionEnd(SessionInfo session, CancellationTokenSource lookup, Task<bool> seatReturn, bool gaveSeatBack)
    {
        private readonly Lookup stop = new(lookup);

        public SessionInfo Session => session;

        /// <summary>Cancelled when the lookup is to stop; still readable once its source is disposed.</summary>
        public CancellationToken Stop => stop.Token;

        public Task<bool> SeatReturn => seatReturn;

        public bool GaveSeatBack => gaveSeatBack;

        /// <summary>The reason, found while a join was under way and held until it is over.</summary>
        public SessionEndReason? Held { get; set; }

        /// <summary>A leave, a join or a newer end superseded this one: its lookup stops at once, and its source goes (once).</summary>
        public void Supersede() => stop.End(cancel: true);

        /// <summary>Reported: the lookup is over, and its source goes (once).</summary>
        public void Finish() => stop.End(cancel: false);
    }

    /// <summary>An end's lookup source, ended once (cancelled when superseded) and disposed then.</summary>
    private sealed class Lookup
    {
        private readonly CancellationTokenSource source;
        private int ended;

        public Lookup(CancellationTokenSource source)
        {
            this.source = source;
            Token = source.Token; // read once, here: the source's own Token throws once it is disposed
        }

        public CancellationToken Token { get; }

        public void End(bool cancel)
        {
            if (Interlocked.Exchange(ref ended, 1) == 0)
            {
                if (cancel)
                {
                    source.Cancel();
                }

                source.Dispose();
            }
        }
    }
}

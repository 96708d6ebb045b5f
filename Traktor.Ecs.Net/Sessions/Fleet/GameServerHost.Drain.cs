using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Draining, bounded: a draining server waits for the directory to end its sessions and accept its deregistration, but
/// not for a directory that has stopped answering. Once none of its calls has succeeded for <see cref="DrainBackendTimeout"/>
/// (counted from the drain or the last answer, whichever is later) it gives up, reports the sessions it still hosts, tries to
/// deregister for at most <see cref="DrainDeregisterTimeout"/> (a backend back by then ends those sessions at once, instead of
/// when it declares the server dead) and completes with <see cref="GameServerExit.BackendUnreachable"/>.
/// A drain whose sessions still run after <see cref="DrainSessionsTimeout"/> (infinite by default: a match runs to its end)
/// stops waiting for them the same way: it deregisters (the directory ends them with <see cref="SessionEndReason.ServerShutdown"/>),
/// ends them here, so their players are told at once instead of losing the server when the process is killed, and completes
/// with <see cref="GameServerExit.DrainTimedOut"/> once they have closed.
/// </summary>
public sealed partial class GameServerHost
{
    /// <summary>The default of <see cref="DrainBackendTimeout"/>: one minute, long enough for a backend to restart.</summary>
    public static readonly TimeSpan DefaultDrainBackendTimeout = TimeSpan.FromMinutes(1);

    /// <summary>The longest <see cref="DrainBackendTimeout"/> accepted.</summary>
    public static readonly TimeSpan DrainBackendTimeoutLimit = TimeSpan.FromDays(1);

    /// <summary>The default of <see cref="DrainDeregisterTimeout"/>: five seconds.</summary>
    public static readonly TimeSpan DefaultDrainDeregisterTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The longest <see cref="DrainDeregisterTimeout"/> accepted.</summary>
    public static readonly TimeSpan DrainDeregisterTimeoutLimit = TimeSpan.FromMinutes(1);

    /// <summary>The longest finite <see cref="DrainSessionsTimeout"/> accepted.</summary>
    public static readonly TimeSpan DrainSessionsTimeoutLimit = TimeSpan.FromDays(1);

    private TimeSpan drainBackendTimeout = DefaultDrainBackendTimeout;
    private TimeSpan drainSessionsTimeout = Timeout.InfiniteTimeSpan;
    private GameServerExit givingUpFor; // tick thread: why the drain gave up (BackendUnreachable or DrainTimedOut), once it has
    private bool endingSessions; // tick thread: a timed-out drain is ending its sessions, and completes once they have closed
    private TimeSpan drainDeregisterTimeout = DefaultDrainDeregisterTimeout;
    private long gaveUpAt; // tick thread: when the drain gave up (on the silent directory or on its sessions), 0 before
    private long drainStartedAt;
    // Tick thread: the sessions the directory's last answer listed here as live, opened here or not. A drain waits for them
    // as it waits for the hosted ones (it deregisters only once none is listed), so its timeout counts them too: a listed
    // session whose factory always throws never opens, and kept a draining host up past DrainSessionsTimeout (review42).
    private readonly List<SessionId> listedLive = [];
    private long lastAnsweredAt;
    private int exit;

    /// <summary>
    /// How long a draining server waits for a directory that answers nothing (unreachable, down, refusing every call)
    /// before it gives up on it (<see cref="GameServerExit.BackendUnreachable"/>); one minute by default. A directory that
    /// answers keeps a drain going as long as its sessions run.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive, or longer than <see cref="DrainBackendTimeoutLimit"/>.</exception>
    public TimeSpan DrainBackendTimeout
    {
        get => drainBackendTimeout;
        set
        {
            if (value <= TimeSpan.Zero || value > DrainBackendTimeoutLimit)
            {
                throw new ArgumentOutOfRangeException(nameof(DrainBackendTimeout), value,
                    $"A draining server's patience with a silent directory must be positive and at most {DrainBackendTimeoutLimit}.");
            }

            drainBackendTimeout = value;
        }
    }

    /// <summary>
    /// Once a drain has given up on a silent directory (<see cref="DrainBackendTimeout"/>), how long it keeps trying to
    /// deregister (one attempt at once, then one per heartbeat interval) before it completes anyway; five seconds by default.
    /// A directory back within it ends the sessions still hosted here (<see cref="SessionEndReason.ServerShutdown"/>) and
    /// <see cref="State"/> turns <see cref="GameServerState.Gone"/>; otherwise the directory declares the server dead once it
    /// runs again. Either way <see cref="Exit"/> is <see cref="GameServerExit.BackendUnreachable"/> (or <see cref="GameServerExit.DrainTimedOut"/>
    /// when the drain gave up on its sessions, <see cref="DrainSessionsTimeout"/>), and the outcome is logged.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive, or longer than <see cref="DrainDeregisterTimeoutLimit"/>.</exception>
    public TimeSpan DrainDeregisterTimeout
    {
        get => drainDeregisterTimeout;
        set
        {
            if (value <= TimeSpan.Zero || value > DrainDeregisterTimeoutLimit)
            {
                throw new ArgumentOutOfRangeException(nameof(DrainDeregisterTimeout), value,
                    $"A drain's last deregistration attempt must be bounded by a positive time of at most {DrainDeregisterTimeoutLimit}.");
            }

            drainDeregisterTimeout = value;
        }
    }

    /// <summary>
    /// How long a drain lets its sessions run before it ends them: <see cref="Timeout.InfiniteTimeSpan"/> (the default) waits
    /// for each to end on its own, however long a match lasts. Once it passes with sessions still hosted (or listed here by the
    /// directory as live, such as one whose <see cref="HostedSessionFactory"/> keeps throwing), the host reports the hosted
    /// ones (<see cref="AbandonedSessions"/>), deregisters (trying for at most <see cref="DrainDeregisterTimeout"/>; the
    /// directory ends them with <see cref="SessionEndReason.ServerShutdown"/>), then ends each here with that reason — its
    /// players get the final world and <see cref="DisconnectReason.SessionEnded"/>, and the directory tells them why — and
    /// completes with <see cref="GameServerExit.DrainTimedOut"/> once they have closed (within a second). Set it below the
    /// grace an orchestrator gives a terminated process (Kubernetes' <c>terminationGracePeriodSeconds</c>, less the
    /// deregistration bound and a second), so players hear that the session ended instead of timing out after the kill.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Neither infinite nor positive and at most <see cref="DrainSessionsTimeoutLimit"/>.</exception>
    public TimeSpan DrainSessionsTimeout
    {
        get => drainSessionsTimeout;
        set
        {
            if (value != Timeout.InfiniteTimeSpan && (value <= TimeSpan.Zero || value > DrainSessionsTimeoutLimit))
            {
                throw new ArgumentOutOfRangeException(nameof(DrainSessionsTimeout), value,
                    $"How long a drain lets its sessions run must be Timeout.InfiniteTimeSpan, or positive and at most {DrainSessionsTimeoutLimit}.");
            }

            drainSessionsTimeout = value;
        }
    }

    /// <summary>Why <see cref="Completion"/> finished; <see cref="GameServerExit.Running"/> until it has.</summary>
    public GameServerExit Exit => (GameServerExit)Volatile.Read(ref exit);

    /// <summary>
    /// The sessions still hosted (and who was connected) when a drain gave up: on a silent directory
    /// (<see cref="DrainBackendTimeout"/>), or on its sessions (<see cref="DrainSessionsTimeout"/>); empty otherwise.
    /// </summary>
    public IReadOnlyList<HostedSessionReport> AbandonedSessions { get; private set; } = [];

    /// <summary>
    /// The sessions the directory listed here as live that never opened on this server (such as ones whose
    /// <see cref="HostedSessionFactory"/> kept throwing) when a drain gave up; empty otherwise. They had no players here; the
    /// directory ends them when the drain deregisters, or, if that fails, once it declares this server dead.
    /// </summary>
    public IReadOnlyList<SessionId> AbandonedUnopenedSessions { get; private set; } = [];

    /// <summary>
    /// Takes no new sessions from the next heartbeat on; the host deregisters and completes once its last session has ended,
    /// or gives up after <see cref="DrainBackendTimeout"/> without an answer from the directory.
    /// Safe to call from any thread, such as a SIGTERM handler while the loop ticks the host.
    /// </summary>
    public void Drain()
    {
        Interlocked.CompareExchange(ref drainStartedAt, time.GetTimestamp(), 0);
        if (Interlocked.Exchange(ref draining, 1) == 0)
        {
            if (drainSessionsTimeout == Timeout.InfiniteTimeSpan)
            {
                logger.LogInformation("Draining: no new sessions; the running ones run to their end (waiting at most {Timeout} for a silent directory).", drainBackendTimeout);
            }
            else
            {
                logger.LogInformation("Draining: no new sessions; the running ones run at most {SessionsTimeout} more (waiting at most {Timeout} for a silent directory).",
                    drainSessionsTimeout, drainBackendTimeout);
            }
        }
    }

    /// <summary>Under the lock, on any directory call that succeeded.</summary>
    private void AnsweredLocked() => Volatile.Write(ref lastAnsweredAt, time.GetTimestamp());

    /// <summary>
    /// Tick thread: a draining host gives up waiting once its directory has answered nothing for
    /// <see cref="DrainBackendTimeout"/>, or its sessions have run <see cref="DrainSessionsTimeout"/> into the drain; then
    /// bounds its last deregistration by <see cref="DrainDeregisterTimeout"/>, and a timed-out drain ends its sessions.
    /// </summary>
    private void GiveUpWhenDue()
    {
        if (!IsDraining || completion.Task.IsCompleted || Finishing)
        {
            return;
        }

        if (gaveUpAt != 0)
        {
            if (endingSessions)
            {
                if (hosted.Count == 0)
                {
                    logger.LogInformation("Draining: the sessions ended at the drain's timeout have closed.");
                    Finish(GameServerExit.DrainTimedOut);
                }
            }
            else if (time.GetElapsedTime(gaveUpAt) >= drainDeregisterTimeout)
            {
                logger.LogWarning("Draining: deregistering did not succeed within {Timeout} either; exiting without it. The directory declares this server dead once it runs again.",
                    drainDeregisterTimeout);
                StopHeartbeats();
                EndOrFinish();
            }

            return;
        }

        long started = Volatile.Read(ref drainStartedAt);
        if (drainSessionsTimeout != Timeout.InfiniteTimeSpan && (hosted.Count > 0 || listedLive.Count > 0) && time.GetElapsedTime(started) >= drainSessionsTimeout)
        {
            GiveUp(GameServerExit.DrainTimedOut);
            logger.LogWarning("Draining: {Count} sessions still run after {Timeout} ({Players} players: {Sessions}), {Unopened} listed here as live never opened ({UnopenedIds}); " +
                "deregistering (trying for at most {DeregisterTimeout}; the directory ends the listed ones), then ending them ({Reason}).",
                AbandonedSessions.Count, drainSessionsTimeout, AbandonedSessions.Sum(s => s.Connected.Count),
                string.Join(", ", AbandonedSessions.Select(s => $"{s.SessionId}: {s.Connected.Count}")), AbandonedUnopenedSessions.Count,
                string.Join(", ", AbandonedUnopenedSessions), drainDeregisterTimeout, SessionEndReason.ServerShutdown);
            return;
        }

        if (time.GetElapsedTime(Math.Max(started, Volatile.Read(ref lastAnsweredAt))) < drainBackendTimeout)
        {
            return;
        }

        GiveUp(GameServerExit.BackendUnreachable);
        logger.LogWarning("Draining: the directory has answered nothing for {Timeout}; giving up on it with {Count} sessions still hosted ({Players} players: {Sessions}) " +
            "and {Unopened} listed here as live never opened ({UnopenedIds}). Trying to deregister for at most {DeregisterTimeout}.",
            drainBackendTimeout, AbandonedSessions.Count, AbandonedSessions.Sum(s => s.Connected.Count),
            string.Join(", ", AbandonedSessions.Select(s => $"{s.SessionId}: {s.Connected.Count}")), AbandonedUnopenedSessions.Count,
            string.Join(", ", AbandonedUnopenedSessions), drainDeregisterTimeout);
    }

    /// <summary>Tick thread: stops waiting (<paramref name="why"/>), reports the sessions still hosted and deregisters now.</summary>
    private void GiveUp(GameServerExit why)
    {
        givingUpFor = why;
        AbandonedSessions = Report();
        AbandonedUnopenedSessions = listedLive.Where(id => !hosted.ContainsKey(id) && !closed.ContainsKey(id)).ToArray(); // one that opened and closed here is not "never opened"
        gaveUpAt = Math.Max(time.GetTimestamp(), 1);
        RequestLastDeregistration();
    }

    /// <summary>
    /// Tick thread, once the last deregistration succeeded or its bound passed: a timed-out drain ends its sessions (and
    /// completes once they have closed); one that gave up on a silent directory completes now.
    /// </summary>
    private void EndOrFinish()
    {
        if (givingUpFor != GameServerExit.DrainTimedOut)
        {
            Finish(givingUpFor);
            return;
        }

        endingSessions = true;
        foreach (var session in hosted.Values)
        {
            session.Game.Relay.End(SessionEndReason.ServerShutdown);
        }
    }

    /// <summary>Tick thread, after a drain gave up: the last deregistration succeeded.</summary>
    private void DeregisteredAfterGivingUp() =>
        logger.LogInformation("Draining: deregistered game server {Server} after giving up on {What}; it ends the {Count} sessions still hosted here.",
            lease?.ServerId, givingUpFor == GameServerExit.DrainTimedOut ? "the sessions' timeout" : "the silent directory", AbandonedSessions.Count);

    /// <summary>True once the drain gave up, on the silent directory or on its sessions (tick thread).</summary>
    private bool GaveUp => gaveUpAt != 0;
}

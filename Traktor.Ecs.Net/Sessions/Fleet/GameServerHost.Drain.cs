using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Draining, bounded: a draining server waits for the directory to end its sessions and accept its deregistration, but
/// not for a directory that has stopped answering. Once none of its calls has succeeded for <see cref="DrainBackendTimeout"/>
/// (counted from the drain or the last answer, whichever is later) it gives up, reports the sessions it still hosts, tries to
/// deregister for at most <see cref="DrainDeregisterTimeout"/> (a backend back by then ends those sessions at once, instead of
/// when it declares the server dead) and completes with <see cref="GameServerExit.BackendUnreachable"/>.
/// </summary>
public sealed partial class GameServerHost
{
    /// <summary>The default of <see cref="DrainBackendTimeout"/>: one minute, long enough for a backend to restart.</summary>
    public static readonly TimeSpan DefaultDrainBackendTimeout = TimeSpan.FromMinutes(1);

    /// <summary>The longest <see cref="DrainBackendTimeout"/> accepted.</summary>
    public static readonly TimeSpan MaxDrainBackendTimeout = TimeSpan.FromDays(1);

    /// <summary>The default of <see cref="DrainDeregisterTimeout"/>: five seconds.</summary>
    public static readonly TimeSpan DefaultDrainDeregisterTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The longest <see cref="DrainDeregisterTimeout"/> accepted.</summary>
    public static readonly TimeSpan MaxDrainDeregisterTimeout = TimeSpan.FromMinutes(1);

    private TimeSpan drainBackendTimeout = DefaultDrainBackendTimeout;
    private TimeSpan drainDeregisterTimeout = DefaultDrainDeregisterTimeout;
    private long gaveUpAt; // tick thread: when the drain gave up on the silent directory, 0 before
    private long drainStartedAt;
    private long lastAnsweredAt;
    private int exit;

    /// <summary>
    /// How long a draining server waits for a directory that answers nothing (unreachable, down, refusing every call)
    /// before it gives up on it (<see cref="GameServerExit.BackendUnreachable"/>); one minute by default. A directory that
    /// answers keeps a drain going as long as its sessions run.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive, or longer than <see cref="MaxDrainBackendTimeout"/>.</exception>
    public TimeSpan DrainBackendTimeout
    {
        get => drainBackendTimeout;
        set
        {
            if (value <= TimeSpan.Zero || value > MaxDrainBackendTimeout)
            {
                throw new ArgumentOutOfRangeException(nameof(DrainBackendTimeout), value,
                    $"A draining server's patience with a silent directory must be positive and at most {MaxDrainBackendTimeout}.");
            }

            drainBackendTimeout = value;
        }
    }

    /// <summary>
    /// Once a drain has given up on a silent directory (<see cref="DrainBackendTimeout"/>), how long it keeps trying to
    /// deregister (one attempt at once, then one per heartbeat interval) before it completes anyway; five seconds by default.
    /// A directory back within it ends the sessions still hosted here (<see cref="SessionEndReason.ServerShutdown"/>) and
    /// <see cref="State"/> turns <see cref="GameServerState.Gone"/>; otherwise the directory declares the server dead once it
    /// runs again. Either way <see cref="Exit"/> is <see cref="GameServerExit.BackendUnreachable"/>, and the outcome is logged.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive, or longer than <see cref="MaxDrainDeregisterTimeout"/>.</exception>
    public TimeSpan DrainDeregisterTimeout
    {
        get => drainDeregisterTimeout;
        set
        {
            if (value <= TimeSpan.Zero || value > MaxDrainDeregisterTimeout)
            {
                throw new ArgumentOutOfRangeException(nameof(DrainDeregisterTimeout), value,
                    $"A drain's last deregistration attempt must be bounded by a positive time of at most {MaxDrainDeregisterTimeout}.");
            }

            drainDeregisterTimeout = value;
        }
    }

    /// <summary>Why <see cref="Completion"/> finished; <see cref="GameServerExit.Running"/> until it has.</summary>
    public GameServerExit Exit => (GameServerExit)Volatile.Read(ref exit);

    /// <summary>The sessions still hosted (and who was connected) when a drain gave up on a silent directory; empty otherwise.</summary>
    public IReadOnlyList<HostedSessionReport> AbandonedSessions { get; private set; } = [];

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
            logger.LogInformation("Draining: no new sessions; the running ones run to their end (waiting at most {Timeout} for a silent directory).", drainBackendTimeout);
        }
    }

    /// <summary>Finishes <see cref="Completion"/> with <paramref name="why"/> (the first reason wins).</summary>
    private void Finish(GameServerExit why)
    {
        Interlocked.CompareExchange(ref exit, (int)why, (int)GameServerExit.Running);
        completion.TrySetResult();
    }

    /// <summary>Under the lock, on any directory call that succeeded.</summary>
    private void AnsweredLocked() => Volatile.Write(ref lastAnsweredAt, time.GetTimestamp());

    /// <summary>Tick thread: a draining host whose directory has answered nothing for <see cref="DrainBackendTimeout"/> gives up on it.</summary>
    private void GiveUpOnSilentDirectoryWhenDue()
    {
        if (!IsDraining || completion.Task.IsCompleted)
        {
            return;
        }

        if (gaveUpAt != 0)
        {
            if (time.GetElapsedTime(gaveUpAt) >= drainDeregisterTimeout)
            {
                logger.LogWarning("Draining: deregistering did not succeed within {Timeout} either; exiting without it. The directory declares this server dead once it runs again.",
                    drainDeregisterTimeout);
                StopHeartbeats();
                Finish(GameServerExit.BackendUnreachable);
            }

            return;
        }

        long since = Math.Max(Volatile.Read(ref drainStartedAt), Volatile.Read(ref lastAnsweredAt));
        if (time.GetElapsedTime(since) < drainBackendTimeout)
        {
            return;
        }

        AbandonedSessions = Report();
        logger.LogWarning("Draining: the directory has answered nothing for {Timeout}; giving up on it with {Count} sessions still hosted ({Players} players: {Sessions}). " +
            "Trying to deregister for at most {DeregisterTimeout}.",
            drainBackendTimeout, AbandonedSessions.Count, AbandonedSessions.Sum(s => s.Connected.Count),
            string.Join(", ", AbandonedSessions.Select(s => $"{s.SessionId}: {s.Connected.Count}")), drainDeregisterTimeout);
        gaveUpAt = Math.Max(time.GetTimestamp(), 1);
        RequestLastDeregistration();
    }

    /// <summary>Tick thread, after a drain gave up: the last deregistration succeeded.</summary>
    private void DeregisteredAfterGivingUp() =>
        logger.LogInformation("Draining: deregistered game server {Server} after giving up on the silent directory; it ends the {Count} sessions still hosted here.",
            lease?.ServerId, AbandonedSessions.Count);

    /// <summary>True once the drain gave up on the silent directory (tick thread).</summary>
    private bool GaveUp => gaveUpAt != 0;
}

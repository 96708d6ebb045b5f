using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Draining, bounded: a draining server waits for the directory to end its sessions and accept its deregistration, but
/// not for a directory that has stopped answering. Once none of its calls has succeeded for <see cref="DrainBackendTimeout"/>
/// (counted from the drain or the last answer, whichever is later) it gives up, reports the sessions it still hosts and
/// completes with <see cref="GameServerExit.BackendUnreachable"/>.
/// </summary>
public sealed partial class GameServerHost
{
    /// <summary>The default of <see cref="DrainBackendTimeout"/>: one minute, long enough for a backend to restart.</summary>
    public static readonly TimeSpan DefaultDrainBackendTimeout = TimeSpan.FromMinutes(1);

    /// <summary>The longest <see cref="DrainBackendTimeout"/> accepted.</summary>
    public static readonly TimeSpan MaxDrainBackendTimeout = TimeSpan.FromDays(1);

    private TimeSpan drainBackendTimeout = DefaultDrainBackendTimeout;
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

        long since = Math.Max(Volatile.Read(ref drainStartedAt), Volatile.Read(ref lastAnsweredAt));
        if (time.GetElapsedTime(since) < drainBackendTimeout)
        {
            return;
        }

        AbandonedSessions = Report();
        logger.LogWarning("Draining: the directory has answered nothing for {Timeout}; giving up on it with {Count} sessions still hosted ({Players} players: {Sessions}). " +
            "It was not told; it declares this server dead once it runs again.",
            drainBackendTimeout, AbandonedSessions.Count, AbandonedSessions.Sum(s => s.Connected.Count),
            string.Join(", ", AbandonedSessions.Select(s => $"{s.SessionId}: {s.Connected.Count}")));
        StopHeartbeats();
        Finish(GameServerExit.BackendUnreachable);
    }
}

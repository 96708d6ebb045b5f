using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// The host's conversation with the directory, off the tick: a timer of the host's clock fires every heartbeat interval and
/// makes the one directory call due (a heartbeat with the snapshot the tick last published, a registration anew, or the
/// deregistration), one call at a time. The tick publishes snapshots and applies the answers; it never waits for the
/// directory, and the directory never waits for the tick.
/// </summary>
public sealed partial class GameServerHost
{
    private readonly Lock gate = new();
    private volatile GameServerLease? lease;
    private ITimer? heartbeatTimer;
    private TimeSpan timerInterval;
    private DirectoryCall? call;
    private bool callStarting;
    private bool registerRequested;
    private bool deregisterRequested;
    private bool lastDeregistration;
    private bool heartbeatsStopped;
    private Snapshot? snapshot;
    private Answer? latestAnswer;
    private GameServerLease? registeredAnew;
    private bool deregistered;
    private long heartbeats;
    private long heartbeatFailures;
    private int registrations;

    // Tick thread only.
    private long snapshotSequence;
    private long lastSnapshotAt;
    private bool sessionsChanged;
    private bool publishedDraining;

    private enum CallKind
    {
        Heartbeat,
        Register,
        Deregister,
    }

    private void StartHeartbeats(GameServerLease granted)
    {
        lease = granted;
        lastSnapshotAt = time.GetTimestamp();
        lock (gate)
        {
            AnsweredLocked();
            snapshot ??= new Snapshot(0, new GameServerHeartbeat(false, 0, []));
            if (heartbeatTimer is null && !heartbeatsStopped)
            {
                timerInterval = granted.HeartbeatInterval;
                heartbeatTimer = time.CreateTimer(_ => OnHeartbeatTimer(), null, granted.HeartbeatInterval, granted.HeartbeatInterval);
            }
        }
    }

    private void StopHeartbeats()
    {
        lock (gate)
        {
            heartbeatsStopped = true;
            heartbeatTimer?.Dispose();
            heartbeatTimer = null;
            call?.Cancel.Cancel();
        }
    }

    /// <summary>Tick thread: asks the timer to register anew at its next firing (after the directory declared this server dead).</summary>
    private void RequestRegistration()
    {
        lock (gate)
        {
            registerRequested = true;
        }
    }

    /// <summary>Tick thread: asks the timer to deregister at its next firing (a drained server with no session left).</summary>
    private void RequestDeregistration()
    {
        lock (gate)
        {
            deregisterRequested = true;
        }
    }

    /// <summary>
    /// Tick thread, when a drain gives up on a silent directory: deregisters now, retrying each interval until it succeeds
    /// (the tick bounds the attempts by <see cref="DrainDeregisterTimeout"/>); a call in flight is abandoned for it.
    /// </summary>
    private void RequestLastDeregistration()
    {
        ITimer? timer;
        TimeSpan interval;
        lock (gate)
        {
            deregisterRequested = true;
            lastDeregistration = true;
            if (call is { Kind: not CallKind.Deregister })
            {
                call.Cancel.Cancel();
            }

            (timer, interval) = (heartbeatTimer, timerInterval);
        }

        try
        {
            timer?.Change(TimeSpan.Zero, interval); // the first attempt at once (outside the lock: a virtual clock fires it here)
        }
        catch (ObjectDisposedException)
        {
            // Heartbeats stopped meanwhile: there is nothing left to deregister with.
        }
    }

    /// <summary>
    /// Tick thread, twice per heartbeat interval (and at once when sessions open, close or the server drains): who is
    /// connected to each session, the mean tick time, the draining flag. Allocates once per snapshot, never per tick.
    /// </summary>
    private void PublishSnapshotWhenDue()
    {
        var current = lease;
        if (current is null)
        {
            return;
        }

        bool isDraining = IsDraining; // read once: Drain may be called from another thread meanwhile
        if (!sessionsChanged && publishedDraining == isDraining && time.GetElapsedTime(lastSnapshotAt) < current.HeartbeatInterval / 2)
        {
            return;
        }

        lastSnapshotAt = time.GetTimestamp();
        sessionsChanged = false;
        publishedDraining = isDraining;
        TickMilliseconds = tickCount == 0 ? 0 : tickMilliseconds / tickCount;
        tickMilliseconds = 0;
        tickCount = 0;
        var reports = new List<HostedSessionReport>(hosted.Count);
        foreach (var session in hosted.Values)
        {
            session.CloseInterval();
            reports.Add(new HostedSessionReport(session.Id, session.Game.Relay.PresentPlayers.Select(p => (long)p).ToArray(), session.LastMeanTick));
        }

        var published = new Snapshot(++snapshotSequence, new GameServerHeartbeat(isDraining, Math.Min(TickMilliseconds, 60_000), reports));
        lock (gate)
        {
            snapshot = published;
        }
    }

    /// <summary>Tick thread: takes what the directory answered since the last tick and applies it.</summary>
    private void ApplyDirectoryAnswers()
    {
        Answer? answer;
        GameServerLease? anew;
        bool gone;
        lock (gate)
        {
            HarvestLocked();
            answer = latestAnswer;
            latestAnswer = null;
            anew = registeredAnew;
            registeredAnew = null;
            gone = deregistered;
            deregistered = false;
        }

        if (anew is not null)
        {
            State = GameServerState.Live;
            sessionsChanged = true;
            logger.LogWarning("Registered anew as game server {Server}.", anew.ServerId);
        }

        if (gone)
        {
            if (GaveUp)
            {
                DeregisteredAfterGivingUp();
            }
            else
            {
                logger.LogInformation("Drained and deregistered game server {Server}.", lease?.ServerId);
            }

            State = GameServerState.Gone;
            StopHeartbeats();
            if (GaveUp)
            {
                EndOrFinish();
            }
            else
            {
                Finish(GameServerExit.Drained);
            }
        }

        // An answer about an identity this process has since replaced (it registered anew) says nothing about it now.
        if (answer is not null && answer.ServerId == lease?.ServerId && State != GameServerState.Gone)
        {
            Apply(answer);
        }
    }

    /// <summary>Timer thread (on a virtual clock: inside whatever advances it): makes the directory call that is due.</summary>
    private void OnHeartbeatTimer()
    {
        try
        {
            CallKind kind;
            GameServerLease? current;
            Snapshot? sent;
            lock (gate)
            {
                if (heartbeatsStopped || callStarting)
                {
                    return;
                }

                HarvestLocked();
                current = lease;
                if (call is not null)
                {
                    // A call the directory has not answered in half the dead timeout is lost (a hung connection); a new
                    // heartbeat must get through before the directory's patience ends.
                    var patience = current is null ? timerInterval * 4 : TimeSpan.FromTicks(Math.Max(current.DeadAfter.Ticks / 2, timerInterval.Ticks * 2));
                    if (lastDeregistration && call.Kind != CallKind.Deregister)
                    {
                        patience = TimeSpan.Zero; // a drain that gave up deregisters now, not after a hung heartbeat
                    }

                    if (time.GetElapsedTime(call.StartedAt) < patience)
                    {
                        return;
                    }

                    call.Cancel.Cancel();
                    Observe(call.Task);
                    call = null;
                    Interlocked.Increment(ref heartbeatFailures);
                    logger.LogWarning("The directory has not answered for {Patience}; giving up on that call and trying again.", patience);
                }

                kind = deregisterRequested ? CallKind.Deregister : registerRequested ? CallKind.Register : CallKind.Heartbeat;
                if (current is null && kind != CallKind.Register)
                {
                    return;
                }

                sent = snapshot;
                callStarting = true;
            }

            var cancel = new CancellationTokenSource();
            Task task;
            try
            {
                task = kind switch
                {
                    CallKind.Heartbeat => fleet.HeartbeatAsync(current!.ServerId, sent!.Heartbeat, cancel.Token),
                    CallKind.Register => fleet.RegisterServerAsync(registration, cancel.Token),
                    _ => fleet.DeregisterServerAsync(current!.ServerId, cancel.Token),
                };
            }
            catch (Exception exception)
            {
                task = Task.FromException(exception);
            }

            lock (gate)
            {
                callStarting = false;
                call = new DirectoryCall(kind, task, current?.ServerId ?? "", sent?.Sequence ?? 0, sent?.Heartbeat.Draining ?? false, time.GetTimestamp(), cancel);
                if (heartbeatsStopped)
                {
                    cancel.Cancel();
                }

                HarvestLocked();
            }
        }
        catch (Exception exception)
        {
            // A timer callback must never throw (it would end the process); the next firing tries again.
            logger.LogError(exception, "Heartbeat timer failed.");
        }
    }

    /// <summary>Under the lock: if the call in flight has finished, records its outcome for the tick (and the new lease at once).</summary>
    private void HarvestLocked()
    {
        if (call is not { Task.IsCompleted: true } done)
        {
            return;
        }

        call = null;
        done.Cancel.Dispose();
        var task = done.Task;
        if (!task.IsCompletedSuccessfully)
        {
            Observe(task);
        }
        else
        {
            AnsweredLocked();
        }

        switch (done.Kind)
        {
            case CallKind.Heartbeat when task.IsCompletedSuccessfully:
                Interlocked.Increment(ref heartbeats);
                latestAnswer = new Answer(done.ServerId, ((Task<FleetAssignments>)task).Result, done.SnapshotSequence, done.Draining);
                break;
            case CallKind.Heartbeat:
                Interlocked.Increment(ref heartbeatFailures);
                logger.LogWarning(task.Exception?.InnerException, "Heartbeat failed; retrying in {Interval}.", timerInterval);
                break;
            case CallKind.Register when task.IsCompletedSuccessfully:
                var granted = ((Task<GameServerLease>)task).Result;
                lease = granted;
                registerRequested = false;
                registeredAnew = granted;
                Interlocked.Increment(ref registrations);
                if (granted.HeartbeatInterval != timerInterval && granted.HeartbeatInterval > TimeSpan.Zero)
                {
                    timerInterval = granted.HeartbeatInterval;
                    heartbeatTimer?.Change(timerInterval, timerInterval);
                }

                break;
            case CallKind.Register:
                logger.LogWarning(task.Exception?.InnerException, "Registering anew failed; retrying in {Interval}.", timerInterval);
                break;
            default:
                if (!task.IsCompletedSuccessfully && lastDeregistration)
                {
                    // The drain gave up on the directory; the tick ends these attempts after DrainDeregisterTimeout.
                    logger.LogWarning(task.Exception?.InnerException, "Deregistering failed; retrying in {Interval}.", timerInterval);
                    break;
                }

                if (!task.IsCompletedSuccessfully)
                {
                    logger.LogWarning(task.Exception?.InnerException, "Deregistering failed; the directory will declare this server dead instead.");
                }

                deregisterRequested = false;
                deregistered = true;
                heartbeatsStopped = true;
                heartbeatTimer?.Dispose();
                heartbeatTimer = null;
                break;
        }
    }

    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>What the tick published for the next heartbeat; <paramref name="Sequence"/> counts publications.</summary>
    private sealed record Snapshot(long Sequence, GameServerHeartbeat Heartbeat);

    /// <summary>A directory call in flight.</summary>
    private sealed record DirectoryCall(CallKind Kind, Task Task, string ServerId, long SnapshotSequence, bool Draining, long StartedAt, CancellationTokenSource Cancel);

    /// <summary>A heartbeat's answer, with what the heartbeat carried: sessions opened before that snapshot must be listed.</summary>
    private sealed record Answer(string ServerId, FleetAssignments Assignments, long SnapshotSequence, bool Draining);
}

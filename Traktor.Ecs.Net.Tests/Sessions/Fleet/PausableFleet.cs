using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A game server's view of the directory that can be paused, as a stopped process (SIGSTOP, or SIGKILL if never resumed)
/// would be: while paused, calls are held back — they reach the directory only once resumed, or never when cancelled.
/// While <see cref="Unreachable"/>, every call fails at once, as with a backend that is down (connection refused).
/// </summary>
internal sealed class PausableFleet(IGameServerFleet inner) : IGameServerFleet
{
    private readonly Lock gate = new();
    private TaskCompletionSource resumed = NewResumed(completed: true);

    /// <summary>True while the process is stopped.</summary>
    public bool Paused
    {
        get
        {
            lock (gate)
            {
                return !resumed.Task.IsCompleted;
            }
        }

        set
        {
            lock (gate)
            {
                if (value && resumed.Task.IsCompleted)
                {
                    resumed = NewResumed(completed: false);
                }
                else if (!value)
                {
                    resumed.TrySetResult();
                }
            }
        }
    }

    /// <summary>True while the backend is down: every call fails with <see cref="HttpRequestException"/>.</summary>
    public bool Unreachable { get; set; }

    private TaskCompletionSource<FleetAssignments> heldRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource heldRelease = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool holding;

    // The last heartbeat call and what completes once its answer is held back (see Settled).
    private (Task Call, Task Held) lastHeartbeat = (Task.CompletedTask, Task.CompletedTask);

    /// <summary>
    /// Completes once <paramref name="call"/> (the host's call in flight) has its answer: completed, or, for a heartbeat,
    /// held back by <see cref="HoldAnswers"/>. The rig waits for it before the clock moves on: over HTTP or PostgreSQL the
    /// answer takes real time, and a virtual clock that ran on meanwhile made the host give the call up (its patience is
    /// virtual time) before the directory answered, so no answer was ever held.
    /// </summary>
    public Task Settled(Task call)
    {
        lock (gate)
        {
            return lastHeartbeat.Call == call ? Task.WhenAny(call, lastHeartbeat.Held) : call;
        }
    }

    /// <summary>The first answer held since <see cref="HoldAnswers"/>.</summary>
    public Task<FleetAssignments> HeldAnswer => heldRead.Task;

    /// <summary>
    /// Holds the heartbeat answers from now on, once the directory gave them (a slow answer: the directory's state moves on
    /// meanwhile); <see cref="ReleaseAnswers"/> delivers them.
    /// </summary>
    public void HoldAnswers()
    {
        heldRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
        heldRelease = new(TaskCreationOptions.RunContinuationsAsynchronously);
        holding = true;
    }

    /// <summary>Delivers the held answers and holds no more.</summary>
    public void ReleaseAnswers()
    {
        holding = false;
        heldRelease.TrySetResult();
    }

    public async Task<GameServerLease> RegisterServerAsync(GameServerRegistration registration, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        return await inner.RegisterServerAsync(registration, cancellationToken);
    }

    public Task<FleetAssignments> HeartbeatAsync(string serverId, GameServerHeartbeat heartbeat, CancellationToken cancellationToken = default)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var call = HeartbeatAsync(serverId, heartbeat, held, cancellationToken);
        lock (gate)
        {
            lastHeartbeat = (call, held.Task);
        }

        return call;
    }

    private async Task<FleetAssignments> HeartbeatAsync(string serverId, GameServerHeartbeat heartbeat, TaskCompletionSource held, CancellationToken cancellationToken)
    {
        await WhileRunningAsync(cancellationToken);
        var answer = await inner.HeartbeatAsync(serverId, heartbeat, cancellationToken);
        if (holding)
        {
            var release = heldRelease.Task;
            heldRead.TrySetResult(answer);
            held.TrySetResult();
            await release.WaitAsync(cancellationToken);
        }

        return answer;
    }

    public async Task<bool> DeregisterServerAsync(string serverId, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        return await inner.DeregisterServerAsync(serverId, cancellationToken);
    }

    public Task<IReadOnlyList<GameServerStatus>> ListServersAsync(CancellationToken cancellationToken = default) => inner.ListServersAsync(cancellationToken);

    private static TaskCompletionSource NewResumed(bool completed)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            source.SetResult();
        }

        return source;
    }

    private Task WhileRunningAsync(CancellationToken cancellationToken)
    {
        if (Unreachable)
        {
            return Task.FromException(new HttpRequestException("Connection refused (the test's backend is down)."));
        }

        Task wait;
        lock (gate)
        {
            wait = resumed.Task;
        }

        return wait.IsCompleted ? Task.CompletedTask : wait.WaitAsync(cancellationToken);
    }
}

using System.Collections.Concurrent;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// The fixed-tick runner: call <see cref="Update"/> once per frame (or let <see cref="RunAsync(CancellationToken)"/> call it)
/// and it ticks its groups at the tick rate, every group once per tick in the order added, with
/// <c>dt = 1 / tickRate</c>, whatever the frame rate. After a stall it catches up by running several ticks
/// in one frame, at most <see cref="MaxCatchUpTicks"/>; older ticks are dropped and counted in
/// <see cref="SkippedTicks"/> rather than spiralling. Between ticks, render with <see cref="Alpha"/>: the
/// fraction of a tick elapsed since the last one (blend the previous and current simulated state by it).
/// Time comes from a <see cref="TimeProvider"/>, so tests drive it with a fake clock.
/// </summary>
public sealed class NetworkLoop
{
    private readonly Lock changing = new();

    // Work handed over from other threads (a game's async flow), run where the loop ticks: a World is not thread-safe.
    private readonly ConcurrentQueue<Action> posted = new();

    // Copied on change, read once per tick: a group may be added or removed from a system of a ticking group, or from
    // another thread while RunAsync ticks, without disturbing the tick in progress.
    private Group<float>[] groups = [];
    private readonly TimeProvider time;
    private readonly long ticksPerTick;
    private long lastTimestamp;
    private long accumulated;

    /// <summary>Creates the runner.</summary>
    /// <param name="tickRate">
    /// Ticks per second (the server's tick rate, on every peer): 1 to <see cref="ServerReplicationOptions.TickRateLimit"/>
    /// (1,000), the server's own range.
    /// </param>
    /// <param name="time">The clock (the system's by default).</param>
    /// <param name="maxCatchUpTicks">The most ticks one <see cref="Update"/> runs: 1 to <see cref="ServerReplicationOptions.TickRateLimit"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A rate or bound out of its range.</exception>
    public NetworkLoop(int tickRate = 60, TimeProvider? time = null, int maxCatchUpTicks = 5)
    {
        // Above 10 million a tick was shorter than a TimeSpan tick: its length rounded to zero and the first Update
        // divided by it.
        ArgumentOutOfRangeException.ThrowIfLessThan(tickRate, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tickRate, ServerReplicationOptions.TickRateLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCatchUpTicks, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxCatchUpTicks, ServerReplicationOptions.TickRateLimit);
        TickRate = tickRate;
        MaxCatchUpTicks = maxCatchUpTicks;
        this.time = time ?? TimeProvider.System;
        ticksPerTick = TimeSpan.TicksPerSecond / tickRate;
        lastTimestamp = this.time.GetTimestamp();
    }

    /// <summary>Ticks per second.</summary>
    public int TickRate { get; }

    /// <summary>The length of one tick in seconds: every group's <c>dt</c>.</summary>
    public float DeltaTime => 1f / TickRate;

    /// <summary>The most ticks one <see cref="Update"/> runs to catch up.</summary>
    public int MaxCatchUpTicks { get; }

    /// <summary>Ticks run so far.</summary>
    public long Ticks { get; private set; }

    /// <summary>Ticks dropped because a frame was later than <see cref="MaxCatchUpTicks"/> ticks.</summary>
    public long SkippedTicks { get; private set; }

    /// <summary>
    /// The fraction of a tick (0 to 1) elapsed since the last tick ran, for rendering between ticks:
    /// <c>Lerp(previous, current, Alpha)</c>. Interpolated remote entities are already presented smoothly
    /// by the client plugin; this is for locally simulated (predicted) state.
    /// </summary>
    public float Alpha => (float)accumulated / ticksPerTick;

    /// <summary>Adds groups to tick, in order (for one process holding a server and clients: each world's group).</summary>
    /// <param name="added">The groups.</param>
    /// <returns>This, to chain calls.</returns>
    public NetworkLoop Add(params Group<float>[] added)
    {
        foreach (var group in added)
        {
            ArgumentNullException.ThrowIfNull(group);
        }

        lock (changing)
        {
            Volatile.Write(ref groups, [.. groups, .. added]);
        }

        return this;
    }

    /// <summary>
    /// Stops ticking a group: a world the process is done with (a peer that left its mesh, a match the player quit). The
    /// group is not disposed. Safe from a system of a group this loop is ticking and from another thread while
    /// <see cref="RunAsync(CancellationToken)"/> ticks: a tick in progress finishes with the groups it started with, and the
    /// group is not ticked from the next tick on.
    /// </summary>
    /// <param name="group">A group added before.</param>
    /// <returns>False when the loop does not tick it.</returns>
    public bool Remove(Group<float> group)
    {
        lock (changing)
        {
            int at = Array.IndexOf(groups, group);
            if (at < 0) return false;
            Volatile.Write(ref groups, [.. groups.AsSpan(0, at), .. groups.AsSpan(at + 1)]);
            return true;
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> where the loop ticks, at the start of the next <see cref="Update"/> (before its ticks),
    /// in the order posted: safe from any thread, so a game's async code (awaiting a <see cref="Multiplayer"/>
    /// call, a menu) can send an RPC or change the world, which only the ticking thread may touch. An exception it throws
    /// leaves that <see cref="Update"/> as a system's would (and ends <see cref="RunAsync(CancellationToken)"/>).
    /// </summary>
    /// <param name="action">The work.</param>
    public void Post(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        posted.Enqueue(action);
    }

    /// <summary>
    /// Runs <paramref name="action"/> as <see cref="Post"/> does and completes once it ran (faulted with its exception, which
    /// does not stop the loop). It completes only when the loop is updated again, so a caller that may outlive the loop
    /// (a menu awaiting it while the server shuts down) passes <paramref name="cancellationToken"/>. Synchronous work only:
    /// an <c>async</c> lambda would run on the ticking thread only up to its first <c>await</c>.
    /// </summary>
    /// <param name="action">The work.</param>
    /// <param name="cancellationToken">Cancels the wait; work that has not started by then is skipped.</param>
    /// <returns>A task that completes after the work ran; its continuation does not run on the ticking thread.</returns>
    public Task InvokeAsync(Action action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return InvokeAsync(
            () =>
            {
                action();
                return true;
            },
            cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="read"/> as <see cref="Post"/> does and completes with its result: reads the world from async
    /// code (<c>await loop.InvokeAsync(() => world.CountEntities(in ships))</c>). An exception faults the task and does not
    /// stop the loop. It completes only when the loop is updated again (see <paramref name="cancellationToken"/>).
    /// Synchronous work only: an <c>async</c> lambda would run on the ticking thread only up to its first <c>await</c>.
    /// </summary>
    /// <typeparam name="T">The result's type.</typeparam>
    /// <param name="read">The work.</param>
    /// <param name="cancellationToken">Cancels the wait; work that has not started by then is skipped.</param>
    /// <returns>A task with the result; its continuation does not run on the ticking thread.</returns>
    public Task<T> InvokeAsync<T>(Func<T> read, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (cancellationToken.IsCancellationRequested)
        {
            result.SetCanceled(cancellationToken);
            return result.Task;
        }

        var cancelled = cancellationToken.Register(() => result.TrySetCanceled(cancellationToken));
        posted.Enqueue(() =>
        {
            cancelled.Dispose();
            if (result.Task.IsCompleted)
            {
                return; // cancelled before it started
            }

            try
            {
                result.TrySetResult(read());
            }
            catch (Exception exception)
            {
                result.TrySetException(exception);
            }
        });
        return result.Task;
    }

    /// <summary>Runs the work posted since the last call (<see cref="Post"/>), then the ticks that are due (usually 0 or 1).</summary>
    /// <returns>The number of ticks run.</returns>
    public int Update()
    {
        if (!posted.IsEmpty)
        {
            RunPosted();
        }

        long now = time.GetTimestamp();
        accumulated += time.GetElapsedTime(lastTimestamp, now).Ticks;
        lastTimestamp = now;
        long due = accumulated / ticksPerTick;
        if (due > MaxCatchUpTicks)
        {
            SkippedTicks += due - MaxCatchUpTicks;
            accumulated -= (due - MaxCatchUpTicks) * ticksPerTick;
            due = MaxCatchUpTicks;
        }

        float dt = DeltaTime;
        for (int i = 0; i < due; i++)
        {
            foreach (var group in Volatile.Read(ref groups))
            {
                group.Tick(in dt);
            }

            accumulated -= ticksPerTick;
            Ticks++;
        }

        return (int)due;
    }

    private void RunPosted()
    {
        // Only what was posted before this call: work that posts more runs at the next one, so this returns.
        for (int count = posted.Count; count > 0 && posted.TryDequeue(out var action); count--)
        {
            action();
        }
    }

    /// <summary>
    /// Ticks until <paramref name="cancellation"/> is cancelled, waiting on the clock between ticks: the main
    /// loop of a dedicated server. A game with a render loop calls <see cref="Update"/> every frame instead.
    /// </summary>
    /// <param name="cancellation">Stops the loop.</param>
    /// <returns>A task that completes when cancelled.</returns>
    public Task RunAsync(CancellationToken cancellation) => RunAsync(until: null, cancellation);

    /// <summary>
    /// Ticks until <paramref name="until"/> completes (checked before every tick) or <paramref name="cancellation"/> is
    /// cancelled, waiting on the clock between ticks: the main loop of a game-server process, which runs until its
    /// <see cref="Sessions.GameServerHost.Completion"/> (<c>await loop.RunAsync(host.Completion)</c>; a
    /// <see cref="Sessions.GameServerHost.Drain"/> then ends it once the last session has ended).
    /// </summary>
    /// <param name="until">A task whose completion stops the loop (its outcome, even a fault, is not observed here); null runs until cancelled.</param>
    /// <param name="cancellation">Stops the loop.</param>
    /// <returns>A task that completes when <paramref name="until"/> has completed or the loop was cancelled.</returns>
    public async Task RunAsync(Task? until, CancellationToken cancellation = default)
    {
        while (!cancellation.IsCancellationRequested && until?.IsCompleted != true)
        {
            Update();
            var wait = TimeSpan.FromTicks(Math.Max(0, ticksPerTick - accumulated));
            try
            {
                await Task.Delay(wait, time, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

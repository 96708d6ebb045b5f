using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Tests.Sessions;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests;

/// <summary>The fixed-tick runner: ticks at the tick rate whatever the frame rate, catches up boundedly, and reports the fraction of a tick for rendering.</summary>
public class NetworkLoopTests
{
    [Fact]
    public void TicksEveryGroupInOrderAtTheTickRateWithAFixedDeltaTime()
    {
        var time = new FakeTimeProvider();
        var log = new List<(string Group, float Dt)>();
        var loop = new NetworkLoop(tickRate: 50, time).Add(
            new Group<float>("server", new Probe("server", log)),
            new Group<float>("client", new Probe("client", log)));

        Assert.Equal(0, loop.Update());
        time.Advance(TimeSpan.FromMilliseconds(10)); // half a tick
        Assert.Equal(0, loop.Update());
        Assert.Equal(0.5f, loop.Alpha, 3);
        time.Advance(TimeSpan.FromMilliseconds(15));
        Assert.Equal(1, loop.Update());
        Assert.Equal(0.25f, loop.Alpha, 3);
        for (int frame = 0; frame < 100; frame++) // 100 frames at 144 Hz: 0.694 s, 34 ticks and a bit
        {
            time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 144));
            loop.Update();
        }

        Assert.Equal(35, loop.Ticks);
        Assert.Equal(70, log.Count);
        Assert.All(log, entry => Assert.Equal(0.02f, entry.Dt));
        Assert.Equal(Enumerable.Range(0, 35).SelectMany(_ => new[] { "server", "client" }), log.Select(entry => entry.Group));
        Assert.Equal(0, loop.SkippedTicks);
    }

    [Fact]
    public void AfterAStallItCatchesUpAtMostMaxCatchUpTicksAndCountsTheRest()
    {
        var time = new FakeTimeProvider();
        var log = new List<(string Group, float Dt)>();
        var loop = new NetworkLoop(tickRate: 60, time, maxCatchUpTicks: 4).Add(new Group<float>("g", new Probe("g", log)));

        time.Advance(TimeSpan.FromMilliseconds(1000 + 8)); // a one-second hitch
        Assert.Equal(4, loop.Update());
        Assert.Equal(56, loop.SkippedTicks);
        Assert.InRange(loop.Alpha, 0.45f, 0.5f);
        time.Advance(TimeSpan.FromMilliseconds(17));
        Assert.Equal(1, loop.Update()); // back to real time, no backlog left
        Assert.Equal(5, log.Count);
    }

    [Fact]
    public void ARemovedGroupIsTickedNoMoreAndTheOthersGoOn()
    {
        var time = new FakeTimeProvider();
        var log = new List<(string Group, float Dt)>();
        var a = new Group<float>("a", new Probe("a", log));
        var b = new Group<float>("b", new Probe("b", log));
        var loop = new NetworkLoop(tickRate: 60, time).Add(a, b);
        time.Advance(TimeSpan.FromSeconds(1.0 / 60));
        loop.Update();
        Assert.True(loop.Remove(a));
        Assert.False(loop.Remove(a));
        time.Advance(TimeSpan.FromSeconds(1.0 / 60));
        loop.Update();
        Assert.Equal(["a", "b", "b"], log.Select(entry => entry.Group));
    }

    [Fact]
    public void AGroupRemovedDuringATickIsTickedNoMoreFromTheNextTick()
    {
        // A peer's game leaves its mesh from one of its own systems (or another thread removes it while RunAsync ticks):
        // before, removing from the list being walked threw "Collection was modified" out of Update, stopping every group.
        var time = new FakeTimeProvider();
        var log = new List<(string Group, float Dt)>();
        NetworkLoop? loop = null;
        Group<float>? a = null;
        a = new Group<float>("a", new Probe("a", log, _ => loop!.Remove(a!)));
        var b = new Group<float>("b", new Probe("b", log));
        loop = new NetworkLoop(tickRate: 60, time).Add(a, b);
        time.Advance(TimeSpan.FromSeconds(2.0 / 60));
        Assert.Equal(2, loop.Update());
        Assert.Equal(["a", "b", "b"], log.Select(entry => entry.Group));
    }

    [Fact]
    public async Task RunAsyncTicksOnTheClockUntilCancelled()
    {
        // On a fake clock moved a tick at a time, each time only once the loop waits on it (its delay armed), and cancelled
        // by the fifth tick itself. Before, it ran on the wall clock and then checked that nothing ticked the stopped loop
        // during 50 ms of it, which no loop could fail: here the clock the loop waits on moves on after the stop.
        var time = new TimerCountingClock(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var log = new List<(string Group, float Dt)>();
        using var cancellation = new CancellationTokenSource();
        var loop = new NetworkLoop(tickRate: 100, time).Add(new Group<float>("g", new Probe("g", log, afterTick: count =>
        {
            if (count == 5) cancellation.Cancel();
        })));
        var run = loop.RunAsync(cancellation.Token);
        for (int tick = 1; tick <= 5; tick++)
        {
            Assert.True(SpinWait.SpinUntil(() => time.ArmedTimers == 1, TimeSpan.FromSeconds(30)), $"the loop did not wait on its clock for tick {tick}");
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken); // a hang guard: it ends with the fifth tick
        Assert.Equal(5, loop.Ticks); // one per tick's worth of clock, none after the cancel
        Assert.Equal(0, time.ArmedTimers); // it left no wait behind that could tick it again
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(5, loop.Ticks);
        Assert.Equal(5, log.Count);
        Assert.All(log, entry => Assert.Equal(0.01f, entry.Dt));
    }

    [Fact]
    public async Task RunAsyncStopsWhenTheTaskItRunsUntilCompletes()
    {
        // Completed by the third tick itself: the loop checks the task before every tick, so no fourth tick runs.
        var log = new List<(string Group, float Dt)>();
        var done = new TaskCompletionSource();
        using var cap = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var loop = new NetworkLoop(tickRate: 100).Add(new Group<float>("g", new Probe("g", log, afterTick: count =>
        {
            if (count == 3) done.SetResult();
        })));
        await loop.RunAsync(done.Task, cap.Token);
        Assert.False(cap.IsCancellationRequested);
        Assert.InRange(loop.Ticks, 3, 3 + loop.MaxCatchUpTicks - 1); // one Update may run a few due ticks together
        Assert.Equal(loop.Ticks, log.Count);

        long before = loop.Ticks;
        await loop.RunAsync(done.Task, cap.Token); // already complete: not a single tick
        Assert.Equal(before, loop.Ticks);
    }

    [Fact]
    public async Task WorkPostedFromAnotherThreadRunsWhereTheLoopTicksBeforeTheNextTickInOrder()
    {
        var time = new FakeTimeProvider();
        var log = new List<(string Group, float Dt)>();
        var loop = new NetworkLoop(tickRate: 50, time).Add(new Group<float>("g", new Probe("g", log)));
        var ranOn = new List<int>();

        // Posted from another thread (a game's async flow): nothing runs until the loop updates.
        Task<int>? read = null;
        await Task.Run(() =>
        {
            loop.Post(() => { log.Add(("first", 0)); ranOn.Add(Environment.CurrentManagedThreadId); });
            loop.Post(() => { log.Add(("second", 0)); ranOn.Add(Environment.CurrentManagedThreadId); });
            read = loop.InvokeAsync(() => log.Count, TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken);
        Assert.Empty(log);
        Assert.False(read!.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(20));
        int tickingThread = Environment.CurrentManagedThreadId;
        Assert.Equal(1, loop.Update());

        Assert.Equal(["first", "second", "g"], log.Select(entry => entry.Group));
        Assert.All(ranOn, thread => Assert.Equal(tickingThread, thread));
        Assert.Equal(2, await read);   // read before the tick, after the two posted before it
    }

    [Fact]
    public async Task AnInvokeThatThrowsFaultsItsTaskAndTheLoopGoesOn()
    {
        var time = new FakeTimeProvider();
        var log = new List<(string Group, float Dt)>();
        var loop = new NetworkLoop(tickRate: 50, time).Add(new Group<float>("g", new Probe("g", log)));

        var failed = loop.InvokeAsync(() => throw new InvalidOperationException("no such ship"), TestContext.Current.CancellationToken);
        var after = loop.InvokeAsync(() => "ran", TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(1, loop.Update());

        Assert.Equal("no such ship", (await Assert.ThrowsAsync<InvalidOperationException>(() => failed)).Message);
        Assert.Equal("ran", await after);
        Assert.Single(log);
    }

    [Fact]
    public void WorkThatPostsMoreRunsItAtTheNextUpdateAndAPostThatThrowsLeavesUpdate()
    {
        var time = new FakeTimeProvider();
        var loop = new NetworkLoop(tickRate: 50, time);
        int runs = 0;
        void Again()
        {
            runs++;
            loop.Post(Again);   // would never return if it ran in the same update
        }

        loop.Post(Again);
        loop.Update();
        Assert.Equal(1, runs);
        loop.Update();
        Assert.Equal(2, runs);

        var loop2 = new NetworkLoop(tickRate: 50, time);
        loop2.Post(() => throw new InvalidOperationException("a bug in the game"));
        Assert.Throws<InvalidOperationException>(() => loop2.Update());
    }

    [Fact]
    public async Task AnInvokeCancelledBeforeTheLoopRanItIsCancelledAndItsWorkSkipped()
    {
        var time = new FakeTimeProvider();
        var loop = new NetworkLoop(tickRate: 50, time);
        int runs = 0;
        using var shutdown = new CancellationTokenSource();

        var waiting = loop.InvokeAsync(() => runs++, shutdown.Token);
        var read = loop.InvokeAsync(() => runs, shutdown.Token);
        await shutdown.CancelAsync(); // the loop stopped updating: the waits end instead of hanging
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);

        loop.Update();
        Assert.Equal(0, runs);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop.InvokeAsync(() => runs++, shutdown.Token));

        var ran = loop.InvokeAsync(() => runs++, CancellationToken.None);
        loop.Update();
        await ran;
        Assert.Equal(1, runs);
    }

    private sealed class Probe(string name, List<(string Group, float Dt)> log, Action<int>? afterTick = null) : ISystem<float>
    {
        public void Initialize()
        {
        }

        public void BeforeUpdate(in float state)
        {
        }

        public void Update(in float state)
        {
            log.Add((name, state));
            afterTick?.Invoke(log.Count);
        }

        public void AfterUpdate(in float state)
        {
        }

        public void Dispose()
        {
        }
    }
}

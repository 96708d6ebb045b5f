using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Security;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>At most N hashes run and M wait; the rest are refused at once as busy with a Retry-After.</summary>
public sealed class PasswordHashingGateTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Hashes_beyond_the_slots_and_the_queue_are_refused_at_once_with_a_retry_time()
    {
        var gate = new PasswordHashingGate(maxConcurrent: 1, maxQueued: 2);
        using var release = new ManualResetEventSlim();
        int running = 0, mostAtOnce = 0;
        int Hash()
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            release.Wait(Cancel);
            Interlocked.Decrement(ref running);
            return 1;
        }

        var admitted = Enumerable.Range(0, 3).Select(_ => Task.Run(() => gate.RunAsync(Hash, Cancel), Cancel)).ToList();
        while (gate.Admitted < 3)
        {
            await Task.Delay(1, Cancel);
        }
        var refused = await Assert.ThrowsAsync<OnlineException>(() => gate.RunAsync(Hash, Cancel));
        Assert.Equal(OnlineError.Unavailable, refused.Error);
        Assert.Equal(OnlineProblemTypes.Busy, refused.ProblemType);
        Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1));

        release.Set();
        int[] results = await Task.WhenAll(admitted);
        Assert.Equal(new[] { 1, 1, 1 }, results);
        Assert.Equal(1, mostAtOnce);
        Assert.Equal(0, gate.Admitted);
        Assert.Equal(1, await gate.RunAsync(() => 1, Cancel));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

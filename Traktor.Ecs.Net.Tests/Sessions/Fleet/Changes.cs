namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// Something a test waits on changes (a process printed a line, a stand-in server was called): every change wakes every
/// wait, which checks its condition again. A wait is woken by what it waits for, not by a poll interval.
/// </summary>
internal sealed class Changes
{
    private TaskCompletionSource next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Something changed: every wait checks its condition again.</summary>
    public void Note() => Interlocked.Exchange(ref next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// Completes true once <paramref name="condition"/> holds, checked at once and after every change; false when it still
    /// does not once <paramref name="over"/> holds (nothing more will change it) or <paramref name="hangGuard"/> passed.
    /// </summary>
    public async Task<bool> UntilAsync(Func<bool> condition, TimeSpan hangGuard, Func<bool>? over = null)
    {
        using var guard = new CancellationTokenSource(hangGuard);
        while (true)
        {
            var changed = Volatile.Read(ref next).Task; // taken before the check: a change during the check still wakes the wait
            if (condition())
            {
                return true;
            }

            if (over?.Invoke() == true)
            {
                return condition();
            }

            try
            {
                await changed.WaitAsync(guard.Token);
            }
            catch (OperationCanceledException) when (guard.IsCancellationRequested)
            {
                return condition();
            }
        }
    }
}

namespace Traktor.Ecs.Net;

/// <summary>
/// A facade nobody ticks: the calls that need the tick thread (connecting, starting to host) say so instead of waiting for
/// ever. A newcomer who leaves the facade out of the client's group, or never ticks that group, otherwise sees a join that
/// neither completes nor fails.
/// </summary>
public sealed partial class Multiplayer
{
    private volatile bool everTicked;

    /// <summary>
    /// Fails <paramref name="fail"/> with an <see cref="InvalidOperationException"/> that names the fix when the facade has
    /// not been ticked once within <see cref="MultiplayerOptions.JoinWait"/> of a call that waits for its tick
    /// (<paramref name="waiting"/>). A facade ticked before is never judged: a stalled loop is the game's to notice.
    /// </summary>
    private void FailUnlessTicked(Task waiting, Func<Exception, bool> fail)
    {
        if (everTicked)
        {
            return;
        }

        var timer = time.CreateTimer(_ =>
        {
            if (!everTicked)
            {
                fail(NotTicked());
            }
        }, null, options.JoinWait, Timeout.InfiniteTimeSpan);
        _ = waiting.ContinueWith(_ => timer.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private InvalidOperationException NotTicked() => new(
        $"The Multiplayer facade was not ticked within {options.JoinWait.TotalSeconds:0.###} s (MultiplayerOptions.JoinWait), and " +
        "connecting to a session or starting to host happens in its tick: add it to the client's system group after the " +
        "NetworkClient (new Group<float>(\"client\", network, multiplayer)) and keep ticking that group (NetworkLoop.RunAsync, " +
        "or loop.Update() every frame) while the call runs.");
}

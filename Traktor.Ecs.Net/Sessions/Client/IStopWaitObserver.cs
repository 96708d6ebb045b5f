namespace Traktor.Ecs.Net;

/// <summary>
/// Test hook: a directory that implements this hears when a migration's <see cref="StoppableDirectory.Stop"/> finds one of its
/// calls being handed to it and waits for that call to start (the stop cannot return before). A test holding such a call
/// then knows the stop is waiting for it, and releases it at that moment instead of after a guessed delay.
/// </summary>
internal interface IStopWaitObserver
{
    /// <summary>A stop waits for a call being handed to this directory (on the stopping thread, before it waits).</summary>
    void StopWaitsForCall();
}

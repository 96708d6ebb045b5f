namespace Traktor.Ecs.Net.Scripting.Runtime;

/// <summary>
/// A host call a script entry waits for. The tick thread polls <see cref="TryComplete"/>; the work
/// behind it (an HTTP request, a login) runs elsewhere and never touches the Lua state.
/// </summary>
internal abstract class PendingCall
{
    /// <summary>Whether the answer is there; on true, <paramref name="result"/> or <paramref name="error"/> is set.</summary>
    public abstract bool TryComplete(out ScriptValue result, out string? error);

    /// <summary>Gives up (the entry died, or the script was unloaded).</summary>
    public abstract void Cancel();

    /// <summary>A call whose answer is already known.</summary>
    public static PendingCall Completed(ScriptValue result) => new TaskCall(Task.FromResult(result), null, static e => e.Message);

    /// <summary>A call answered by a task; exceptions become messages through <paramref name="describe"/>.</summary>
    public static PendingCall FromTask(Task<ScriptValue> task, CancellationTokenSource? cancellation, Func<Exception, string> describe) =>
        new TaskCall(task, cancellation, describe);

    /// <summary>A call answered by polling on the tick thread (null while not answered yet).</summary>
    public static PendingCall Poll(Func<(ScriptValue Result, string? Error)?> poll, Action? cancel = null) => new PollCall(poll, cancel);

    private sealed class TaskCall(Task<ScriptValue> task, CancellationTokenSource? cancellation, Func<Exception, string> describe) : PendingCall
    {
        public override bool TryComplete(out ScriptValue result, out string? error)
        {
            result = default;
            error = null;
            if (!task.IsCompleted)
            {
                return false;
            }

            if (task.IsCompletedSuccessfully)
            {
                result = task.Result;
            }
            else
            {
                var exception = task.Exception?.InnerException ?? task.Exception ?? (Exception)new TaskCanceledException(task);
                error = describe(exception);
            }

            cancellation?.Dispose();
            return true;
        }

        public override void Cancel()
        {
            if (cancellation is null)
            {
                return;
            }

            try
            {
                cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already completed and disposed.
            }
        }
    }

    private sealed class PollCall(Func<(ScriptValue Result, string? Error)?> poll, Action? cancel) : PendingCall
    {
        public override bool TryComplete(out ScriptValue result, out string? error)
        {
            (ScriptValue Result, string? Error)? answer;
            try
            {
                answer = poll();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // A host call that fails while it is polled (joinSession given connect information it cannot use) fails the
                // script's call, as a failed task does; thrown on, it left the tick thread mid-tick.
                result = default;
                error = exception.Message;
                return true;
            }

            result = answer?.Result ?? default;
            error = answer?.Error;
            return answer is not null;
        }

        public override void Cancel() => cancel?.Invoke();
    }
}

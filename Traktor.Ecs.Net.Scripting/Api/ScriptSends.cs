namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary>
/// What a script's <c>multiplayer</c> still sends the session directory once nobody waits for it (a seat given back, a leave
/// under way, the leave of the session an unloaded script was in, a claim given back, a session a given-up
/// <c>createSession</c> made left again): each runs in the background within its own bound
/// (<see cref="LuaScriptOptions.CallTimeout"/>, 10 s for a claim's answer and 10 s for its give-back), and
/// <see cref="LuaScriptSystem.UnloadAsync"/> and <see cref="LuaScriptSystem.DisposeAsync"/> await them, so a game that unloads a
/// script and exits does not lose them (the directory would keep the seat until its idle sweep).
/// </summary>
/// <remarks>
/// Bounded whatever the script does: at most <see cref="Capacity"/> tasks are held, the completed ones drop out each time one is
/// added, and past the capacity a new send joins the newest slot (held until both are over). Any thread.
/// </remarks>
internal sealed class ScriptSends
{
    /// <summary>The most tasks held at once (a script's waiting entries are bounded too: this is rarely reached).</summary>
    public const int Capacity = 16;

    private readonly Lock _gate = new();
    private readonly List<Task> _pending = new(Capacity);

    /// <summary>Sends on their way now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                _pending.RemoveAll(static send => send.IsCompleted);
                return _pending.Count;
            }
        }
    }

    /// <summary>Keeps <paramref name="send"/> until it is over; its failure is for its own code to log (it is observed here, never thrown).</summary>
    public void Track(Task send)
    {
        if (send.IsCompleted)
        {
            _ = send.Exception; // observed: a failure was logged where it happened
            return;
        }

        var quiet = Quietly(send);
        lock (_gate)
        {
            _pending.RemoveAll(static pending => pending.IsCompleted);
            if (_pending.Count < Capacity)
            {
                _pending.Add(quiet);
            }
            else
            {
                _pending[^1] = Task.WhenAll(_pending[^1], quiet); // never faults: both parts never do
            }
        }
    }

    /// <summary>A task that completes once every send held now is over (never faults).</summary>
    public Task Pending()
    {
        lock (_gate)
        {
            _pending.RemoveAll(static send => send.IsCompleted);
            return _pending.Count == 0 ? Task.CompletedTask : Task.WhenAll(_pending.ToArray());
        }
    }

    private static async Task Quietly(Task send)
    {
        try
        {
            await send.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Logged by the send itself (SeatGiveBack, the leave's own continuation): only its end matters here.
        }
    }
}

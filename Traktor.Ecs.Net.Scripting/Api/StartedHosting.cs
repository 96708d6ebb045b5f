using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary>
/// The hosting a <see cref="ScriptServices.StartHosting"/> call starts, decided once: either attached (the scripts serve it:
/// the game's from then on, and its token is never cancelled) or given up (the token is cancelled, once: the game stops what
/// the call started), never both. Two callers: <c>createSession(.., "player")</c> attaches when the script gets the session,
/// and gives up when the call ends first (<see cref="LuaScriptOptions.CallTimeout"/>, an unload) or fails; a host migration's
/// takeover attaches when it completes, and gives up when the migration stops (an unload, a disposed system, a leave) or the
/// takeover is refused after the hook (it failed, or the game's host received first).
/// </summary>
/// <remarks>
/// Any thread: a stop may come from another thread while the tick thread attaches; whichever comes first decides. Once it
/// decided, the token's source is disposed (the token still says whether it was cancelled and takes registrations, which
/// run at once when it was; only its <see cref="CancellationToken.WaitHandle"/> is gone).
/// </remarks>
internal sealed class StartedHosting
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _givenUp = new();
    private readonly CancellationTokenRegistration _stopped;
    private bool _attached;
    private bool _abandoned;

    private readonly ILogger _logger;

    /// <summary>
    /// Gives the hosting up when <paramref name="caller"/> is cancelled (the call ended, the migration stopped) before it attached.
    /// </summary>
    public StartedHosting(CancellationToken caller, ILogger logger)
    {
        _logger = logger;
        Token = _givenUp.Token; // read before a stop can dispose the source (a caller stopped already gives up right here)
        _stopped = caller.Register(static state => ((StartedHosting)state!).GiveUp(), this);
    }

    /// <summary>The token the game's hook gets: cancelled once the hosting was given up, also after the hook's task completed.</summary>
    public CancellationToken Token { get; }

    /// <summary>
    /// Tick thread: the hosting attaches now (the script has the session, the takeover completed), unless it was given up
    /// already (then false, and nothing may change).
    /// </summary>
    public bool TryAttach()
    {
        lock (_gate)
        {
            if (_abandoned)
            {
                return false;
            }

            _attached = true;
        }

        _stopped.Dispose(); // the hosting is the game's: a later stop of the caller no longer concerns it
        _givenUp.Dispose(); // never cancelled from here on (a later GiveUp returns at once)
        return true;
    }

    /// <summary>
    /// Gives the hosting up unless it attached: the token is cancelled, and the game's callbacks on it run, before this returns.
    /// </summary>
    public void GiveUp()
    {
        lock (_gate)
        {
            if (_attached || _abandoned)
            {
                return;
            }

            _abandoned = true;
        }

        try
        {
            _givenUp.Cancel(); // outside the lock: the game's callbacks run here
        }
        catch (AggregateException exception)
        {
            // A game's callback threw: the hosting is given up all the same, and the stop that gave it up (an unload) goes on.
            _logger.LogWarning(exception, "A callback on ScriptServices.StartHosting's token threw while the scripts gave a hosting up (a takeover's, or createSession's).");
        }
        finally
        {
            // Decided: nothing cancels it again. Unregister, not Dispose: this may run inside that very registration's callback.
            _stopped.Unregister();
            _givenUp.Dispose();
        }
    }

}

using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary>
/// Why the script's session ended: <c>Script:onSessionEnded(session, reason, disconnect)</c> hears the directory's
/// <see cref="SessionEndReason"/>, found by the same rule as <see cref="Multiplayer.SessionEnded"/>
/// (<see cref="SessionEndLookup"/>), so a Lua game and a C# game show their players the same reason; <c>disconnect</c> is
/// how the connection ended (<see cref="DisconnectReason"/>'s name).
/// </summary>
internal sealed partial class ScriptMigration
{
    /// <summary>
    /// The end being explained (its reason asked of the directory), or null; cancelled when the script plays on. Never
    /// disposed: it is linked to no other token and has no timer, and the tick thread may cancel it as the lookup finishes.
    /// </summary>
    private CancellationTokenSource? _explaining;

    private int _endQuestionsOver;

    /// <summary>
    /// How many questions about an end are over (answered, or stopped because the script played on): the questions run off the
    /// tick thread, so a check that an end the script moved past raises nothing awaits this, not a guessed number of ticks.
    /// </summary>
    internal int EndQuestionsOver => Volatile.Read(ref _endQuestionsOver);

    /// <summary>The newest question about an end (completed when it is over), for a check to await rather than poll.</summary>
    internal Task EndQuestion { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// Tick thread: the directory ended <paramref name="ended"/>, which the script's player hosts: the script is in no
    /// session (<see cref="SessionOver"/>), and <c>onSessionEnded</c> follows with the directory's reason.
    /// </summary>
    public void HostedSessionOver(SessionInfo ended)
    {
        SessionOver?.Invoke();
        ExplainEnd(ended, DisconnectReason.SessionEnded, seatReturn: null);
    }

    /// <summary>Tick thread: asks the directory why <paramref name="lost"/> ended, then raises <c>onSessionEnded</c> on a later tick.</summary>
    private void ExplainEnd(SessionInfo lost, DisconnectReason? disconnect, Task<bool>? seatReturn)
    {
        StopExplaining();
        string how = (disconnect ?? DisconnectReason.Unspecified).ToString();
        if (services.Sessions is not { } directory)
        {
            _events.Enqueue(("onSessionEnded", [MultiplayerApi.Describe(lost), nameof(SessionEndReason.Ended), how]));
            return;
        }

        var explaining = new CancellationTokenSource();
        _explaining = explaining;
        EndQuestion = ExplainEndAsync(directory, lost, how, seatReturn, explaining);
    }

    private async Task ExplainEndAsync(ISessions directory, SessionInfo lost, string disconnect, Task<bool>? seatReturn, CancellationTokenSource explaining)
    {
        try
        {
            var reason = await SessionEndLookup.RunAsync(directory, lost, (long)identity.PlayerId, seatReturn, options.EndReasonWait, PollInterval,
                services.Time, logger, explaining.Token).ConfigureAwait(false);
            logger.LogInformation("Session {Session} ended under the script's player ({Disconnect}): {Reason}.", lost.Id, disconnect, reason);
            _onTick.Enqueue(() =>
            {
                if (!ReferenceEquals(_explaining, explaining))
                {
                    return; // the script played on (joined, created, left) or was unloaded meanwhile: the end is not its news any more
                }

                _explaining = null;
                _events.Enqueue(("onSessionEnded", [MultiplayerApi.Describe(lost), reason.ToString(), disconnect]));
            });
        }
        catch (OperationCanceledException) when (explaining.IsCancellationRequested)
        {
            logger.LogInformation("Stopped asking why session {Session} ended: the script's player played on or was unloaded.", lost.Id);
        }
        finally
        {
            Interlocked.Increment(ref _endQuestionsOver);
        }
    }

    /// <summary>Tick thread: the script plays on or is unloaded; an end still being explained raises nothing.</summary>
    private void StopExplaining()
    {
        if (_explaining is { } explaining)
        {
            _explaining = null;
            explaining.Cancel();
        }
    }
}

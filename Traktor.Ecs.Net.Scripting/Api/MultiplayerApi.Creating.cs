using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting.Runtime;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Scripting.Api;

// createSession: a session the directory places on a game server, or one this player hosts.
internal sealed partial class MultiplayerApi
{
    private int CreateSession(LuaCall call)
    {
        string name = call.String(1);
        int maxPlayers = (int)call.Integer(2, 1, SessionLimits.MaxPlayers);
        string host = call.OptionalString(3) ?? (services.StartHosting is null ? "server" : "player");
        var wanted = new SessionOptions(name, maxPlayers);
        if (host == "server")
        {
            var cancellation = new CancellationTokenSource(options.CallTimeout, services.Time);
            var created = Sessions.CreateSessionAsync(wanted, cancellation.Token);
            return call.Wait(PendingCall.FromTask(created.ContinueWith(task => (ScriptValue)Describe(task.GetAwaiter().GetResult()), TaskScheduler.Default),
                cancellation, e => $"{call.Function}: {e.Message}"));
        }

        if (host != "player")
        {
            throw call.Bad(3, "\"player\" or \"server\"");
        }

        var hook = services.StartHosting ?? throw new ScriptCallException($"{call.Function}: this game cannot host sessions (ScriptServices.StartHosting is not set)");
        var directory = Sessions is IPlayerHostedSessions ? Sessions : throw new ScriptCallException($"{call.Function}: the session directory does not offer player-hosted sessions");
        if (_session is not null)
        {
            throw new ScriptCallException($"{call.Function}: already in session {_session}; call multiplayer:leaveSession() first");
        }

        Migration.DropEndedWorld(); // the last session's end screen goes: the script hosts a new one
        // The NetworkHost the game starts gets the session's relay, as a Multiplayer's host does (joins and leaves, owners).
        var start = network.Hosting.Wrap(hook);

        // The host takes the session's first seat: from now on the script is in it, and leaveSession() ends it for everyone.
        // On services.Time, as the other calls' timeouts are (a test's fake clock decides when it runs out).
        var callCancellation = new CancellationTokenSource(options.CallTimeout, services.Time);
        // The game's hook gets a token decided once: cancelled when the call ends (CallTimeout, an unload) or fails before
        // the script has the session, never once it has it. Not the call's own token: CallTimeout could still cancel that
        // after the session was made, until the tick that hands it to the script disposes it (and a timer firing during
        // that dispose cancels all the same), and the script would host a session the game had been told to stop.
        var hosting = new StartedHosting(callCancellation.Token, logger);
        long player = (long)identity.PlayerId;
        // As Multiplayer.CreateSessionAsync(options, SessionHostKind.Player) does: a start that fails leaves the session again.
        var seatReturn = _seatReturn;
        var hosted = Task.Run(async () =>
        {
            await seatReturn.WaitAsync(callCancellation.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return (await directory.CreateSessionAsync(wanted, player, (grant, _) => start(grant, hosting.Token), services.Time,
                callCancellation.Token).ConfigureAwait(false)).Session;
        }, callCancellation.Token);
        return call.Wait(PendingCall.Poll(() =>
        {
            if (!hosted.IsCompleted)
            {
                return null;
            }

            callCancellation.Dispose();
            if (!hosted.IsCompletedSuccessfully)
            {
                hosting.GiveUp(); // the session was left again: what the hook started stops
                return (ScriptValue.Nil, $"{call.Function}: {hosted.Exception?.InnerException?.Message ?? "the session directory did not answer"}");
            }

            if (!hosting.TryAttach())
            {
                // CallTimeout ended the call after the session was made, before this tick: the game was told to stop hosting
                // it, so nobody serves it; the host leaves it, which ends it, and the script hears the timeout.
                _ = GiveSeatBackAsync(hosted.Result.Id, player); // kept in Sends
                return (ScriptValue.Nil, $"{call.Function}: the call timed out ({options.CallTimeout.TotalSeconds:0.###} s) as the session was made; it was left again");
            }

            _session = hosted.Result.Id;
            _hosting = hosted.Result.Id;
            return (Describe(hosted.Result), null);
        }, () =>
        {
            // Given up (the script unloaded, its entry stopped): the token gives the hosting up, and a session the directory
            // made before the cancel reached it is left, as nobody will serve it.
            try
            {
                callCancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Answered already.
            }

            Sends.Track(LeaveIfMadeAsync(hosted, player));
        }));
    }

    private async Task LeaveIfMadeAsync(Task<SessionInfo> hosted, long player)
    {
        try
        {
            await GiveSeatBackAsync((await hosted.ConfigureAwait(false)).Id, player).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Failed or cancelled: PlayerHosting left the session again, or none was made.
        }
    }
}

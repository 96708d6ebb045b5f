using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting.Runtime;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Scripting.Api;

// joinSession: a seat from the directory, then the world's client connected with its token.
internal sealed partial class MultiplayerApi
{
    private int JoinSession(LuaCall call)
    {
        if (!SessionId.TryParse(call.String(1), out var id))
        {
            throw new ScriptCallException($"bad argument #1 to '{call.Function}' (not a session id)");
        }

        if (_session is not null)
        {
            throw new ScriptCallException($"{call.Function}: already in session {_session}; call multiplayer:leaveSession() first");
        }

        var client = network.Client;
        if (client is not null && client.Transport.State != ClientState.Disconnected)
        {
            throw new ScriptCallException($"{call.Function}: the client is already connected");
        }

        // The directory call runs elsewhere; connecting happens on the tick thread, where this poll runs. On services.Time, as
        // the connect wait below and the other calls' timeouts are: on the wall clock, a test's fake clock would never end
        // the directory part and a real one would end it whatever the game's clock said.
        var cancellation = new CancellationTokenSource(options.CallTimeout, services.Time);
        // Waits while the directory answers Unavailable with a RetryAfter (a player host that has not published its address
        // yet), until the call timeout ends the wait with that answer.
        var sessions = Sessions;
        var joining = AfterSeatReturnAsync(_seatReturn,
            token => sessions.JoinWhenReachableAsync(id, (long)identity.PlayerId, identity.PlayerName, services.Time, token), cancellation.Token);
        long started = services.Time.GetTimestamp();
        SessionInfo? joined = null;
        SessionConnector? connector = null;
        return call.Wait(PendingCall.Poll(() =>
        {
            if (joined is null)
            {
                if (!joining.IsCompleted)
                {
                    return null;
                }

                cancellation.Dispose();
                if (!joining.IsCompletedSuccessfully)
                {
                    return (ScriptValue.Nil, $"{call.Function}: {joining.Exception?.InnerException?.Message ?? "the session directory did not answer"}");
                }

                var join = joining.Result;
                if (!join.Succeeded)
                {
                    return (ScriptValue.Nil, $"{call.Function}: {join.Status}");
                }

                _session = id;
                joined = join.Session!;
                if (client is null)
                {
                    return (Describe(joined), null);
                }

                // A player host behind a NAT is introduced first (punched, or relayed), as Multiplayer.JoinSessionAsync does.
                Migration.BeforeConnect(client);
                connector = SessionConnector.Start(client.Transport, join.ConnectInfo!, services.Traversal, options.CallTimeout, services.Time);
            }

            bool late = services.Time.GetElapsedTime(started) > options.CallTimeout;
            return connector!.Update() switch
            {
                SessionConnectorState.Connected => Connected(joined),
                SessionConnectorState.Disconnected => NotConnected(id, joined, client!, $"{call.Function}: could not connect to the session's server"),
                SessionConnectorState.NotIntroduced => NotConnected(id, joined, client!, NotIntroduced(call)),
                SessionConnectorState.Introducing when late => NotConnected(id, joined, client!, NotIntroduced(call)),
                _ when late => NotConnected(id, joined, client!, $"{call.Function}: the session's server did not answer within {options.CallTimeout.TotalSeconds:0.###} s"),
                _ => null,
            };
        }, () =>
        {
            // Given up (the script unloaded, its entry stopped). The seat the directory gave is given back, as
            // Multiplayer.JoinSessionAsync does when cancelled; otherwise it stays taken until the directory finds it idle.
            long player = (long)identity.PlayerId;
            if (joined is null)
            {
                // The directory may have seated the player before the cancel reached it (a join that waits for a player
                // host's address takes the seat with its first ask; an answer lost on the way): given back once it is over.
                cancellation.Cancel();
                Sends.Track(GiveSeatBackAfterAsync(joining, id, player));
                return;
            }

            // While connecting: the directory call is over and its token source disposed (cancelling it threw
            // ObjectDisposedException out of the script's unload, before its Lua state was closed). The attempt stops.
            if (_session == id)
            {
                _session = null;
            }

            client!.Transport.Disconnect();
            _ = GiveSeatBackAsync(id, player); // kept in Sends
        }));
    }

    private async Task GiveSeatBackAfterAsync(Task<SessionJoinResult> joining, SessionId id, long player)
    {
        try
        {
            if (!(await joining.ConfigureAwait(false)).Succeeded)
            {
                return; // refused: no seat
            }
        }
        catch (Exception)
        {
            // Cancelled or failed on the way: whether the directory seated the player is unknown; a leave settles it.
        }

        await GiveSeatBackAsync(id, player).ConfigureAwait(false);
    }

    private (ScriptValue, string?) Connected(SessionInfo joined)
    {
        Migration.Watch(joined); // a player host's loss migrates the script's player to its successor
        return (Describe(joined), null);
    }

    private string NotIntroduced(LuaCall call) =>
        $"{call.Function}: the session's host could not be reached through the introducer within {options.CallTimeout.TotalSeconds:0.###} s";

    /// <summary>
    /// Tick thread: the directory seated the player in <paramref name="id"/> but the connection failed (refused, never
    /// answered, never introduced). The script is in no session (a later <c>joinSession</c> may join again), nothing of the
    /// attempt goes on, and that seat goes back (a join or create waits for it). With <c>_session</c> left set, the
    /// script's next join would fail as "already in session", and the directory would keep the seat until its idle sweep.
    /// </summary>
    private (ScriptValue, string?) NotConnected(SessionId id, SessionInfo joined, NetworkClient client, string message)
    {
        if (_session == id)
        {
            _session = null;
        }

        if (client.Transport.State != ClientState.Disconnected)
        {
            client.Transport.Disconnect();
        }

        long player = (long)identity.PlayerId;
        var seat = GiveSeatBackAsync(id, player, SeatGiveBack.GrantOf(joined, player));
        _seatReturn = _seatReturn.IsCompleted ? seat : Task.WhenAll(_seatReturn, seat);
        return (ScriptValue.Nil, message);
    }
}

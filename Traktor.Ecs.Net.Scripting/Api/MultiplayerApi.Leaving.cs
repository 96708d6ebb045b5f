using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting.Runtime;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Scripting.Api;

// leaveSession, the script's unload and the end of a session this player hosts.
internal sealed partial class MultiplayerApi
{
    /// <summary>
    /// The script is unloaded (or its system disposed): a migration going on stops (<see cref="ScriptMigration.Abandon"/>), and
    /// what it still sends the directory (a claim given back) is kept with the other sends. The session itself is left once
    /// the script's Lua state is closed (<see cref="LeaveUnloaded"/>).
    /// </summary>
    public void Abandon()
    {
        Migration.Abandon();
        Sends.Track(Migration.GivingBack);
    }

    /// <summary>
    /// Tick thread, once the unloaded script's Lua state is closed (<see cref="Abandon"/> before, its waiting calls given up
    /// since): a session the script is still in is left as its own <c>leaveSession()</c> would leave it, so the directory
    /// has the seat back, and a session its player hosts ends for everyone, as a disposed <see cref="Multiplayer"/> ends the
    /// one it hosts. Ended, not handed over: a host migration is for a host that is lost, not one whose game let it go. The
    /// connection closes; the world stays as it is (the game's): what the session replicated is kept as its end screen,
    /// until a script plays again. The leave goes on in the background (after a stopped migration's claim is given back),
    /// within <see cref="LuaScriptOptions.CallTimeout"/>, kept in <see cref="Sends"/> for
    /// <see cref="LuaScriptSystem.UnloadAsync"/> to await.
    /// </summary>
    public void LeaveUnloaded()
    {
        if (_session is not { } id)
        {
            return; // in none, or its waiting join or create gave the seat back as it was given up
        }

        bool hosted = LeaveHere(id);
        if (!hosted && network.Client is { KeepEntitiesOnDisconnect: true } client)
        {
            network.EndScreen.KeepReplica(client); // detached: a later session's snapshots never update them
        }

        logger.LogInformation("The unloaded script's player leaves session {Session}{Hosted}.", id, hosted ? ", which it hosted: the session ends" : "");
        // Off the tick thread: the unload never waits for the directory call itself to be sent (a custom directory may block).
        var (sessions, givingBack) = (Sessions, Migration.GivingBack);
        var leave = Task.Run(() => SendLeaveAsync(sessions, givingBack, id));
        LogIfLeaveFails(leave, id);
        Sends.Track(leave);
    }

    /// <summary>
    /// Out of session <paramref name="id"/> on this side at once: a session this script's player hosts ends (its players get
    /// the final world while the host ticks on, and <c>isEnded()</c> is true over the host's world, as a hosting
    /// <see cref="Multiplayer"/>'s leave leaves it), and the connection closes (a joiner's host hears it left, no reconnect
    /// grace). The directory is told by the caller. True when the player hosted the session.
    /// </summary>
    private bool LeaveHere(SessionId id)
    {
        _session = null;
        bool hosted = network.Hosting.End(id) | _hosting == id;
        _hosting = null;
        if (hosted)
        {
            network.EndScreen.KeepHosted(network.World);
        }

        if (network.Client is { } client && client.Transport.State != ClientState.Disconnected)
        {
            client.Transport.Disconnect();
        }

        return hosted;
    }

    /// <summary>Logs <paramref name="leave"/>'s failure, once nobody waits for it: the directory frees the seat once idle.</summary>
    private void LogIfLeaveFails(Task leave, SessionId id) =>
        _ = leave.ContinueWith(sent => logger.LogWarning(sent.Exception, "The leave of session {Session} failed; the directory frees the seat once idle.", id),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    /// <summary>
    /// The directory ended <paramref name="ended"/>, which this script's player hosts (its heartbeat heard it; the relay
    /// delivers the final world to the players): the script is in no session any more, <c>isEnded()</c> is true over the
    /// host's world (its end screen, as after its own <c>leaveSession()</c>), and <c>onSessionEnded</c> hears the directory's
    /// reason, as a hosting <see cref="Multiplayer"/> raises <see cref="Multiplayer.SessionEnded"/>. Another script's session:
    /// nothing. Tick thread.
    /// </summary>
    public void HostedSessionEnded(SessionInfo ended)
    {
        if (_session != ended.Id)
        {
            return;
        }

        network.EndScreen.KeepHosted(network.World);
        Migration.HostedSessionOver(ended); // SessionOver clears _session and _hosting
    }

    private int LeaveSession(LuaCall call)
    {
        if (_session is not { } id)
        {
            Migration.DropEndedWorld(); // a leave after the end: the ended session's world goes
            return call.Wait(PendingCall.Completed(false));
        }

        Migration.Stop(); // a migration going on ends with the session
        // A host's leave ends the session: its players get the final world, then the notice; isEnded() is true until the
        // script plays again, so a Lua host's rules stand still over the world it ended.
        LeaveHere(id);

        // Sent whatever the call does: an unload only stops the waiting (cancellation), the leave goes on within CallTimeout.
        // Were the leave itself cancelled by the unload (or never sent, still waiting for the give-back below), the script
        // would be out of the session with its seat still taken.
        var leave = SendLeaveAsync(Sessions, Migration.GivingBack, id);
        Sends.Track(leave); // an unload while it is on its way awaits it (UnloadAsync)
        var cancellation = new CancellationTokenSource();
        return call.Wait(PendingCall.FromTask(LeaveAsync(leave, id, cancellation.Token), cancellation, e => $"{call.Function}: {e.Message}"));
    }

    /// <summary>Waits for <paramref name="leave"/> until the call is given up; a leave given up on fails in the log, not the script.</summary>
    private async Task<ScriptValue> LeaveAsync(Task leave, SessionId id, CancellationToken cancellationToken)
    {
        try
        {
            await leave.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogIfLeaveFails(leave, id);
            throw;
        }

        // True once the directory has the seat back, whatever it answered: false there means the game server reported the
        // departure first (it saw the disconnect) or the seat was already released; the script was in a session either way.
        return true;
    }

    /// <summary>
    /// Leaves once the migration just stopped gave back the session its claim may have won (bounded by the claim's wait and
    /// the give-back's, 10 s each): a leave racing the give-back could reach the directory while it still names this player
    /// host, and end the session for everyone. The leave itself has <see cref="LuaScriptOptions.CallTimeout"/>.
    /// </summary>
    private async Task SendLeaveAsync(ISessions sessions, Task givingBack, SessionId id)
    {
        await givingBack.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        using var bounded = new CancellationTokenSource(options.CallTimeout, services.Time);
        await sessions.LeaveSessionAsync(id, (long)identity.PlayerId, bounded.Token).ConfigureAwait(false);
    }
}

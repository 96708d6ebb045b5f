using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Scripting.Runtime;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary>
/// <c>multiplayer</c>: sessions through <see cref="ISessions"/> (joining also connects the world's
/// <see cref="NetworkClient"/> with the session's connect token and waits until it is connected), script
/// RPCs through <see cref="ScriptRpcMap"/>, link statistics from <see cref="NetStats"/>, and a host migration when the
/// player hosting a session the script joined is lost (<see cref="ScriptMigration"/>).
/// </summary>
internal sealed class MultiplayerApi
{
    private readonly ScriptServices services;
    private readonly LuaScriptOptions options;
    private readonly ScriptIdentity identity;
    private readonly ScriptNetwork network;
    private readonly ILogger logger;
    private SessionId? _session;
    // The session this script's player hosts since its createSession(.., "player"): its leave ends it, and the world the
    // host served is its end screen (a takeover's session is known by the relay the takeover attached).
    private SessionId? _hosting;
    // The give-back of the seat a connection's end left behind (ScriptMigration.GiveSeatBack): a join or a player-hosted create waits for
    // it, so it never reaches the directory after the seat they take (a rejoin of the same session was AlreadyMember, and
    // the late give-back freed it).
    private Task _seatReturn = Task.CompletedTask;
    private double _rpcTokens;
    private long _rpcRefilled;

    public MultiplayerApi(ScriptServices services, LuaScriptOptions options, ScriptIdentity identity, ScriptNetwork network, ILogger logger)
    {
        this.services = services;
        this.options = options;
        this.identity = identity;
        this.network = network;
        this.logger = logger;
        _rpcTokens = options.RpcBurst;
        _rpcRefilled = services.Time.GetTimestamp();
        Migration = new ScriptMigration(services, options, identity, network, logger);
        Migration.SessionOver += () => (_session, _hosting) = (null, null); // no new host, or cut: the script is in no session, and may join another
        // Given back at once: otherwise the seat stays taken until the game server's reconnect grace expires (or the
        // directory's sweep), and a joinSession or createSession meanwhile is refused or makes the player a member of a
        // session it is not in.
        Migration.GiveSeatBack = lost =>
        {
            var seat = GiveSeatBackAsync(lost.Id, (long)identity.PlayerId, SeatGiveBack.GrantOf(lost, (long)identity.PlayerId));
            _seatReturn = seat;
            return seat;
        };
    }

    /// <summary>The host migration of the session the script joined (ticked by <see cref="LuaScriptSystem"/>).</summary>
    public ScriptMigration Migration { get; }

    /// <summary>What the script still sends the directory with nobody waiting for it (<see cref="LuaScriptSystem.UnloadAsync"/> awaits it).</summary>
    public ScriptSends Sends { get; } = new();

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

    public IEnumerable<KeyValuePair<string, ScriptPrimitive>> Primitives()
    {
        yield return new("createSession", CreateSession);
        yield return new("joinSession", JoinSession);
        yield return new("leaveSession", LeaveSession);
        yield return new("rpc", Rpc);
        yield return new("getStats", GetStats);
        yield return new("isMigrating", call => call.Return(Migration.IsMigrating));
        // Multiplayer.IsEnded's counterpart: the world shows a session that ended under the player (its end screen) until it plays again.
        yield return new("isEnded", call => call.Return(network.EndScreen.Showing));
    }

    private ISessions Sessions => services.Sessions ?? throw new ScriptCallException("multiplayer has no session directory on this host");

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

    /// <summary>Gives the seat back within <see cref="LuaScriptOptions.CallTimeout"/> (never faults), kept in <see cref="Sends"/> until it is over.</summary>
    private Task<bool> GiveSeatBackAsync(SessionId id, long player, DateTimeOffset? seatGrantedAt = null)
    {
        var seat = SeatGiveBack.RunAsync(Sessions, id, player, options.CallTimeout, services.Time, logger, seatGrantedAt);
        Sends.Track(seat);
        return seat;
    }

    /// <summary>Runs <paramref name="call"/> once <paramref name="seatReturn"/> (never faulted, bounded by its own wait) is over.</summary>
    private static async Task<T> AfterSeatReturnAsync<T>(Task seatReturn, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        await seatReturn.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        return await call(cancellationToken).ConfigureAwait(false);
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

    private int Rpc(LuaCall call)
    {
        string name = call.String(1);
        var map = services.Rpcs ?? throw new ScriptCallException($"{call.Function}: no script RPCs are mapped on this host");
        if (!map.TryGet(name, out var binding))
        {
            throw new ScriptCallException($"{call.Function}: '{name}' is not a mapped script RPC (mapped: {string.Join(", ", map.Names)})");
        }

        var parameters = call.Value(2);
        if (parameters.Kind is not (ScriptValueKind.Table or ScriptValueKind.Nil))
        {
            throw call.Bad(2, "table");
        }

        // A client's RPC leaves at the end of the tick only while connected; otherwise it would be dropped with nothing said
        // to the script (a greeting in the first update() would never arrive). Say it at the caller's line instead.
        if (network.Client is { } client && client.Transport.State != ClientState.Connected && network.RpcTarget == RpcTarget.Server)
        {
            throw new ScriptCallException($"{call.Function}: not connected to a server ({client.Transport.State}); nothing was sent: send once connected (after multiplayer:joinSession returns)");
        }

        TakeRpcToken(call);
        try
        {
            binding.Send(network.World, parameters.AsTable ?? new ScriptTable(), network.RpcTarget);
        }
        catch (ScriptCallException)
        {
            // A table the struct cannot hold sends nothing and costs nothing.
            _rpcTokens++;
            throw;
        }

        return call.Return(true);
    }

    // The script's send budget: a bucket of RpcBurst tokens refilled at RpcsPerSecond.
    private void TakeRpcToken(LuaCall call)
    {
        long now = services.Time.GetTimestamp();
        _rpcTokens = Math.Min(options.RpcBurst, _rpcTokens + (services.Time.GetElapsedTime(_rpcRefilled, now).TotalSeconds * options.RpcsPerSecond));
        _rpcRefilled = now;
        if (_rpcTokens < 1)
        {
            throw new ScriptCallException($"limit: {call.Function}: this script sends more than {options.RpcsPerSecond:0.###} RPCs per second (RpcsPerSecond, RpcBurst {options.RpcBurst}); nothing was sent");
        }

        _rpcTokens--;
    }

    private int GetStats(LuaCall call)
    {
        var (stats, connections) = network.Stats() ?? throw new ScriptCallException($"{call.Function}: there is no NetworkClient or NetworkServer in this world");
        return call.Return(new ScriptTable()
            .With("ping", stats.RoundTripTimeMs)
            .With("packetLoss", stats.PacketLossPercent)
            .With("bandwidth", stats.KilobytesInPerSecond + stats.KilobytesOutPerSecond)
            .With("bandwidthIn", stats.KilobytesInPerSecond)
            .With("bandwidthOut", stats.KilobytesOutPerSecond)
            .With("jitter", stats.JitterMs)
            .With("packetsSent", stats.PacketsSent)
            .With("packetsReceived", stats.PacketsReceived)
            .With("connections", (long)connections));
    }

    internal static ScriptTable Describe(SessionInfo session)
    {
        var players = new ScriptTable();
        foreach (var member in session.Members)
        {
            players.Add(member.UserId);
        }

        return new ScriptTable()
            .With("id", session.Id.ToString())
            .With("name", session.Name)
            .With("maxPlayers", (long)session.MaxPlayers)
            .With("playerCount", (long)session.PlayerCount)
            .With("host", session.HostKind == SessionHostKind.Player ? "player" : "server")
            .With("hostId", session.HostUserId is { } hostId ? (ScriptValue)hostId : ScriptValue.Nil)
            .With("players", players);
    }
}

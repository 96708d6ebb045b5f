using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Scripting.Api;

/// <summary>
/// The session side of the listen server a Lua game's own <see cref="ScriptServices.StartHosting"/> starts, with the same
/// <see cref="PlayerHostRelay"/> as the host a C# <see cref="Multiplayer"/> starts: <c>Script:onPlayerJoined</c> and
/// <c>Script:onPlayerLeft</c> (the <see cref="PlayerJoined"/> and <see cref="PlayerLeft"/> RPCs, when mapped) for the
/// scripts and every player, admission of this session's tickets only, the owners every player gets for a host migration,
/// after a takeover the players' entities handed back, and once the session ended each player the host lets go
/// (<see cref="NetworkServer.PlayerReleasedAfterEnd"/>, for <c>Script:onPlayerReleasedAfterEnd</c>). It attaches to the <see cref="NetworkHost"/> the hook put in the
/// scripts' world before that host first receives, so the game must tick the host after the <see cref="LuaScriptSystem"/>
/// (<see cref="LuaHostingOrderException"/> otherwise); it lets go when the game disposes the host. The
/// <see cref="PlayerSessionHost"/> the hook's task returns feeds the relay the departures its heartbeats hear of
/// (<see cref="PlayerSessionHost.MemberLeft"/>: a player that left through the directory, from another device, is disconnected
/// and announced gone), as <see cref="HostedSession"/> does for a <see cref="Multiplayer"/>'s host.
/// </summary>
/// <remarks>Everything but <see cref="Wrap"/>'s hook runs on the tick thread.</remarks>
internal sealed class ScriptHosting(ScriptNetwork network, TimeProvider time, ILogger logger)
{
    private volatile Expected? _expected;
    private Expected? _feeding;
    private PlayerSessionHost? _entry;
    private Action<SessionDeparture>? _departures;
    private readonly List<PlayerReleasedAfterEndEvent> _released = new();
    private Action<PlayerReleasedAfterEndEvent>? _onReleased;

    /// <summary>The relay of the host the game serves the session with, or null.</summary>
    public PlayerHostRelay? Relay { get; private set; }

    /// <summary>
    /// The remote players the game's host let go (or lost) since the last <see cref="ClearReleased"/>, once the session it
    /// served ended (<see cref="NetworkServer.PlayerReleasedAfterEnd"/>), in order: <c>Script:onPlayerReleasedAfterEnd</c>.
    /// Tick thread.
    /// </summary>
    public IReadOnlyList<PlayerReleasedAfterEndEvent> Released => _released;

    /// <summary>Forgets <see cref="Released"/> once the scripts heard them. Tick thread.</summary>
    public void ClearReleased() => _released.Clear();

    /// <summary>What <c>Script:onPlayerReleasedAfterEnd(player)</c> gets: <c>{ playerId, reason, heldFinalWorld }</c>.</summary>
    /// <param name="released">The release.</param>
    public static ScriptTable Describe(PlayerReleasedAfterEndEvent released) => new ScriptTable()
        .With("playerId", (long)released.ClientId)
        .With("reason", released.Reason.ToString())
        .With("heldFinalWorld", released.HeldFinalWorld);

    // Whether the directory's end of the relay's session was handed out (TakeEndedByDirectory): once per relay.
    private bool _directoryEndTold;

    /// <summary>The session the directory ended under this host, until <see cref="TakeEndedByDirectory"/> takes it.</summary>
    private SessionInfo? EndedByDirectory { get; set; }

    /// <summary>
    /// The session the directory ended under this host since the last call (its heartbeat heard the session is not live any
    /// more; not its script's own leave, not a successor's takeover), once; null otherwise. The script hosting it is out of
    /// it and shows its end screen, as a hosting <see cref="Multiplayer"/> raises <see cref="Multiplayer.SessionEnded"/>.
    /// Tick thread, after <see cref="Update"/>.
    /// </summary>
    public SessionInfo? TakeEndedByDirectory()
    {
        var ended = EndedByDirectory;
        EndedByDirectory = null;
        return ended;
    }

    /// <summary>
    /// <c>createSession(.., "player")</c>'s hook: before the game's <paramref name="start"/> runs, the session it hosts is
    /// expected, so the <see cref="NetworkHost"/> it puts in the world gets the relay before its first tick.
    /// </summary>
    public Func<PlayerHostGrant, CancellationToken, Task<PlayerSessionHost?>> Wrap(Func<PlayerHostGrant, CancellationToken, Task<PlayerSessionHost?>> start) => (grant, token) =>
    {
        var expected = new Expected(grant.Session);
        _expected = expected;
        try
        {
            var hook = start(grant, token) ?? throw new InvalidOperationException("ScriptServices.StartHosting returned no task.");
            expected.Hook = hook;
            return hook;
        }
        catch
        {
            expected.Failed = true;
            throw;
        }
    };

    /// <summary>Tick thread, before the game's host receives: attaches to a host createSession's hook started; lets go of one the game disposed.</summary>
    public void Update()
    {
        if (_expected is { } expected)
        {
            if (expected.Failed || expected.Hook is { IsFaulted: true } or { IsCanceled: true })
            {
                _expected = null; // the call fails and the player leaves the session again
            }
            else if (network.World.Resources.TryGet<NetworkHost>(out var started) && !ReferenceEquals(Relay?.Host, started))
            {
                _expected = null;
                Attach(started, expected.Session, takeover: null, entry: null);
                _feeding = expected; // its PlayerSessionHost, once the hook's task gives it
            }
        }

        if (_feeding is { Hook: { IsCompleted: true } hook })
        {
            _feeding = null;
            if (hook.IsCompletedSuccessfully && hook.Result is { } entry)
            {
                Feed(entry);
            }
        }

        if (Relay is { } relay)
        {
            if (!network.World.Resources.TryGet<NetworkHost>(out var host) || !ReferenceEquals(host, relay.Host))
            {
                Detach(); // the game stopped hosting
            }
            else
            {
                if (_entry is { Live: false, Replaced: false })
                {
                    relay.End(); // the directory ended the session: its players get the final world before the game stops the host
                    if (!_directoryEndTold)
                    {
                        _directoryEndTold = true;
                        EndedByDirectory = relay.Session; // the hosting script hears it too (TakeEndedByDirectory)
                    }
                }

                relay.Update();
            }
        }
    }

    /// <summary>
    /// Serves <paramref name="session"/> on <paramref name="host"/> from now on (a takeover's <paramref name="takeover"/>
    /// hands the players their entities back); <paramref name="entry"/>, the game's directory side of it, feeds the relay the
    /// departures the directory lists.
    /// </summary>
    /// <exception cref="LuaHostingOrderException">The host received before the scripts' system ticked.</exception>
    public void Attach(NetworkHost host, SessionInfo session, HostedSession.Takeover? takeover, PlayerSessionHost? entry)
    {
        ThrowIfReceived(host, session);
        Detach();
        var relay = new PlayerHostRelay(host, session, time, logger, takeover);
        // Its session relay admits only this session's tickets (and learns the joiners' names for PlayerJoined); disposed on
        // Detach, so the relay of a host that replaces this one on the same server is not refused by this one's.
        relay.Announce(network.Client);
        Relay = relay;
        // Raised in the host's receive, after this system's BeforeUpdate and before its Update, which hands them to the scripts.
        _onReleased ??= _released.Add;
        host.Server.PlayerReleasedAfterEnd += _onReleased;
        (_directoryEndTold, EndedByDirectory) = (false, null);
        if (entry is not null)
        {
            Feed(entry);
        }
    }

    /// <summary>
    /// The departures <paramref name="entry"/>'s heartbeats hear of reach the relay (any thread: <see cref="SessionRelay.Leave"/>
    /// queues them for the tick), which disconnects such a player and raises <see cref="PlayerLeft"/>, so a player that left
    /// through the directory does not stay connected to a Lua game's host until its own connection closes.
    /// </summary>
    private void Feed(PlayerSessionHost entry)
    {
        var relay = Relay!;
        Action<SessionDeparture> departures = departure => relay.Relay?.Leave(departure.UserId, departure.At, departure.Reason);
        entry.MemberLeft += departures;
        (_entry, _departures) = (entry, departures);
    }

    /// <summary>Refuses a host that already received: its local player's join (and maybe others') went by unseen.</summary>
    /// <exception cref="LuaHostingOrderException">It did.</exception>
    public static void ThrowIfReceived(NetworkHost host, SessionInfo session)
    {
        if (host.Receives > 0)
        {
            throw new LuaHostingOrderException(
                $"The NetworkHost that ScriptServices.StartHosting started for session {session.Id} received {host.Receives} times before the LuaScriptSystem " +
                "could attach to it, so the joins it received (its own player's first) went by without the session's relay and, after a host migration, " +
                "without the players' entities handed back. Tick the NetworkHost after the LuaScriptSystem (a later system of its group, or a group " +
                "ticked after it) and complete StartHosting's task before the host's first tick.");
        }
    }

    /// <summary>
    /// The hosting script left <paramref name="session"/> (<c>leaveSession()</c>), which ends it for everyone: the players
    /// get the world as the host's next tick leaves it, repeated until they acknowledged it (within
    /// <see cref="SessionRelay.EndDeliveryWait"/>), then <see cref="DisconnectReason.SessionEnded"/>, as from a game server.
    /// The players hear of the end from this, not only once the game stops its host, and they get the final world.
    /// </summary>
    /// <param name="session">The session the script left; a host serving another one is left alone.</param>
    /// <returns>True when the host served <paramref name="session"/> (its end is under way).</returns>
    public bool End(SessionId session)
    {
        if (Relay is { } relay && relay.Session.Id == session)
        {
            relay.End();
            return true;
        }

        return false;
    }

    /// <summary>
    /// The scripts' system is disposed: the scripts hear no more releases (the host's event lets go of this), while the relay
    /// stays on the game's host, whose ticks deliver the final world of a session the unloads ended.
    /// </summary>
    public void StopListening()
    {
        if (Relay is { } relay) relay.Host.Server.PlayerReleasedAfterEnd -= _onReleased;
        _released.Clear();
    }

    /// <summary>The game's host went, or another replaced it: the relay lets go (its RpcServer leaves the world).</summary>
    public void Detach()
    {
        _feeding = null;
        if (_entry is { } entry)
        {
            entry.MemberLeft -= _departures;
            (_entry, _departures) = (null, null);
        }

        if (Relay is { } relay)
        {
            Relay = null;
            relay.Host.Server.PlayerReleasedAfterEnd -= _onReleased;
            relay.Dispose();
            PlayerHostRelay.ReleaseRpcServer(relay.Host);
        }
    }

    /// <summary>A session createSession's hook is hosting.</summary>
    private sealed class Expected(SessionInfo session)
    {
        public SessionInfo Session { get; } = session;

        private Task<PlayerSessionHost?>? _hook;
        private bool _failed;

        /// <summary>The hook's task, once it returned one (any thread).</summary>
        public Task<PlayerSessionHost?>? Hook { get => Volatile.Read(ref _hook); set => Volatile.Write(ref _hook, value); }

        /// <summary>True when the hook threw.</summary>
        public bool Failed { get => Volatile.Read(ref _failed); set => Volatile.Write(ref _failed, value); }
    }
}

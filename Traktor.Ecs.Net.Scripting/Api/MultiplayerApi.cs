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
internal sealed partial class MultiplayerApi
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

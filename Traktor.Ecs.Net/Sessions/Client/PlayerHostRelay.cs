using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// The session side of a player's listen server, on the tick thread, shared by <see cref="HostedSession"/> (a
/// <see cref="Multiplayer"/> hosts) and Lua's <c>multiplayer</c> (whose game's <c>ScriptServices.StartHosting</c> started the
/// <see cref="NetworkHost"/>): the players connected, in join order (the order of succession the directory is told); with an
/// <see cref="RpcServer"/> (the game's, or one with the registry of the world's <see cref="RpcClient"/>) a
/// <see cref="SessionRelay"/> that admits only tickets of this session and announces <see cref="PlayerJoined"/> and
/// <see cref="PlayerLeft"/> as a game server's session does (a player that disconnects on purpose departs at once, one that
/// timed out after the reconnect grace); and the owners of the replicated entities sent to every player (a
/// <see cref="MigrationPlan"/> without candidates: the directory picks the successor), so whoever takes the session over
/// after a host migration hands each player its entities back. After a takeover it hands them back itself
/// (<see cref="TakeoverHandback"/>) and adopts the players already in the session rather than announcing them again.
/// </summary>
internal sealed class PlayerHostRelay : IDisposable
{
    /// <summary>How often (ticks) the owners are checked and, when they changed, sent to the players.</summary>
    private const int PlanCheckTicks = 15;

    private readonly Dictionary<ConnectionId, long> connected = new();
    private readonly Dictionary<ConnectionId, long> away = new();
    private readonly HashSet<ulong> awaited = new();
    private readonly List<ConnectionId> scratch = new();
    private readonly List<long> players = new();
    private readonly Dictionary<long, long> places = new();
    private readonly Dictionary<long, long> adopted = new();
    private long nextPlace;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly MigrationPlan outgoing = new();
    private readonly PlanOwners planOwners;
    private readonly QueryDescription ownedQuery = new QueryDescription().WithAll<NetworkOwner, NetworkId>();
    private readonly TakeoverHandback? handback;
    private readonly HostedSession.Takeover? takeover;
    private readonly List<(uint NetId, ulong ClientId, bool Player)> sentOwners = new();
    private byte[] planBuffer = [];
    private int sentConnected = -1;
    private bool planDue;
    private int ticksSincePlan = PlanCheckTicks;

    /// <summary>
    /// Attaches to <paramref name="host"/> before it ticks with its first remote player, and after a takeover before anything
    /// else listens for its connections (a returning player's entities are its own again when the game hears it).
    /// </summary>
    /// <param name="host">The listen server.</param>
    /// <param name="session">The session it serves, as the directory gave it (id, capacity, members' names).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <param name="takeover">After a host migration, what the host starts from; null for a new session.</param>
    public PlayerHostRelay(NetworkHost host, SessionInfo session, TimeProvider time, ILogger logger, HostedSession.Takeover? takeover = null)
    {
        Host = host;
        Session = session;
        this.time = time;
        this.logger = logger;
        this.takeover = takeover;
        planOwners = new PlanOwners(logger);
        handback = takeover is null ? null : new TakeoverHandback(host, takeover, time, logger);
        if (takeover is not null)
        {
            // The players already in the session keep their order of succession (the roster's, in join order), whichever
            // reaches this host first: in the order of their reconnects, a race, a second host loss would give the session
            // to whichever player happened to reconnect first.
            foreach (var (id, _) in takeover.Players)
            {
                if (id != host.LocalClientId && id != takeover.LostHost) adopted.TryAdd((long)id, nextPlace++);
            }
        }
        host.Server.ClientConnected += OnConnected;
        host.Server.ConnectionClosed += OnDisconnected;
        host.Server.Sending += PublishOwners;
    }

    /// <summary>The listen server.</summary>
    public NetworkHost Host { get; }

    /// <summary>The session.</summary>
    public SessionInfo Session { get; }

    /// <summary>Announces who joins and leaves, once <see cref="Announce"/> found an RPC layer; null before and without one.</summary>
    public SessionRelay? Relay { get; private set; }

    /// <summary>
    /// The remote players connected, in the order of succession (the host itself is not among them): join order; after a
    /// takeover the players already in the session come first, in the roster's order, whatever order they reconnected in.
    /// </summary>
    public IReadOnlyList<long> Players => players;

    /// <summary>The remote players' connections.</summary>
    public IEnumerable<ConnectionId> Connections => connected.Keys;

    /// <summary>True when <see cref="Players"/> changed since the holder last cleared it (it tells the directory then).</summary>
    public bool Changed { get; set; }

    /// <summary>
    /// Starts relaying the membership, once the game's host systems made their <see cref="RpcServer"/> (or with one over the
    /// registry of <paramref name="client"/>'s <see cref="RpcClient"/>); after a takeover the players already in the
    /// session are adopted and the lost host departs. Call once, before the host's first tick.
    /// </summary>
    /// <param name="client">The player's client in the same world, whose RPC registry a new <see cref="RpcServer"/> uses, or null.</param>
    public void Announce(NetworkClient? client)
    {
        Relay = StartRelay(Session, Host, client, time, logger);
        if (takeover is not null) Adopt(takeover, Host.LocalClientId);
    }

    /// <summary>Connection approval: the relay's (a ticket of this session, issued after the player's last departure, a free seat); every token before it exists.</summary>
    /// <remarks>The relay adds it to the host's server itself; for a caller that asks besides.</remarks>
    public bool Approve(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address) => Relay?.Approve(clientId, userData, address) ?? true;

    /// <summary>
    /// Lets go of the host: no longer listens to its server, and the session relay's approval leaves it (a host that replaces
    /// this one on the same server admits its own session's players). Tick thread.
    /// </summary>
    public void Dispose()
    {
        Host.Server.ClientConnected -= OnConnected;
        Host.Server.ConnectionClosed -= OnDisconnected;
        Host.Server.Sending -= PublishOwners;
        if (delivery is not null) Host.Server.Received -= delivery.Update;
        Relay?.Dispose();
    }

    /// <summary>
    /// Ends the session on a host that goes on ticking (a Lua game's, which stops its <see cref="NetworkHost"/> itself,
    /// later; a <see cref="Multiplayer"/>'s, which stops it once its players are let go): with a session relay, as a game
    /// server ends a session (<see cref="SessionRelay.End"/>): at the host's next tick each remote player is sent the world
    /// of that tick, in every tick until it holds it, and only then (within <see cref="SessionRelay.EndDeliveryWait"/>)
    /// told <see cref="DisconnectReason.SessionEnded"/>. Without one the same way, directly (<see cref="EndDelivery"/>,
    /// updated at each of the host's receives): one last snapshot, not repeated, then the notices at once would leave a
    /// player whose link lost them with an older world. Either way the host's world is its player's end screen from then on:
    /// every handshake is denied with <see cref="DisconnectReason.SessionEnded"/> (no newcomer is admitted to the ended
    /// session), no owners for a migration go out any more, and the players let go raise
    /// no <see cref="NetworkServer.ClientDisconnected"/> (a game handler would destroy their entities on the end screen). The
    /// host's own player stays: its world is the host's. Once; tick thread.
    /// </summary>
    public void End()
    {
        if (ended) return;
        ended = true;
        Host.Server.Sending -= PublishOwners; // the session is over: nothing to migrate
        Host.Server.HoldsBackDisconnects = true;
        if (Host.Transport is NetServer server) server.RefusesEveryone = DisconnectReason.SessionEnded;
        if (Relay is { } relay)
        {
            relay.End(SessionEndReason.Ended);
            return;
        }

        delivery = new EndDelivery(Host.Server);
        delivery.Begin(connected.Keys);
        Host.Server.Received += delivery.Update;
    }

    private EndDelivery? delivery;

    /// <summary>True once <see cref="End"/> ended the session.</summary>
    public bool Ended => ended;

    private bool ended;

    /// <summary>Once per tick, before the host receives: after a takeover, the players that did not come back within the grace depart.</summary>
    public void Update()
    {
        if (handback?.Update() == true)
        {
            ExpireAwaited(); // the grace is over: the players that did not come back are gone
        }
    }

    private void OnConnected(ConnectionId connection, ulong clientId)
    {
        awaited.Remove(clientId);
        Forget((long)clientId);
        ticksSincePlan = PlanCheckTicks; // a newcomer gets the owners at the end of this tick,
        planDue = true;                  // even when they did not change (a player back within one check)
        if (!Host.Server.IsLocal(connection) && connected.TryAdd(connection, (long)clientId))
        {
            AddInOrder((long)clientId);
            Changed = true;
        }
    }

    private void OnDisconnected(ConnectionId connection, DisconnectReason reason)
    {
        if (connected.Remove(connection, out long player))
        {
            players.Remove(player);
            places.Remove(player);
            Changed = true;
            if (reason == DisconnectReason.ClientDisconnected && !IsReplaced((ulong)player))
            {
                // It left (LeaveSessionAsync): no reconnect grace, as on a game server; the tickets it was admitted with are void.
                Relay?.Leave(player, Relay.DepartureOf((ulong)player, time.GetUtcNow()), SessionLeaveReason.Left);
            }
            else
            {
                away[connection] = player; // it may come back within its reconnect grace: its entities stay its own in the owners
            }
        }
    }

    /// <summary>
    /// Takes the world's <see cref="RpcServer"/> out if it is bound to <paramref name="host"/>'s server (the facade's or the
    /// game's host systems'): left behind, the next hosting could not attach its own, and the world's client would leave its
    /// RPCs to a server that no longer runs.
    /// </summary>
    public static void ReleaseRpcServer(NetworkHost host)
    {
        if (host.World.Resources.TryGet<RpcServer>(out var rpcs) && rpcs.Server == host.Server) host.World.Resources.Remove<RpcServer>();
    }

    /// <summary>
    /// Adds a connected player to <see cref="Players"/> in the order of succession: a player adopted after a takeover at its
    /// place in the session's roster, on its first connection here; any other (a newcomer, or a player back after a drop) after everyone.
    /// </summary>
    private void AddInOrder(long player)
    {
        long place = adopted.Remove(player, out long kept) ? kept : nextPlace++;
        places[player] = place;
        int at = players.Count;
        while (at > 0 && places.GetValueOrDefault(players[at - 1]) > place) at--;
        players.Insert(at, player);
    }

    /// <summary>
    /// Whether <paramref name="player"/>'s connection, closed with <see cref="DisconnectReason.ClientDisconnected"/>, was replaced
    /// by its client's new handshake from the same socket (the server holds a connection of that player again): no leave,
    /// the new connection follows at once (taken for a leave, the player would depart and join again).
    /// </summary>
    private bool IsReplaced(ulong player) => (Host.Transport as NetServer)?.ConnectionOf(player) is not null;

    /// <summary>Forgets the closed connections of <paramref name="player"/> (it is back, or no longer waited for).</summary>
    private void Forget(long player)
    {
        scratch.Clear();
        foreach (var (connection, id) in away)
        {
            if (id == player) scratch.Add(connection);
        }

        foreach (var connection in scratch) away.Remove(connection);
    }

    /// <summary>The player that owned <paramref name="connection"/>, closed, if the server still waits for it to reconnect (its reconnect grace).</summary>
    private bool IsAway(ConnectionId connection, out long player) =>
        away.TryGetValue(connection, out player) && Host.World.Resources.TryGet<RpcServer>(out var rpcs) && rpcs.Grace.IsWaitingFor((ulong)player);

    /// <summary>
    /// Every few ticks (at once after a connect): when the owners of the replicated entities changed, every remote player
    /// gets them, on the reliable channel with this tick's snapshots, for a host migration (docs/PROTOCOL.md section 15:
    /// a plan with no candidates, since the directory picks the successor).
    /// </summary>
    private void PublishOwners()
    {
        if (++ticksSincePlan < PlanCheckTicks || connected.Count == 0) return;
        ticksSincePlan = 0;
        PruneAway();
        planOwners.Clear();
        foreach (ref var chunk in Host.World.Query(in ownedQuery))
        {
            var owners = chunk.GetReadOnlySpan<NetworkOwner>();
            var ids = chunk.GetReadOnlySpan<NetworkId>();
            var entities = chunk.Entities.AsSpan();
            for (int i = 0; i < owners.Length; i++)
            {
                ulong owner;
                bool away = false;
                if (Host.Server.IsLocal(owners[i].Connection)) owner = Host.LocalClientId;
                else if (connected.TryGetValue(owners[i].Connection, out long remote)) owner = (ulong)remote;
                else if (IsAway(owners[i].Connection, out long absent)) (owner, away) = ((ulong)absent, true); // within its reconnect grace
                else continue; // its owner left
                bool player = Host.Server.TryGetPlayerEntity(owners[i].Connection, out var entity) && entity == entities[i];
                planOwners.Add(ids[i].Value, owner, player, away);
            }
        }

        planOwners.CopyTo(outgoing.Owners); // at most MaxOwners, players' own entities first

        // Compared in full, not by a hash: a collision would leave the players with stale owners for a migration.
        if (outgoing.Version > 0 && !planDue && connected.Count == sentConnected && outgoing.Owners.SequenceEqual(sentOwners)) return;
        planDue = false;
        sentConnected = connected.Count;
        sentOwners.Clear();
        sentOwners.AddRange(outgoing.Owners);
        planOwners.Sent();
        outgoing.Epoch = 1;
        outgoing.Version++;
        outgoing.Tick = Host.Server.Replication.Tick;
        outgoing.NextNetworkId = Host.Server.Replication.NextNetworkId;
        outgoing.Host = Host.LocalClientId;
        int size = outgoing.Size;
        if (planBuffer.Length < size) planBuffer = new byte[size];
        int length = outgoing.Write(planBuffer);
        foreach (var connection in connected.Keys)
        {
            if (Host.Transport.Send(connection, ChannelKind.ReliableOrdered, planBuffer.AsSpan(0, length)) != SendResult.Queued)
            {
                (ticksSincePlan, planDue) = (PlanCheckTicks, true); // a full queue: again next tick
            }
        }
    }

    /// <summary>Forgets the closed connections of players no longer waited for (their grace ended, or they left).</summary>
    private void PruneAway()
    {
        scratch.Clear();
        foreach (var connection in away.Keys)
        {
            if (!IsAway(connection, out _)) scratch.Add(connection);
        }

        foreach (var connection in scratch) away.Remove(connection);
    }

    /// <summary>
    /// The relay of the session's membership over the game's <see cref="RpcServer"/> (its host systems made one) or one
    /// with the registry of the client's <see cref="RpcClient"/>; none when neither exists or the registry lacks the
    /// membership events. The host itself is admitted with a ticket of its own name.
    /// </summary>
    private static SessionRelay? StartRelay(SessionInfo session, NetworkHost host, NetworkClient? client, TimeProvider time, ILogger logger)
    {
        if (!host.World.Resources.TryGet<RpcServer>(out var rpcs))
        {
            if (client is null || !client.World.Resources.TryGet<RpcClient>(out var rpcClient) || !Announces(rpcClient.Registry))
            {
                return null;
            }

            rpcs = new RpcServer(host.Server, rpcClient.Registry, null, time, logger);
        }
        else if (!Announces(rpcs.Registry))
        {
            logger.LogWarning("The host's RPC registry lacks PlayerJoined or PlayerLeft: session {Session} announces no joins and leaves.", session.Id);
            return null;
        }

        var relay = new SessionRelay(rpcs, session.Id, session.MaxPlayers, directory: null, time, logger);
        ulong self = host.LocalClientId;
        string name = session.Members.FirstOrDefault(m => (ulong)m.UserId == self)?.Name ?? "";
        Span<byte> ticket = stackalloc byte[SessionTicket.MaxSize];
        int length = new SessionTicket(session.Id, time.GetUtcNow(), session.MaxPlayers, name).Write(ticket);
        relay.Approve(self, ticket[..length], default); // the local player presents no token: it is admitted under its own name
        return relay;
    }

    private static bool Announces(RpcRegistry registry)
    {
        try
        {
            registry.Get<PlayerJoined>();
            registry.Get<PlayerLeft>();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// After a host migration: the players already in the session are present without being announced again (a player
    /// reaching this host reconnects, as within a reconnect grace), the lost host departs (<see cref="PlayerLeft"/>), and
    /// every other player is awaited until the grace (<see cref="HostedSession.Takeover.Grace"/>) ends.
    /// </summary>
    private void Adopt(HostedSession.Takeover takeover, ulong self)
    {
        foreach (var (id, name) in takeover.Players)
        {
            Relay?.Adopt(id, name);
            if (id != self && id != takeover.LostHost) awaited.Add(id);
        }

        if (takeover.LostHost is { } lost) Relay?.Leave((long)lost, time.GetUtcNow(), SessionLeaveReason.TimedOut);
    }

    /// <summary>The players who did not reach this host within the grace depart (<see cref="PlayerLeft"/>); the handback destroyed their entities.</summary>
    private void ExpireAwaited()
    {
        foreach (ulong player in awaited)
        {
            Relay?.Leave((long)player, time.GetUtcNow(), SessionLeaveReason.TimedOut); // PlayerLeft: it never came back
        }

        awaited.Clear();
    }
}

using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// The listen server of a session a <see cref="Multiplayer"/> hosts, on the tick thread: a <see cref="NetworkHost"/> (the
/// player is its local player) whose <see cref="NetServer"/> opens only the directory's connect tokens (the grant's session
/// key), the game's host systems around it, the rendezvous registered with the socket's introducer, and the directory
/// entry (<see cref="PlayerSessionHost"/>) told the public address and the players connected, in join order (the order of
/// succession), whenever they change. With an <see cref="RpcServer"/> (the game's host systems', or one the facade adds with
/// the registry of the client's <see cref="RpcClient"/>) a <see cref="SessionRelay"/> admits only tickets of this session and
/// announces <see cref="PlayerJoined"/> and <see cref="PlayerLeft"/> as a game server's session does; a player that
/// disconnects on purpose (it left) departs at once, one that timed out after the reconnect grace. While it serves, every
/// player gets the owners of the replicated entities (a <see cref="MigrationPlan"/> without candidates: the directory picks
/// the successor), so whoever takes the session over after a host migration hands each player its entities back.
/// </summary>
internal sealed partial class HostedSession
{
    private readonly NetServer server;
    private readonly Group<float> group;
    private readonly IDatagramTransport socket;
    private readonly NatTraversal? traversal;
    private readonly Dictionary<ConnectionId, long> connected = new();
    private readonly Dictionary<ConnectionId, long> away = new();
    private readonly HashSet<ulong> awaited = new();
    private readonly List<ConnectionId> scratch = new();
    private readonly List<long> players = new();
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly MigrationPlan outgoing = new();
    private readonly PlanOwners planOwners;
    private readonly QueryDescription ownedQuery = new QueryDescription().WithAll<NetworkOwner, NetworkId>();
    private readonly TakeoverHandback? handback;
    private byte[] planBuffer = [];
    private readonly List<(uint NetId, ulong ClientId, bool Player)> sentOwners = new();
    private int sentConnected = -1;
    private bool planDue;
    private int ticksSincePlan = PlanCheckTicks;
    private NetAddress reported;
    private bool changed;

    /// <summary>How often (ticks) the owners are checked and, when they changed, sent to the players.</summary>
    private const int PlanCheckTicks = 15;

    private HostedSession(PlayerHostGrant grant, MultiplayerHosting hosting, NetServer server, NetworkHost host, PlayerSessionHost entry, Admission admission,
        NetworkClient client, TimeProvider time, ILogger logger, Takeover? takeover)
    {
        this.time = time;
        this.logger = logger;
        planOwners = new PlanOwners(logger);
        Session = grant.Session;
        this.server = server;
        socket = hosting.Socket;
        traversal = socket as NatTraversal;
        Host = host;
        Entry = entry;
        // Before the session's own handler: a returning player's entities are its own again when the owners go out.
        handback = takeover is null ? null : new TakeoverHandback(host, takeover, time, logger);
        host.Server.ClientConnected += (connection, clientId) =>
        {
            awaited.Remove(clientId);
            Forget((long)clientId);
            ticksSincePlan = PlanCheckTicks; // a newcomer gets the owners at the end of this tick,
            planDue = true;                  // even when they did not change (a player back within one check)
            if (!host.Server.IsLocal(connection) && connected.TryAdd(connection, (long)clientId))
            {
                players.Add((long)clientId);
                changed = true;
            }
        };
        host.Server.ClientDisconnected += (connection, reason) =>
        {
            if (connected.Remove(connection, out long player))
            {
                players.Remove(player);
                changed = true;
                if (reason == DisconnectReason.ClientDisconnected)
                {
                    Relay?.Leave(player, this.time.GetUtcNow()); // it left (LeaveSessionAsync): no reconnect grace, as on a game server
                }
                else
                {
                    away[connection] = player; // it may come back within its reconnect grace: its entities stay its own in the owners
                }
            }
        };
        host.Server.Sending += PublishOwners;
        group = new Group<float>("host", [host, .. hosting.Systems?.Invoke(host) ?? []]);
        Relay = StartRelay(grant.Session, host, client, time, logger);
        admission.Relay = Relay;
        if (takeover is not null) Adopt(takeover, host.LocalClientId);
        group.Initialize();
        traversal?.Host(grant.Rendezvous, grant.PunchKey);
    }

    /// <summary>Announces who joins and leaves (<see cref="PlayerJoined"/>, <see cref="PlayerLeft"/>), or null without an RPC layer.</summary>
    public SessionRelay? Relay { get; }

    /// <summary>The session, as the directory created it.</summary>
    public SessionInfo Session { get; }

    /// <summary>The listen server.</summary>
    public NetworkHost Host { get; }

    /// <summary>The directory entry (heartbeats on its timer).</summary>
    public PlayerSessionHost Entry { get; }

    /// <summary>Starts serving the grant's session on <paramref name="hosting"/>'s socket, with the client's protocol and schema.</summary>
    public static HostedSession Start(PlayerHostGrant grant, MultiplayerHosting hosting, NetworkClient client, IPlayerHostedSessions directory,
        long hostUserId, TimeProvider time, ILogger logger, Takeover? takeover = null)
    {
        var protocol = client.Transport.Options;
        var admission = new Admission();
        var server = new NetServer(hosting.Socket, new NetServerOptions
        {
            ApproveConnection = admission.Approve,                    // the session's tickets, once the relay exists
            ProtocolId = protocol.ProtocolId,
            SchemaHash = protocol.SchemaHash,
            PrivateKey = grant.SessionKey,                            // only tokens the directory sealed for this session open
            MaxClients = Math.Max(1, grant.Session.MaxPlayers - 1),   // the host holds a seat itself
        }, time, logger);
        PlayerSessionHost? entry = null;
        NetworkHost? host = null;
        try
        {
            host = new NetworkHost(client.World, server, client.Replication.Registry, localClientId: (ulong)hostUserId, logger: logger);
            entry = PlayerSessionHost.Start(directory, grant, hostUserId, time: time, logger: logger);
            return new HostedSession(grant, hosting, server, host, entry, admission, client, time, logger, takeover);
        }
        catch
        {
            // The game's host systems (or the server) refused: nothing keeps serving or heartbeating.
            if (host is not null) ReleaseRpcServer(host);
            host?.Dispose();
            server.Dispose();
            _ = entry?.DisposeAsync().AsTask();
            throw;
        }
    }

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
            var entities = chunk.Entities;
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
    private static SessionRelay? StartRelay(SessionInfo session, NetworkHost host, NetworkClient client, TimeProvider time, ILogger logger)
    {
        if (!host.World.Resources.TryGet<RpcServer>(out var rpcs))
        {
            if (!client.World.Resources.TryGet<RpcClient>(out var rpcClient) || !Announces(rpcClient.Registry))
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

    /// <summary>The socket's address joiners can reach: the introducer's observation behind a NAT, else its own.</summary>
    /// <param name="socket">The listen server's socket.</param>
    /// <returns>True when it has one joiners can use (a traversal that has not heard from its introducer yet has none).</returns>
    public static bool CanPublish(IDatagramTransport socket) => socket is NatTraversal || !socket.LocalAddress.IsUnspecified;

    /// <summary>Runs the socket's traversal timers, then the host's receive.</summary>
    public void BeforeUpdate(in float state)
    {
        if (handback?.Update() == true)
        {
            ExpireAwaited(); // the grace is over: the players that did not come back are gone
        }

        traversal?.Update();
        group.BeforeUpdate(in state);
    }

    /// <summary>The game's host systems.</summary>
    public void Update(in float state) => group.Update(in state);

    /// <summary>Replicates and sends, then tells the directory entry what changed.</summary>
    public void AfterUpdate(in float state)
    {
        group.AfterUpdate(in state);
        var address = traversal is { } nat ? nat.PublicAddress : socket.LocalAddress;
        if (!address.IsNone && (changed || address != reported))
        {
            reported = address;
            changed = false;
            Entry.Report([address.ToEndPoint()], players); // copies; only when something changed
        }
    }

    /// <summary>Stops serving: every remote player is disconnected with <paramref name="reason"/>; the directory entry stops heartbeating.</summary>
    /// <param name="reason">
    /// <see cref="DisconnectReason.SessionEnded"/> when the session ends with it (the host left, or the directory ended it):
    /// the players ask the directory why; <see cref="DisconnectReason.ServerShutdown"/> when the session goes on without this
    /// host (it was replaced): its players migrate to the successor.
    /// </param>
    public void Stop(DisconnectReason reason)
    {
        foreach (var connection in connected.Keys)
        {
            server.Disconnect(connection, reason); // told now; the dispose below would tell them ServerShutdown
        }

        group.Dispose();
        ReleaseRpcServer(Host);

        server.Dispose();
        _ = Entry.DisposeAsync().AsTask();
    }

    /// <summary>
    /// Takes the world's <see cref="RpcServer"/> out if it is bound to <paramref name="host"/>'s server (the facade's or the
    /// game's host systems'): left behind, the next hosting could not attach its own, and the world's client would leave its
    /// RPCs to a server that no longer runs.
    /// </summary>
    private static void ReleaseRpcServer(NetworkHost host)
    {
        if (host.World.Resources.TryGet<RpcServer>(out var rpcs) && rpcs.Server == host.Server) host.World.Resources.Remove<RpcServer>();
    }

    /// <summary>The server's connection approval: the relay's once it exists (every token the session key opens before).</summary>
    private sealed class Admission
    {
        public SessionRelay? Relay { get; set; }

        public bool Approve(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address) => Relay?.Approve(clientId, userData, address) ?? true;
    }
}

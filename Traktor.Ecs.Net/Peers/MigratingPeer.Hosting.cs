using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>The host role: serving, publishing the migration plan, and taking over from a departed host.</summary>
public sealed partial class MigratingPeer
{
    private readonly Dictionary<ConnectionId, ulong> clientIds = new();
    private readonly Dictionary<ulong, (NetAddress Address, ConnectTokenIssuer Issuer)> standbys = new();
    private readonly HashSet<ConnectionId> announced = new();

    /// <summary>
    /// Connections made since the last plan went out: each gets the plan at the next check even when nothing in it changed.
    /// A player connecting again from its socket (a follow of its own host replaces its connection) changes nothing in the
    /// plan, and it holds no plan once it follows (a plan of another host refused this one's whenever it was older).
    /// </summary>
    private readonly HashSet<ConnectionId> unplanned = new();
    private readonly Dictionary<ulong, List<(Entity Entity, bool Player)>> pending = new();
    private readonly MigrationPlan outgoing = new();
    private readonly PlanOwners planOwners;
    private readonly QueryDescription ownedQuery = new QueryDescription().WithAll<NetworkOwner, NetworkId>();
    private readonly QueryDescription numberedQuery = new QueryDescription().WithAll<NetworkId>();
    private readonly QueryDescription localQuery = new QueryDescription().WithAll<LocalOwner>();
    private readonly List<Entity> doomed = new();
    private List<ulong> order = new();
    private NetServer? server;

    /// <summary>The host role's server (its counters, for tests), or null while this peer does not host.</summary>
    internal NetServer? HostServer => server;
    private byte[] planBuffer = [];
    private long promotedAt;
    private uint planVersion;
    private int planHash;
    private long planSentAt;
    private int ticksSinceCheck;

    /// <summary>Plans this peer sent while hosting (one per peer and change).</summary>
    public long PlansSent { get; private set; }

    /// <summary>Entities this peer handed back to their owners after it took over as host.</summary>
    public long Restored { get; private set; }

    /// <summary>
    /// Starts as the first host, on the standby socket; joiners connect with tokens from <see cref="IssueToken"/>. What an
    /// earlier session left in the world goes first (<see cref="Dispose"/>), so the new session numbers a clean world.
    /// </summary>
    public void StartHost()
    {
        if (Role != MigrationRole.Idle) throw new InvalidOperationException("This peer has started already.");
        StartClean(); // numbered again from 0, the last session's entities would share ids with this one's
        BecomeHost(epoch: 1, successors: new List<ulong>(), tick: 0, nextNetworkId: 0);
    }

    /// <summary>
    /// Ends the session for everyone; only the host may. This peer is <see cref="MigrationRole.Out"/> with
    /// <see cref="MigrationOutReason.SessionEnded"/> at once (<see cref="Host"/> is null), and its server runs on in its next
    /// ticks for its players alone: each gets the world as it is at the next tick, and again in every tick until it holds
    /// it (every entity acknowledged as of that tick, however many snapshots that takes), then every reliable message sent
    /// to it, and only then is disconnected with <see cref="DisconnectReason.SessionEnded"/>, within
    /// <see cref="Sessions.SessionRelay.EndDeliveryWait"/> (as a game server's session ends, docs/sessions.md): it is
    /// <see cref="MigrationRole.Out"/> with <see cref="MigrationOutReason.SessionEnded"/> and nobody elects a successor. Then
    /// the server and the game's host systems go (those systems no longer run from this call on). Every world keeps what it
    /// held, for the game's end screen: this peer's, and each player's last state from it (the same entities under the same
    /// network ids), until that peer starts again (<see cref="Join"/>, <see cref="StartHost"/>). A <see cref="Dispose"/>
    /// before the players were let go tells them at once, after one last snapshot of the world as it is then.
    /// <see cref="Dispose"/> alone is no end: its players take the server's shutdown for the host's loss and migrate.
    /// </summary>
    /// <exception cref="InvalidOperationException">This peer does not host (a player leaves with <see cref="Dispose"/>).</exception>
    public void EndSession()
    {
        if (Role != MigrationRole.Host) throw new InvalidOperationException($"Only the host ends the session; this peer is {Role}.");
        logger.LogInformation("Peer {Peer} ends the session for its {Count} players.", ClientId, clientIds.Keys.Count(c => !Host!.Server.IsLocal(c)));

        // The final world is the one of the next tick's replication, sent to every player in every tick until it holds it.
        // One last snapshot, not repeated, is not enough: a player whose link lost it (or lost the notice with it) would keep
        // an end screen ticks behind the host's world, or time out and take the end for the host's loss.
        BeginEnding();
        plan = null; // a successor's was the plan of the host it lost: kept, Successors named that host's successors of an ended session
        Role = MigrationRole.Out;
        OutReason = MigrationOutReason.SessionEnded;
    }

    /// <summary>Stops the host role: every remote player is disconnected with <paramref name="reason"/>, then the server and the host systems go.</summary>
    private void StopServing(DisconnectReason reason)
    {
        server?.DisconnectAll(reason); // every connection, also one admitted before this peer heard of it (else ServerShutdown: a lost host)

        active?.Dispose();
        active = null;
        server?.Dispose();
        ForgetPeers();
    }

    /// <summary>
    /// The server is gone: what this peer knew of its players goes with it. Kept after a <see cref="Dispose"/>, the next
    /// session's host took the old connection ids for its new players' (a newcomer's first standby announcement counted as a
    /// second one, refused with <see cref="DisconnectReason.ProtocolViolation"/>), named old players owners in its plans, and
    /// destroyed entities for old players that never came back.
    /// </summary>
    private void ForgetPeers()
    {
        server = null;
        Host = null;
        clientIds.Clear();
        standbys.Clear();
        announced.Clear();
        unplanned.Clear();
        pending.Clear();
        order = new List<ulong>();
    }

    private void BecomeHost(uint epoch, List<ulong> successors, uint tick, uint nextNetworkId)
    {
        FinishGivingWay(); // the standby socket serves one server: the new host's
        server = new NetServer(standbySocket, new NetServerOptions
        {
            ProtocolId = options.ProtocolId,
            PrivateKey = standbyKey,
            PublicAddresses = [StandbyAddress],
            SchemaHash = registry.ProtocolHash,
            MaxClients = options.MaxClients,
        }, time, logger);
        var host = new NetworkHost(world, server, registry, options.Replication, ClientId, logger);
        host.Server.Replication.Resume(tick, nextNetworkId);
        host.Server.ClientConnected += OnPeerConnected;
        host.Server.ClientDisconnected += OnPeerDisconnected;
        host.Server.PlayerReleasedAfterEnd += OnPeerReleased;
        host.Server.RegisterHandler(MigrationPlan.StandbyMessage, OnStandby, new MessageBudget(MigrationPlan.StandbyBytes, 1, 4));
        host.Server.Sending += PublishPlan;
        Host = host;
        order = successors;
        Epoch = epoch;
        HostClientId = ClientId;
        Role = MigrationRole.Host;
        ticksSinceCheck = options.PlanCheckTicks;
        active = new Group<float>("host", [host, .. hostSystems(host)]);
        active.Initialize();
    }

    /// <summary>
    /// This peer was elected: its replica becomes the authoritative world. The departed host's entities are destroyed,
    /// every other owned entity waits for its owner's reconnect (<see cref="MigrationOptions.ReconnectGrace"/>), and
    /// the numbering of ticks and network ids goes on from the old host's.
    /// </summary>
    private void Promote(long now)
    {
        var old = plan!;
        var replica = Client!.Replication;
        pending.Clear();
        doomed.Clear();
        foreach (var (netId, owner, player) in old.Owners)
        {
            var entity = replica.Find(new NetworkId(netId));
            if (entity == Entity.Null || !world.IsAlive(entity)) continue;
            if (owner == old.Host)
            {
                doomed.Add(entity);
                continue;
            }

            if (!pending.TryGetValue(owner, out var held)) pending[owner] = held = new List<(Entity, bool)>();
            held.Add((entity, player));
        }

        uint highest = 0;
        foreach (ref var chunk in world.Query(in numberedQuery))
        {
            foreach (var id in chunk.GetReadOnlySpan<NetworkId>()) highest = Math.Max(highest, id.Value);
        }

        uint tick = Sequence.IsNewer(old.Tick, replica.NewestTick) ? old.Tick : replica.NewestTick; // across the tick wrap
        active!.Dispose();
        active = null;
        Client = null;
        netClient!.Dispose();
        netClient = null;
        foreach (var entity in doomed) world.Destroy(entity);
        doomed.Clear();
        foreach (ref var chunk in world.Query(in localQuery))
        {
            doomed.AddRange(chunk.Entities.ToArray());
        }

        foreach (var entity in doomed) world.Remove<LocalOwner>(entity); // the host marks what its local player owns itself
        doomed.Clear();

        var successors = old.Candidates.Select(c => c.ClientId).Where(id => id != ClientId && id != old.Host).ToList();
        BecomeHost(old.Epoch + 1, successors, tick, Math.Max(old.NextNetworkId, highest + 1));
        promotedAt = now;
        LastMigrationDuration = time.GetElapsedTime(lostAt, now);
        logger.LogInformation("Peer {Peer} took over from host {Host} at tick {Tick}; waiting for {Count} peers.", ClientId, old.Host, tick, pending.Count);
        LastHostChange = HostChangeCause.HostLost; // a successor hosts only when elected: it never follows itself
        HostChanged?.Invoke(ClientId);
    }

    private void OnPeerConnected(ConnectionId connection, ulong clientId)
    {
        clientIds[connection] = clientId;
        if (!Host!.Server.IsLocal(connection)) unplanned.Add(connection);
        if (clientId != ClientId && !order.Contains(clientId)) order.Add(clientId);
        ticksSinceCheck = options.PlanCheckTicks; // a new peer gets a plan at the end of this tick
        if (!pending.Remove(clientId, out var held)) return;
        foreach (var (entity, player) in held)
        {
            if (!world.IsAlive(entity)) continue;
            if (world.Has<NetworkOwner>(entity)) world.Set(entity, new NetworkOwner(connection));
            else world.Add(entity, new NetworkOwner(connection));
            if (player) Host!.Server.Players.Set(connection, entity);
            Restored++;
        }

        Host!.Server.Players.NoteRestored(connection); // PlayerConnected says Reconnected: the game spawns nothing
    }

    private void OnPeerDisconnected(ConnectionId connection, DisconnectReason reason)
    {
        announced.Remove(connection);
        unplanned.Remove(connection);
        if (!clientIds.Remove(connection, out ulong clientId)) return;
        ticksSinceCheck = options.PlanCheckTicks;
        if (server?.ConnectionOf(clientId) is not null)
        {
            // Replaced, not gone: its client connected again from the same socket (docs/PROTOCOL.md 3.6), and the new
            // connection is already the server's when this close is raised. The same player keeps its place in the order of
            // succession (at the end, another peer would take over when the host died) and its standby (the new connection
            // announces it again).
            return;
        }

        standbys.Remove(clientId);
        order.Remove(clientId);
    }

    private void OnStandby(ConnectionId connection, ReadOnlySpan<byte> message)
    {
        if (!clientIds.TryGetValue(connection, out ulong clientId) || Host!.Server.IsLocal(connection)) return;
        if (!announced.Add(connection))
        {
            // A peer announces its standby once per connection. Each change made the host send every peer a new plan
            // (up to 8 tokens of 1,024 bytes and 13 bytes per owned entity each): a peer changing its address every
            // second (the kind's rate) had the host upload hundreds of kilobytes a second for 52 bytes.
            Refused++;
            Host.Transport.Disconnect(connection, DisconnectReason.ProtocolViolation);
            return;
        }

        if (!MigrationPlan.TryReadStandby(message, out var key, out var named))
        {
            Refused++;
            return;
        }

        if (!Host.Transport.TryGetAddress(connection, out var source) || StandbyAt(named, source) is not { } address)
        {
            // Every peer of the plan would connect to the standby address after a migration (requests of ~1 KB, ten a
            // second each, for seconds): an address the peer does not hold would turn them on a victim. The IP its
            // connection proved (the handshake's cookie came back from it) is the only one it may name; the port is its own.
            Refused++;
            logger.LogWarning("Peer {Peer} announced a standby address {Announced} that is not its own ({Source}); it is no successor.", clientId, named, source);
            return;
        }

        standbys[clientId] = (address, NewIssuer(key));
        ticksSinceCheck = options.PlanCheckTicks;
    }

    /// <summary>
    /// A test seam, never set outside tests: a seeded generator for the nonces and keys of the tokens this peer issues (its
    /// plans' and <see cref="IssueToken"/>'s). A client spreads its keep-alives by its token's nonce
    /// (<see cref="ConnectTokenIssuer.RandomForTests"/>), so with random nonces a lossy simulation's seed fixes which
    /// datagrams are lost only up to the order the peers send in: the same seed ran two ways from one run to the next.
    /// </summary>
    internal ConnectTokenIssuer.RandomFill? TokenRandomForTests { get; init; }

    /// <summary>An issuer of tokens sealed with <paramref name="key"/> (of this peer's, or a successor's standby key).</summary>
    private ConnectTokenIssuer NewIssuer(ReadOnlySpan<byte> key) => TokenRandomForTests is { } fill
        ? new ConnectTokenIssuer(key, options.ProtocolId, time) { RandomForTests = fill }
        : new ConnectTokenIssuer(key, options.ProtocolId, time);

    /// <summary>
    /// The standby address a plan may name for a peer that announced <paramref name="announced"/> from
    /// <paramref name="source"/> (its connection's address): the announced port at the source's IP, when the announced IP
    /// is that IP or unspecified (a socket bound to any address: wherever the peer was reached); null for any other IP.
    /// </summary>
    internal static NetAddress? StandbyAt(in NetAddress announced, in NetAddress source)
    {
        if (!announced.IsUnspecified && announced.IpKey != source.IpKey) return null;
        return source.WithPort(announced.Port).WithKind(announced.Kind);
    }

    /// <summary>The entities of peers that did not come back within the grace are destroyed, like a departed player's.</summary>
    private void ExpirePending(long now)
    {
        if (pending.Count == 0 || time.GetElapsedTime(promotedAt, now) < options.ReconnectGrace) return;
        foreach (var (clientId, held) in pending)
        {
            foreach (var (entity, _) in held)
            {
                if (world.IsAlive(entity)) world.Destroy(entity);
            }

            logger.LogInformation("Peer {Peer} did not reconnect to the new host; its {Count} entities were destroyed.", clientId, held.Count);
        }

        pending.Clear();
    }

    /// <summary>
    /// Every <see cref="MigrationOptions.PlanCheckTicks"/> ticks (at once after a join, leave or standby announcement):
    /// when the successors or the owners changed, a peer connected since the last plan, or half the tokens' lifetime passed, every peer gets the plan with
    /// fresh tokens for each successor, on the reliable channel, with this tick's snapshots.
    /// </summary>
    private void PublishPlan()
    {
        if (++ticksSinceCheck < options.PlanCheckTicks) return;
        ticksSinceCheck = 0;
        var host = Host!;
        outgoing.Candidates.Clear();
        planOwners.Clear();
        var hash = default(HashCode);
        foreach (ulong id in order)
        {
            if (outgoing.Candidates.Count == MigrationPlan.MaxCandidates) break;
            if (!standbys.TryGetValue(id, out var standby)) continue;
            outgoing.Candidates.Add((id, standby.Address, []));
            hash.Add(id);
            hash.Add(standby.Address);
        }

        foreach (ref var chunk in world.Query(in ownedQuery))
        {
            var owners = chunk.GetReadOnlySpan<NetworkOwner>();
            var ids = chunk.GetReadOnlySpan<NetworkId>();
            var entities = chunk.Entities.AsSpan();
            for (int i = 0; i < owners.Length; i++)
            {
                if (!clientIds.TryGetValue(owners[i].Connection, out ulong owner)) continue; // its owner left
                bool player = host.Server.TryGetPlayerEntity(owners[i].Connection, out var entity) && entity == entities[i];
                planOwners.Add(ids[i].Value, owner, player);
            }
        }

        planOwners.CopyTo(outgoing.Owners); // at most MaxOwners, players' own entities first
        foreach (var (netId, owner, player) in outgoing.Owners)
        {
            hash.Add(netId);
            hash.Add(owner);
            hash.Add(player);
        }

        long now = time.GetTimestamp();
        int code = hash.ToHashCode();
        if (unplanned.Count == 0 && planVersion > 0 && code == planHash && time.GetElapsedTime(planSentAt, now) < options.TokenLifetime / 2) return;
        unplanned.Clear(); // every peer gets this one
        planHash = code;
        planSentAt = now;
        planOwners.Sent();
        outgoing.Epoch = Epoch;
        outgoing.Version = ++planVersion;
        outgoing.Tick = host.Server.Replication.Tick;
        outgoing.NextNetworkId = host.Server.Replication.NextNetworkId;
        outgoing.Host = ClientId;
        foreach (var (connection, recipient) in clientIds)
        {
            if (host.Server.IsLocal(connection)) continue;
            for (int i = 0; i < outgoing.Candidates.Count; i++)
            {
                var (id, address, _) = outgoing.Candidates[i];
                byte[] token = id == recipient ? [] : standbys[id].Issuer.Issue(recipient, [], options.TokenLifetime, [address], options.TimeoutSeconds);
                outgoing.Candidates[i] = (id, address, token);
            }

            int size = outgoing.Size;
            if (planBuffer.Length < size) planBuffer = new byte[size];
            int length = outgoing.Write(planBuffer);
            if (host.Transport.Send(connection, ChannelKind.ReliableOrdered, planBuffer.AsSpan(0, length)) == SendResult.Queued) PlansSent++;
            else (ticksSinceCheck, planHash) = (options.PlanCheckTicks, code + 1); // a full queue: again next tick
        }
    }
}

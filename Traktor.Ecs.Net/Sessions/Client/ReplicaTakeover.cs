using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// A player's copy of a player-hosted session's world, kept for a host migration, shared by <see cref="Multiplayer"/> and
/// Lua's <c>multiplayer</c>: the owners of the replicated entities the host last sent (<see cref="MigrationPlan"/>,
/// docs/PROTOCOL.md section 15), and, when this player becomes the successor, what hosting the replica takes
/// (<see cref="Plan"/>, which changes nothing) and the replica turned into the authoritative world (<see cref="Apply"/>,
/// once the new host serves: a start that fails leaves the world as the lost host last sent it).
/// </summary>
internal sealed class ReplicaTakeover
{
    private readonly QueryDescription numberedQuery = new QueryDescription().WithAll<NetworkId>();
    private readonly QueryDescription localQuery = new QueryDescription().WithAll<LocalOwner>();
    private MigrationPlan? owners;

    /// <summary>True once the host sent the owners of the replicated entities (what a successor hands back).</summary>
    public bool HasOwners => owners is not null;

    /// <summary>The version of the owners the host last sent, 0 before any.</summary>
    public uint OwnersVersion => owners?.Version ?? 0;

    /// <summary>Listens for the owners on <paramref name="client"/>.</summary>
    /// <param name="client">The player's network plugin.</param>
    /// <exception cref="InvalidOperationException">Something else on this client listens for them already.</exception>
    public void Listen(NetworkClient client) => client.RegisterHandler(MigrationPlan.PlanMessage, Receive);

    /// <summary>Forgets the owners (a new host sends its own).</summary>
    public void Clear() => owners = null;

    /// <summary>
    /// What hosting the replica takes, without changing the world: the lost host's entities (to destroy), every other owned
    /// entity by owner (handed back when its owner reaches the new host), and the tick and network id to go on from. On the
    /// tick thread.
    /// </summary>
    /// <param name="client">The player's network plugin, whose world the new host serves.</param>
    /// <param name="oldHost">The lost host.</param>
    /// <param name="grace">How long a player's entities wait for it to reach the new host.</param>
    /// <returns>What the new host starts from (<see cref="TakeoverHandback"/>), and the entities <see cref="Apply"/> destroys.</returns>
    public (HostedSession.Takeover Takeover, List<Entity> Doomed) Plan(NetworkClient client, long oldHost, TimeSpan grace)
    {
        var world = client.World;
        var replica = client.Replication;
        var pending = new Dictionary<ulong, List<(Entity Entity, bool Player)>>();
        var doomed = new List<Entity>();
        if (owners is { } plan)
        {
            foreach (var (netId, owner, player) in plan.Owners)
            {
                var entity = replica.Find(new NetworkId(netId));
                if (entity == Entity.Null || !world.IsAlive(entity)) continue;
                if (owner == (ulong)oldHost)
                {
                    doomed.Add(entity);
                    continue;
                }

                if (!pending.TryGetValue(owner, out var held)) pending[owner] = held = new();
                held.Add((entity, player));
            }
        }

        uint highest = 0;
        foreach (ref var chunk in world.Query(in numberedQuery))
        {
            foreach (var id in chunk.GetReadOnlySpan<NetworkId>()) highest = Math.Max(highest, id.Value);
        }

        uint tick = ResumeTick(owners, replica.NewestTick);
        uint next = Math.Max(owners?.NextNetworkId ?? 0, highest + 1);
        return (new HostedSession.Takeover(tick, next, pending, grace) { LostHost = (ulong)oldHost }, doomed);
    }

    /// <summary>
    /// The replica becomes the authoritative world, once the new host serves it: the client stops applying snapshots, the
    /// lost host's entities go, and the host marks what its local player owns itself. On the tick thread.
    /// </summary>
    /// <param name="client">The player's network plugin.</param>
    /// <param name="doomed">The lost host's entities (<see cref="Plan"/>); emptied.</param>
    public void Apply(NetworkClient client, List<Entity> doomed)
    {
        var world = client.World;
        client.Replication.Detach();
        client.KeepEntitiesOnDisconnect = false;
        owners = null;
        foreach (var entity in doomed)
        {
            if (world.IsAlive(entity)) world.Destroy(entity);
        }

        doomed.Clear();
        foreach (ref var chunk in world.Query(in localQuery)) doomed.AddRange(chunk.Entities.ToArray());
        foreach (var entity in doomed) world.Remove<LocalOwner>(entity);
        doomed.Clear();
    }

    /// <summary>
    /// The tick a new host goes on from: the newer of the owners' (when the host sent them) and the replica's newest, compared
    /// across the tick wrap as snapshots are (the larger number is the older one once the ticks wrapped between the two).
    /// </summary>
    /// <param name="plan">The owners the lost host last sent, or null.</param>
    /// <param name="newestTick">The replica's newest snapshot tick.</param>
    /// <returns>The tick to resume from.</returns>
    public static uint ResumeTick(MigrationPlan? plan, uint newestTick) =>
        plan is { } sent && Sequence.IsNewer(sent.Tick, newestTick) ? sent.Tick : newestTick;

    /// <summary>The kept world of a player-hosted session goes, as a client's does when its session is over.</summary>
    /// <param name="client">The player's network plugin.</param>
    public static void DropKeptEntities(NetworkClient client)
    {
        if (client.KeepEntitiesOnDisconnect)
        {
            client.KeepEntitiesOnDisconnect = false;
            client.Replication.Reset();
        }
    }

    /// <summary>Keeps the owners the host last sent (untrusted: a malformed message is ignored).</summary>
    private void Receive(ReadOnlySpan<byte> message)
    {
        if (MigrationPlan.TryRead(message) is { } plan)
        {
            owners = plan;
        }
    }
}

using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Peers;

/// <summary>
/// The owners a host puts in its <see cref="MigrationPlan"/>: at most <see cref="MigrationPlan.MaxOwners"/>. When more
/// entities have an owner, the players' own entities (<see cref="NetworkServer.SetPlayerEntity"/>) go first, then the other
/// entities of players connected now (the host's own included), then those of players within their reconnect grace, each
/// group in the order found. The rest are left out of the plan, counted on <see cref="PeerMetrics.PlanOwnersDropped"/>
/// when a plan goes out, and logged once each time the host starts leaving some out. After a migration an entity left
/// out is neither destroyed with the lost host's nor handed back to its owner: the successor keeps it, owned by nobody.
/// </summary>
internal sealed class PlanOwners(ILogger logger)
{
    private readonly List<(uint NetId, ulong ClientId, bool Player, int Rank)> found = new();
    private bool warned;

    /// <summary>How many owned entities the last <see cref="CopyTo"/> left out.</summary>
    public int Dropped { get; private set; }

    /// <summary>Starts a new list.</summary>
    public void Clear() => found.Clear();

    /// <summary>An owned entity: its network id, its owner, whether it is the owner's player entity, whether the owner is away (within its reconnect grace).</summary>
    public void Add(uint netId, ulong clientId, bool player, bool away = false) => found.Add((netId, clientId, player, player ? 0 : away ? 2 : 1));

    /// <summary>Replaces <paramref name="owners"/> with at most <see cref="MigrationPlan.MaxOwners"/> of the entities added, the most needed first.</summary>
    public void CopyTo(List<(uint NetId, ulong ClientId, bool Player)> owners)
    {
        owners.Clear();
        Dropped = Math.Max(0, found.Count - MigrationPlan.MaxOwners);
        if (Dropped > 0)
        {
            // One pass per rank, each in the order found, so the same world gives the same plan (and no sort allocates).
            for (int rank = 0; owners.Count < MigrationPlan.MaxOwners; rank++)
            {
                foreach (var (netId, clientId, player, entityRank) in found)
                {
                    if (entityRank != rank) continue;
                    owners.Add((netId, clientId, player));
                    if (owners.Count == MigrationPlan.MaxOwners) break;
                }
            }

            if (!warned)
            {
                warned = true;
                logger.LogWarning(
                    "{Count} entities have an owner, more than a migration plan carries ({Max}): {Dropped} are left out (players' own entities kept first). " +
                    "After a host migration the successor keeps those, owned by nobody.", found.Count, MigrationPlan.MaxOwners, Dropped);
            }

            return;
        }

        warned = false;
        foreach (var (netId, clientId, player, _) in found) owners.Add((netId, clientId, player));
    }

    /// <summary>A plan with <see cref="CopyTo"/>'s owners goes out: what it left out is counted.</summary>
    public void Sent()
    {
        if (Dropped > 0) PeerMetrics.PlanOwnersDropped.Add(Dropped);
    }
}

using System.Numerics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Replication.Server;

// How much further back than its view tick a client draws an entity sent less often than snapshots, so that lag
// compensation rewinds a hit test against it to where the shooter really saw it.
public sealed partial class ServerReplication
{
    /// <summary>
    /// How many ticks further back than the client's view tick (the snapshots' render tick, which
    /// <c>ServerInputs.ViewTick</c> reports) <paramref name="viewer"/> draws <paramref name="target"/>: 0 for an entity
    /// sent with every snapshot; for one whose types' <c>SendRate</c> sends it less often, the extra interpolation
    /// delay the client gives it (<see cref="Timing.ServerTickEstimator.InterpolationDelayTicksFor"/>), worked out
    /// the way the client does: from the types the viewer receives of it, the interval rounded up to whole
    /// snapshot spacings, twice the difference. 0 when the entity or the connection is not replicated.
    /// </summary>
    /// <param name="viewer">The connection whose view is asked about (the shooter).</param>
    /// <param name="target">A replicated entity (the one hit-tested).</param>
    // The client's two delays share their minimum and jitter terms, so only the spacing term differs, and the spacing
    // the client measures is this server's snapshot interval.
    public double ViewLagTicks(ConnectionId viewer, Entity target)
    {
        int slot = target.Id;
        if (!connections.TryGetValue(viewer, out var connection)
            || slot < 0
            || !tracker.IsTracked(slot)
            || tracker.Entities[slot] != target)
        {
            return 0;
        }

        int interval = int.MaxValue;
        for (ulong types = AudienceMask(connection, slot); types != 0; types &= types - 1)
        {
            interval = Math.Min(interval, components[BitOperations.TrailingZeroCount(types)].Type.SendIntervalTicks(options.TickRate));
        }

        int spacing = options.SnapshotInterval;
        if (interval == int.MaxValue || interval <= spacing)
        {
            return 0;
        }

        int entitySpacing = (interval + spacing - 1) / spacing * spacing;
        return 2.0 * (entitySpacing - spacing);
    }
}

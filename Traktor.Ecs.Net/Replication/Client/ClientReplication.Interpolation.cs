using System.Numerics;
using Traktor.Ecs.Net.Replication.Timing;

namespace Traktor.Ecs.Net.Replication.Client;

/// <summary>Presenting interpolated components: each entity at the render tick of its own send interval.</summary>
public sealed partial class ClientReplication
{
    /// <summary>
    /// Presents every interpolated component at the render tick for <paramref name="localSeconds"/>: the snapshots'
    /// (<see cref="ServerTickEstimator.RenderTick(double)"/>), or further back for an entity whose types' <c>SendRate</c>
    /// sends it less often than snapshots (<see cref="ServerTickEstimator.RenderTick(double, int)"/>).
    /// </summary>
    /// <param name="localSeconds">The local time now.</param>
    public void Interpolate(double localSeconds)
    {
        if (!Clock.HasEstimate)
        {
            return;
        }

        // Each entity at the delay of its own send interval: one sent less often than snapshots would otherwise
        // outrun its newest sample and stand still between sends.
        if (renderTicks.Length < store.SlotBound)
        {
            renderTicks = new double[Math.Max(store.SlotBound, renderTicks.Length * 2)];
        }

        double snapshotRenderTick = Clock.RenderTick(localSeconds);
        for (int slot = 0; slot < store.SlotBound; slot++)
        {
            int interval = store.SendIntervals[slot];
            renderTicks[slot] = interval <= 1 ? snapshotRenderTick : Clock.RenderTick(localSeconds, interval);
        }

        foreach (var component in components)
        {
            component.Interpolate(world, store, renderTicks);
        }
    }

    /// <summary>
    /// Forgets every replicated entity as <see cref="Detach"/> does, after showing each at the newest state received: an
    /// interpolated or predicted component leaves its delay or its prediction for what the server sent last (the final
    /// state of a session that ended, for an end screen).
    /// </summary>
    internal void DetachAtNewest()
    {
        foreach (var component in components)
        {
            component.ShowNewest(world, store);
        }

        Detach();
    }

    /// <summary>
    /// The fewest ticks between two sends of an entity with these types: the fastest of them, as the server paces it.
    /// The client sees only the types it receives (not another player's owner-only ones), so it can only err towards a
    /// longer interval, and a longer delay, never towards outrunning the entity's samples.
    /// </summary>
    private ushort SendIntervalOf(ulong typeMask)
    {
        ushort interval = ushort.MaxValue;
        for (ulong rest = typeMask; rest != 0; rest &= rest - 1)
        {
            interval = Math.Min(interval, typeSendIntervals[BitOperations.TrailingZeroCount(rest)]);
        }

        return typeMask == 0 ? (ushort)1 : interval;
    }
}

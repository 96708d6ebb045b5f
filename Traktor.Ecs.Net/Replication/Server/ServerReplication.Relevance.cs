using System.Runtime.CompilerServices;
using Traktor.Ecs.Net.Replication.Interest;

namespace Traktor.Ecs.Net.Replication.Server;

// Interest: which tracked entities a connection may see this tick. Split from the snapshot writer because it decides
// the candidate set, while ServerReplication.Snapshot.cs ranks, sizes and encodes it.
public sealed partial class ServerReplication
{
    /// <summary>
    /// Stamps the entities in range of the connection's viewer and lists the candidates to consider:
    /// with relevancy, only those in range plus owned and position-less ones, so the cost per
    /// connection follows what it can see, not the size of the world.
    /// </summary>
    private List<int> MarkRelevant(ConnectionReplicationState connection)
    {
        if (options.Relevancy is not { } relevancy || grid is null)
        {
            return tracker.Tracked;
        }

        relevantScratch.Clear();
        if (connection.HasViewer)
        {
            var marker = new RelevanceMarker(connection.Slots, Tick, relevantScratch);
            grid.QueryRadius(connection.Viewer, relevancy.Radius, ref marker);
        }

        relevantScratch.AddRange(unpositioned);
        foreach (int slot in connection.Owned)
        {
            if (RelevantTickOf(connection, slot) != Tick && tracker.HasPosition[slot])
            {
                relevantScratch.Add(slot);
            }
        }

        return relevantScratch;
    }

    private bool IsRelevant(ConnectionReplicationState connection, int slot) =>
        IsRelevant(connection, slot, options.Relevancy is null ? 0 : RelevantTickOf(connection, slot));

    /// <summary>Whether the slot is relevant, given the tick it was last found in range (0 when it has no state).</summary>
    private bool IsRelevant(ConnectionReplicationState connection, int slot, uint relevantTick)
    {
        bool inRange = options.Relevancy is null
            || !tracker.HasPosition[slot]
            || relevantTick == Tick
            || (tracker.HasOwner[slot] && tracker.Owners[slot] == connection.Connection);
        return inRange && (options.Filter is null || options.Filter(tracker.Entities[slot], connection.Connection));
    }

    private static uint RelevantTickOf(ConnectionReplicationState connection, int slot)
    {
        ref var state = ref connection.Slots.Find(slot);
        return Unsafe.IsNullRef(ref state) ? 0 : state.RelevantTick;
    }

    private void ForgetIrrelevant(ConnectionReplicationState connection)
    {
        var known = connection.Known;
        for (int i = known.Count - 1; i >= 0; i--)
        {
            int slot = known[i];
            if (!IsRelevant(connection, slot))
            {
                connection.PendingDespawns.Add(connection.SentNetIdOf(slot), Tick);
                connection.Forget(slot, Tick);
                Counters.Despawns++;
            }
        }
    }

    private readonly struct RelevanceMarker(SlotStates slots, uint tick, List<int> found) : IGridVisitor
    {
        public void Visit(int item, float distanceSquared)
        {
            slots.GetOrAdd(item).RelevantTick = tick;
            found.Add(item);
        }
    }
}

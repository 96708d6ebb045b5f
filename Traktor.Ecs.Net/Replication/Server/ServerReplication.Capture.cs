using Traktor.Ecs.Net.Replication.Interest;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Replication.Server;

public sealed partial class ServerReplication
{
    private readonly List<int> unpositioned = new();
    private SpatialGrid? grid;

    private void Capture()
    {
        uint captureVersion = world.ChangeVersion;
        bool first = lastCaptureVersion == 0;
        tracker.EnsureCapacity(world.IdBound);
        EnsureComponentCapacity();
        foreach (var connection in connectionList)
        {
            connection.HasViewer = false;
            connection.Owned.Clear();
        }

        unpositioned.Clear();

        foreach (ref var chunk in world.Query(in replicated))
        {
            if (components.Length == 0)
            {
                break; // nothing is replicated (an RPC-only game): see the constructor
            }

            var info = InfoOf(chunk.Archetype);
            var entities = chunk.Entities.AsSpan();
            var netIds = chunk.GetReadOnlySpan<NetworkId>();
            for (int row = 0; row < entities.Length; row++)
            {
                int slot = entities[row].Id;
                uint netId = netIds[row].Value;
                if (tracker.NetIds[slot] != netId)
                {
                    if (tracker.IsTracked(slot))
                    {
                        Despawn(slot);
                    }

                    tracker.Track(slot, entities[row], netId, Tick);
                    foreach (var component in components)
                    {
                        component.Clear(slot);
                    }
                }

                tracker.LastSeen[slot] = Tick;
                if (tracker.TypeMasks[slot] != info.Mask)
                {
                    ulong removed = tracker.TypeMasks[slot] & ~info.Mask;
                    foreach (var component in components)
                    {
                        if ((removed & (1UL << component.Type.Index)) != 0)
                        {
                            component.Clear(slot);
                        }
                    }

                    tracker.TypeMasks[slot] = info.Mask;
                    tracker.LastChange[slot] = Tick;
                }

                tracker.Importance[slot] = info.Importance;
                tracker.SendInterval[slot] = info.SendInterval;
                tracker.HasOwner[slot] = info.HasOwner;
                tracker.HasPosition[slot] = false;
            }

            if (info.HasOwner)
            {
                var owners = chunk.GetReadOnlySpan<NetworkOwner>();
                for (int row = 0; row < entities.Length; row++)
                {
                    tracker.Owners[entities[row].Id] = owners[row].Connection;
                    if (connections.TryGetValue(owners[row].Connection, out var owner))
                    {
                        owner.Owned.Add(entities[row].Id);
                    }
                }
            }

            if (!info.HasPosition)
            {
                foreach (var entity in entities)
                {
                    unpositioned.Add(entity.Id);
                }
            }
            else
            {
                options.Relevancy!.Capture(ref chunk, tracker.Positions, tracker.HasPosition);
                if (info.HasOwner)
                {
                    UpdateViewers(entities);
                }
            }

            foreach (var component in info.Components)
            {
                if (first || chunk.GetChangeVersion(component.Type.ComponentType) > lastCaptureVersion)
                {
                    component.Capture(ref chunk, Tick, tracker.LastChange);
                }
            }
        }

        lastCaptureVersion = captureVersion;
        world.AdvanceChangeVersion();
    }

    private void UpdateViewers(ReadOnlySpan<Entity> entities)
    {
        foreach (var entity in entities)
        {
            int slot = entity.Id;
            if (connections.TryGetValue(tracker.Owners[slot], out var owner) && !owner.HasViewer)
            {
                owner.Viewer = tracker.Positions[slot];
                owner.HasViewer = true;
            }
        }
    }

    private void EnsureComponentCapacity()
    {
        int capacity = tracker.Capacity;
        foreach (var component in components)
        {
            component.EnsureCapacity(capacity);
        }
    }

    private void DetectDespawns()
    {
        var tracked = tracker.Tracked;
        for (int i = tracked.Count - 1; i >= 0; i--)
        {
            int slot = tracked[i];
            if (tracker.LastSeen[slot] != Tick)
            {
                Despawn(slot);
            }
        }
    }

    /// <summary>The entity in <paramref name="slot"/> is gone: every connection that was sent it gets a despawn.</summary>
    private void Despawn(int slot)
    {
        uint netId = tracker.NetIds[slot];
        foreach (var connection in connectionList)
        {
            if (connection.IsKnown(slot))
            {
                connection.PendingDespawns.Add(netId, Tick);
                connection.Forget(slot, Tick);
                Counters.Despawns++;
            }
            else
            {
                connection.Slots.Remove(slot); // it waited with a priority, never sent: the slot's next entity starts afresh
            }
        }

        foreach (var component in components)
        {
            component.Clear(slot);
        }

        tracker.Untrack(slot);
    }

    private void BuildGrid()
    {
        if (options.Relevancy is not { } relevancy)
        {
            return;
        }

        grid ??= new SpatialGrid(relevancy.CellSize);
        grid.Clear();
        foreach (int slot in tracker.Tracked)
        {
            if (tracker.HasPosition[slot])
            {
                grid.Insert(slot, tracker.Positions[slot]);
            }
        }
    }
}

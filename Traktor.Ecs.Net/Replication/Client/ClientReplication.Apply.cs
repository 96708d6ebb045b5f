using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Replication.Client;

/// <summary>Applying a validated snapshot to the client world: despawns, spawns and updates.</summary>
public sealed partial class ClientReplication
{
    private void Apply(uint tick, int recordCount)
    {
        foreach (uint netId in despawns)
        {
            int slot = store.Find(netId);
            if (slot < 0)
            {
                store.Bury(netId, tick);
                continue;
            }

            if ((int)(store.LatestTick[slot] - tick) > 0)
            {
                continue; // respawned after this despawn was sent
            }

            Despawn(slot, tick);
            Counters.Despawns++;
        }

        for (int i = 0; i < recordCount; i++)
        {
            ref var record = ref records[i];
            if (store.IsBuried(record.NetId, tick))
            {
                continue;
            }

            bool spawned = false;
            int slot = store.Find(record.NetId);
            if (slot < 0)
            {
                slot = Spawn(record.NetId, record.TypeMask, tick);
                spawned = true;
            }

            foreach (var component in components)
            {
                if ((record.TypeMask & (1UL << component.Type.Index)) != 0)
                {
                    component.Store(slot, tick, i);
                }
            }

            if (!spawned && (int)(tick - store.LatestTick[slot]) <= 0)
            {
                continue; // an older state arriving late: a baseline now, but not news
            }

            var entity = store.Entities[slot];
            ulong previous = store.TypeMasks[slot];
            foreach (var component in components)
            {
                ulong bit = 1UL << component.Type.Index;
                if ((record.TypeMask & bit) != 0)
                {
                    component.Apply(world, entity, slot, i, tick, spawned);
                }
                else if ((previous & bit) != 0 && record.Full)
                {
                    component.Remove(world, entity, slot);
                }
            }

            store.LatestTick[slot] = tick;
            store.TypeMasks[slot] = record.Full ? record.TypeMask : previous | record.TypeMask;
            if (store.TypeMasks[slot] != previous)
            {
                store.SendIntervals[slot] = SendIntervalOf(store.TypeMasks[slot]);
            }
            if (!spawned)
            {
                MarkOwnership(entity, previous, store.TypeMasks[slot]);
            }
        }
    }

    private int Spawn(uint netId, ulong mask, uint tick)
    {
        if (!spawnSets.TryGetValue(mask, out var set))
        {
            int count = 0;
            spawnTypes[count++] = Component<NetworkId>.ComponentType;
            if ((mask & ownerOnlyTypes) != 0)
            {
                spawnTypes[count++] = Component<LocalOwner>.ComponentType;
            }

            foreach (var type in registry.Types)
            {
                if ((mask & (1UL << type.Index)) != 0)
                {
                    spawnTypes[count++] = type.ComponentType;
                }
            }

            set = new ComponentSet(spawnTypes.AsSpan(0, count));
            spawnSets.Add(mask, set);
        }

        // One archetype placement for the whole spawn; Apply then writes the values.
        var entity = world.Create(set);
        world.Set(entity, new NetworkId(netId));
        int slot = store.Add(netId, entity, tick);
        foreach (var component in components)
        {
            component.EnsureCapacity(store.SlotBound, 0);
            component.Clear(slot);
        }

        store.TypeMasks[slot] = 0;
        return slot;
    }

    /// <summary>
    /// Owner-only components reach only the owner, so holding one means "mine": the tag follows them (a
    /// spawn already placed it in the entity's archetype).
    /// </summary>
    private void MarkOwnership(Entity entity, ulong previousTypes, ulong types)
    {
        bool owned = (types & ownerOnlyTypes) != 0;
        if (owned == ((previousTypes & ownerOnlyTypes) != 0) || !world.IsAlive(entity))
        {
            return;
        }

        if (owned && !world.Has<LocalOwner>(entity))
        {
            world.Add(entity, new LocalOwner());
        }
        else if (!owned && world.Has<LocalOwner>(entity))
        {
            world.Remove<LocalOwner>(entity);
        }
    }

    private void Despawn(int slot, uint tick)
    {
        var entity = store.Entities[slot];
        if (world.IsAlive(entity))
        {
            world.Destroy(entity);
        }

        int previous = store.Retire(slot, tick); // its history stays readable for snapshots older than the despawn
        if (previous >= 0)
        {
            Release(previous);
        }
    }

    /// <summary>Releases retired slots no snapshot still accepted can name.</summary>
    private void ReleaseRetired()
    {
        store.TakeExpiredRetired(newestTick, releasedScratch);
        foreach (int slot in releasedScratch)
        {
            Release(slot);
        }

        releasedScratch.Clear();
    }

    private void Release(int slot)
    {
        foreach (var component in components)
        {
            component.Clear(slot);
        }

        store.Free(slot);
    }
}

using System.Runtime.CompilerServices;
using Traktor.Ecs.Net.Replication.Interpolation;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Replication.Client;

/// <summary>The client half of one replicated type: received-state history, decoding and applying.</summary>
internal abstract class ClientComponent
{
    protected ClientComponent(ReplicatedType type)
    {
        Type = type;
    }

    public ReplicatedType Type { get; }

    public abstract void EnsureCapacity(int slotCount, int recordCount);

    public abstract void Clear(int slot);

    /// <summary>Decodes this type's section; fails the decoder when a named baseline is not held.</summary>
    public abstract void ReadSection(ref StaticDeltaDecoder decoder, ReadOnlySpan<SnapshotRecord> records, uint tick, ref bool missingBaseline);

    public abstract void ReadSection(ref AdaptiveDeltaDecoder decoder, ReadOnlySpan<SnapshotRecord> records, uint tick, ref bool missingBaseline);

    /// <summary>True when the value of <paramref name="slot"/> at <paramref name="tick"/> is held (a usable baseline).</summary>
    public abstract bool HasValueAt(int slot, uint tick);

    /// <summary>Keeps a decoded value as a future baseline.</summary>
    public abstract void Store(int slot, uint tick, int recordIndex);

    /// <summary>Writes a decoded value into the entity (or its interpolation buffer).</summary>
    public abstract void Apply(World world, Entity entity, int slot, int recordIndex, uint tick, bool spawned);

    public abstract void Remove(World world, Entity entity, int slot);

    /// <summary>Presents interpolated values, each entity at its slot's entry of <paramref name="renderTicks"/>.</summary>
    public abstract void Interpolate(World world, ClientEntityStore store, ReadOnlySpan<double> renderTicks);

    /// <summary>For predicted types: writes the newest authoritative value back over the predicted one.</summary>
    public abstract void ResetPredicted(World world, ClientEntityStore store);

    /// <summary>Writes the newest value received over what the entity shows (interpolated, predicted or applied out of order).</summary>
    public abstract void ShowNewest(World world, ClientEntityStore store);

    /// <summary>For predicted types: rounds the values of the matching entities to wire precision.</summary>
    public abstract void RoundPredicted(World world, in QueryDescription predicted);

    /// <summary>For predicted types: keeps the wire-precision values of the matching entities, to compare after a replay.</summary>
    public abstract void RememberPredicted(World world, in QueryDescription predicted);

    /// <summary>For predicted types: true when a remembered entity's value now differs at wire precision.</summary>
    public abstract bool DiffersFromRemembered(World world, in QueryDescription predicted);
}

/// <summary>The typed client half; specialised per component by the JIT.</summary>
internal sealed class ClientComponent<TComponent, TSnapshot, TSerializer> : ClientComponent
    where TComponent : struct
    where TSnapshot : struct
    where TSerializer : struct, IComponentSerializer<TComponent, TSnapshot>
{
    private const int Ring = SnapshotFormat.ClientHistoryTicks;
    private TSnapshot[] ring = [];
    private uint[] ringTicks = [];
    private bool[] ringValid = [];
    private TSnapshot[] latest = [];
    private uint[] latestTick = [];
    private bool[] hasLatest = [];

    // The newest state whose ring place a newer state took. The server names the newest state it sent as a baseline
    // however old (docs/PROTOCOL.md §10.1); the newer states that overtake such a snapshot were all sent after it, and one
    // of them may fall in the baseline's ring place (of any 64 consecutive ticks, one does) after others took the newest
    // places: keeping only the state before the newest lost it. A state evicted after the baseline is older than it
    // (evicting a newer one takes a state 64 ticks past the overtaken snapshot, which is then too old to read), so the
    // newest evicted is the baseline.
    private TSnapshot[] evicted = [];
    private uint[] evictedTick = [];
    private bool[] hasEvicted = [];
    private TSnapshot[] staged = [];
    private InterpolationBuffer<TComponent>?[] buffers = [];
    private readonly Dictionary<Entity, TSnapshot> remembered = new();

    public ClientComponent(ReplicatedType type)
        : base(type)
    {
    }

    private bool Interpolated => Type.Smoothing == Smoothing.Interpolate;

    public override void EnsureCapacity(int slotCount, int recordCount)
    {
        if (staged.Length < recordCount)
        {
            Array.Resize(ref staged, Math.Max(recordCount, staged.Length * 2));
        }

        if (slotCount <= hasLatest.Length)
        {
            return;
        }

        int size = Math.Max(slotCount, Math.Max(64, hasLatest.Length * 2));
        Array.Resize(ref ring, size * Ring);
        Array.Resize(ref ringTicks, size * Ring);
        Array.Resize(ref ringValid, size * Ring);
        Array.Resize(ref latest, size);
        Array.Resize(ref latestTick, size);
        Array.Resize(ref hasLatest, size);
        Array.Resize(ref evicted, size);
        Array.Resize(ref evictedTick, size);
        Array.Resize(ref hasEvicted, size);
        Array.Resize(ref buffers, size);
    }

    public override void Clear(int slot)
    {
        Array.Clear(ringValid, slot * Ring, Ring);
        hasLatest[slot] = false;
        hasEvicted[slot] = false;
        buffers[slot]?.Clear();
    }

    public override void ReadSection(ref StaticDeltaDecoder decoder, ReadOnlySpan<SnapshotRecord> records, uint tick, ref bool missingBaseline) =>
        Read(ref decoder, records, tick, ref missingBaseline);

    public override void ReadSection(ref AdaptiveDeltaDecoder decoder, ReadOnlySpan<SnapshotRecord> records, uint tick, ref bool missingBaseline) =>
        Read(ref decoder, records, tick, ref missingBaseline);

    public override bool HasValueAt(int slot, uint tick) => TryGetAt(slot, tick, out _);

    public override void Store(int slot, uint tick, int recordIndex)
    {
        int at = (slot * Ring) + (int)(tick % Ring);
        if (ringValid[at] && (int)(tick - ringTicks[at]) > 0 && (!hasEvicted[slot] || (int)(ringTicks[at] - evictedTick[slot]) > 0))
        {
            evicted[slot] = ring[at];
            evictedTick[slot] = ringTicks[at];
            hasEvicted[slot] = true;
        }

        ring[at] = staged[recordIndex];
        ringTicks[at] = tick;
        ringValid[at] = true;
        if (!hasLatest[slot] || (int)(tick - latestTick[slot]) > 0)
        {
            latest[slot] = staged[recordIndex];
            latestTick[slot] = tick;
            hasLatest[slot] = true;
        }
    }

    public override void Apply(World world, Entity entity, int slot, int recordIndex, uint tick, bool spawned)
    {
        bool present = world.TryGet<TComponent>(entity, out var value);
        TSerializer.Dequantize(in staged[recordIndex], ref value);
        if (Interpolated)
        {
            var buffer = buffers[slot] ??= new InterpolationBuffer<TComponent>();
            buffer.Add(tick, in value);
            if (present && !spawned)
            {
                return; // the interpolation pass presents it
            }
        }

        if (present)
        {
            world.Set(entity, in value);
        }
        else
        {
            world.Add(entity, in value);
        }
    }

    public override void Remove(World world, Entity entity, int slot)
    {
        if (world.Has<TComponent>(entity))
        {
            world.Remove<TComponent>(entity);
        }

        Clear(slot);
    }

    public override void Interpolate(World world, ClientEntityStore store, ReadOnlySpan<double> renderTicks)
    {
        if (!Interpolated)
        {
            return;
        }

        ulong bit = 1UL << Type.Index;
        for (int slot = 0; slot < store.SlotBound; slot++)
        {
            if (!store.IsActive(slot) || (store.TypeMasks[slot] & bit) == 0 || buffers[slot] is not { } buffer)
            {
                continue;
            }

            if (buffer.TrySample(renderTicks[slot], out var from, out var to, out float alpha))
            {
                var value = TSerializer.Interpolate(in from, in to, alpha);
                world.Set(store.Entities[slot], in value);
            }
        }
    }

    public override void ResetPredicted(World world, ClientEntityStore store)
    {
        if (Type.Smoothing != Smoothing.Predict)
        {
            return;
        }

        ulong bit = 1UL << Type.Index;
        for (int slot = 0; slot < store.SlotBound; slot++)
        {
            if (store.IsActive(slot) && (store.TypeMasks[slot] & bit) != 0 && hasLatest[slot])
            {
                ref var value = ref world.Get<TComponent>(store.Entities[slot]);
                TSerializer.Dequantize(in latest[slot], ref value);
            }
        }
    }

    public override void ShowNewest(World world, ClientEntityStore store)
    {
        ulong bit = 1UL << Type.Index;
        for (int slot = 0; slot < store.SlotBound; slot++)
        {
            if (store.IsActive(slot) && (store.TypeMasks[slot] & bit) != 0 && hasLatest[slot] && world.IsAlive(store.Entities[slot])
                && world.Has<TComponent>(store.Entities[slot]))
            {
                ref var value = ref world.Get<TComponent>(store.Entities[slot]);
                TSerializer.Dequantize(in latest[slot], ref value);
            }
        }
    }

    public override void RoundPredicted(World world, in QueryDescription predicted)
    {
        if (Type.Smoothing != Smoothing.Predict)
        {
            return;
        }

        foreach (ref var chunk in world.Query(in predicted))
        {
            if (!chunk.Has<TComponent>())
            {
                continue;
            }

            foreach (ref var value in chunk.GetSpan<TComponent>())
            {
                TSerializer.Quantize(in value, out var wire);
                TSerializer.Dequantize(in wire, ref value);
            }
        }
    }

    public override void RememberPredicted(World world, in QueryDescription predicted)
    {
        remembered.Clear();
        if (Type.Smoothing != Smoothing.Predict)
        {
            return;
        }

        foreach (ref var chunk in world.Query(in predicted))
        {
            if (!chunk.Has<TComponent>())
            {
                continue;
            }

            var values = chunk.GetReadOnlySpan<TComponent>();
            var entities = chunk.Entities.AsSpan();
            for (int i = 0; i < values.Length; i++)
            {
                TSerializer.Quantize(in values[i], out var wire);
                remembered[entities[i]] = wire;
            }
        }
    }

    public override bool DiffersFromRemembered(World world, in QueryDescription predicted)
    {
        if (remembered.Count == 0)
        {
            return false;
        }

        foreach (ref var chunk in world.Query(in predicted))
        {
            if (!chunk.Has<TComponent>())
            {
                continue;
            }

            var values = chunk.GetReadOnlySpan<TComponent>();
            var entities = chunk.Entities.AsSpan();
            for (int i = 0; i < values.Length; i++)
            {
                if (remembered.TryGetValue(entities[i], out var before))
                {
                    TSerializer.Quantize(in values[i], out var now);
                    if (!TSerializer.SnapshotEquals(in before, in now))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Read<TDecoder>(ref TDecoder decoder, ReadOnlySpan<SnapshotRecord> records, uint tick, ref bool missingBaseline)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        ulong bit = 1UL << Type.Index;
        for (int i = 0; i < records.Length && !decoder.IsFailed; i++)
        {
            ref readonly var record = ref records[i];
            if ((record.TypeMask & bit) == 0)
            {
                continue;
            }

            TSnapshot predicted;
            if (record.Full)
            {
                predicted = default;
            }
            else if (!TryGetAt(record.Slot, record.Baseline0, out var b0)
                || !TryGetAt(record.Slot, record.Baseline1, out var b1)
                || !TryGetAt(record.Slot, record.Baseline2, out var b2))
            {
                missingBaseline = true;
                decoder.Fail();
                return;
            }
            else
            {
                var prediction = DeltaPrediction.FromTicks(tick, record.Baseline0, record.Baseline1, record.Baseline2, record.BaselineCount);
                TSerializer.Predict(in b0, in b1, in b2, in prediction, out predicted);
            }

            TSerializer.ReadDelta(ref decoder, in predicted, out staged[i]);
        }
    }

    private bool TryGetAt(int slot, uint tick, out TSnapshot value)
    {
        if (slot >= 0 && slot < hasLatest.Length)
        {
            int at = (slot * Ring) + (int)(tick % Ring);
            if (ringValid[at] && ringTicks[at] == tick)
            {
                value = ring[at];
                return true;
            }

            if (hasLatest[slot] && latestTick[slot] == tick)
            {
                value = latest[slot];
                return true;
            }

            if (hasEvicted[slot] && evictedTick[slot] == tick)
            {
                value = evicted[slot];
                return true;
            }
        }

        value = default;
        return false;
    }
}

using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>The server half of one replicated type: its shared history and its snapshot section writer.</summary>
internal abstract class ServerComponent
{
    protected ServerComponent(ReplicatedType type)
    {
        Type = type;
    }

    public ReplicatedType Type { get; }

    public abstract void EnsureCapacity(int slotCount);

    public abstract void Clear(int slot);

    /// <summary>Quantizes the chunk's values into the history; bumps <paramref name="lastChange"/> of entities whose value changed.</summary>
    public abstract void Capture(ref Chunk chunk, uint tick, uint[] lastChange);

    /// <summary>True when the history still holds the value at <paramref name="tick"/>.</summary>
    public abstract bool HasValueAt(int slot, uint tick);

    public abstract void WriteSection(ref StaticDeltaEncoder encoder, ReadOnlySpan<SnapshotRecord> records, uint tick);

    public abstract void WriteSection(ref AdaptiveDeltaEncoder encoder, ReadOnlySpan<SnapshotRecord> records, uint tick);
}

/// <summary>The typed server half; the JIT specialises it per component, so nothing is boxed.</summary>
internal sealed class ServerComponent<TComponent, TSnapshot, TSerializer> : ServerComponent
    where TComponent : struct
    where TSnapshot : struct
    where TSerializer : struct, IComponentSerializer<TComponent, TSnapshot>
{
    private readonly ComponentHistory<TSnapshot> history = new();

    public ServerComponent(ReplicatedType type)
        : base(type)
    {
    }

    public override void EnsureCapacity(int slotCount) => history.EnsureCapacity(slotCount);

    public override void Clear(int slot) => history.Clear(slot);

    public override void Capture(ref Chunk chunk, uint tick, uint[] lastChange)
    {
        var values = chunk.GetReadOnlySpan<TComponent>();
        var entities = chunk.Entities.AsSpan();
        bool predicted = Type.Smoothing == Smoothing.Predict;

        // Predicted state is rounded to wire precision in place, as the owner's prediction rounds it after
        // every predicted tick: both sides then step from the same numbers, and a correction means a
        // misprediction (a late or lost input), never rounding. Written around the change version on
        // purpose: the rounding is not gameplay, and bumping it would make the chunk look changed forever.
        var rounded = predicted ? MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(values), values.Length) : default;
        for (int row = 0; row < values.Length; row++)
        {
            int slot = entities[row].Id;
            TSerializer.Quantize(in values[row], out var snapshot);
            if (predicted)
            {
                TSerializer.Dequantize(in snapshot, ref rounded[row]);
            }

            if (history.Has(slot) && TSerializer.SnapshotEquals(in history.Newest(slot), in snapshot))
            {
                continue;
            }

            history.Append(slot, tick, in snapshot);
            lastChange[slot] = tick;
        }
    }

    public override bool HasValueAt(int slot, uint tick) => history.TryGet(slot, tick, out _);

    public override void WriteSection(ref StaticDeltaEncoder encoder, ReadOnlySpan<SnapshotRecord> records, uint tick) =>
        Write(ref encoder, records, tick);

    public override void WriteSection(ref AdaptiveDeltaEncoder encoder, ReadOnlySpan<SnapshotRecord> records, uint tick) =>
        Write(ref encoder, records, tick);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Write<TEncoder>(ref TEncoder encoder, ReadOnlySpan<SnapshotRecord> records, uint tick)
        where TEncoder : IDeltaEncoder, allows ref struct
    {
        ulong bit = 1UL << Type.Index;
        foreach (ref readonly var record in records)
        {
            if ((record.TypeMask & bit) == 0)
            {
                continue;
            }

            ref readonly var current = ref history.Newest(record.Slot);
            TSnapshot predicted;
            if (record.Full)
            {
                predicted = default;
            }
            else
            {
                history.TryGet(record.Slot, record.Baseline0, out var b0);
                var b1 = b0;
                var b2 = b0;
                if (record.BaselineCount > 1)
                {
                    history.TryGet(record.Slot, record.Baseline1, out b1);
                    b2 = b1;
                }

                if (record.BaselineCount > 2)
                {
                    history.TryGet(record.Slot, record.Baseline2, out b2);
                }

                var prediction = DeltaPrediction.FromTicks(tick, record.Baseline0, record.Baseline1, record.Baseline2, record.BaselineCount);
                TSerializer.Predict(in b0, in b1, in b2, in prediction, out predicted);
            }

            TSerializer.WriteDelta(ref encoder, in current, in predicted);
        }
    }
}

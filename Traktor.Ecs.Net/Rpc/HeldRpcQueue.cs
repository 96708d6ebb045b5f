using System.Buffers;

namespace Traktor.Ecs.Net.Rpc;

/// <summary>
/// RPCs a client received before the snapshot they were sent after, kept in arrival order until that
/// snapshot is applied (or until they waited too long). Releasing every eligible entry in arrival order
/// keeps each reliable-ordered stream in order — its ticks never decrease — while an unreliable RPC stamped
/// with a later tick never blocks a reliable one behind it. Copies live in pooled arrays.
/// </summary>
internal sealed class HeldRpcQueue
{
    private readonly List<Entry> entries = new();

    /// <summary>RPCs held.</summary>
    public int Count => entries.Count;

    /// <summary>Holds a copy of <paramref name="payload"/>.</summary>
    /// <param name="type">Its RPC type.</param>
    /// <param name="tick">The snapshot tick it waits for.</param>
    /// <param name="payload">Its bytes (copied).</param>
    /// <param name="arrivedSeconds">Local arrival time.</param>
    public void Add(RpcType type, uint tick, ReadOnlySpan<byte> payload, double arrivedSeconds)
    {
        var copy = ArrayPool<byte>.Shared.Rent(Math.Max(1, payload.Length));
        payload.CopyTo(copy);
        entries.Add(new Entry(type, tick, copy, payload.Length, arrivedSeconds));
    }

    /// <summary>Releases, in arrival order, every RPC whose snapshot was applied or that waited too long.</summary>
    /// <param name="newestTick">The newest applied snapshot tick (0 before the first: then only RPCs stamped 0, sent before any snapshot, are ready).</param>
    /// <param name="deadlineSeconds">Entries that arrived before this are released anyway.</param>
    /// <param name="maxHeld">Entries beyond this many, oldest first, are released anyway.</param>
    /// <param name="release">Called per released RPC with whether it was released early.</param>
    public void Release(uint newestTick, double deadlineSeconds, int maxHeld, RpcRelease release)
    {
        int kept = 0;
        int excess = entries.Count - maxHeld;
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            bool ready = (int)(entry.Tick - newestTick) <= 0; // serial-number order: ticks wrap
            bool early = !ready && (entry.ArrivedSeconds < deadlineSeconds || i < excess);
            if (ready || early)
            {
                release(entry.Type, entry.Buffer.AsSpan(0, entry.Length), early);
                ArrayPool<byte>.Shared.Return(entry.Buffer);
            }
            else
            {
                entries[kept++] = entry;
            }
        }

        entries.RemoveRange(kept, entries.Count - kept);
    }

    /// <summary>Forgets every held RPC (the connection ended).</summary>
    /// <returns>How many were discarded.</returns>
    public int Clear()
    {
        int count = entries.Count;
        foreach (var entry in entries)
        {
            ArrayPool<byte>.Shared.Return(entry.Buffer);
        }

        entries.Clear();
        return count;
    }

    private readonly record struct Entry(RpcType Type, uint Tick, byte[] Buffer, int Length, double ArrivedSeconds);
}

namespace Traktor.Ecs.Net.Rpc;

/// <summary>
/// RPCs for one connection held until the next tick that carries its snapshot
/// (<see cref="ServerReplicationOptions.SnapshotRate"/> below the tick rate). An RPC is stamped with the newest
/// snapshot sent before it, and the client applies it only after that snapshot; sent on a tick between two snapshots
/// it would be stamped with the older one, which lacks what this tick spawned — an RPC naming a bullet fired now would
/// reach the client before the bullet. Held, it leaves after the next snapshot, in the same packet, stamped with it.
/// The payloads are copied into one buffer that grows to the largest interval's worth and is then reused.
/// </summary>
internal sealed class RpcOutbox
{
    private readonly List<Item> items = new(4);
    private byte[] bytes = new byte[256];
    private int used;

    /// <summary>RPCs held.</summary>
    public int Count => items.Count;

    /// <summary>Holds a copy of an RPC's payload.</summary>
    public void Add(RpcType type, ReadOnlySpan<byte> payload)
    {
        if (used + payload.Length > bytes.Length)
        {
            Array.Resize(ref bytes, Math.Max(bytes.Length * 2, used + payload.Length));
        }

        payload.CopyTo(bytes.AsSpan(used));
        items.Add(new Item(type, used, payload.Length));
        used += payload.Length;
    }

    /// <summary>The <paramref name="index"/>-th held RPC's type, in the order they were added.</summary>
    public RpcType TypeAt(int index) => items[index].Type;

    /// <summary>The <paramref name="index"/>-th held RPC's payload.</summary>
    public ReadOnlySpan<byte> PayloadAt(int index) => bytes.AsSpan(items[index].Offset, items[index].Length);

    /// <summary>Forgets every held RPC (they were sent).</summary>
    public void Clear()
    {
        items.Clear();
        used = 0;
    }

    private readonly record struct Item(RpcType Type, int Offset, int Length);
}

namespace Traktor.Ecs.Net.Rpc;

/// <summary>
/// This tick's outgoing RPCs, serialized into one reusable buffer and then sorted by send order: the
/// send pass visits RPC types one query at a time, but the wire must keep the order the game sent them in.
/// Buffers grow to the largest tick seen and are reused, so steady-state sending allocates nothing.
/// </summary>
internal sealed class RpcStaging
{
    private readonly int maxPayload;
    private byte[] buffer;
    private int used;
    private Record[] records = new Record[64];
    private Entity[] entities = new Entity[64];

    /// <summary>Creates the staging area.</summary>
    /// <param name="maxPayload">The largest payload an RPC may have.</param>
    public RpcStaging(int maxPayload)
    {
        this.maxPayload = maxPayload;
        buffer = new byte[Math.Max(4096, maxPayload * 4)];
    }

    /// <summary>Staged RPCs.</summary>
    public int Count { get; private set; }

    /// <summary>Space for the next payload (<c>maxPayload</c> bytes; a writer that needs more overflows).</summary>
    /// <returns>The span to write into.</returns>
    public Span<byte> Reserve()
    {
        if (buffer.Length - used < maxPayload)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, used + maxPayload));
        }

        return buffer.AsSpan(used, maxPayload);
    }

    /// <summary>Records the payload just written into <see cref="Reserve"/>.</summary>
    /// <param name="type">Its RPC type.</param>
    /// <param name="outgoing">Its target and order.</param>
    /// <param name="length">Its length, or -1 when it did not fit.</param>
    /// <param name="entity">The event entity, destroyed after sending.</param>
    public void Commit(RpcType type, in RpcOutgoing outgoing, int length, Entity entity)
    {
        if (Count == records.Length)
        {
            Array.Resize(ref records, Count * 2);
            Array.Resize(ref entities, Count * 2);
        }

        records[Count] = new Record(type, outgoing, used, length);
        entities[Count] = entity;
        Count++;
        used += Math.Max(0, length);
    }

    /// <summary>Stages every pending RPC entity of every registered type, then puts them in send order.</summary>
    /// <param name="world">The world holding the pending RPC entities.</param>
    /// <param name="registry">The RPC types.</param>
    public void Collect(World world, RpcRegistry registry)
    {
        foreach (var type in registry.TypeSpan)
        {
            type.Stage(world, this);
        }

        SortBySendOrder();
    }

    /// <summary>Sorts the staged RPCs into send order.</summary>
    public void SortBySendOrder() =>
        records.AsSpan(0, Count).Sort(static (a, b) => a.Outgoing.Order.CompareTo(b.Outgoing.Order));

    /// <summary>One staged RPC, in send order after <see cref="SortBySendOrder"/>.</summary>
    /// <param name="index">0 to <see cref="Count"/> − 1.</param>
    /// <returns>The record.</returns>
    public ref readonly Record this[int index] => ref records[index];

    /// <summary>The payload of a record.</summary>
    /// <param name="record">A staged record with a non-negative length.</param>
    /// <returns>Its bytes.</returns>
    public ReadOnlySpan<byte> Payload(in Record record) => buffer.AsSpan(record.Offset, record.Length);

    /// <summary>Destroys every staged entity and empties the staging area.</summary>
    /// <param name="world">The world they live in.</param>
    public void DestroyAndClear(World world)
    {
        for (int i = 0; i < Count; i++)
        {
            world.Destroy(entities[i]);
            records[i] = default;
        }

        Count = 0;
        used = 0;
    }

    /// <summary>A staged RPC.</summary>
    /// <param name="Type">Its type.</param>
    /// <param name="Outgoing">Its target and order.</param>
    /// <param name="Offset">Where its payload starts.</param>
    /// <param name="Length">Its payload length, or -1 when it overflowed the maximum size.</param>
    public readonly record struct Record(RpcType Type, RpcOutgoing Outgoing, int Offset, int Length);
}

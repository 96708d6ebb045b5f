namespace Traktor.Ecs.Net.Replication.Client;

/// <summary>
/// The network ids of every snapshot this client applied in the last <see cref="SnapshotFormat.ClientHistoryTicks"/>
/// ticks, by tick: a later snapshot's entity list is coded against one of them (its reference, docs/PROTOCOL.md
/// §10.1), which the server names only after the transport acknowledged it. A snapshot that was dropped is not
/// here, so a list coded against it cannot be read: the snapshot is dropped and corrected like a missing baseline.
/// Each tick's slot keeps its array and grows it only past its largest list, so steady play allocates nothing.
/// </summary>
internal sealed class ReceivedEntityLists
{
    private const int Length = SnapshotFormat.ClientHistoryTicks;
    private readonly uint[] ticks = new uint[Length];
    private readonly bool[] held = new bool[Length];
    private readonly int[] counts = new int[Length];
    private readonly uint[][] ids = new uint[Length][];

    public ReceivedEntityLists()
    {
        for (int i = 0; i < Length; i++)
        {
            ids[i] = new uint[32];
        }
    }

    /// <summary>Remembers the ids of the snapshot of <paramref name="tick"/> (in record order, increasing).</summary>
    public void Store(uint tick, ReadOnlySpan<SnapshotRecord> records)
    {
        int at = (int)(tick % Length);
        if (ids[at].Length < records.Length)
        {
            ids[at] = new uint[Math.Max(records.Length, ids[at].Length * 2)];
        }

        var list = ids[at];
        for (int i = 0; i < records.Length; i++)
        {
            list[i] = records[i].NetId;
        }

        ticks[at] = tick;
        counts[at] = records.Length;
        held[at] = true;
    }

    /// <summary>The ids of the applied snapshot of <paramref name="tick"/>, if it is still held.</summary>
    public bool TryGet(uint tick, out ReadOnlySpan<uint> list)
    {
        int at = (int)(tick % Length);
        if (held[at] && ticks[at] == tick)
        {
            list = ids[at].AsSpan(0, counts[at]);
            return true;
        }

        list = default;
        return false;
    }

    /// <summary>Forgets every list (the client was reset).</summary>
    public void Clear() => Array.Clear(held);
}

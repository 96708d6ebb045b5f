namespace Traktor.Ecs.Net.Replication;

/// <summary>
/// How a delta record names its baselines: how many (1–3), the age of the newest one, and the gaps
/// between it and the older ones. Written as differences from the previous record's shape.
/// </summary>
/// <param name="Count">Baselines, 1–3 (0 only for <see cref="None"/>).</param>
/// <param name="Age">Snapshot tick minus the newest baseline's tick (&gt; 0).</param>
/// <param name="Gap1">Newest minus second baseline (&gt; 0 when used).</param>
/// <param name="Gap2">Second minus third baseline (&gt; 0 when used).</param>
internal readonly record struct BaselineShape(int Count, int Age, int Gap1, int Gap2)
{
    /// <summary>The shape before the first delta record of a snapshot.</summary>
    public static BaselineShape None => new(1, 0, 0, 0);

    /// <summary>True when every used number is in range.</summary>
    public bool IsValid =>
        Count is >= 1 and <= 3 && Age > 0 && (Count < 2 || Gap1 > 0) && (Count < 3 || Gap2 > 0)
        && (long)Age + Gap1 + Gap2 < int.MaxValue;

    public static BaselineShape Of(in SnapshotRecord record, uint tick) => new(
        record.BaselineCount,
        unchecked((int)(tick - record.Baseline0)),
        record.BaselineCount > 1 ? unchecked((int)(record.Baseline0 - record.Baseline1)) : 0,
        record.BaselineCount > 2 ? unchecked((int)(record.Baseline1 - record.Baseline2)) : 0);

    public void ApplyTo(ref SnapshotRecord record, uint tick)
    {
        record.BaselineCount = (byte)Count;
        record.Baseline0 = tick - (uint)Age;
        record.Baseline1 = Count > 1 ? record.Baseline0 - (uint)Gap1 : record.Baseline0;
        record.Baseline2 = Count > 2 ? record.Baseline1 - (uint)Gap2 : record.Baseline1;
    }
}

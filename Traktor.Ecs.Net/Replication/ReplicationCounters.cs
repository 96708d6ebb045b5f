using Traktor.Ecs.Net.Replication;

namespace Traktor.Ecs.Net;

/// <summary>Running totals of one side of replication, for the dashboard, metrics and tests.</summary>
public sealed class ReplicationCounters
{
    /// <summary>Snapshots sent (server) or applied (client).</summary>
    public long Snapshots { get; internal set; }

    /// <summary>Snapshot bytes sent (server) or received (client).</summary>
    public long SnapshotBytes { get; internal set; }

    /// <summary>Server: bits spent on each replicated component type (registry index), over every snapshot sent.</summary>
    public IReadOnlyList<long> ComponentBits => componentBits;

    /// <summary>Server: bits spent on the entity lists (ids, spawn flags, baselines, types) and despawns.</summary>
    public long EntityListBits { get; internal set; }

    private long[] componentBits = [];

    internal void AddComponentBits(int typeIndex, long bits)
    {
        if (typeIndex >= componentBits.Length)
        {
            Array.Resize(ref componentBits, typeIndex + 1);
        }

        componentBits[typeIndex] += bits;
    }

    /// <summary>The largest snapshot so far, in bytes.</summary>
    public long LargestSnapshot { get; internal set; }

    /// <summary>Entity records sent (server) or applied (client).</summary>
    public long Records { get; internal set; }

    /// <summary>Despawns sent (server) or applied (client).</summary>
    public long Despawns { get; internal set; }

    /// <summary>Despawns written into snapshots, repeats included (server; for tests of the resend delay).</summary>
    internal long DespawnsCarried { get; set; }

    /// <summary>Snapshots whose first try did not fit and were re-encoded with fewer entities.</summary>
    public long Reencoded { get; internal set; }

    /// <summary>
    /// Client: dropped snapshots that made it owe an acknowledgement message (a correction of the packet acks). Server:
    /// valid corrections handled (each costs work in proportion to the entities the connection knows; budgeted, §9.2).
    /// </summary>
    public long Corrections { get; internal set; }

    /// <summary>Server: delivered snapshots whose acknowledgement the client took back because it did not apply them.</summary>
    public long Unacknowledged { get; internal set; }

    /// <summary>Acknowledgements that were malformed, from the future, or from an unknown connection.</summary>
    public long InvalidAcks { get; internal set; }

    /// <summary>Snapshots dropped by a client as malformed (truncated, garbage, bad counts).</summary>
    public long MalformedSnapshots { get; internal set; }

    /// <summary>Snapshots dropped by a client because a baseline they name is no longer held.</summary>
    public long MissingBaselines { get; internal set; }

    /// <summary>Snapshots held back by a client because their tick jumped far ahead and no second snapshot confirmed it.</summary>
    public long SuspiciousTicks { get; internal set; }

    /// <summary>
    /// The totals as one line, sizes in bytes: "snapshots 240 (61,440 B, largest 512 B), records 1,900, despawns 4,
    /// re-encoded 0, invalid acks 0, malformed 0, missing baselines 0, suspicious ticks 0".
    /// </summary>
    /// <returns>The totals.</returns>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"snapshots {Snapshots:N0} ({SnapshotBytes:N0} B, largest {LargestSnapshot:N0} B), records {Records:N0}, despawns {Despawns:N0}, re-encoded {Reencoded:N0}, invalid acks {InvalidAcks:N0}, malformed {MalformedSnapshots:N0}, missing baselines {MissingBaselines:N0}, suspicious ticks {SuspiciousTicks:N0}");
}

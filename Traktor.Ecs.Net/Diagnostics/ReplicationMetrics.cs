using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>
/// Replication and prediction instruments on the assembly's meter (<see cref="NetMetrics.MeterName"/>),
/// so <c>dotnet-counters</c> and OpenTelemetry see them beside the transport's.
/// </summary>
public static class ReplicationMetrics
{
    /// <summary>Snapshots written by servers.</summary>
    public static readonly Counter<long> SnapshotsSent = NetMetrics.Meter.CreateCounter<long>("traktor.replication.snapshots.sent", "{snapshot}", "Snapshots written by the server");

    /// <summary>Snapshot bytes written by servers.</summary>
    public static readonly Counter<long> SnapshotBytes = NetMetrics.Meter.CreateCounter<long>("traktor.replication.snapshot.bytes", "By", "Snapshot bytes written by the server");

    /// <summary>Entity records written by servers.</summary>
    public static readonly Counter<long> Records = NetMetrics.Meter.CreateCounter<long>("traktor.replication.records", "{record}", "Entity records written by the server");

    /// <summary>Snapshots applied by clients.</summary>
    public static readonly Counter<long> SnapshotsApplied = NetMetrics.Meter.CreateCounter<long>("traktor.replication.snapshots.applied", "{snapshot}", "Snapshots applied by clients");

    /// <summary>Snapshots dropped by clients (malformed or naming a baseline no longer held).</summary>
    public static readonly Counter<long> SnapshotsDropped = NetMetrics.Meter.CreateCounter<long>("traktor.replication.snapshots.dropped", "{snapshot}", "Snapshots dropped by clients");

    /// <summary>Acknowledgements the server ignored as malformed.</summary>
    public static readonly Counter<long> InvalidAcks = NetMetrics.Meter.CreateCounter<long>("traktor.replication.acks.invalid", "{message}", "Malformed or impossible acknowledgements");

    /// <summary>Client rollbacks after a snapshot.</summary>
    public static readonly Counter<long> Rollbacks = NetMetrics.Meter.CreateCounter<long>("traktor.prediction.rollbacks", "{rollback}", "Client resets to authoritative state");

    /// <summary>Ticks re-simulated by clients.</summary>
    public static readonly Counter<long> ReplayedTicks = NetMetrics.Meter.CreateCounter<long>("traktor.prediction.replayed_ticks", "{tick}", "Ticks re-simulated after a correction");

    /// <summary>Inputs rejected by server validation.</summary>
    public static readonly Counter<long> InvalidInputs = NetMetrics.Meter.CreateCounter<long>("traktor.prediction.inputs.invalid", "{input}", "Inputs rejected by validation");
}

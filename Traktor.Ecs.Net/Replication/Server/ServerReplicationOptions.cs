using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Replication.Server;

namespace Traktor.Ecs.Net;

/// <summary>How the server replicates: tick rate, packet and bandwidth budgets, coder, relevancy.</summary>
public sealed class ServerReplicationOptions
{
    /// <summary>Server ticks per second (the rate at which the server group is ticked).</summary>
    public int TickRate { get; set; } = 60;

    /// <summary>The largest snapshot in bytes; keep it below the transport MTU minus its headers.</summary>
    public int MaxSnapshotBytes { get; set; } = 1100;

    /// <summary>The bandwidth budget per connection for snapshots, in bytes per second.</summary>
    public int BytesPerSecond { get; set; } = 128 * 1024;

    /// <summary>The entropy coder of snapshot deltas.</summary>
    public DeltaCoder Coder { get; set; } = DeltaCoder.Adaptive;

    /// <summary>Interest management; null sends every replicated entity to every connection.</summary>
    public Relevancy? Relevancy { get; set; }

    /// <summary>An extra per-connection rule: return false to hide an entity from a connection.</summary>
    public Func<Entity, ConnectionId, bool>? Filter { get; set; }

    /// <summary>Ticks to wait before re-sending a spawn that has not been acknowledged yet.</summary>
    public int SpawnResendTicks { get; set; } = 8;

    /// <summary>The most despawns carried by one snapshot (the rest follow in the next ones).</summary>
    public int MaxDespawnsPerSnapshot { get; set; } = 128;
}

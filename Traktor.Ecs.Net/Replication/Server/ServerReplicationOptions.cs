using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Replication.Server;

namespace Traktor.Ecs.Net;

/// <summary>How the server replicates: tick rate, packet and bandwidth budgets, coder, relevancy.</summary>
public sealed class ServerReplicationOptions
{
    /// <summary>Server ticks per second (the rate at which the server group is ticked).</summary>
    public int TickRate { get; set; } = 60;

    /// <summary>
    /// Snapshots per second to each client (Netcode for Entities' network tick rate); 0, or anything at or above
    /// <see cref="TickRate"/>, sends one every tick. Below the tick rate a client gets a snapshot every
    /// <see cref="SnapshotInterval"/> ticks, carrying every change since the previous one, and the connections are
    /// spread over those ticks so the server's work per tick falls too. Half the rate sends about half the bytes (a
    /// snapshot is hardly larger: deltas are against the acknowledged state either way). The cost is latency: the
    /// client's interpolation delay grows by twice the spacing beyond one tick that it observes (room for the gap and
    /// one lost snapshot; 2 ticks at 30 of 60), and a prediction is confirmed at the snapshot rate. Input, RPCs and acknowledgements from clients are not affected; the input
    /// status and the server's RPCs to a client wait for its next snapshot and ride with it.
    /// </summary>
    public int SnapshotRate { get; set; }

    /// <summary>Ticks between two snapshots to one client: <see cref="TickRate"/> / <see cref="SnapshotRate"/>, rounded, at least 1.</summary>
    public int SnapshotInterval => SnapshotRate <= 0 || SnapshotRate >= TickRate
        ? 1
        : Math.Max(1, (int)Math.Round((double)TickRate / SnapshotRate));

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

    /// <summary>
    /// The most despawns carried by one snapshot (the rest follow in the next ones), oldest first; at most 4,096, the
    /// protocol's limit. Within it a snapshot carries as many as half its bytes hold (nearly all of them when no entity
    /// waits to be sent), so a client that fell behind catches up; to a client that has not acknowledged a despawn
    /// lately, 128 at most.
    /// </summary>
    public int MaxDespawnsPerSnapshot { get; set; } = 4096;
}

using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net;

/// <summary>
/// How the server replicates: tick rate, packet and bandwidth budgets, coder, relevancy. The server keeps a copy, checked
/// (<see cref="Validate"/>) when it is made: changing this object afterwards changes nothing.
/// </summary>
public sealed class ServerReplicationOptions
{
    /// <summary>Server ticks per second (the rate at which the server group is ticked); 60 by default, 1 to <see cref="TickRateLimit"/>.</summary>
    public int TickRate { get; set; } = 60;

    /// <summary>
    /// Snapshots per second to each client (Netcode for Entities' network tick rate); 0, or anything at or above
    /// <see cref="TickRate"/>, sends one every tick. Below the tick rate a client gets a snapshot every
    /// <see cref="SnapshotInterval"/> ticks, carrying every change since the previous one, and the connections are
    /// spread over those ticks so the server's work per tick falls too. Half the rate sends about half the bytes (a
    /// snapshot is hardly larger: deltas are against the acknowledged state either way). The cost is latency: the
    /// client's interpolation delay grows by twice the spacing beyond one tick that it observes (room for the gap and
    /// one lost snapshot; 2 ticks at 30 of 60), and a prediction is confirmed at the snapshot rate. Input, RPCs and acknowledgements from clients are not affected; the input
    /// status and the server's RPCs to a client wait for its next snapshot and ride with it. At least 0.
    /// </summary>
    public int SnapshotRate { get; set; }

    /// <summary>Ticks between two snapshots to one client: <see cref="TickRate"/> / <see cref="SnapshotRate"/>, rounded, at least 1.</summary>
    public int SnapshotInterval => SnapshotRate <= 0 || SnapshotRate >= TickRate
        ? 1
        : Math.Max(1, (int)Math.Round((double)TickRate / SnapshotRate));

    /// <summary>
    /// The largest snapshot in bytes; 1,100 by default, below the 1,200-byte MTU less its headers. From
    /// <see cref="MinMaxSnapshotBytes"/> (a smaller budget never sent a snapshot) to <see cref="MaxSnapshotBytesLimit"/>:
    /// snapshots are never fragmented, and no transport carries a larger unfragmented message. A connection whose MTU
    /// carries less gets snapshots of what it carries.
    /// </summary>
    public int MaxSnapshotBytes { get; set; } = 1100;

    /// <summary>
    /// The bandwidth budget per connection for snapshots, in bytes per second; 128 KiB by default. Positive (zero or less
    /// never sent a snapshot); any larger value, up to <see cref="int.MaxValue"/>, leaves only <see cref="MaxSnapshotBytes"/>
    /// a snapshot as the cap.
    /// </summary>
    public int BytesPerSecond { get; set; } = 128 * 1024;

    /// <summary>The entropy coder of snapshot deltas; one of <see cref="DeltaCoder"/>'s values.</summary>
    public DeltaCoder Coder { get; set; } = DeltaCoder.Adaptive;

    /// <summary>Interest management; null sends every replicated entity to every connection.</summary>
    public Relevancy? Relevancy { get; set; }

    /// <summary>An extra per-connection rule: return false to hide an entity from a connection.</summary>
    public Func<Entity, ConnectionId, bool>? Filter { get; set; }

    /// <summary>
    /// Ticks to wait before re-sending a spawn that has not been acknowledged yet; 8 by default, 1 to
    /// 64, the ticks of snapshots a client keeps: the server forgets a snapshot's delivery after that many
    /// ticks, so a longer wait only left a lost spawn unsent.
    /// </summary>
    public int SpawnResendTicks { get; set; } = 8;

    /// <summary>
    /// The most despawns carried by one snapshot (the rest follow in the next ones), oldest first; at most 4,096, the
    /// protocol's limit. Within it a snapshot carries as many as half its bytes hold (nearly all of them when no entity
    /// waits to be sent), so a client that fell behind catches up; to a client that has not acknowledged a despawn
    /// lately, 128 at most. At least 1: zero never sent a despawn, and the client was cut for the backlog.
    /// </summary>
    public int MaxDespawnsPerSnapshot { get; set; } = 4096;

    /// <summary>The highest <see cref="TickRate"/>: 1,000 ticks a second, one a millisecond.</summary>
    public const int TickRateLimit = 1000;

    /// <summary>The smallest <see cref="MaxSnapshotBytes"/>: 64 bytes; the server sends no snapshot in a smaller budget.</summary>
    public const int MinMaxSnapshotBytes = 64;

    /// <summary>
    /// The largest <see cref="MaxSnapshotBytes"/>: 8,151 bytes, the largest message carried unfragmented at the largest MTU
    /// (8,192 less 41 bytes of headers, docs/PROTOCOL.md §9).
    /// </summary>
    public const int MaxSnapshotBytesLimit = PacketLayout.MaximumMtu - PacketLayout.SealedHeaderSize - PacketCipher.TagSize
        - PacketLayout.MaxAckHeaderSize - PacketLayout.MaxRecordHeaderSize;

    /// <summary>Throws when a value is out of range (a server checks its copy when it is made).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range, named by the exception's parameter name.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(TickRate, 1, nameof(TickRate));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TickRate, TickRateLimit, nameof(TickRate));
        ArgumentOutOfRangeException.ThrowIfNegative(SnapshotRate, nameof(SnapshotRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSnapshotBytes, MinMaxSnapshotBytes, nameof(MaxSnapshotBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxSnapshotBytes, MaxSnapshotBytesLimit, nameof(MaxSnapshotBytes));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BytesPerSecond, nameof(BytesPerSecond));
        // An undefined coder wrote the static flag and then coded adaptively: every client failed every snapshot.
        if (Coder is not (DeltaCoder.Static or DeltaCoder.Adaptive))
            throw new ArgumentOutOfRangeException(nameof(Coder), Coder, "Coder must be DeltaCoder.Static or DeltaCoder.Adaptive.");
        ArgumentOutOfRangeException.ThrowIfLessThan(SpawnResendTicks, 1, nameof(SpawnResendTicks));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SpawnResendTicks, SnapshotFormat.ClientHistoryTicks, nameof(SpawnResendTicks));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDespawnsPerSnapshot, 1, nameof(MaxDespawnsPerSnapshot));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxDespawnsPerSnapshot, SnapshotFormat.MaxDespawns, nameof(MaxDespawnsPerSnapshot));
    }

    /// <summary>The copy a server keeps: <see cref="Relevancy"/> is immutable and <see cref="Filter"/> the caller's callback, so a shallow copy is whole.</summary>
    internal ServerReplicationOptions Snapshot() => (ServerReplicationOptions)MemberwiseClone();
}

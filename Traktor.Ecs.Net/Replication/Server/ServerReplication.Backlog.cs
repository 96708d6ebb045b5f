using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Replication.Server;

// The despawn backlog: what each connection still has to be told is gone, how much of it a snapshot carries, and when a
// connection that stopped acknowledging it is cut. Split from the snapshot writer because it decides a bound on memory
// per connection (docs/SECURITY.md), not what a snapshot looks like.
//
// Why the backlog cannot grow without bound for anybody, and why an honest player is still never cut:
// - A pending despawn names an entity the client was sent. While a connection holds DespawnHoldBack or more, it is sent
//   no new entity but those it owns (its respawned avatar must show), and from DespawnOwnedHoldBack none at all (only
//   updates of those it has and the despawns), so the backlog grows past that mark by at most the entities it knows (at
//   most the tracked slots, which DespawnOwnedHoldBack leaves room for below the limit). Below it only its own entities'
//   churn adds to a backlog that an acknowledging client drains by thousands a snapshot.
// - A client that acknowledges snapshots drains the backlog as fast as the snapshot's bytes allow (despawns are a few
//   bits each, sorted and delta-coded), not a fixed 128 a snapshot: behind, it catches up.
// - A connection is cut only when it holds DespawnHoldBack or more and acknowledged none of them for longer than its
//   connection's timeout (a client that acknowledges nothing: SECURITY.md, attack review 16), or when it holds more than the limit,
//   which only corrections taking acknowledgements back can make it do.
public sealed partial class ServerReplication
{
    /// <summary>
    /// The hard limit on despawns a connection may leave unacknowledged, at least (docs/SECURITY.md). The hold-back keeps
    /// an acknowledging client far below it.
    /// </summary>
    internal const int MinDespawnBacklog = 16_384;

    /// <summary>Despawns a snapshot carries at most to a client that has not acknowledged one lately (it may be gone or lying).</summary>
    internal const int StalledDespawnsPerSnapshot = 128;

    /// <summary>
    /// How much longer than its connection's timeout a connection holding <see cref="DespawnHoldBack"/> or more may go
    /// without acknowledging one of them: a client gone dark is timed out by the transport (TimedOut) and one back within
    /// the timeout catches up. A fixed 5 s would cut a client dark for 5–10 s while the entities it knew died with
    /// SendQueueOverflow though the transport would keep it; a fixed 15 s would do the same to one dark for 20 s under a
    /// 30 s timeout (DespawnBacklogTests). Memory stays bounded meanwhile by <see cref="DespawnBacklogLimit"/>.
    /// </summary>
    internal const int DespawnStallMarginSeconds = 5;

    /// <summary>The connection timeout assumed when the transport does not tell one: <see cref="NetPeerOptions.Timeout"/>'s default.</summary>
    internal static readonly TimeSpan DefaultConnectionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The longest stall allowed whatever the timeout (a day), so the tick arithmetic cannot overflow.</summary>
    private static readonly TimeSpan MaxDespawnStall = TimeSpan.FromDays(1);

    /// <summary>
    /// Despawns a connection may leave unacknowledged before it is cut whatever it acknowledges: <see cref="MinDespawnBacklog"/>,
    /// or twice the entity slots tracked when the world is larger (a client may lose sight of everything it knew at once).
    /// </summary>
    internal int DespawnBacklogLimit => Math.Max(MinDespawnBacklog, 2 * tracker.Capacity);

    /// <summary>
    /// From this many despawns pending a connection is sent no new entities until it drains below: a quarter of the
    /// limit, so that the entities it knows (at most the tracked slots, half the limit) can all die on top of it.
    /// </summary>
    internal int DespawnHoldBack => DespawnBacklogLimit / 4;

    /// <summary>
    /// From this many despawns pending a connection is not sent even new entities it owns (held back from
    /// <see cref="DespawnHoldBack"/> on, those still go: a respawned avatar must not be invisible to its player): half the
    /// limit, so that the entities it knows (at most the tracked slots, half the limit) can all die on top of it.
    /// </summary>
    internal int DespawnOwnedHoldBack => DespawnBacklogLimit / 2;

    /// <summary>
    /// Ticks a connection with timeout <paramref name="connectionTimeout"/> may hold <see cref="DespawnHoldBack"/> or more
    /// despawns without acknowledging one: the timeout plus <see cref="DespawnStallMarginSeconds"/> (15 s at the default
    /// 10 s timeout), at most a day.
    /// </summary>
    internal int DespawnStallTicksFor(TimeSpan connectionTimeout)
    {
        var timeout = connectionTimeout > TimeSpan.Zero ? connectionTimeout : DefaultConnectionTimeout;
        // Summed in seconds: a "never time out" TimeSpan.MaxValue plus the margin would overflow a TimeSpan.
        double seconds = Math.Min(timeout.TotalSeconds + DespawnStallMarginSeconds, MaxDespawnStall.TotalSeconds);
        return (int)Math.Ceiling(seconds * Math.Max(1, options.TickRate));
    }

    /// <summary>
    /// Connections cut since the owner last cleared this, for having stopped acknowledging their despawns:
    /// <see cref="NetworkServer"/> disconnects them (<see cref="DisconnectReason.SendQueueOverflow"/>). They get no more
    /// snapshots and no more despawns are queued for them.
    /// </summary>
    internal List<ConnectionId> CutConnections { get; } = new();

    /// <summary>
    /// Cuts the connection when it holds <see cref="DespawnHoldBack"/> or more despawns and acknowledged none for its
    /// <see cref="ConnectionReplicationState.DespawnStallTicks"/>, or holds more than <see cref="DespawnBacklogLimit"/>.
    /// </summary>
    /// <returns>True when it was cut.</returns>
    private bool CutIfStalled(ConnectionReplicationState connection)
    {
        int pending = connection.PendingDespawns.Count;
        if (pending == 0)
        {
            connection.DespawnsAckedTick = Tick;
            return false;
        }

        bool stalled = pending >= DespawnHoldBack && (int)(Tick - connection.DespawnsAckedTick) > connection.DespawnStallTicks;
        if (!stalled && pending <= DespawnBacklogLimit)
        {
            return false;
        }

        logger.LogWarning(
            "Connection {Connection} left {Count} despawns unacknowledged for {Ticks} ticks; it is cut.",
            connection.Connection, pending, Tick - connection.DespawnsAckedTick);
        connection.IsCut = true;
        connection.PendingDespawns.Abandon();
        CutConnections.Add(connection.Connection);
        return true;
    }

    /// <summary>
    /// Whether the client acknowledged a despawn lately (within about two round trips and two snapshots), or had none
    /// pending: such a client is sent as many despawns as fit, one that does not only <see cref="StalledDespawnsPerSnapshot"/>,
    /// so it does not fill the sent-snapshot log with thousands of despawns a snapshot that nobody acknowledges.
    /// </summary>
    private bool AcknowledgesDespawns(ConnectionReplicationState connection) =>
        (int)(Tick - connection.DespawnsAckedTick) <= (2 * connection.ResendAfterTicks) + (2 * options.SnapshotInterval);

    /// <summary>
    /// Chooses the despawns of the next snapshot: the oldest pending, as many as fit half of <paramref name="limit"/>
    /// (nearly all of it when no entity waits to be sent), within <see cref="ServerReplicationOptions.MaxDespawnsPerSnapshot"/>
    /// and the protocol's limit. They are left sorted in <see cref="despawnScratch"/>.
    /// </summary>
    /// <param name="connection">The receiver.</param>
    /// <param name="limit">The snapshot's size limit in bytes.</param>
    /// <param name="bits">The despawn list's estimated size in bits.</param>
    /// <returns>How many.</returns>
    internal int ChooseDespawns(ConnectionReplicationState connection, int limit, out double bits)
    {
        bits = 0;
        int count = Math.Min(connection.PendingDespawns.Count, Math.Min(options.MaxDespawnsPerSnapshot, SnapshotFormat.MaxDespawns));
        if (count > 0 && !AcknowledgesDespawns(connection))
        {
            count = Math.Min(count, StalledDespawnsPerSnapshot);
        }

        count = CopyDueDespawns(connection, count);
        if (count <= 0)
        {
            return 0;
        }

        double budget = ((limit * 8.0) - HeaderBits) * (candidateCount > 0 ? 0.5 : 0.9);
        // The cost depends on the gaps between the ids chosen once sorted. Sorting up to 4,096 ids to measure them, then
        // again after shrinking (up to four rounds), cost more than all the rest of a behind client's snapshot
        // (DespawnChoiceBenchmarks): the prefix that fits is estimated from its id range before one sort instead; the
        // encoder's retry shrinks further should the estimate be short.
        count = SnapshotBody.DespawnsWithin(despawnScratch.AsSpan(0, count), budget);
        var chosen = despawnScratch.AsSpan(0, count);
        chosen.Sort();
        bits = SnapshotBody.DespawnListBits(chosen);
        return count;
    }

    /// <summary>
    /// Copies the oldest pending despawns due now, at most <paramref name="count"/>, into <see cref="despawnScratch"/>,
    /// sorted by id; returns how many. Due are those not carried yet or carried a resend delay ago
    /// (<see cref="ConnectionReplicationState.ResendAfterTicks"/>) and still unacknowledged, so the snapshots of one round
    /// trip do not all repeat the same ones.
    /// </summary>
    private int FillDespawns(ConnectionReplicationState connection, int count)
    {
        var span = despawnScratch.AsSpan(0, CopyDueDespawns(connection, count));
        span.Sort();
        return span.Length;
    }

    /// <summary>Copies the oldest pending despawns due now, at most <paramref name="count"/>, into <see cref="despawnScratch"/> in queue order; returns how many.</summary>
    private int CopyDueDespawns(ConnectionReplicationState connection, int count)
    {
        if (despawnScratch.Length < count)
        {
            Array.Resize(ref despawnScratch, Math.Max(count, despawnScratch.Length * 2));
        }

        return connection.PendingDespawns.CopyDue(despawnScratch.AsSpan(0, count), Tick, connection.ResendAfterTicks);
    }
}

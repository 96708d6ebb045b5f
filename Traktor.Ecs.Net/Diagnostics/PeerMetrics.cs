using System.Diagnostics.Metrics;

namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>
/// Peer-to-peer instruments (shared authority, the peer mesh) on the assembly's meter (<see cref="NetMetrics.MeterName"/>),
/// beside the transport's and replication's: the same numbers as the counters of <see cref="SharedAuthority{T, TSnapshot, TSerializer}"/>
/// and <see cref="PeerMesh"/>, each tagged <c>traktor.peer_id</c> (the peer that counted it) so a dashboard sees which
/// peer of a process is being attacked.
/// </summary>
public static class PeerMetrics
{
    /// <summary>The tag naming the peer that counted a measurement.</summary>
    public const string PeerTag = "traktor.peer_id";

    /// <summary>The tag naming why a shared write was refused: <c>malformed</c> (or forged), <c>claim_jump</c>, <c>over_budget</c>, <c>not_owner</c> (a destroy under an outranked claim).</summary>
    public const string ReasonTag = "traktor.reason";

    /// <summary>
    /// Owned entities a listen-server host left out of a migration plan it sent (more than its 16,384 owners, players' own
    /// entities kept first): after a host migration the successor keeps them, owned by nobody (docs/P2P.md). Untagged.
    /// </summary>
    public static readonly Counter<long> PlanOwnersDropped = NetMetrics.Meter.CreateCounter<long>("traktor.peers.plan.owners_dropped", "{entity}", "Owned entities left out of a host migration plan");

    /// <summary>Writes and relayed claims of other peers applied.</summary>
    public static readonly Counter<long> WritesApplied = NetMetrics.Meter.CreateCounter<long>("traktor.peers.writes.applied", "{write}", "Shared writes of other peers applied");

    /// <summary>Shared writes refused, tagged with <see cref="ReasonTag"/>.</summary>
    public static readonly Counter<long> WritesRefused = NetMetrics.Meter.CreateCounter<long>("traktor.peers.writes.refused", "{write}", "Shared writes refused (malformed, claim jump, over budget)");

    /// <summary>Entities a peer lost to a claim that outranked its own.</summary>
    public static readonly Counter<long> ClaimsLost = NetMetrics.Meter.CreateCounter<long>("traktor.peers.claims.lost", "{claim}", "Entities lost to an outranking claim");

    /// <summary>Claims of other peers a peer adopted and passed on to every linked peer (docs/P2P.md, "Claims are relayed").</summary>
    public static readonly Counter<long> ClaimsRelayed = NetMetrics.Meter.CreateCounter<long>("traktor.peers.claims.relayed", "{claim}", "Claims relayed to the other peers");

    /// <summary>Links cut with ProtocolViolation because their peer sent too many malformed or forged writes.</summary>
    public static readonly Counter<long> PeersCut = NetMetrics.Meter.CreateCounter<long>("traktor.peers.cut", "{link}", "Links cut for malformed or forged writes");

    /// <summary>Entities claimed by the session host because their owner left or died.</summary>
    public static readonly Counter<long> Inherited = NetMetrics.Meter.CreateCounter<long>("traktor.peers.inherited", "{entity}", "Entities inherited from departed peers");

    /// <summary>Shared entities destroyed by another peer's destroy (docs/P2P.md, "Destroying shared entities").</summary>
    public static readonly Counter<long> DestroysApplied = NetMetrics.Meter.CreateCounter<long>("traktor.peers.destroys.applied", "{entity}", "Shared entities destroyed by other peers' destroys");

    /// <summary>
    /// Tombstones of destroyed shared entities dropped early to keep a budget: the peer that introduced them held its
    /// <c>MaxTombstonesPerPeer</c>, or all peers together <c>MaxEntities</c> (docs/SECURITY.md, tombstone churn).
    /// </summary>
    public static readonly Counter<long> TombstonesRecycled = NetMetrics.Meter.CreateCounter<long>("traktor.peers.tombstones.recycled", "{tombstone}", "Tombstones dropped early to keep a peer's budget");

    /// <summary>Links to a peer's server cut as soon as they were up (the wrong direction, or a second link of one peer).</summary>
    public static readonly Counter<long> LinksRefused = NetMetrics.Meter.CreateCounter<long>("traktor.peers.links.refused", "{link}", "Peer links refused");
}

using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>What a server did with the datagrams it received; for tests, dashboards and alerts.</summary>
public sealed class NetServerCounters
{
    /// <summary>Datagrams read from the transport.</summary>
    public long DatagramsReceived { get; internal set; }

    /// <summary>Datagrams dropped for their size, type or layout.</summary>
    public long Malformed { get; internal set; }

    /// <summary>Datagrams from connected addresses that failed authentication, replay or validation.</summary>
    public long RejectedFromConnected { get; internal set; }

    /// <summary>Pre-connection packets ignored by the per-address rate limit.</summary>
    public long RateLimited { get; internal set; }

    /// <summary>Connect tokens that failed to decrypt (forged, tampered, or for another server key or protocol).</summary>
    public long InvalidTokens { get; internal set; }

    /// <summary>Challenge responses whose cookie or key proof was wrong or stale.</summary>
    public long InvalidResponses { get; internal set; }

    /// <summary>Challenges sent.</summary>
    public long ChallengesSent { get; internal set; }

    /// <summary>Connection attempts refused with a reason.</summary>
    public long Denied { get; internal set; }

    /// <summary>
    /// Datagrams from a connection dropped for its budgets: unread beyond its per-update datagram budget, or
    /// unacknowledged (so they are resent) when they carry reliable messages ahead of a receive window that still
    /// holds messages deferred by the message budget.
    /// </summary>
    public long DatagramsOverBudget { get; internal set; }

    /// <summary>Unreliable messages dropped because their connection's per-update budget or the event queue was full.</summary>
    public long MessagesOverBudget { get; internal set; }

    /// <summary>Reliable messages held in their channel's window for a later update by a budget (delayed, never lost).</summary>
    public long ReliableDeferred { get; internal set; }

    /// <summary>Violations by authenticated peers: packets breaking the protocol, and updates over budget.</summary>
    public long ProtocolViolations { get; internal set; }

    /// <summary>Connections closed with <see cref="DisconnectReason.ProtocolViolation"/>.</summary>
    public long ViolationDisconnects { get; internal set; }

    /// <summary>Connection attempts refused by the per-address or per-subnet connection limit.</summary>
    public long AddressLimited { get; internal set; }

    /// <summary>Idle connections closed with <see cref="DisconnectReason.Idle"/> to make room for a newcomer.</summary>
    public long IdleReclaimed { get; internal set; }

    /// <summary>
    /// Connections closed (<see cref="DisconnectReason.ClientDisconnected"/>) because their client completed a new handshake
    /// from the same address: it gave the old connection up, and the new one takes its place.
    /// </summary>
    public long Replaced { get; internal set; }

    /// <summary>
    /// Connection requests of another protocol version answered with the server's version (the client ends with
    /// <see cref="DisconnectReason.ProtocolVersionMismatch"/>); requests beyond the answer budget are only counted in <see cref="Malformed"/>.
    /// </summary>
    public long VersionMismatchesAnswered { get; internal set; }

    /// <summary>Handshake packets refused because their connect token already created a connection.</summary>
    public long TokensReused { get; internal set; }

    /// <summary>Unexpected exceptions caught while handling a datagram; always 0 unless there is a bug.</summary>
    public long InternalErrors { get; internal set; }

    /// <summary>The counts as one line (datagrams, messages and connection attempts), every counter by name.</summary>
    /// <returns>The counts.</returns>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"datagrams {DatagramsReceived:N0} (malformed {Malformed:N0}, rejected from connected {RejectedFromConnected:N0}, rate-limited {RateLimited:N0}, over budget {DatagramsOverBudget:N0}), invalid tokens {InvalidTokens:N0}, invalid responses {InvalidResponses:N0}, challenges sent {ChallengesSent:N0}, denied {Denied:N0}, version mismatches answered {VersionMismatchesAnswered:N0}, messages over budget {MessagesOverBudget:N0}, reliable deferred {ReliableDeferred:N0}, protocol violations {ProtocolViolations:N0}, violation disconnects {ViolationDisconnects:N0}, internal errors {InternalErrors:N0}");
}

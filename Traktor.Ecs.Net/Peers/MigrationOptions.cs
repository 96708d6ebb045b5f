using Traktor.Ecs.Net.Replication.Server;

namespace Traktor.Ecs.Net;

/// <summary>Settings of a <see cref="MigratingPeer"/>; every peer of a game uses the same.</summary>
public sealed class MigrationOptions
{
    /// <summary>The game's protocol id (the transport's <c>ProtocolId</c>).</summary>
    public ulong ProtocolId { get; set; }

    /// <summary>The server tick rate; 1 to <see cref="ServerReplicationOptions.TickRateLimit"/>.</summary>
    public int TickRate { get; set; } = 60;

    /// <summary>
    /// How long the host may stay silent before a peer gives it up and migrates (default 1 s). A host sends a snapshot
    /// every tick, so silence this long means it died; a graceful leave (<c>ServerShutdown</c>) or the connection's
    /// timeout migrates at once. Positive and at most <see cref="NetPeerOptions.TimeoutLimit"/> (a day): a host that gives way
    /// repeats its notice for twice this (docs/P2P.md).
    /// </summary>
    public TimeSpan HostSilence { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a peer tries to reach an elected successor before it passes to the next candidate (default 3 s). Following a
    /// lost plan after its host gave way, a successor that does not answer within <see cref="HostSilence"/> (longer on a lossy link) is passed sooner
    /// (docs/P2P.md). Positive and at most <see cref="NetPeerOptions.TimeoutLimit"/>.
    /// </summary>
    public TimeSpan ReconnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long a new host keeps the entities of a peer that has not reconnected yet (default 10 s); then they are destroyed.
    /// At least zero and at most <see cref="Sessions.ReconnectGrace.PeriodLimit"/> (one day), as <see cref="RpcOptions.ReconnectGracePeriod"/>.
    /// </summary>
    public TimeSpan ReconnectGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the host checks whether its plan changed (candidates, owners) and sends it (default every 15 ticks).</summary>
    public int PlanCheckTicks { get; set; } = 15;

    /// <summary>How long the successors' connect tokens in a plan are valid (default 5 min); plans are sent again at half of it.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The connection timeout in the successors' tokens, in seconds (default 3); 1 to 86,400 (one day, <see cref="NetPeerOptions.TimeoutLimit"/>).</summary>
    public int TimeoutSeconds { get; set; } = 3;

    /// <summary>Most remote peers a host (the first or a successor) accepts.</summary>
    public int MaxClients { get; set; } = 16;

    /// <summary>
    /// Replication budgets and rules of whichever peer hosts. Checked when the peer is made
    /// (<see cref="ServerReplicationOptions.Validate"/>), not first when it becomes a host after a migration.
    /// </summary>
    public ServerReplicationOptions? Replication { get; set; }

    /// <summary>
    /// The transport settings of the peer's client, whenever it is one (handshake pace, timeouts, MTU, budgets); the
    /// defaults when null. A copy is taken each time the peer becomes a client, with <see cref="NetPeerOptions.ProtocolId"/>
    /// set to <see cref="ProtocolId"/> and <see cref="NetPeerOptions.SchemaHash"/> to the registry's; a peer's hosts always
    /// check tokens, so <see cref="NetPeerOptions.Insecure"/> is refused. A follow of a lost plan waits for a successor's
    /// answer in units of its <see cref="NetClientOptions.HandshakeResendInterval"/> (docs/P2P.md). Checked when the peer
    /// is made and again before a host follows another (<see cref="ArgumentOutOfRangeException"/> naming the option, the
    /// host still serving), so a bad value never leaves a peer neither host nor client.
    /// </summary>
    public NetClientOptions? Client { get; set; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(TickRate, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TickRate, ServerReplicationOptions.TickRateLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(PlanCheckTicks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(TimeoutSeconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TimeoutSeconds, (int)NetPeerOptions.TimeoutLimit.TotalSeconds);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxClients, 1);
        // Bounded above too: a host that gives way repeats its notice for twice HostSilence (TimeSpan overflowed past half
        // TimeSpan.MaxValue, half-way through the give-way, review44).
        if (HostSilence <= TimeSpan.Zero || HostSilence > NetPeerOptions.TimeoutLimit) throw new ArgumentOutOfRangeException(nameof(HostSilence));
        if (ReconnectTimeout <= TimeSpan.Zero || ReconnectTimeout > NetPeerOptions.TimeoutLimit) throw new ArgumentOutOfRangeException(nameof(ReconnectTimeout));
        if (ReconnectGrace < TimeSpan.Zero || ReconnectGrace > Sessions.ReconnectGrace.PeriodLimit) throw new ArgumentOutOfRangeException(nameof(ReconnectGrace));
        // Checked here, not when a peer becomes a host: a successor found it only after the old host was gone, and failed
        // to host the game the others were waiting to reach.
        Replication?.Snapshot().Validate();
        if (Client is { Insecure: true }) throw new ArgumentException("A migrating peer's hosts check tokens: its client cannot be insecure.", nameof(Client));
        // Checked here, not only when the peer becomes a client: a host that follows another stops serving first, and a
        // bad client option found then would leave it neither host nor client (review43).
        Client?.Snapshot().ValidateClient();
        if (TokenLifetime <= TimeSpan.FromSeconds(10)) throw new ArgumentOutOfRangeException(nameof(TokenLifetime), "Tokens must outlive a migration by far.");
    }
}

using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online.Sessions;

/// <summary>The session directory's rules: token settings, fleet timeouts and per-player budgets.</summary>
public sealed record SessionDirectoryOptions
{
    /// <summary>The game servers' key and the connect-token settings.</summary>
    public required SessionTokenOptions Tokens { get; init; }

    /// <summary>How often game servers heartbeat. Default 1 second.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Silence after which a game server is declared dead: its live sessions end with <see cref="SessionEndReason.ServerLost"/>
    /// and nothing is placed on it again. Default 5 seconds (five missed heartbeats).
    /// </summary>
    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a live session may stay without players before it ends with <see cref="SessionEndReason.Empty"/>. Default 60 seconds.</summary>
    public TimeSpan EmptySessionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a member may hold its seat without its game server reporting it connected (after the connect token's
    /// lifetime has passed) before the seat is released. Default 60 seconds; keep it above the games' reconnect grace.
    /// </summary>
    public TimeSpan MemberIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a player host must have been silent (no <see cref="SessionDirectory.HostHeartbeatAsync"/>) before its first
    /// successor (the first player its heartbeats name) may take it over (<see cref="SessionDirectory.ClaimHostAsync(SessionId, long, byte[], CancellationToken)"/>,
    /// after a host migration); the n-th successor waits n times as long, and a member it did not name may not. Default 2
    /// seconds: longer than a host's heartbeat interval, shorter than a migration plus a retry.
    /// </summary>
    public TimeSpan HostClaimAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How much longer a player host that has not published its address since the directory recorded it (no
    /// <see cref="SessionDirectory.HostHeartbeatAsync"/> since its takeover: it is still starting its server and reaching the
    /// introducer) must be silent before a successor may claim past it: every successor's turn
    /// (<see cref="HostClaimAfter"/>) is lengthened by it. Its followers cannot reach such a host yet, which says nothing of
    /// whether it is alive; without it a follower that stopped waiting (its join wait) could take the session from a new
    /// host that is about to publish. Default 5 seconds.
    /// </summary>
    public TimeSpan HostPublishGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether a player host may publish a loopback address (127.0.0.0/8, ::1) in its heartbeats. Off by default: every
    /// joiner's client sends its handshakes to the addresses its token names, so a host naming 127.0.0.1 would send each
    /// joiner's traffic to whatever listens on the joiner's own machine. Turn it on only for development, where hosts and
    /// joiners share one machine. Game servers (which present the server key) may always register loopback addresses.
    /// </summary>
    public bool AllowLoopbackHostAddresses { get; init; }

    /// <summary>Live sessions one player may have created at once (a bound on what a player can reserve). Default 2.</summary>
    public int MaxSessionsPerPlayer { get; init; } = 2;

    /// <summary>How long an ended session (and a dead or gone server) stays readable before it is deleted. Default 1 hour.</summary>
    public TimeSpan EndedRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The most <see cref="EndedSessionsKeptPerPlayer"/> may be: the bound must stay a bound.</summary>
    public const int EndedSessionsKeptPerPlayerLimit = 1_000;

    /// <summary>
    /// Ended sessions one player created that the directory keeps for <see cref="EndedRetention"/>; when the player creates
    /// another session its older ended ones beyond these are forgotten at once (their members then read them as not found).
    /// A player-hosted session ends when its host leaves, so without this bound two requests would leave an ended session,
    /// with its members and properties, for an hour: 90,000 an hour from one address at the request budget.
    /// Default 16; 1 to <see cref="EndedSessionsKeptPerPlayerLimit"/>, so the session a player just ended stays readable
    /// to its members.
    /// </summary>
    public int EndedSessionsKeptPerPlayer { get; init; } = 16;

    /// <summary>How long a heartbeat keeps reporting a session that ended, so its server learns why. Default 60 seconds.</summary>
    public TimeSpan EndedNotice { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Most sessions one game server may report in a heartbeat (and host). Default 256.</summary>
    public int MaxSessionsPerServer { get; init; } = 256;

    /// <summary>
    /// Game servers the directory keeps at once, dead and deregistered ones still within <see cref="EndedRetention"/>
    /// included; a registration beyond it is refused with <see cref="OnlineError.QuotaExceeded"/>. Registrations carry a
    /// server key and are not rate-limited, so without it a leaked key could grow the fleet's table, every listing of
    /// it and the sweep's work without end (one registration a millisecond is 3.6 million servers an hour). Exact with
    /// several nodes too: the count and the insert hold the fleet's lock. Default 10,000.
    /// </summary>
    public int MaxGameServers { get; init; } = 10_000;

    /// <summary>Checks the values.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Tokens);
        Tokens.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(HeartbeatInterval, TimeSpan.FromMilliseconds(50), nameof(HeartbeatInterval));
        if (DeadAfter < HeartbeatInterval * 2)
        {
            throw new ArgumentOutOfRangeException(nameof(DeadAfter), "A server is declared dead only after at least two missed heartbeats.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(EmptySessionTimeout, TimeSpan.Zero, nameof(EmptySessionTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MemberIdleTimeout, TimeSpan.Zero, nameof(MemberIdleTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(HostClaimAfter, TimeSpan.Zero, nameof(HostClaimAfter));
        ArgumentOutOfRangeException.ThrowIfLessThan(HostPublishGrace, TimeSpan.Zero, nameof(HostPublishGrace));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(HostPublishGrace, TimeSpan.FromHours(1), nameof(HostPublishGrace));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSessionsPerPlayer, 0, nameof(MaxSessionsPerPlayer));
        ArgumentOutOfRangeException.ThrowIfLessThan(EndedSessionsKeptPerPlayer, 1, nameof(EndedSessionsKeptPerPlayer));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(EndedSessionsKeptPerPlayer, EndedSessionsKeptPerPlayerLimit, nameof(EndedSessionsKeptPerPlayer));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSessionsPerServer, 1, nameof(MaxSessionsPerServer));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxGameServers, 1, nameof(MaxGameServers));
    }
}

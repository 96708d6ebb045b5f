using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Online.Sessions;

/// <summary>The session directory's rules: token settings, fleet timeouts and per-player budgets.</summary>
public sealed record SessionDirectoryOptions
{
    /// <summary>The game servers' key and the connect-token settings.</summary>
    public required SessionTokenOptions Tokens { get; init; }

    /// <summary>How often game servers heartbeat. Default 1 second; <see cref="MinHeartbeatInterval"/> to <see cref="HeartbeatIntervalLimit"/>.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The shortest <see cref="HeartbeatInterval"/>: 50 ms (every game server writes the fleet's table this often).</summary>
    public static readonly TimeSpan MinHeartbeatInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The longest <see cref="HeartbeatInterval"/>: 10 minutes (<see cref="TimeSpan.MaxValue"/> overflowed the check of
    /// <see cref="DeadAfter"/>, twice it, with an <see cref="OverflowException"/>).
    /// </summary>
    public static readonly TimeSpan HeartbeatIntervalLimit = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Silence after which a game server is declared dead: its live sessions end with <see cref="SessionEndReason.ServerLost"/>
    /// and nothing is placed on it again. Default 5 seconds (five missed heartbeats); at least two heartbeats and at most
    /// <see cref="DeadAfterLimit"/>.
    /// </summary>
    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest <see cref="DeadAfter"/>: an hour (a crashed server's sessions and seats are held this long).</summary>
    public static readonly TimeSpan DeadAfterLimit = TimeSpan.FromHours(1);

    /// <summary>How long a live session may stay without players before it ends with <see cref="SessionEndReason.Empty"/>. Default 60 seconds; zero to <see cref="EmptySessionTimeoutLimit"/>.</summary>
    public TimeSpan EmptySessionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest <see cref="EmptySessionTimeout"/>: a day (an abandoned session holds its server's slot this long).</summary>
    public static readonly TimeSpan EmptySessionTimeoutLimit = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a member may hold its seat without its game server reporting it connected (after the connect token's
    /// lifetime has passed) before the seat is released. Default 60 seconds; keep it above the games' reconnect grace. Zero
    /// to <see cref="MemberIdleTimeoutLimit"/>.
    /// </summary>
    public TimeSpan MemberIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest <see cref="MemberIdleTimeout"/>: a day (a player who never arrived holds a seat this long).</summary>
    public static readonly TimeSpan MemberIdleTimeoutLimit = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a player host must have been silent (no <see cref="SessionDirectory.HostHeartbeatAsync"/>) before its first
    /// successor (the first player its heartbeats name) may take it over (<see cref="SessionDirectory.ClaimHostAsync(SessionId, long, byte[], CancellationToken)"/>,
    /// after a host migration); the n-th successor waits n times as long, and a member it did not name may not. Default 2
    /// seconds: longer than a host's heartbeat interval, shorter than a migration plus a retry. Zero to <see cref="HostClaimAfterLimit"/>.
    /// </summary>
    public TimeSpan HostClaimAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest <see cref="HostClaimAfter"/>: an hour (the n-th successor waits n times it, so a larger value left a
    /// session without a host for hours, and <see cref="TimeSpan.MaxValue"/> overflowed the second successor's turn).
    /// </summary>
    public static readonly TimeSpan HostClaimAfterLimit = TimeSpan.FromHours(1);

    /// <summary>
    /// How much longer a player host that has not published its address since the directory recorded it (no
    /// <see cref="SessionDirectory.HostHeartbeatAsync"/> since its takeover: it is still starting its server and reaching the
    /// introducer) must be silent before a successor may claim past it: every successor's turn
    /// (<see cref="HostClaimAfter"/>) is lengthened by it. Its followers cannot reach such a host yet, which says nothing of
    /// whether it is alive; without it a follower that stopped waiting (its join wait) could take the session from a new
    /// host that is about to publish. Default 5 seconds; zero to <see cref="HostPublishGraceLimit"/>.
    /// </summary>
    public TimeSpan HostPublishGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest <see cref="HostPublishGrace"/>: an hour.</summary>
    public static readonly TimeSpan HostPublishGraceLimit = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether a player host may publish a loopback address (127.0.0.0/8, ::1) in its heartbeats. Off by default: every
    /// joiner's client sends its handshakes to the addresses its token names, so a host naming 127.0.0.1 would send each
    /// joiner's traffic to whatever listens on the joiner's own machine. Turn it on only for development, where hosts and
    /// joiners share one machine. Game servers (which present the server key) may always register loopback addresses.
    /// </summary>
    public bool AllowLoopbackHostAddresses { get; init; }

    /// <summary>Live sessions one player may have created at once (a bound on what a player can reserve). Default 2; zero to <see cref="MaxSessionsPerPlayerLimit"/>.</summary>
    public int MaxSessionsPerPlayer { get; init; } = 2;

    /// <summary>The largest <see cref="MaxSessionsPerPlayer"/>: 1,000 (each live session holds a server's slot and its seats).</summary>
    public const int MaxSessionsPerPlayerLimit = 1_000;

    /// <summary>How long an ended session (and a dead or gone server) stays readable before it is deleted. Default 1 hour; zero to <see cref="EndedRetentionLimit"/>.</summary>
    public TimeSpan EndedRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The longest <see cref="EndedRetention"/>: a week (ended sessions and gone servers are rows every listing and sweep
    /// reads; <see cref="TimeSpan.MaxValue"/> kept them for good).
    /// </summary>
    public static readonly TimeSpan EndedRetentionLimit = TimeSpan.FromDays(7);

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

    /// <summary>How long a heartbeat keeps reporting a session that ended, so its server learns why. Default 60 seconds; zero to <see cref="EndedNoticeLimit"/>.</summary>
    public TimeSpan EndedNotice { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest <see cref="EndedNotice"/>: an hour (every heartbeat's answer carries the ended sessions within it).</summary>
    public static readonly TimeSpan EndedNoticeLimit = TimeSpan.FromHours(1);

    /// <summary>Most sessions one game server may report in a heartbeat (and host). Default 256; 1 to <see cref="MaxSessionsPerServerLimit"/>.</summary>
    public int MaxSessionsPerServer { get; init; } = 256;

    /// <summary>The largest <see cref="MaxSessionsPerServer"/>: 65,536 (a heartbeat carries one entry per session).</summary>
    public const int MaxSessionsPerServerLimit = 65_536;

    /// <summary>
    /// Game servers the directory keeps at once, dead and deregistered ones still within <see cref="EndedRetention"/>
    /// included; a registration beyond it is refused with <see cref="OnlineError.QuotaExceeded"/>. Registrations carry a
    /// server key and are not rate-limited, so without it a leaked key could grow the fleet's table, every listing of
    /// it and the sweep's work without end (one registration a millisecond is 3.6 million servers an hour). Exact with
    /// several nodes too: the count and the insert hold the fleet's lock. Default 10,000; 1 to <see cref="MaxGameServersLimit"/>.
    /// </summary>
    public int MaxGameServers { get; init; } = 10_000;

    /// <summary>The largest <see cref="MaxGameServers"/>: 1,000,000 (every listing of the fleet reads its table).</summary>
    public const int MaxGameServersLimit = 1_000_000;

    /// <summary>Checks the values: each is refused outside its range with an <see cref="ArgumentOutOfRangeException"/> naming it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range (the parameter name is the option).</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Tokens);
        Tokens.Validate();
        Time(HeartbeatInterval, MinHeartbeatInterval, HeartbeatIntervalLimit, nameof(HeartbeatInterval));
        if (DeadAfter < HeartbeatInterval * 2 || DeadAfter > DeadAfterLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(DeadAfter), DeadAfter,
                $"DeadAfter must be at least two heartbeats (2 × HeartbeatInterval: a server is declared dead only after two missed ones) and at most {DeadAfterLimit} (DeadAfterLimit).");
        }

        Time(EmptySessionTimeout, TimeSpan.Zero, EmptySessionTimeoutLimit, nameof(EmptySessionTimeout));
        Time(MemberIdleTimeout, TimeSpan.Zero, MemberIdleTimeoutLimit, nameof(MemberIdleTimeout));
        Time(HostClaimAfter, TimeSpan.Zero, HostClaimAfterLimit, nameof(HostClaimAfter));
        Time(HostPublishGrace, TimeSpan.Zero, HostPublishGraceLimit, nameof(HostPublishGrace));
        Time(EndedRetention, TimeSpan.Zero, EndedRetentionLimit, nameof(EndedRetention));
        Time(EndedNotice, TimeSpan.Zero, EndedNoticeLimit, nameof(EndedNotice));
        Count(MaxSessionsPerPlayer, 0, MaxSessionsPerPlayerLimit, nameof(MaxSessionsPerPlayer));
        Count(EndedSessionsKeptPerPlayer, 1, EndedSessionsKeptPerPlayerLimit, nameof(EndedSessionsKeptPerPlayer));
        Count(MaxSessionsPerServer, 1, MaxSessionsPerServerLimit, nameof(MaxSessionsPerServer));
        Count(MaxGameServers, 1, MaxGameServersLimit, nameof(MaxGameServers));
    }

    private static void Time(TimeSpan value, TimeSpan least, TimeSpan limit, string name)
    {
        if (value < least || value > limit)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {least} to {limit} ({name}Limit).");
    }

    private static void Count(int value, int least, int limit, string name)
    {
        if (value < least || value > limit)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {least} to {limit} ({name}Limit).");
    }
}

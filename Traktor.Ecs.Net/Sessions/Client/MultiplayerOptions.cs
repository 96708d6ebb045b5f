namespace Traktor.Ecs.Net;

/// <summary>How a <see cref="Multiplayer"/> behaves.</summary>
public sealed record MultiplayerOptions
{
    /// <summary>The session <see cref="Multiplayer.QuickJoinAsync"/> creates when none matches. Default "Game" for 4 players.</summary>
    public Sessions.SessionOptions DefaultSession { get; init; } = new("Game", 4);

    /// <summary>
    /// After the game server stopped answering, how long to keep asking the directory why before giving up with
    /// <see cref="Sessions.SessionEndReason.ConnectionLost"/>. Default 10 seconds: longer than the directory's dead timeout
    /// (5 s by default), so a crashed server's players learn <see cref="Sessions.SessionEndReason.ServerLost"/>. Zero asks
    /// once.
    /// </summary>
    public TimeSpan EndReasonWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the directory is asked meanwhile. Default 250 ms. Like <see cref="EndReasonWait"/> it must be finite and
    /// at most about 49.7 days, and it must be positive: <see cref="Multiplayer"/> refuses other values (with an infinite
    /// interval the player would never be told the session had ended).
    /// </summary>
    public TimeSpan EndReasonPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long <see cref="Multiplayer.JoinSessionAsync"/> keeps asking while the directory answers
    /// <see cref="Online.OnlineError.Unavailable"/> with a retry-after (a player host that has not published its address
    /// yet, just after it created the session or took it over) before failing with that answer; it also bounds a directory
    /// request that does not answer. Default 10 seconds, as Lua's <c>joinSession</c> (its call timeout). It must be positive
    /// and finite, at most about 49.7 days (a timer's range): <see cref="Multiplayer"/> refuses other values with an
    /// <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public TimeSpan JoinWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long <see cref="Multiplayer.LogInAsync"/> (and so every call that logs in first) keeps asking while the backend
    /// answers busy (503, every password-hashing slot taken) or rate-limited (429), as <see cref="Online.OnlineRetry"/> says:
    /// never before the answer's Retry-After, backing off, with jitter. Default 30 seconds. It must be zero (ask once) or
    /// positive, and at most about 49.7 days: <see cref="Multiplayer"/> refuses other values.
    /// </summary>
    public TimeSpan LogInWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The NAT traversal layer under the <see cref="NetworkClient"/>'s socket, if it has one: joining a session hosted by a
    /// player (<see cref="Sessions.SessionHostKind.Player"/>) presents the session's rendezvous to it and waits, for up to
    /// <see cref="JoinWait"/>, for a punched or relayed path to the host before connecting (<see cref="Sessions.SessionConnector"/>,
    /// as Lua's <c>joinSession</c> with <c>ScriptServices.Traversal</c>). Without it the client connects to the host's public
    /// address directly, which a NAT in front of the host drops unless the two are on one network.
    /// </summary>
    public NatTraversal? Traversal { get; init; }

    /// <summary>
    /// Lets this player's game host sessions: <see cref="Multiplayer.CreateSessionAsync(Sessions.SessionOptions, Sessions.SessionHostKind, CancellationToken)"/>
    /// with <see cref="Sessions.SessionHostKind.Player"/> serves the session from a <see cref="NetworkHost"/> on its socket (as
    /// Lua's <c>createSession(name, max, "player")</c> with <c>ScriptServices.StartHosting</c>). Null: the game cannot host.
    /// </summary>
    public MultiplayerHosting? Hosting { get; init; }

    /// <summary>
    /// How long the players of a player-hosted session try to go on under a successor when its host is lost (its
    /// connection timed out or shut down without ending the session), 30 s by default: the directory picks the successor
    /// (the first player the host reported that claims it), which hosts from its copy of the world if it has
    /// <see cref="Hosting"/>, and the others connect to it (<see cref="Multiplayer.HostLost"/>, then
    /// <see cref="Multiplayer.HostMigrated"/>). Past it <see cref="Multiplayer.SessionEnded"/> says why. Zero ends the session
    /// for the player at once instead (no migration).
    /// </summary>
    public TimeSpan HostMigrationWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a successor awaits the directory's answer to a claim it sent (<see cref="HostMigrationDriver.ClaimWait"/>),
    /// 10 s. Internal: the tests that hold a claim on its way for a while lengthen it, so that on a loaded machine their hold
    /// cannot outlast it (the claim then timed out and was given back before it arrived, and the test failed).
    /// </summary>
    internal TimeSpan ClaimWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait a timer measures (<see cref="uint.MaxValue"/> − 1 milliseconds, about 49.7 days).</summary>
    internal static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>
    /// Refuses waits a timer cannot measure, which would otherwise fail later, on the tick thread or in a delay that never ends.
    /// </summary>
    /// <param name="parameterName">The name the exception gives.</param>
    /// <exception cref="ArgumentOutOfRangeException">A wait is negative (or zero where it must be positive), infinite or too long.</exception>
    internal void Validate(string parameterName)
    {
        Check(JoinWait, nameof(JoinWait), mayBeZero: false);
        Check(LogInWait, nameof(LogInWait), mayBeZero: true);
        Check(EndReasonWait, nameof(EndReasonWait), mayBeZero: true);
        Check(EndReasonPollInterval, nameof(EndReasonPollInterval), mayBeZero: false);
        Check(HostMigrationWait, nameof(HostMigrationWait), mayBeZero: true);
        Check(ClaimWait, nameof(ClaimWait), mayBeZero: false);

        void Check(TimeSpan wait, string name, bool mayBeZero)
        {
            if (wait < TimeSpan.Zero || (wait == TimeSpan.Zero && !mayBeZero) || wait > LongestWait)
            {
                throw new ArgumentOutOfRangeException(parameterName, wait,
                    $"MultiplayerOptions.{name} must be {(mayBeZero ? "zero or positive" : "positive")} and at most {LongestWait.TotalDays:0.#} days.");
            }
        }
    }
}

using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// The directory side of a player's game hosting a session (<see cref="SessionHostKind.Player"/>): heartbeats
/// <see cref="IPlayerHostedSessions.HostHeartbeatAsync"/> with what the tick loop last <see cref="Report"/>ed (the host's
/// public addresses and the players connected to it). As for a game server (<see cref="GameServerHost"/>), heartbeats run
/// on a timer of the <see cref="TimeProvider"/>, one at a time, never on the tick thread: a slow backend never stalls
/// the game, and a stalled tick does not read as a dead host. Create it with <see cref="Start"/> after creating the
/// session, or with <see cref="ClaimAsync(IPlayerHostedSessions, SessionId, long, byte[], long, TimeSpan?, TimeProvider?, ILogger?, CancellationToken)"/> when this player became the host in a host migration.
/// </summary>
public sealed class PlayerSessionHost : IAsyncDisposable
{
    private readonly IPlayerHostedSessions directory;
    private readonly long hostUserId;
    private readonly ILogger logger;
    private readonly ITimer timer;
    private readonly CancellationTokenSource stopping = new();
    private volatile HostReport? report;
    private int beating;

    private PlayerSessionHost(IPlayerHostedSessions directory, PlayerHostGrant grant, long hostUserId, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        this.directory = directory;
        this.hostUserId = hostUserId;
        this.logger = logger;
        Grant = grant;
        timer = time.CreateTimer(_ => _ = BeatAsync(), null, interval, interval);
    }

    /// <summary>What the directory gave this host: the session, the key its server opens tokens with, the rendezvous id.</summary>
    public PlayerHostGrant Grant { get; }

    /// <summary>The session.</summary>
    public SessionId Session => Grant.Session.Id;

    /// <summary>
    /// False once the directory answered that the session is not live any more, or that another player hosts it now
    /// (<see cref="Replaced"/>): the game should stop hosting.
    /// </summary>
    public bool Live
    {
        get => Volatile.Read(ref live);
        private set => Volatile.Write(ref live, value);
    }

    private bool live = true;

    /// <summary>
    /// True once the directory refused a heartbeat because another player hosts the session now: a successor took it over
    /// (<see cref="IPlayerHostedSessions.ClaimHostAsync(SessionId, long, byte[], CancellationToken)"/>) while this host's heartbeats did not reach the directory. This host
    /// is no longer the session's server (its seat was released): it should stop serving, which sends its remaining players
    /// to the successor. <see cref="Live"/> is false from then on.
    /// </summary>
    public bool Replaced
    {
        get => Volatile.Read(ref replaced);
        private set => Volatile.Write(ref replaced, value);
    }

    private bool replaced;

    /// <summary>
    /// Raised after each accepted heartbeat for every recent departure the directory listed (a player that left, from any
    /// device; one removed or timed out), on the heartbeat's thread: pass it to the session's
    /// <see cref="SessionRelay.Leave"/> (any thread), which disconnects a player still connected with
    /// <see cref="DisconnectReason.LeftSession"/> or <see cref="DisconnectReason.Kicked"/> and frees its seat on the host, as
    /// a game server does (<see cref="Attach"/> does it). A departure is listed again at each heartbeat for a while; the
    /// relay ignores one it knows, and one older than the ticket the player was admitted with (it joined again since). Each
    /// handler runs on its own: one that throws is logged and the others, and the beat's other departures, still run.
    /// </summary>
    public event Action<SessionDeparture>? MemberLeft;

    /// <summary>Feeds <paramref name="relay"/> with the departures the heartbeats hear of (<see cref="MemberLeft"/>).</summary>
    /// <param name="relay">The relay of this host's session.</param>
    public void Attach(SessionRelay relay)
    {
        ArgumentNullException.ThrowIfNull(relay);
        MemberLeft += departure => relay.Leave(departure.UserId, departure.At, departure.Reason);
    }

    /// <summary>Heartbeats the directory accepted.</summary>
    public long Heartbeats => Interlocked.Read(ref heartbeats);

    /// <summary>Heartbeats that failed (backend unreachable, refused); each is tried again at the next interval.</summary>
    public long HeartbeatFailures => Interlocked.Read(ref failures);

    private long heartbeats;
    private long failures;

    /// <summary>Starts heartbeating for a session this player created (<see cref="IPlayerHostedSessions.CreatePlayerHostedSessionAsync"/>).</summary>
    /// <param name="directory">The directory (<see cref="HttpSessions"/> in a game).</param>
    /// <param name="grant">The creation's answer.</param>
    /// <param name="hostUserId">This player.</param>
    /// <param name="interval">How often to heartbeat (the directory's heartbeat interval; 1 s by default).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <returns>The running host.</returns>
    public static PlayerSessionHost Start(IPlayerHostedSessions directory, PlayerHostGrant grant, long hostUserId, TimeSpan? interval = null,
        TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(grant);
        return new PlayerSessionHost(directory, grant, hostUserId, Interval(interval), time ?? TimeProvider.System, logger ?? NullLogger.Instance);
    }

    /// <summary>
    /// Takes a session over after a host migration elected this player (<see cref="MigratingPeer.HostChanged"/> with its own
    /// id): asks <see cref="IPlayerHostedSessions.ClaimHostAsync(SessionId, long, byte[], CancellationToken)"/> until the directory, too, has seen the old host go
    /// silent (it answers <see cref="OnlineError.Conflict"/> with a delay until then), then heartbeats. This claim names no
    /// host: prefer <see cref="ClaimAsync(IPlayerHostedSessions, SessionId, long, byte[], long, TimeSpan?, TimeProvider?, ILogger?, CancellationToken)"/>,
    /// which the directory refuses once another successor took the session over.
    /// </summary>
    /// <param name="directory">The directory.</param>
    /// <param name="session">The session.</param>
    /// <param name="userId">This player.</param>
    /// <param name="hostKey">The key this player's server opens connect tokens with (its <see cref="MigratingPeer"/> standby key).</param>
    /// <param name="interval">How often to heartbeat.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <param name="cancellationToken">Gives up the claim.</param>
    /// <returns>The running host.</returns>
    public static Task<PlayerSessionHost> ClaimAsync(IPlayerHostedSessions directory, SessionId session, long userId, byte[] hostKey,
        TimeSpan? interval = null, TimeProvider? time = null, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        ClaimAsync(directory, session, userId, hostKey, replacing: null, interval, time, logger, cancellationToken);

    /// <summary>
    /// Takes a session over from <paramref name="replacingHostUserId"/>, the host this player lost
    /// (<see cref="MigratingPeer.LostHostClientId"/> when <see cref="MigratingPeer.HostChanged"/> named this player): asks
    /// <see cref="IPlayerHostedSessions.ClaimHostAsync(SessionId, long, byte[], long, CancellationToken)"/> until the
    /// directory, too, has seen that host go silent (it answers <see cref="OnlineError.Conflict"/> with a delay until then),
    /// then heartbeats. When the session has another host by now (another successor took it over meanwhile) the claim is
    /// not tried again: it throws <see cref="OnlineException"/> with <see cref="OnlineProblemTypes.HostChanged"/>, and this
    /// player should follow the recorded host (the session's <see cref="SessionInfo.HostUserId"/>) instead of hosting:
    /// <see cref="MigratingPeer.TryFollowHost"/>, or <see cref="MigratingPeer.FollowHost"/> with the token of a join.
    /// </summary>
    /// <param name="directory">The directory.</param>
    /// <param name="session">The session.</param>
    /// <param name="userId">This player.</param>
    /// <param name="hostKey">The key this player's server opens connect tokens with (its <see cref="MigratingPeer"/> standby key).</param>
    /// <param name="replacingHostUserId">The host this player takes the session over from (the one it lost).</param>
    /// <param name="interval">How often to heartbeat.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <param name="cancellationToken">Gives up the claim.</param>
    /// <returns>The running host.</returns>
    /// <exception cref="OnlineException"><see cref="OnlineError.Conflict"/> with <see cref="OnlineProblemTypes.HostChanged"/>
    /// when the session is hosted by another player than <paramref name="replacingHostUserId"/> now; the directory's other
    /// refusals (<see cref="OnlineError.Forbidden"/>, <see cref="OnlineError.NotFound"/>).</exception>
    public static Task<PlayerSessionHost> ClaimAsync(IPlayerHostedSessions directory, SessionId session, long userId, byte[] hostKey,
        long replacingHostUserId, TimeSpan? interval = null, TimeProvider? time = null, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        ClaimAsync(directory, session, userId, hostKey, (long?)replacingHostUserId, interval, time, logger, cancellationToken);

    private static async Task<PlayerSessionHost> ClaimAsync(IPlayerHostedSessions directory, SessionId session, long userId, byte[] hostKey,
        long? replacing, TimeSpan? interval, TimeProvider? time, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(directory);
        time ??= TimeProvider.System;
        logger ??= NullLogger.Instance;
        while (true)
        {
            try
            {
                var grant = await (replacing is { } expected
                    ? directory.ClaimHostAsync(session, userId, hostKey, expected, cancellationToken)
                    : directory.ClaimHostAsync(session, userId, hostKey, cancellationToken)).ConfigureAwait(false);
                logger.LogInformation("Player {Player} hosts session {Session} now.", userId, session);
                return new PlayerSessionHost(directory, grant, userId, Interval(interval), time, logger);
            }
            catch (OnlineException exception) when (exception.ProblemType == OnlineProblemTypes.HostChanged)
            {
                // Another successor hosts the session now: claiming again would never be granted; the player follows it.
                logger.LogInformation(exception, "Session {Session} has a newer host than {Host}; player {Player} follows it.", session, replacing, userId);
                throw;
            }
            catch (OnlineException exception) when (exception.Error == OnlineError.Conflict)
            {
                // The directory has not seen the old host silent for long enough yet; it says when to ask again.
                await Task.Delay(exception.RetryAfter ?? TimeSpan.FromMilliseconds(500), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Publishes what the next heartbeats send; call it from the tick loop whenever it changes (it only stores the values).
    /// Nothing is sent before the first report with an address: joiners' tokens need the host's public address.
    /// </summary>
    /// <param name="publicAddresses">The host's public addresses (1 to 8), e.g. <see cref="NatTraversal.PublicAddress"/>.</param>
    /// <param name="connectedPlayers">
    /// The players connected to the host now (not the host itself), in the order of succession (a <see cref="MigratingPeer"/>
    /// host's join order): after a migration only they may take the session over, the first one first.
    /// </param>
    public void Report(IReadOnlyList<IPEndPoint> publicAddresses, IReadOnlyList<long> connectedPlayers)
    {
        ArgumentNullException.ThrowIfNull(publicAddresses);
        ArgumentNullException.ThrowIfNull(connectedPlayers);
        if (publicAddresses.Count is < 1 or > 8) throw new ArgumentException("A host has 1 to 8 public addresses.", nameof(publicAddresses));
        bool first = report is null;
        report = new HostReport(publicAddresses.ToArray(), connectedPlayers.ToArray());
        if (first)
        {
            _ = BeatAsync(); // joiners wait for the first address: do not make them wait a whole interval for it
        }
    }

    /// <summary>Sends one heartbeat now with the last report (the timer does this every interval).</summary>
    /// <returns>Completes when the heartbeat was answered, failed or skipped (one is in flight, or nothing was reported yet).</returns>
    public async Task BeatAsync()
    {
        if (report is not { } current || !Live || Interlocked.Exchange(ref beating, 1) == 1)
        {
            return;
        }

        try
        {
            var answer = await directory.HostHeartbeatAsync(Session, hostUserId, current.Addresses, current.Players, stopping.Token).ConfigureAwait(false);
            Live = answer.Live;
            Interlocked.Increment(ref heartbeats);
            if (!Live)
            {
                logger.LogWarning("Session {Session} is not live any more; its host stops reporting.", Session);
            }
            else if (MemberLeft is { } left)
            {
                foreach (var departure in answer.Departures ?? [])
                {
                    RaiseMemberLeft(left, departure);
                }
            }
        }
        catch (OnlineException exception) when (exception.Error == OnlineError.Forbidden)
        {
            // Only the session's current host may report: a successor took the session over. Not a failed heartbeat to try
            // again: the replaced host would go on serving a session that is no longer its own.
            Interlocked.Increment(ref failures);
            Replaced = true;
            Live = false;
            logger.LogWarning(exception, "Another player hosts session {Session} now; its former host stops reporting.", Session);
        }
        catch (Exception exception) when (exception is OnlineException or HttpRequestException or OperationCanceledException)
        {
            Interlocked.Increment(ref failures);
            logger.LogInformation(exception, "A heartbeat of session {Session} failed; the next interval tries again.", Session);
        }
        finally
        {
            Volatile.Write(ref beating, 0);
        }
    }

    // Each handler on its own: one that throws (a game's own, say) skipped the other handlers of that departure (the relay's
    // among them) and every later departure of the beat, and the beat's exception went unobserved on the timer.
    private void RaiseMemberLeft(Action<SessionDeparture> left, SessionDeparture departure)
    {
        foreach (var handler in Delegate.EnumerateInvocationList(left))
        {
            try
            {
                handler(departure);
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "A MemberLeft handler of session {Session} threw for player {Player}; the other handlers and departures go on.",
                    Session, departure.UserId);
            }
        }
    }

    /// <summary>Stops heartbeating (the directory releases the host's seat after its idle timeout; leave the session to end it at once).</summary>
    /// <returns>Completes at once.</returns>
    public async ValueTask DisposeAsync()
    {
        await timer.DisposeAsync().ConfigureAwait(false);
        await stopping.CancelAsync().ConfigureAwait(false); // not disposed: a heartbeat in flight may still read its token
    }

    private static TimeSpan Interval(TimeSpan? interval) =>
        interval is { } value && value > TimeSpan.Zero ? value : TimeSpan.FromSeconds(1);

    private sealed record HostReport(IPEndPoint[] Addresses, long[] Players);
}

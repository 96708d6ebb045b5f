using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net;

/// <summary>
/// The directory side of a host migration, shared by <see cref="Multiplayer"/> and Lua's <c>multiplayer</c>: tells the
/// directory the host is lost, then, until <see cref="Wait"/> has passed since the loss, follows the host the directory
/// names, or claims the session when this player may host and the old host still holds it (the directory gives it to the
/// first successor the host reported, once the host is silent and the players behind it agree). A named host that cannot
/// be reached is claimed past (the directory grants that only once it is silent for its turn), and a player whose granted
/// takeover did not start gives the session back (the next successor takes over at once) and hosts no more: it follows the successor after it, joining again for the seat it lost. How a
/// player follows is shared (<see cref="FollowAsync"/>: it joins again, which names the new host, and connects its client
/// through the caller's <see cref="Connect"/>); how it takes over (it hosts from its copy of the world) is the caller's
/// <see cref="TakeOver"/>, true once done.
/// </summary>
internal sealed class HostMigrationDriver
{
    /// <summary>The directory the session is asked about.</summary>
    public required ISessions Sessions { get; init; }

    /// <summary>The same directory's player-hosted side (report the loss, claim the session).</summary>
    public required IPlayerHostedSessions Directory { get; init; }

    /// <summary>How long after the loss a new host is looked for (<see cref="MultiplayerOptions.HostMigrationWait"/>).</summary>
    public required TimeSpan Wait { get; init; }

    /// <summary>How often the directory is asked meanwhile.</summary>
    public required TimeSpan PollInterval { get; init; }

    /// <summary>False once the migration is no longer the caller's (the player left or joined another session).</summary>
    public required Func<bool> Still { get; init; }

    /// <summary>
    /// How long one join of the named new host waits out the directory's "not reachable yet" (it has not published its
    /// address) before <see cref="RunAsync"/> looks at the session again: between attempts the directory may name another
    /// host, or say this one gave the session back.
    /// </summary>
    public required TimeSpan FollowAttempt { get; init; }

    /// <summary>Runs an action on the caller's tick thread (the thread that owns its client and world).</summary>
    public required Action<Action> OnTick { get; init; }

    /// <summary>
    /// Tick thread: starts connecting the client to the new host the join named, and completes the task source true once
    /// connected (the caller announced the migration), false when the connection failed. Returns false when it did not start
    /// (the migration is no longer the caller's, or a connection is under way); may throw when the start was refused.
    /// </summary>
    public required Func<SessionInfo, SessionConnectInfo, TaskCompletionSource<bool>, bool> Connect { get; init; }

    /// <summary>
    /// The directory gave this player the session: host it; false when hosting did not start (the world must then be as it
    /// was: this player follows another successor).
    /// </summary>
    public required Func<PlayerHostGrant, Task<bool>> TakeOver { get; init; }

    /// <summary>Whether this player can host at all (a claim is made only then).</summary>
    public bool MayHost { get; init; }

    /// <summary>
    /// How long a named new host may stay unreachable (<see cref="FollowAsync"/> false: it has not published its address, or the
    /// connection failed) before this player claims past it; zero claims after the first failed follow.
    /// </summary>
    public TimeSpan JoinWait { get; init; }

    /// <summary>Told of each claim as it is sent: the directory may grant it even when its answer never arrives.</summary>
    public Action<Task<PlayerHostGrant>>? Claimed { get; init; }

    /// <summary>
    /// How long a claim's answer is awaited (<see cref="IPlayerHostedSessions.ClaimHostAsync(SessionId, long, byte[], CancellationToken)"/>). A claim is not cut short
    /// when the migration stops: the directory may grant it still, and this player then gives the session back.
    /// </summary>
    public TimeSpan ClaimWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long giving the session back after a failed takeover may take (<see cref="IPlayerHostedSessions.ReleaseHostAsync"/>).</summary>
    public TimeSpan ReleaseWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Diagnostics.</summary>
    public required ILogger Logger { get; init; }

    /// <summary>Runs the migration of session <paramref name="id"/>, whose host <paramref name="oldHost"/> was lost at <paramref name="startedAt"/>.</summary>
    /// <param name="id">The session.</param>
    /// <param name="oldHost">The lost host.</param>
    /// <param name="me">This player.</param>
    /// <param name="startedAt">When the host was lost (a timestamp of <see cref="Time"/>).</param>
    /// <param name="stop">Ends the migration at once: every directory call and wait is cancelled.</param>
    /// <returns>True once this player plays under a new host (or hosts); false when the session ended, left this player
    /// behind, or found no new host within <see cref="Wait"/>.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was cancelled.</exception>
    public async Task<bool> RunAsync(SessionId id, long oldHost, long me, long startedAt, CancellationToken stop)
    {
        try
        {
            await Directory.ReportHostLostAsync(id, me, stop).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OnlineException or HttpRequestException or OperationCanceledException)
        {
            Logger.LogInformation(exception, "Could not report the host of session {Session} lost.", id);
        }

        var claim = new Claim(id, me, ConnectTokenIssuer.GenerateServerKey()) { MayHost = MayHost };
        while (Still() && Time.GetElapsedTime(startedAt) < Wait)
        {
            var wait = PollInterval;
            bool hostedNow = false;
            try
            {
                var now = await Sessions.GetSessionAsync(id, stop).ConfigureAwait(false);
                if (now is null || now.State == SessionState.Ended || (!now.IsMember(me) && !claim.TakeoverFailed))
                {
                    break; // the session ended (or left this player behind)
                }

                // A player whose takeover failed lost its seat to the successor that took over after it: it joins again below.

                if (now.HostUserId is { } host && host != oldHost && host != me)
                {
                    if (claim.Following != host)
                    {
                        (claim.Following, claim.FollowingSince) = (host, Time.GetTimestamp());
                    }

                    // A named host without a seat gave the session back (it quit before hosting): nobody to follow.
                    bool seated = now.IsMember(host);
                    if (seated && await FollowAsync(id, me, stop).ConfigureAwait(false)) return true;

                    // The named host could not be reached within JoinWait (it died too, or could not host), or gave the session
                    // back: a successor behind it claims the session, which the directory grants only once that host is silent
                    // for its turn (at once when it gave the session back).
                    if (claim.MayHost && (!seated || Time.GetElapsedTime(claim.FollowingSince) >= JoinWait))
                    {
                        (hostedNow, wait) = await ClaimAsync(claim, host, wait, stop).ConfigureAwait(false);
                    }
                }
                else if (claim.MayHost && now.HostUserId is { } named && (named == oldHost || named == me))
                {
                    // Named host already (a claim the directory granted whose answer was lost): claiming again is how this
                    // player learns it; the directory grants a host its own session again.
                    (hostedNow, wait) = await ClaimAsync(claim, named, wait, stop).ConfigureAwait(false);
                }

                if (hostedNow) return true;
            }
            catch (Exception exception) when (exception is OnlineException or HttpRequestException or TaskCanceledException && !stop.IsCancellationRequested)
            {
                Logger.LogInformation(exception, "The directory did not answer about session {Session}'s new host; asking again.", id);
            }

            await Task.Delay(wait, Time, stop).ConfigureAwait(false);
        }

        stop.ThrowIfCancellationRequested();
        return false;
    }

    /// <summary>
    /// The follow step: joins the session again, which names the new host, waiting out its "not reachable yet" for up to
    /// <see cref="FollowAttempt"/>, then connects the client to it on the tick thread (<see cref="Connect"/>).
    /// </summary>
    /// <returns>True once the client is connected to the new host; false when it could not be yet (asked again later).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="stop"/> was cancelled.</exception>
    private async Task<bool> FollowAsync(SessionId id, long me, CancellationToken stop)
    {
        SessionJoinResult result;
        using (var attempt = new CancellationTokenSource(FollowAttempt, Time))
        using (var either = CancellationTokenSource.CreateLinkedTokenSource(stop, attempt.Token))
        {
            try
            {
                result = await Sessions.JoinWhenReachableAsync(id, me, Time, either.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OnlineException or OperationCanceledException && !stop.IsCancellationRequested)
            {
                Logger.LogInformation(exception, "The new host of session {Session} is not reachable yet.", id);
                return false;
            }
            catch (OnlineException) when (stop.IsCancellationRequested)
            {
                throw new OperationCanceledException(stop); // stopped while the directory said "not yet"
            }
        }

        if (!result.Succeeded || result.ConnectInfo is not { } info || result.Session is not { } session)
        {
            return false;
        }

        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        OnTick(() =>
        {
            try
            {
                if (!Connect(session, info, done))
                {
                    done.TrySetResult(false);
                }
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // Whatever refused the start (a join answer the traversal rejects) fails this attempt, not the tick thread.
                Logger.LogWarning(exception, "Could not start connecting to the new host of session {Session}.", id);
                done.TrySetResult(false);
            }
        });
        using (stop.Register(() => done.TrySetCanceled(stop)))
        {
            return await done.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Claims the session and hosts it when the directory grants it. Returns whether this player hosts now and how long to
    /// wait before asking again; it may host no more once the directory said it is no successor, nor once a granted
    /// takeover failed to start (it then waits for another successor, which the directory lets take over once this player
    /// stays silent). The claim names <paramref name="replacing"/>, the host this player saw and takes over from: the
    /// directory refuses it once another successor took the session over meanwhile, and this player follows that one.
    /// </summary>
    private async Task<(bool Hosted, TimeSpan Wait)> ClaimAsync(Claim claim, long replacing, TimeSpan wait, CancellationToken stop)
    {
        try
        {
            PlayerHostGrant grant;

            // A claim not yet sent is never sent once the migration stopped (the player quit while the directory answered the
            // question that led here): only a claim already on its way outlives the stop.
            stop.ThrowIfCancellationRequested();

            // Not cut short by stop: a claim already sent may still be granted after this player quit, and a give-back sent
            // before the directory recorded the grant would find nothing to give. Its answer is awaited (within ClaimWait),
            // then the grant given back below.
            using (var bounded = new CancellationTokenSource(ClaimWait, Time))
            {
                var claimed = Directory.ClaimHostAsync(claim.Session, claim.Me, claim.Key, replacing, bounded.Token);
                Claimed?.Invoke(claimed);
                grant = await claimed.ConfigureAwait(false);
            }

            bool hosting;
            try
            {
                hosting = !stop.IsCancellationRequested && await TakeOver(grant).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                hosting = false; // stopped while the takeover started: it gives the session back below
            }

            if (hosting) return (true, wait);
            if (!stop.IsCancellationRequested)
            {
                claim.MayHost = false; // the caller said why; the world is as it was, and this player follows the next successor
                claim.TakeoverFailed = true;
            }

            await GiveBackAsync(claim).ConfigureAwait(false);
            stop.ThrowIfCancellationRequested();
            return (false, wait);
        }
        catch (OnlineException exception) when (exception.ProblemType == OnlineProblemTypes.HostChanged)
        {
            Logger.LogInformation(exception, "Session {Session} has a newer host than {Host}; this player follows it.", claim.Session, replacing);
            return (false, wait); // the next look at the session names the new host, which this player then follows
        }
        catch (OnlineException exception) when (exception.Error == OnlineError.Conflict)
        {
            Logger.LogDebug(exception, "The directory does not give session {Session} to this player yet.", claim.Session);
            return (false, exception.RetryAfter is { } after && after < TimeSpan.FromSeconds(1) ? after : TimeSpan.FromSeconds(1));
        }
        catch (OnlineException exception) when (exception.Error == OnlineError.Forbidden)
        {
            Logger.LogInformation(exception, "This player may not take session {Session} over; it waits for the new host.", claim.Session);
            claim.MayHost = false; // not a successor the host reported: another player takes it
            return (false, wait);
        }
    }

    /// <summary>
    /// A granted takeover did not start (or the migration stopped once the claim was granted): this player gives the session back, so the next successor takes it over at once
    /// instead of waiting out this player's silence (or, while it follows this player as the named host, its
    /// <see cref="JoinWait"/>). Bounded by <see cref="ReleaseWait"/>, not by the migration's stop: the session is given back
    /// even when the player quits meanwhile. A failure is logged: the directory then hands the session on once this player
    /// stays silent.
    /// </summary>
    private async Task GiveBackAsync(Claim claim)
    {
        using var timeout = new CancellationTokenSource(ReleaseWait, Time);
        try
        {
            bool released = await Directory.ReleaseHostAsync(claim.Session, claim.Me, timeout.Token).ConfigureAwait(false);
            Logger.LogInformation("This player could not host session {Session} and gave it back ({Released}): the next successor takes it over.", claim.Session, released);
        }
        catch (Exception exception) when (exception is OnlineException or HttpRequestException or OperationCanceledException)
        {
            Logger.LogWarning(exception, "Could not give session {Session} back after this player's takeover failed; the next successor takes it over once this player is silent.",
                claim.Session);
        }
    }

    /// <summary>This player's standing as a successor during one migration.</summary>
    private sealed class Claim(SessionId session, long me, byte[] key)
    {
        public SessionId Session { get; } = session;

        public long Me { get; } = me;

        /// <summary>The host key the claims send (the same for every claim of one migration).</summary>
        public byte[] Key { get; } = key;

        /// <summary>False once this player may not (or could not) host.</summary>
        public bool MayHost { get; set; }

        /// <summary>True once the directory gave this player the session and it could not host: the next successor takes its seat over with the session.</summary>
        public bool TakeoverFailed { get; set; }

        /// <summary>The new host this player follows (the directory names it), and since when (a timestamp of the clock).</summary>
        public long? Following { get; set; }

        /// <inheritdoc cref="Following"/>
        public long FollowingSince { get; set; }
    }
}

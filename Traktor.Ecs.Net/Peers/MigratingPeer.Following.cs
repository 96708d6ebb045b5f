using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Peers;

namespace Traktor.Ecs.Net;

/// <summary>
/// Following a host this peer did not elect: the directory records another player as the session's host (its claim was
/// refused with <c>host-changed</c>, docs/P2P.md), so this peer stops hosting (or leaves the host it reached) and connects to
/// the recorded one, and holds that host's plans from then on, whatever their epoch. A follow out of an ended session
/// (<see cref="MigrationOutReason.SessionEnded"/>) joins the next one, which starts clean of the last: no lost host, no
/// migration time.
/// </summary>
public sealed partial class MigratingPeer
{
    private readonly HashSet<Entity> stale = new();
    private readonly QueryDescription unnumberedReplicable;
    private bool followingRecorded;

    /// <summary>True while this peer follows a host after its session ended (<see cref="MigrationOutReason.SessionEnded"/>): that host's session is the next one, and reaching it is no migration.</summary>
    private bool followStartsSession;

    /// <summary>
    /// The plan of the host this peer lost in its last migration (it holds tokens for that host's successors), or null: only
    /// while this peer is a client of the successor it reached in that migration (<see cref="lostPlanReached"/>), and never
    /// after it followed, joined or was out.
    /// </summary>
    private MigrationPlan? lostPlan;

    /// <summary>The successor this peer reached with <see cref="lostPlan"/>'s election, or null before it did (or when it hosts).</summary>
    private ulong? lostPlanReached;

    /// <summary>When <see cref="lostPlan"/> came: its tokens were issued about then and last <see cref="MigrationOptions.TokenLifetime"/>.</summary>
    private long lostPlanAt;

    /// <summary>True while this peer, whose host gave way, tries the successors of <see cref="lostPlan"/> (never itself).</summary>
    private bool followingLostPlan;

    /// <summary>How long a successor tried in the follow of <see cref="lostPlan"/> may answer nothing before it is passed (<see cref="SuccessorSilence"/>).</summary>
    private TimeSpan followSilence;

    /// <summary>
    /// The host this peer lost in its last migration (its <see cref="HostClientId"/> when it gave that host up), or null
    /// before any. Read it in <see cref="HostChanged"/>: a successor names it when it takes the session over in the
    /// directory (<see cref="Sessions.PlayerSessionHost.ClaimAsync(Sessions.IPlayerHostedSessions, Sessions.SessionId, long, byte[], long, TimeSpan?, TimeProvider?, ILogger?, CancellationToken)"/>),
    /// so the game need not remember the host itself.
    /// </summary>
    public ulong? LostHostClientId { get; private set; }

    /// <summary>Why this peer is <see cref="MigrationRole.Out"/>, or null while it is not.</summary>
    public MigrationOutReason? OutReason { get; private set; }

    /// <summary>
    /// Follows <paramref name="hostClientId"/>, the host the directory records (a claim of this peer's was refused with
    /// <c>host-changed</c>), with the token for it in the migration plan this peer holds: a peer that hosts stops hosting (its
    /// server disconnects its players with <see cref="DisconnectReason.HostGaveWay"/>, so they are <see cref="MigrationRole.Out"/> with
    /// <see cref="MigrationOutReason.HostGaveWay"/> instead of electing; its world's replicated entities, and those with a replicated
    /// component not numbered yet, give way to the recorded host's snapshots once connected; entities without a replicated component stay), any other
    /// drops its connection, and it connects. <see cref="HostChanged"/> names <paramref name="hostClientId"/> once connected;
    /// when the host does not answer within <see cref="MigrationOptions.ReconnectTimeout"/> the peer is
    /// <see cref="MigrationRole.Out"/> with <see cref="MigrationOutReason.RecordedHostUnreachable"/> (no other successor is tried).
    /// </summary>
    /// <param name="hostClientId">The recorded host (<see cref="Sessions.SessionInfo.HostUserId"/>).</param>
    /// <returns>False when the plan holds no token for that host (it was not a successor of the plan, or no plan came): join the
    /// session again for a token and call <see cref="FollowHost(ulong, ReadOnlySpan{byte})"/>. Nothing changed then.</returns>
    /// <exception cref="InvalidOperationException">The peer has not started, or it ended its session (<see cref="EndSession"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="hostClientId"/> is this peer's own id.</exception>
    public bool TryFollowHost(ulong hostClientId)
    {
        CheckFollow(hostClientId);
        if (plan is null) return false;
        foreach (var (clientId, _, token) in plan.Candidates)
        {
            if (clientId != hostClientId) continue;
            if (token.Length == 0) return false;
            FollowHost(hostClientId, token);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Follows <paramref name="hostClientId"/> with <paramref name="connectToken"/>, a token for it (the directory's answer to a
    /// join of the session, which it seals with the recorded host's key); otherwise as <see cref="TryFollowHost"/>.
    /// </summary>
    /// <param name="hostClientId">The recorded host.</param>
    /// <param name="connectToken">A connect token for it.</param>
    /// <exception cref="InvalidOperationException">The peer has not started, or it ended its session (<see cref="EndSession"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="hostClientId"/> is this peer's own id, or the token is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A host's <see cref="MigrationOptions.Client"/> settings were changed out of range since the peer was made: refused
    /// before it stops serving, so it is still the host.
    /// </exception>
    public void FollowHost(ulong hostClientId, ReadOnlySpan<byte> connectToken)
    {
        CheckFollow(hostClientId);
        if (connectToken.IsEmpty) throw new ArgumentException("A connect token is needed.", nameof(connectToken));
        long now = time.GetTimestamp();
        if (Role == MigrationRole.Host)
        {
            options.Validate(); // the game may have changed options.Client since: refused here, still hosting
            StopHostingFor(hostClientId);
            BecomeClient();
        }

        byte[] token = connectToken.ToArray();
        followStartsSession = Role == MigrationRole.Out && OutReason == MigrationOutReason.SessionEnded;
        if (followStartsSession)
        {
            // The session this peer was in is over: the followed host's is another one, where this peer lost no host yet.
            LostHostClientId = null;
            LastMigrationDuration = null;
        }

        // The plan held is the last host's, not the followed one's: its tokens were taken above (TryFollowHost), and kept it
        // would refuse the followed host's plans whenever their epoch is lower (a host of the next session, or a copy of this
        // one that migrated less often): the peer would then elect from the old host's successors when the followed host died.
        plan = null;
        stalls.Restart(now); // a new link, whose timeout is measured once connected
        lostAt = now;
        electing = (hostClientId, token);
        attemptStartedAt = now;
        attemptFailed = false;
        attemptOtherVersion = false;
        followingRecorded = true;
        followingLostPlan = false;
        ForgetLostPlan(); // the host followed now is not the one the lost plan's election reached
        hostGaveWay = false;
        OutReason = null;
        Role = MigrationRole.Reconnecting;
        netClient!.Connect(token);
        logger.LogInformation("Peer {Peer} follows the recorded host {Host}.", ClientId, hostClientId);
    }

    private void CheckFollow(ulong hostClientId)
    {
        if (Role == MigrationRole.Idle) throw new InvalidOperationException("This peer has not started (or was disposed).");
        if (Role == MigrationRole.Out && netClient is null) throw new InvalidOperationException("This peer ended its session (EndSession).");
        if (hostClientId == ClientId) throw new ArgumentException("A peer cannot follow itself.", nameof(hostClientId));
    }

    /// <summary>
    /// True when this peer's host, giving way, is the successor this peer reached in its last migration and the lost host's
    /// plan is younger than <see cref="MigrationOptions.TokenLifetime"/>: only then do that plan's tokens lead to the
    /// recorded host. A plan of an earlier migration (the peer followed or joined another host since, or its tokens
    /// expired) would only walk dead attempts or reach another split copy.
    /// </summary>
    private bool CanFollowLostPlan(long now) =>
        lostPlan is not null && lostPlanReached == HostClientId && time.GetElapsedTime(lostPlanAt, now) < options.TokenLifetime;

    private void ForgetLostPlan()
    {
        lostPlan = null;
        lostPlanReached = null;
    }

    /// <summary>
    /// This peer's host gave way (<see cref="DisconnectReason.HostGaveWay"/>) after a migration: it had hosted beside the
    /// recorded host, which is a successor of the host this peer lost before (the directory gives a session only to a
    /// successor that host reported). This peer connects to the first successor of that host's plan that answers, with the
    /// plan's token, skipping the lost host, the host that gave way and itself (it must not host a third copy), so it
    /// reaches the recorded host without asking the directory. Only when none answers is it <see cref="MigrationRole.Out"/>
    /// with <see cref="MigrationOutReason.HostGaveWay"/>, for the game to follow the host the directory records.
    /// </summary>
    private void FollowLostPlan(long now)
    {
        hostGaveWay = false;
        var lost = lostPlan!;
        logger.LogInformation("Peer {Peer}: host {Host} gave way; trying the successors of host {Lost}.", ClientId, HostClientId, lost.Host);
        lostAt = now;
        LostHostClientId = HostClientId;
        Migrations++;
        failed.Clear();
        failed.Add(lost.Host);
        failed.Add(HostClientId);
        plan = lost; // the recorded host's plan (a newer epoch) replaces it once connected
        planReceivedAt = lostPlanAt;
        followingLostPlan = true;
        followSilence = SuccessorSilence.Window(linkLoss, options, netClient!.Options.HandshakeResendInterval); // the requests' pace, as configured
        Elect(now);
    }

    /// <summary>
    /// True when the attempt under way is given up. An elected successor gets <see cref="MigrationOptions.ReconnectTimeout"/>:
    /// it may still be noticing the host's loss before it hosts. A successor tried while following a lost plan does not: the
    /// recorded host hosted before the host that gave way was refused, so a successor that has not answered a single
    /// connection request (repeated every 100 ms) within <see cref="followSilence"/> hosts nothing, and waiting on
    /// made up to six silent ones cost ~3 s each. That silence is <see cref="MigrationOptions.HostSilence"/> on a clean link
    /// and longer on a lossy one (<see cref="SuccessorSilence"/>: at 50 % loss a fixed second passed a live successor one
    /// time in eighteen). One that answered gets the whole timeout to finish the handshake; one that refuses
    /// (<c>Denied</c>) fails the attempt at once.
    /// </summary>
    private bool AttemptTimedOut(long now)
    {
        var elapsed = time.GetElapsedTime(attemptStartedAt, now);
        if (elapsed >= options.ReconnectTimeout) return true;
        return followingLostPlan && netClient!.State == ClientState.SendingRequest && elapsed >= followSilence;
    }

    /// <summary>A host gives way to the recorded one: its server shuts down, and what it replicated is dropped once the recorded host answers.</summary>
    private void StopHostingFor(ulong hostClientId)
    {
        logger.LogWarning("Peer {Peer} stops hosting: the session's recorded host is {Host}.", ClientId, hostClientId);
        stale.Clear();
        NoteMatching(in numberedQuery, stale);

        // What the host role made for replication but had not numbered yet (created in its last tick, or opted out for
        // now) goes too: the recorded host's snapshots bring the world. Entities without a replicated component (the
        // game's camera, its UI) were never the host role's to replicate and stay.
        if (registry.ComponentTypes.Length > 0)
        {
            NoteMatching(in unnumberedReplicable, stale);
        }

        // The remote players are told this host gave way, not that the server shut down (they must not elect a successor
        // of this host: it would host beside the recorded one) nor that the session ended (it goes on): they follow the
        // recorded host.
        StopServingForRecorded();
    }

    /// <summary>The recorded host answered: the world this peer hosted gives way to its snapshots.</summary>
    private void Followed()
    {
        followingRecorded = false;
        DropStale();
    }

    /// <summary>
    /// The recorded host did not answer: this peer is out, with a reason the game can act on (join again), or it answered
    /// with another protocol version, which no new join changes (<see cref="MigrationOutReason.ProtocolVersionMismatch"/>:
    /// the game tells the player its build differs). What it showed meanwhile (its replica, or the world it hosted before it
    /// gave way) stays, as for any peer that is out (<see cref="Out"/>).
    /// </summary>
    private void FollowFailed()
    {
        followingRecorded = false;
        if (attemptOtherVersion)
        {
            logger.LogWarning("Peer {Peer}: the recorded host {Host} runs another protocol version; it leaves the game.", ClientId, electing.ClientId);
            Out(MigrationOutReason.ProtocolVersionMismatch);
            return;
        }

        logger.LogWarning("Peer {Peer} could not reach the recorded host {Host}; it leaves the game.", ClientId, electing.ClientId);
        Out(MigrationOutReason.RecordedHostUnreachable);
    }

    private void DropStale()
    {
        foreach (var entity in stale)
        {
            if (world.IsAlive(entity)) world.Destroy(entity);
        }

        stale.Clear();
    }

    /// <summary>
    /// This peer is out of the session. Its world keeps the last state it had, as the host's does when it ends the session
    /// (<see cref="EndSession"/>), so every player's end screen shows the same game: the replica stays, no longer the
    /// client's, and goes when a followed host answers (its snapshots bring the world) or when the peer starts again
    /// (<see cref="Join"/>, <see cref="StartHost"/>, after <see cref="Dispose"/>). Dropped here, the replica would leave the
    /// player an empty world while the host still shows the game.
    /// </summary>
    private void Out(MigrationOutReason reason)
    {
        followingLostPlan = false;
        ForgetLostPlan();
        KeepLastState();
        Role = MigrationRole.Out;
        OutReason = reason;
        netClient!.Disconnect(); // an attempt still under way is given up: a late answer must not connect a peer that is out
    }
}

using System.Net;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>A player's link to the backend's directory: cut, every call fails as an unreachable backend's would.</summary>
internal sealed class PartitionedSessions(HttpSessions inner) : ISessions, IPlayerHostedSessions, IStopWaitObserver
{
    public volatile bool Cut;
    private int calls;

    /// <summary>The directory calls made so far (a call made with a cancelled token is not: it never leaves the player).</summary>
    public int Calls => Volatile.Read(ref calls);

    public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default) =>
        Count(cancellationToken) && Cut ? Unreachable<SessionInfo>() : inner.CreateSessionAsync(options, cancellationToken);

    public Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default) =>
        Count(cancellationToken) && Cut ? Unreachable<SessionPage>() : inner.ListSessionsAsync(filter, offset, limit, cancellationToken);

    public Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
        Count(cancellationToken) && Cut ? Unreachable<SessionInfo?>() : inner.GetSessionAsync(id, cancellationToken);

    public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        Count(cancellationToken) && Cut ? Unreachable<SessionJoinResult>() : inner.JoinSessionAsync(id, userId, cancellationToken);

    public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
        Count(cancellationToken) && Cut ? Unreachable<SessionJoinResult>() : inner.JoinSessionAsync(id, userId, playerName, cancellationToken);

    public Task<SessionJoinResult> QuickJoinAsync(long userId, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        Count(cancellationToken) && Cut ? Unreachable<SessionJoinResult>() : inner.QuickJoinAsync(userId, filter, createIfNone, cancellationToken);

    public Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        Count(cancellationToken) && Cut ? Unreachable<SessionJoinResult>() : inner.QuickJoinAsync(userId, playerName, filter, createIfNone, cancellationToken);

    public Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
    {
        Count(cancellationToken);
        Sent.Enqueue("leave");
        return Cut ? Unreachable<bool>() : inner.LeaveSessionAsync(id, userId, cancellationToken);
    }

    public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default)
    {
        Count(cancellationToken);
        Sent.Enqueue("leave");
        return Cut ? Unreachable<bool>() : inner.LeaveSessionAsync(id, userId, reason, cancellationToken);
    }

    public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default)
    {
        Count(cancellationToken);
        Sent.Enqueue("leave");
        return Cut ? Unreachable<bool>() : inner.LeaveSessionAsync(id, userId, reason, seatGrantedAt, cancellationToken);
    }

    /// <summary>What this player's directory calls did, in order, of those the tests order: "leave" (sent), "released" (a give-back answered).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Sent { get; } = new();

    public Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
        Count(cancellationToken) && Cut ? Unreachable<bool>() : inner.EndSessionAsync(id, cancellationToken);

    public Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default) =>
        Count(cancellationToken) && Cut ? Unreachable<PlayerHostGrant>() : inner.CreatePlayerHostedSessionAsync(options, hostUserId, cancellationToken);

    public Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
        CancellationToken cancellationToken = default) =>
        Count(cancellationToken) && Cut ? Unreachable<PlayerHostHeartbeat>() : inner.HostHeartbeatAsync(id, hostUserId, addresses, connectedPlayers, cancellationToken);

    /// <summary>Claims the directory grants whose answers are then lost on the way back (the claim itself stands).</summary>
    public volatile int LoseClaimAnswers;

    private int claimsGranted;

    /// <summary>Claims the directory granted.</summary>
    public int ClaimsGranted => Volatile.Read(ref claimsGranted);

    /// <summary>While set, the answers of granted claims wait for it (or for the caller to give up).</summary>
    public volatile TaskCompletionSource? HeldClaimAnswers;

    /// <summary>
    /// While set, a claim waits for it before the directory handles it, as a request on its way would: the caller may give up
    /// meanwhile (its token), but the directory handles the claim all the same once it is completed.
    /// </summary>
    public volatile TaskCompletionSource? HeldClaimRequests;

    private int claimsHeld;

    /// <summary>Claims that waited for <see cref="HeldClaimRequests"/>.</summary>
    public int ClaimsHeld => Volatile.Read(ref claimsHeld);

    private int releasesAnswered;

    /// <summary>Gives-back the directory answered (or refused).</summary>
    public int ReleasesAnswered => Volatile.Read(ref releasesAnswered);

    public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default) =>
        LastClaim = ClaimAsync(id, userId, hostKey, null, cancellationToken);

    public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default) =>
        LastClaim = ClaimAsync(id, userId, hostKey, expectedHostUserId, cancellationToken);

    /// <summary>The answer of this player's last claim as its caller awaits it (pending while the claim or its answer is held), or null.</summary>
    public volatile Task<PlayerHostGrant>? LastClaim;

    /// <summary>The hosts the claims named as the one they take over from (null: none named), in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<long?> ClaimedFrom { get; } = new();

    private async Task<PlayerHostGrant> ClaimAsync(SessionId id, long userId, byte[] hostKey, long? expected, CancellationToken cancellationToken)
    {
        Count(cancellationToken);
        if (Cut) return await Unreachable<PlayerHostGrant>();
        ClaimedFrom.Enqueue(expected);
        if (HeldClaimRequests is { } request)
        {
            Interlocked.Increment(ref claimsHeld);
            var handled = HandleHeldAsync(request.Task, id, userId, hostKey, expected);
            return await handled.WaitAsync(cancellationToken);
        }

        var grant = await Inner(id, userId, hostKey, expected, cancellationToken);
        Interlocked.Increment(ref claimsGranted);
        if (HeldClaimAnswers is { } held) await held.Task.WaitAsync(cancellationToken); // the grant stands; its answer waits
        if (LoseClaimAnswers > 0)
        {
            LoseClaimAnswers--;
            throw new HttpRequestException("the directory's answer was lost");
        }

        return grant;
    }

    public Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        Count(cancellationToken) && Cut ? Unreachable<bool>() : inner.ReportHostLostAsync(id, userId, cancellationToken);

    private int releases;

    /// <summary>The sessions this player gave back (not in <see cref="Calls"/>: a facade disposed after it claimed one still does).</summary>
    public int Releases => Volatile.Read(ref releases);

    public async Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref releases);
        try
        {
            return await (Cut ? Unreachable<bool>() : inner.ReleaseHostAsync(id, userId, cancellationToken));
        }
        finally
        {
            Sent.Enqueue("released");
            Interlocked.Increment(ref releasesAnswered);
        }
    }

    /// <summary>The directory's side of a held claim: handled once the request arrives, whether or not its caller still waits.</summary>
    private async Task<PlayerHostGrant> HandleHeldAsync(Task arrived, SessionId id, long userId, byte[] hostKey, long? expected)
    {
        await arrived;
        var grant = await Inner(id, userId, hostKey, expected, CancellationToken.None);
        Interlocked.Increment(ref claimsGranted);
        return grant;
    }

    private Task<PlayerHostGrant> Inner(SessionId id, long userId, byte[] hostKey, long? expected, CancellationToken cancellationToken) => expected is { } host
        ? inner.ClaimHostAsync(id, userId, hostKey, host, cancellationToken)
        : inner.ClaimHostAsync(id, userId, hostKey, cancellationToken);

    /// <summary>
    /// Runs in each counted call between its token check and its count (a thread descheduled there), on the caller's thread,
    /// with the call's name.
    /// </summary>
    public volatile Action<string>? Entering;

    /// <summary>
    /// Runs when a migration's stop finds one of this player's calls being handed over (held in <see cref="Entering"/>) and
    /// waits for it to start, on the stopping thread.
    /// </summary>
    public volatile Action? StopWaits;

    void IStopWaitObserver.StopWaitsForCall() => StopWaits?.Invoke();

    private int heartbeats;

    /// <summary>
    /// The heartbeats among <see cref="Calls"/>: a game's <see cref="PlayerSessionHost"/> sends them while it hosts, whatever
    /// its scripts or facade do.
    /// </summary>
    public int Heartbeats => Volatile.Read(ref heartbeats);

    private bool Count(CancellationToken cancellationToken, [System.Runtime.CompilerServices.CallerMemberName] string call = "")
    {
        if (!cancellationToken.IsCancellationRequested)
        {
            Entering?.Invoke(call);
            if (call == nameof(HostHeartbeatAsync)) Interlocked.Increment(ref heartbeats);
            Interlocked.Increment(ref calls);
        }

        return true;
    }

    private static Task<T> Unreachable<T>() => Task.FromException<T>(new HttpRequestException("the backend is unreachable"));
}

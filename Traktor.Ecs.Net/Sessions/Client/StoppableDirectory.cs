using System.Net;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net;

/// <summary>
/// The directory as one host migration sees it (<see cref="HostMigrationDriver"/>): once <see cref="Stop"/> returned, no call
/// starts any more. A call that passed its check before is entered under the same lock, so <see cref="Stop"/> waits for it
/// to have been handed to the directory (and a claim to have been told to <see cref="Claimed"/>): a migration that checked its
/// token just before the player quit cannot send a question, or a claim the quit would not give back, after the quit
/// returned. A give-back (<see cref="ReleaseHostAsync"/>) is never stopped: it must reach the directory after the stop.
/// </summary>
internal sealed class StoppableDirectory(ISessions sessions, IPlayerHostedSessions directory) : ISessions, IPlayerHostedSessions
{
    private readonly object gate = new();
    private bool stopped;

    /// <summary>Told of each claim as it is handed to the directory, before <see cref="Stop"/> can return.</summary>
    public Action<Task<PlayerHostGrant>>? Claimed { get; init; }

    /// <summary>No call starts once this returned; one being handed to the directory meanwhile is waited for. Any thread.</summary>
    public void Stop()
    {
        bool taken = Monitor.TryEnter(gate);
        try
        {
            if (!taken)
            {
                (directory as IStopWaitObserver)?.StopWaitsForCall(); // a call is being handed over: told, then waited for
                Monitor.Enter(gate, ref taken);
            }

            stopped = true;
        }
        finally
        {
            if (taken) Monitor.Exit(gate);
        }
    }

    /// <inheritdoc />
    public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default) =>
        Enter(() => sessions.CreateSessionAsync(options, cancellationToken));

    /// <inheritdoc />
    public Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default) =>
        Enter(() => sessions.ListSessionsAsync(filter, offset, limit, cancellationToken));

    /// <inheritdoc />
    public Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
        Enter(() => sessions.GetSessionAsync(id, cancellationToken));

    /// <inheritdoc />
    public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        Enter(() => sessions.JoinSessionAsync(id, userId, cancellationToken));

    /// <inheritdoc />
    public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
        Enter(() => sessions.JoinSessionAsync(id, userId, playerName, cancellationToken));

    /// <inheritdoc />
    public Task<SessionJoinResult> QuickJoinAsync(long userId, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        Enter(() => sessions.QuickJoinAsync(userId, filter, createIfNone, cancellationToken));

    /// <inheritdoc />
    public Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
        Enter(() => sessions.QuickJoinAsync(userId, playerName, filter, createIfNone, cancellationToken));

    /// <inheritdoc />
    public Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        Enter(() => sessions.LeaveSessionAsync(id, userId, cancellationToken));

    /// <inheritdoc />
    public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default) =>
        Enter(() => sessions.LeaveSessionAsync(id, userId, reason, cancellationToken));

    /// <inheritdoc />
    public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default) =>
        Enter(() => sessions.LeaveSessionAsync(id, userId, reason, seatGrantedAt, cancellationToken));

    /// <inheritdoc />
    public Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
        Enter(() => sessions.EndSessionAsync(id, cancellationToken));

    /// <inheritdoc />
    public Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default) =>
        Enter(() => directory.CreatePlayerHostedSessionAsync(options, hostUserId, cancellationToken));

    /// <inheritdoc />
    public Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
        CancellationToken cancellationToken = default) =>
        Enter(() => directory.HostHeartbeatAsync(id, hostUserId, addresses, connectedPlayers, cancellationToken));

    /// <inheritdoc />
    public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default) =>
        Enter(() => Told(directory.ClaimHostAsync(id, userId, hostKey, cancellationToken)));

    /// <inheritdoc />
    public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default) =>
        Enter(() => Told(directory.ClaimHostAsync(id, userId, hostKey, expectedHostUserId, cancellationToken)));

    /// <inheritdoc />
    public Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        Enter(async () =>
        {
            await directory.ReportHostLostAsync(id, userId, cancellationToken).ConfigureAwait(false);
            return true;
        });

    /// <inheritdoc />
    public Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
        directory.ReleaseHostAsync(id, userId, cancellationToken);

    private Task<PlayerHostGrant> Told(Task<PlayerHostGrant> claim)
    {
        Claimed?.Invoke(claim);
        return claim;
    }

    private Task<T> Enter<T>(Func<Task<T>> call)
    {
        lock (gate)
        {
            return stopped ? Task.FromCanceled<T>(new CancellationToken(canceled: true)) : call();
        }
    }
}

using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A <c>createSession(.., "player")</c> whose game cannot start hosting leaves the session again
/// (<c>PlayerHosting.CreateSessionAsync</c> (<see cref="PlayerHosting"/>)), and that leave waits at most 10 s on <see cref="ScriptServices.Time"/>,
/// as the call's other waits do. Before, it waited 10 s of wall clock: a directory that did not answer held the script's
/// call for 10 real seconds whatever the game's clock said, and a test on a fake clock could only wait them out.
/// </summary>
public sealed class CreateSessionLeaveClockTests
{
    private static readonly TimeSpan LeaveWait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_leave_after_a_failed_start_gives_up_after_10_s_of_the_services_clock()
    {
        var time = new FakeTimeProvider();
        var directory = new SilentLeaveDirectory();
        using var host = new ScriptHost(new ScriptServices
        {
            Sessions = directory,
            PlayerId = 7,
            Time = time,
            StartHosting = (_, _) => throw new InvalidOperationException("the port is taken"),
        }, new LuaScriptOptions { CallTimeout = TimeSpan.FromMinutes(1) });
        var script = host.Load("host.lua", """multiplayer:createSession("coop", 4, "player")""");

        // The start failed and the host leaves; the directory does not answer.
        var leave = await directory.Leaving.Task.WaitAsync(TestContext.Current.CancellationToken);
        time.Advance(LeaveWait - TimeSpan.FromMilliseconds(1));
        Assert.False(leave.IsCancellationRequested);
        Assert.Equal(1, script.WaitingEntries);

        // The services' clock decides: the leave gives up at once (before: not until 10 s of wall clock had passed).
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(leave.IsCancellationRequested, "the leave still waits although the services' clock passed its 10 s");
        host.TickUntil(() => script.WaitingEntries == 0);
        var error = Assert.Single(script.Errors);
        Assert.Contains("the port is taken", error.Message, StringComparison.Ordinal); // the start's failure, not the leave's
    }

    /// <summary>A directory that makes a player-hosted session at once and never answers a leave (it waits for the caller's token).</summary>
    private sealed class SilentLeaveDirectory : ISessions, IPlayerHostedSessions
    {
        public TaskCompletionSource<CancellationToken> Leaving { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default)
        {
            var session = new SessionInfo(SessionId.New(), options.Name, options.MaxPlayers, SessionVisibility.Public, new Dictionary<string, string>(), [],
                DateTimeOffset.UnixEpoch)
            {
                HostKind = SessionHostKind.Player,
                HostUserId = hostUserId,
            };
            return Task.FromResult(new PlayerHostGrant(session, new byte[32], Guid.NewGuid()));
        }

        public async Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default)
        {
            Leaving.TrySetResult(cancellationToken);
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return true;
        }

        public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default) =>
            LeaveSessionAsync(id, userId, reason, cancellationToken);

        public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}

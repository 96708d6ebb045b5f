using Traktor.Ecs.Net.Online.Sessions;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Scripting;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// <c>PlayerHosting.CreateSessionAsync</c> (<see cref="PlayerHosting"/>), shared by <see cref="Multiplayer"/> and Lua's <c>createSession</c>: a
/// listen server that fails to start leaves no session behind. Lua's <c>createSession(name, max, "player")</c> used to
/// leave it live with the host seated (until the seat went idle), so joiners were seated in a session nobody served.
/// </summary>
public sealed class PlayerHostingTests : DirectoryOnFakeClockTests
{
    [Fact]
    public async Task A_start_that_fails_leaves_the_session_again()
    {
        long host = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        PlayerHostGrant? granted = null;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Services.Sessions!.CreateSessionAsync(new SessionOptions("coop", 4), host,
            (grant, _) =>
            {
                granted = grant;
                throw new InvalidOperationException("the port is taken");
            }, Time, Cancel));

        Assert.Equal("the port is taken", error.Message);
        var left = await Services.Sessions!.GetSessionAsync(granted!.Session.Id, Cancel);
        Assert.True(left is null || left.State == SessionState.Ended, $"the session ended ({left?.State})");
    }

    [Fact]
    public async Task A_Lua_createSession_whose_game_cannot_start_hosting_leaves_no_live_session()
    {
        long host = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        PlayerHostGrant? granted = null;
        using var scripts = new ScriptHost(new ScriptServices
        {
            Sessions = Services.Sessions,
            PlayerId = (ulong)host,
            StartHosting = (grant, _) =>
            {
                granted = grant;
                throw new InvalidOperationException("the port is taken");
            },
        });
        var script = scripts.Load("host.lua", """local session = multiplayer:createSession("coop", 4, "player")""");
        for (var deadline = DateTime.UtcNow.AddSeconds(20); script.WaitingEntries > 0 && DateTime.UtcNow < deadline; await Task.Delay(5, Cancel))
        {
            scripts.Tick();
        }

        var error = Assert.Single(script.Errors);
        Assert.Contains("the port is taken", error.Message, StringComparison.Ordinal);
        var left = await Services.Sessions!.GetSessionAsync(granted!.Session.Id, Cancel);
        Assert.True(left is null || left.State == SessionState.Ended, $"the session ended ({left?.State})");   // before: Live, the host seated
    }

    /// <summary>
    /// The clock came as another overload: the first release's signature (no clock, the token fifth) stays, so callers
    /// built against it still bind (before, the clock was inserted before the token: MissingMethodException for them, and
    /// a token passed fifth no longer compiled).
    /// </summary>
    [Fact]
    public async Task The_signature_without_a_clock_still_binds_and_leaves_after_a_failed_start()
    {
        var released = typeof(PlayerHosting).GetMethod(nameof(PlayerHosting.CreateSessionAsync),
            [typeof(ISessions), typeof(SessionOptions), typeof(long), typeof(Func<PlayerHostGrant, CancellationToken, Task>), typeof(CancellationToken)]);
        Assert.NotNull(released);

        long host = (await Services.Authentication.RegisterAsync("released-signature", Password, Cancel)).UserId;
        PlayerHostGrant? granted = null;
        var call = (Task<PlayerHostGrant>)released.Invoke(null, [Services.Sessions!, new SessionOptions("coop", 4), host,
            (Func<PlayerHostGrant, CancellationToken, Task>)((grant, _) =>
            {
                granted = grant;
                throw new InvalidOperationException("the port is taken");
            }), Cancel])!;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => call);

        Assert.Equal("the port is taken", error.Message);
        var left = await Services.Sessions!.GetSessionAsync(granted!.Session.Id, Cancel);
        Assert.True(left is null || left.State == SessionState.Ended, $"the session ended ({left?.State})");
    }

    /// <summary>
    /// A create cancelled while the directory makes the session (its answer on the way) does not leave it live with its
    /// host seated: the answer is awaited (bounded) and the session left again, once; the hook never starts a server.
    /// </summary>
    [Fact]
    public async Task A_create_cancelled_while_the_directory_makes_the_session_leaves_it_again_once()
    {
        long host = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        var directory = new HeldCreateAnswer(Services.Sessions!);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        bool started = false;
        var creating = directory.CreateSessionAsync(new SessionOptions("coop", 4), host, (_, _) =>
        {
            started = true;
            return Task.CompletedTask;
        }, Time, giveUp.Token);

        var made = await directory.Made.Task.WaitAsync(Cancel);   // the directory made it; its answer is on the way
        await giveUp.CancelAsync();
        directory.Answer.SetResult();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => creating);

        Assert.False(started, "nobody serves a session the caller gave up on");
        Assert.Equal([made.Session.Id], directory.Left);           // left again, once
        var left = await Services.Sessions!.GetSessionAsync(made.Session.Id, Cancel);
        Assert.True(left is null || left.State == SessionState.Ended, $"the session ended ({left?.State})");   // before: Live, the host seated
    }

    /// <summary>A directory that makes the player-hosted session at once but holds its answer until <see cref="Answer"/> opens (honouring the caller's token meanwhile, as an HTTP request does).</summary>
    private sealed class HeldCreateAnswer(SessionDirectory inner) : ISessions, IPlayerHostedSessions
    {
        public TaskCompletionSource<PlayerHostGrant> Made { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public System.Collections.Concurrent.ConcurrentQueue<SessionId> Left { get; } = new();

        public async Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default)
        {
            var grant = await inner.CreatePlayerHostedSessionAsync(options, hostUserId, CancellationToken.None);
            Made.SetResult(grant);
            await Answer.Task.WaitAsync(cancellationToken);
            return grant;
        }

        public Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
        {
            Left.Enqueue(id);
            return inner.LeaveSessionAsync(id, userId, cancellationToken);
        }

        public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default) =>
            LeaveSessionAsync(id, userId, cancellationToken);

        public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default) =>
            LeaveSessionAsync(id, userId, cancellationToken);

        public Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) => inner.GetSessionAsync(id, cancellationToken);

        public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<System.Net.IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}

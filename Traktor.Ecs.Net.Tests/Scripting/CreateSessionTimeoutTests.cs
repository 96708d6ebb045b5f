using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// <c>createSession(.., "player")</c>'s hook token is decided once: attached when the script gets the session, given up
/// when the call ends first. Before, the hook got the call's own token: when <see cref="LuaScriptOptions.CallTimeout"/> ran
/// out after the directory made the session and the game started hosting it, but before the next tick handed the session
/// to the script, the game was told to stop hosting (the token cancelled) and the script got the session all the same, a
/// session nobody served and nobody left.
/// </summary>
public sealed class CreateSessionTimeoutTests
{
    [Fact]
    public void A_createSession_that_times_out_after_the_session_was_made_but_before_the_script_has_it_fails_and_leaves_it()
    {
        // A fake clock: the test puts the timeout exactly between the game's hook and the tick that would hand the session
        // to the script (before, a wall-clock 200 ms did, and the test waited for it).
        var time = new FakeTimeProvider();
        var callTimeout = TimeSpan.FromSeconds(10);
        var directory = new GatedDirectory();
        int stopped = 0;
        using var hooked = new ManualResetEventSlim();
        using var host = new ScriptHost(new ScriptServices
        {
            Sessions = directory,
            PlayerId = 7,
            Time = time,
            StartHosting = (_, token) =>
            {
                token.Register(() => Interlocked.Increment(ref stopped)); // the game stops its listen server here
                hooked.Set();
                return Task.FromResult<PlayerSessionHost?>(null);
            },
        }, new LuaScriptOptions { CallTimeout = callTimeout });
        var script = host.Load("host.lua", """
            local ok, result = pcall(function() return multiplayer:createSession("MyGame", 4, "player") end)
            made = ok and result or nil
            failure = not ok and tostring(result) or nil
            """);
        Assert.Equal(1, script.WaitingEntries);

        // The directory makes the session and the game hosts it; the call's timeout runs out before the scripts tick again.
        directory.Gate.SetResult();
        Assert.True(hooked.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), "the game's hook was never called");
        Assert.Equal(0, Volatile.Read(ref stopped));
        time.Advance(callTimeout);
        Assert.Equal(1, Volatile.Read(ref stopped)); // the token's callbacks ran as the timeout gave the hosting up
        host.TickUntil(() => script.WaitingEntries == 0);

        // Given up, so not the script's: it hears the timeout, and the session nobody serves is left (which ends it).
        Assert.Equal(1, Volatile.Read(ref stopped));
        Assert.Equal(ScriptValueKind.Nil, script.GetGlobal("made").Kind);
        Assert.Contains("timed out", script.GetGlobal("failure").AsString, StringComparison.Ordinal);
        Assert.True(SpinWait.SpinUntil(() => directory.Left.Count == 1, TimeSpan.FromSeconds(30)), "the session was not left");
        Assert.Equal(directory.Made, directory.Left.Single());
    }

    [Fact]
    public void A_createSession_answered_in_time_keeps_its_hook_token_uncancelled_after_the_call_timeout()
    {
        // A fake clock: the call cannot time out while the answer is on its way (a wall-clock CallTimeout could on a busy
        // machine), and the test then moves the clock past CallTimeout itself, at once.
        var time = new FakeTimeProvider();
        var callTimeout = TimeSpan.FromMilliseconds(200);
        var directory = new GatedDirectory();
        directory.Gate.SetResult();
        int stopped = 0;
        using var host = new ScriptHost(new ScriptServices
        {
            Sessions = directory,
            PlayerId = 7,
            Time = time,
            StartHosting = (_, token) =>
            {
                token.Register(() => Interlocked.Increment(ref stopped));
                return Task.FromResult<PlayerSessionHost?>(null);
            },
        }, new LuaScriptOptions { CallTimeout = callTimeout });
        var script = host.Load("host.lua", """made = multiplayer:createSession("MyGame", 4, "player")""");
        host.TickUntil(() => script.WaitingEntries == 0);

        Assert.Empty(script.Errors);
        Assert.Equal(directory.Made.ToString(), script.GetGlobal("made").AsTable!["id"].AsString);
        time.Advance(callTimeout * 2); // past CallTimeout: the call's token source is gone, and the hosting is the game's
        host.Tick();
        Assert.Equal(0, Volatile.Read(ref stopped));
        Assert.Empty(directory.Left);
    }

    /// <summary>A directory that makes a player-hosted session once <see cref="Gate"/> opens, whatever the caller's token says.</summary>
    private sealed class GatedDirectory : ISessions, IPlayerHostedSessions
    {
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SessionId Made { get; private set; }

        public ConcurrentQueue<SessionId> Left { get; } = new();

        public async Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default)
        {
            await Gate.Task.ConfigureAwait(false);
            Made = SessionId.New();
            var session = new SessionInfo(Made, options.Name, options.MaxPlayers, SessionVisibility.Public, new Dictionary<string, string>(), [], DateTimeOffset.UtcNow)
            {
                HostKind = SessionHostKind.Player,
                HostUserId = hostUserId,
            };
            return new PlayerHostGrant(session, new byte[32], Guid.NewGuid());
        }

        public Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
        {
            Left.Enqueue(id);
            return Task.FromResult(true);
        }

        public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default) =>
            LeaveSessionAsync(id, userId, cancellationToken);

        public Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default) =>
            LeaveSessionAsync(id, userId, cancellationToken);

        public Task<SessionInfo> CreateSessionAsync(SessionOptions options, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SessionPage> ListSessionsAsync(SessionFilter? filter = null, int offset = 0, int limit = 20, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<bool> EndSessionAsync(SessionId id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}

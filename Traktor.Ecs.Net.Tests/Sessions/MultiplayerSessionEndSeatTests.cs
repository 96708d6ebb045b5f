using System.Collections.Concurrent;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A <see cref="Multiplayer"/> player whose connection to a dedicated game server ends (cut, the server gone) gives its
/// seat in the directory back at once, that seat only, once, as Lua's <c>multiplayer</c> does (<c>SessionEndSeatTests</c>):
/// before, the seat stayed taken until the game server's reconnect grace expired (or never, with the server gone). A join
/// waits for the give-back, which otherwise could free the seat the join was just told it holds. A seat the player gave up
/// itself (<see cref="DisconnectReason.LeftSession"/>) is not left again.
/// </summary>
public sealed partial class MultiplayerSessionEndSeatTests
{
    private const long Player = 42;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_player_its_game_server_cuts_gives_its_seat_back_once_and_may_join_again_at_once()
    {
        using var game = await GameAsync();
        await game.JoinAsync();
        var firstSeat = game.Seat();

        // The game server cuts the player without the directory (a kick of its own): the relay keeps the seat for the
        // player's reconnect grace (a minute here), which the directory hears of only when it expires.
        game.Setup.Harness.Server.Disconnect(game.Setup.ConnectionOf((ulong)Player), DisconnectReason.Kicked);
        await game.TickUntilAsync(() => game.Members() == 0, "the seat to be given back (before: at the grace's expiry, a minute on)");
        Assert.Equal((Player, (DateTimeOffset?)firstSeat), Assert.Single(game.Directory.Leaves)); // that seat only

        // The player joins again at once: its new seat stays (the give-back named the old one), and nothing is left again.
        await game.JoinAsync();
        Assert.NotEqual(firstSeat, game.Seat());
        await game.TickAsync(60);
        Assert.Equal(1, game.Members());
        Assert.Single(game.Directory.Leaves);
    }

    [Fact]
    public async Task A_join_waits_for_the_seat_given_back_so_that_its_own_seat_stays()
    {
        using var game = await GameAsync();
        await game.JoinAsync();
        var firstSeat = game.Seat();

        // The directory is slow to take the seat back. A rejoin meanwhile would be AlreadyMember of that very seat (its grant
        // the give-back names), which the give-back then freed: the player connected, in no seat.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        game.Directory.Hold = release.Task;
        game.Setup.Harness.Server.Disconnect(game.Setup.ConnectionOf((ulong)Player), DisconnectReason.Kicked);
        await game.TickUntilAsync(() => game.Directory.Leaves.Count == 1, "the give-back to be sent");

        int joins = game.Directory.Joins;
        var joining = game.Multiplayer.JoinSessionAsync(game.Session.Id, Cancel);
        await game.TickAsync(30);
        Assert.False(joining.IsCompleted, "the join did not wait for the give-back");
        Assert.Equal(joins, game.Directory.Joins);

        release.SetResult();
        await game.TickUntilAsync(() => joining.IsCompleted, "the join after the give-back");
        await joining;
        Assert.Equal(1, game.Members());
        Assert.NotEqual(firstSeat, game.Seat());
        await game.TickAsync(60);
        Assert.Equal(1, game.Members());
        Assert.Equal(ClientState.Connected, game.Client.Transport.State);
    }

    [Fact]
    public async Task A_player_that_left_from_elsewhere_leaves_nothing_again()
    {
        using var game = await GameAsync();
        await game.JoinAsync();

        // The player's seat is given up through the directory (another device): the server tells the game LeftSession.
        Assert.True(await game.Sessions.LeaveSessionAsync(game.Session.Id, Player, Cancel));
        await game.TickUntilAsync(() => game.Client.Transport.State == ClientState.Disconnected, "the server to disconnect the player");
        await game.TickAsync(60);
        Assert.Empty(game.Directory.Leaves);
    }

    private static async Task<Game> GameAsync(MultiplayerOptions? options = null)
    {
        SessionRelay? relay = null;
        var setup = new RpcWorld(
            new LinkConditions(),
            new RpcOptions { ReconnectGracePeriod = TimeSpan.FromMinutes(1) },
            options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        (var sessions, var session, relay) = await SessionRelayTests.OpenAsync(setup, "arena", 4);

        var peer = setup.AddClient((ulong)Player, seed: 7, connect: false);
        var directory = new CountingLeaves(sessions);
        var multiplayer = new Multiplayer(peer.Client, new OnePlayer(), directory, new MultiplayerAccount("player", "secret"), options, setup.Harness.Time);
        peer.Group.Add(multiplayer);
        return new Game(setup, sessions, session, directory, multiplayer);
    }

    private sealed record Game(RpcWorld Setup, InProcessSessions Sessions, SessionInfo Session, CountingLeaves Directory, Multiplayer Multiplayer) : IDisposable
    {
        public NetworkClient Client => Setup.Clients[0].Client;

        public int Members() => Sessions.GetSessionAsync(Session.Id, Cancel).GetAwaiter().GetResult()!.Members.Count;

        public DateTimeOffset Seat() => Sessions.GetSessionAsync(Session.Id, Cancel).GetAwaiter().GetResult()!.Members.Single().JoinedAt;

        /// <summary>Joins through the facade and waits until its client is connected to the game server.</summary>
        public async Task JoinAsync()
        {
            var joining = Multiplayer.JoinSessionAsync(Session.Id, Cancel);
            await TickUntilAsync(() => joining.IsCompleted, "the join");
            await joining;
            Assert.Equal(ClientState.Connected, Client.Transport.State);
        }

        /// <summary>Ticks (60 Hz on the fake clock) until <paramref name="done"/>, letting the facade's continuations run between ticks.</summary>
        public async Task TickUntilAsync(Func<bool> done, string what)
        {
            for (int i = 0; i < 60 * 20 && !done(); i++)
            {
                Setup.Tick();
                await Task.Delay(1, Cancel);
            }

            Assert.True(done(), $"timed out waiting for {what}");
        }

        public async Task TickAsync(int ticks)
        {
            for (int i = 0; i < ticks; i++)
            {
                Setup.Tick();
                await Task.Delay(1, Cancel);
            }
        }

        public void Dispose()
        {
            Multiplayer.Dispose();
            Setup.Dispose();
        }
    }

    /// <summary>The in-process directory, counting joins (quick-joins too) and recording every leave (player, seat grant); a join's answer and a leave may be held.</summary>
    private sealed class CountingLeaves(ISessions inner) : JoinAlteringSessions(inner)
    {
        private int joins;
        private int answered;
        private int lookups;

        public ConcurrentQueue<(long Player, DateTimeOffset? Granted)> Leaves { get; } = new();

        public int Joins => Volatile.Read(ref joins);

        /// <summary>Joins the directory behind answered (the answer may be held on its way back, <see cref="JoinHold"/>).</summary>
        public int Answered => Volatile.Read(ref answered);

        /// <summary>Sessions looked up (the facade asking why one ended).</summary>
        public int Lookups => Volatile.Read(ref lookups);

        /// <summary>Completes when a join's answer, already given by the directory, may reach the player; completed by default.</summary>
        public Task JoinHold { get; set; } = Task.CompletedTask;

        /// <summary>Completes when the directory may take the seats back; completed by default.</summary>
        public Task Hold { get; set; } = Task.CompletedTask;

        public override Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref joins);
            return AnswerAsync(Inner.JoinSessionAsync(id, userId, playerName, cancellationToken), cancellationToken);
        }

        public override Task<SessionJoinResult> QuickJoinAsync(long userId, string playerName, SessionFilter? filter, SessionOptions createIfNone, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref joins);
            return AnswerAsync(Inner.QuickJoinAsync(userId, playerName, filter, createIfNone, cancellationToken), cancellationToken);
        }

        public override Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref lookups);
            return Inner.GetSessionAsync(id, cancellationToken);
        }

        private async Task<SessionJoinResult> AnswerAsync(Task<SessionJoinResult> joining, CancellationToken cancellationToken)
        {
            var result = await joining;
            Interlocked.Increment(ref answered);
            await JoinHold.WaitAsync(cancellationToken);
            return result;
        }

        public override async Task<bool> LeaveSessionAsync(SessionId id, long userId, CancellationToken cancellationToken = default)
        {
            Leaves.Enqueue((userId, null));
            await Hold.WaitAsync(cancellationToken);
            return await Inner.LeaveSessionAsync(id, userId, cancellationToken);
        }

        public override async Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default)
        {
            Leaves.Enqueue((userId, null));
            await Hold.WaitAsync(cancellationToken);
            return await Inner.LeaveSessionAsync(id, userId, reason, cancellationToken);
        }

        public override async Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default)
        {
            Leaves.Enqueue((userId, seatGrantedAt));
            await Hold.WaitAsync(cancellationToken);
            return await Inner.LeaveSessionAsync(id, userId, reason, seatGrantedAt, cancellationToken);
        }
    }

    /// <summary>Logs every account in as the one player (the directory needs only its id).</summary>
    private sealed class OnePlayer : IAuthentication
    {
        public Task<UserAccount> RegisterAsync(string username, string password, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<AuthSession> LoginAsync(string username, string password, CancellationToken cancellationToken = default) =>
            Task.FromResult(new AuthSession(Player, username, "access", DateTimeOffset.MaxValue, "refresh", DateTimeOffset.MaxValue, []));

        public Task<AuthSession> RefreshAsync(string refreshToken, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task LogoutAsync(string accessToken, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<AccessTokenClaims> ValidateAccessTokenAsync(string accessToken, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task RevokeUserSessionsAsync(long userId, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}

using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A player's listen server hears of the seats the directory freed through its heartbeats
/// (<see cref="PlayerSessionHost.MemberLeft"/>), as a game server does: before, a player that left through the directory from
/// another device stayed connected to the host until its connection closed, and in a full session the newcomer the
/// directory gave the freed seat was refused by the host meanwhile. The directory (SQLite) and the host's heartbeats run on
/// one fake clock; the host's server and its players on the transport harness's.
/// </summary>
public sealed class PlayerHostDirectoryLeaveTests : IAsyncLifetime
{
    private const string Password = "correct horse battery";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly string folder = OnlineTestSettings.TempDirectory();
    private readonly FakeTimeProvider time = new(TransportHarness.Start);
    private OnlineServices services = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        var sessions = DirectoryTestSettings.Options;
        var options = new OnlineServicesOptions
        {
            Authentication = OnlineTestSettings.Authentication(),
            Time = time,
            Sessions = sessions with { Tokens = sessions.Tokens with { ProtocolId = TransportHarness.ProtocolId } },   // the harness's clients' protocol
        };
        services = await OnlineServices.OpenAsync(new SqliteOnlineDatabase(Path.Combine(folder, "online.db"), SqliteDurability.Normal), options);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        OnlineTestSettings.DeleteDirectory(folder);
    }

    [Theory]
    [InlineData(SessionLeaveReason.Left, DisconnectReason.LeftSession)]
    [InlineData(SessionLeaveReason.Removed, DisconnectReason.Kicked)]
    public async Task A_member_whose_seat_the_directory_frees_is_disconnected_within_one_heartbeat_and_a_newcomer_takes_the_seat(
        SessionLeaveReason reason, DisconnectReason told)
    {
        long host = (await services.Authentication.RegisterAsync("hosting-alice", Password, Cancel)).UserId;
        long bob = (await services.Authentication.RegisterAsync("leaving-bob", Password, Cancel)).UserId;
        long carol = (await services.Authentication.RegisterAsync("coming-carol", Password, Cancel)).UserId;
        var directory = services.Sessions!;
        var grant = await directory.CreatePlayerHostedSessionAsync(new SessionOptions("full", 2), host, Cancel);

        SessionRelay? relay = null;
        using var setup = new RpcWorld(new LinkConditions(), configure: o =>
        {
            o.PrivateKey = grant.SessionKey;   // the host's server opens the directory's tokens for this session
            o.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address);
        });
        // The host's own seat is not on this server (it plays locally in a game): the remote players have the one seat left.
        relay = new SessionRelay(setup.ServerRpcs, grant.Session.Id, grant.Session.MaxPlayers - 1, directory: null, setup.Harness.Time);
        await using var entry = PlayerSessionHost.Start(directory, grant, host, Interval, time);
        entry.Attach(relay);
        entry.Report([setup.Harness.ServerAddress.ToEndPoint()], []);
        await HeartbeatsAsync(entry, 1);

        var bobPeer = await ConnectAsync(setup, directory, grant.Session.Id, bob, "leaving-bob");
        Assert.Equal([(ulong)bob], relay.PresentPlayers);
        entry.Report([setup.Harness.ServerAddress.ToEndPoint()], [bob]);

        // Bob's seat is freed in the directory alone: from another device of his, or by the game server's key.
        Assert.True(await directory.LeaveSessionAsync(grant.Session.Id, bob, reason, Cancel));
        setup.Tick(20);
        Assert.Equal(ClientState.Connected, bobPeer.Client.Transport.State);   // the host cannot know before its next heartbeat

        // One heartbeat later the host disconnects him, telling him why, as a game server would.
        time.Advance(Interval);
        await HeartbeatsAsync(entry, 2);
        Assert.True(setup.TickUntil(() => bobPeer.Client.Transport.State == ClientState.Disconnected, 300), "the host disconnected bob");
        Assert.Equal(told, bobPeer.Client.Transport.LastDisconnectReason);
        Assert.Empty(relay.PresentPlayers);

        // The newcomer the directory gives the freed seat gets in: before, the host still counted bob and refused her.
        var carolPeer = await ConnectAsync(setup, directory, grant.Session.Id, carol, "coming-carol");
        Assert.Equal([(ulong)carol], relay.PresentPlayers);

        // Later heartbeats list bob's departure again (for a while): the relay knows it, and carol stays.
        time.Advance(Interval);
        await HeartbeatsAsync(entry, 3);
        setup.Tick(20);
        Assert.Equal(ClientState.Connected, carolPeer.Client.Transport.State);
        Assert.Equal([(ulong)carol], relay.PresentPlayers);
    }

    [Fact]
    public async Task A_member_that_rejoined_while_a_heartbeat_listing_its_old_departure_was_in_flight_stays()
    {
        long host = (await services.Authentication.RegisterAsync("racing-host", Password, Cancel)).UserId;
        long bob = (await services.Authentication.RegisterAsync("returning-bob", Password, Cancel)).UserId;
        var directory = services.Sessions!;
        var grant = await directory.CreatePlayerHostedSessionAsync(new SessionOptions("race", 4), host, Cancel);

        SessionRelay? relay = null;
        using var setup = new RpcWorld(new LinkConditions(), configure: o =>
        {
            o.PrivateKey = grant.SessionKey;
            o.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address);
        });
        relay = new SessionRelay(setup.ServerRpcs, grant.Session.Id, grant.Session.MaxPlayers - 1, directory: null, setup.Harness.Time);
        var held = new HeldHeartbeats(Assert.IsAssignableFrom<IPlayerHostedSessions>(directory));
        await using var entry = PlayerSessionHost.Start(held, grant, host, Interval, time);
        entry.Attach(relay);
        entry.Report([setup.Harness.ServerAddress.ToEndPoint()], []);
        await HeartbeatsAsync(entry, 1);
        var bobPeer = await ConnectAsync(setup, directory, grant.Session.Id, bob, "returning-bob");
        entry.Report([setup.Harness.ServerAddress.ToEndPoint()], [bob]);

        // Bob's game disconnects, he leaves and the directory records it; the host's next heartbeat is read now, listing
        // that departure, and its answer is slow to come back.
        bobPeer.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => setup.Server.Connections.Count == 0, 300));
        Assert.True(await directory.LeaveSessionAsync(grant.Session.Id, bob, Cancel));
        held.Holding = true;
        time.Advance(Interval);
        var answer = await held.Read.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        Assert.Contains(answer.Departures, d => d.UserId == bob);

        // Meanwhile bob joins again (the directory clears his departure) and his game is back on the host.
        var back = await ConnectAsync(setup, directory, grant.Session.Id, bob, "returning-bob");
        Assert.Equal([(ulong)bob], relay.PresentPlayers);

        // The answer arrives. Before, the relay applied the departure it listed and cut bob (LeftSession).
        held.Release();
        await HeartbeatsAsync(entry, 2);
        setup.Tick(30);
        Assert.Equal(ClientState.Connected, back.Client.Transport.State);
        Assert.Equal([(ulong)bob], relay.PresentPlayers);
    }

    /// <summary>The host's directory, whose heartbeat answers can be held back once read (a slow answer).</summary>
    private sealed class HeldHeartbeats(IPlayerHostedSessions inner) : IPlayerHostedSessions
    {
        private readonly TaskCompletionSource<PlayerHostHeartbeat> read = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>True to hold the next answer until <see cref="Release"/>.</summary>
        public volatile bool Holding;

        /// <summary>The held answer, once read.</summary>
        public Task<PlayerHostHeartbeat> Read => read.Task;

        public void Release() => released.TrySetResult();

        public async Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<System.Net.IPEndPoint> addresses,
            IReadOnlyList<long> connectedPlayers, CancellationToken cancellationToken = default)
        {
            var answer = await inner.HostHeartbeatAsync(id, hostUserId, addresses, connectedPlayers, cancellationToken);
            if (Holding && read.TrySetResult(answer))
            {
                await released.Task.WaitAsync(cancellationToken);
            }

            return answer;
        }

        public Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default) =>
            inner.CreatePlayerHostedSessionAsync(options, hostUserId, cancellationToken);

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default) =>
            inner.ClaimHostAsync(id, userId, hostKey, cancellationToken);

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default) =>
            inner.ClaimHostAsync(id, userId, hostKey, expectedHostUserId, cancellationToken);

        public Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => inner.ReportHostLostAsync(id, userId, cancellationToken);

        public Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) => inner.ReleaseHostAsync(id, userId, cancellationToken);
    }

    /// <summary>Waits (a bounded number of polls, no timing asserted) until the host's heartbeats the directory accepted reach <paramref name="count"/>.</summary>
    private static async Task HeartbeatsAsync(PlayerSessionHost entry, long count)
    {
        for (int i = 0; i < 2000 && entry.Heartbeats < count; i++) await Task.Delay(1, Cancel);
        Assert.Equal(count, entry.Heartbeats);
        Assert.Equal(0, entry.HeartbeatFailures);
    }

    /// <summary>The player joins the session in the directory and connects to the host's server with the directory's token.</summary>
    private static async Task<RpcWorld.Peer> ConnectAsync(RpcWorld setup, ISessions directory, SessionId id, long player, string name)
    {
        var join = await directory.JoinSessionAsync(id, player, name, Cancel);
        Assert.Equal(SessionJoinStatus.Joined, join.Status);
        var peer = setup.AddClient((ulong)player, seed: 20 + (int)(player % 50), connect: false);
        peer.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
        Assert.True(setup.TickUntil(() => peer.Client.Transport.State == ClientState.Connected, 300), $"{name} connected ({peer.Client.Transport.LastDisconnectReason})");
        setup.Tick(5);
        return peer;
    }
}

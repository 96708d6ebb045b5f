using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>A session hosted by a game server: join tokens admit members only; joins and leaves arrive as RPC events; ends disconnect everyone.</summary>
public class SessionRelayTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MembersConnectWithTheirJoinTokenAndEveryoneSeesJoinsLeavesAndTheEnd()
    {
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions { LossPercent = 10, LatencyMs = 20 },
            new RpcOptions { ReconnectGracePeriod = TimeSpan.FromSeconds(1) },
            options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        (var sessions, var session, relay) = await OpenAsync(setup, "coop", 3);
        var serverJoins = new RpcRecorder<PlayerJoined>(setup.ServerWorld);
        var serverLeaves = new RpcRecorder<PlayerLeft>(setup.ServerWorld);
        setup.ServerGroup.Add(serverJoins, serverLeaves);

        var (alice, aliceJoins, aliceLeaves, _) = await JoinAsync(setup, sessions, session.Id, 1, "alice");
        var (bob, bobJoins, _, bobToken) = await JoinAsync(setup, sessions, session.Id, 2, "bob");

        // The server saw both joins as local events; alice saw both (herself first); bob learned about alice, then himself.
        Assert.True(setup.TickUntil(() => aliceJoins.Received.Count == 2 && bobJoins.Received.Count == 2, 300));
        Assert.Equal([(1UL, "alice"), (2UL, "bob")], serverJoins.Received.Select(j => (j.Rpc.PlayerId, j.Rpc.Name.ToString())));
        Assert.All(serverJoins.Received, j => Assert.True(j.Source.IsLocal));
        Assert.Equal([1UL, 2UL], aliceJoins.Received.Select(j => j.Rpc.PlayerId));
        Assert.Equal([1UL, 2UL], bobJoins.Received.Select(j => j.Rpc.PlayerId));
        Assert.Equal(2, bobJoins.Received[^1].Rpc.PlayerCount);
        // Bob is told of alice with the count he makes too: before, "alice, 1" read as if she were alone in the session.
        Assert.Equal([2, 2], bobJoins.Received.Select(j => j.Rpc.PlayerCount));
        Assert.Equal([1, 2], aliceJoins.Received.Select(j => j.Rpc.PlayerCount)); // those there see each join as it happens

        // A valid token without a ticket for this session is refused.
        var stranger = setup.AddClient(99, seed: 30, connect: false);
        stranger.Client.Transport.Connect(setup.Harness.IssueToken(99));
        Assert.True(setup.TickUntil(() => stranger.Client.Transport.State == ClientState.Disconnected, 300));
        Assert.Equal(DisconnectReason.Rejected, stranger.Client.Transport.LastDisconnectReason);

        // Bob leaves the session in the directory: the server disconnects him, telling him he left (it said Kicked before
        // TRKNET17), everyone hears it, the slot is free again.
        Assert.True(await sessions.LeaveSessionAsync(session.Id, 2, Cancel));
        Assert.True(setup.TickUntil(() => aliceLeaves.Received.Count == 1 && serverLeaves.Received.Count == 1 && bob.Client.Transport.State == ClientState.Disconnected, 300));
        Assert.Equal(DisconnectReason.LeftSession, bob.Client.Transport.LastDisconnectReason);
        Assert.Equal(2UL, aliceLeaves.Received[0].Rpc.PlayerId);
        Assert.Equal(1, aliceLeaves.Received[0].Rpc.PlayerCount);
        Assert.Equal("bob", aliceLeaves.Received[0].Rpc.Name.ToString()); // who left, without a roster of ids (TRKNET12)
        Assert.Equal([1UL], relay.PresentPlayers);
        Assert.Equal(2, (await sessions.GetSessionAsync(session.Id, Cancel))!.FreeSlots);

        // His old token no longer gets him in: the transport refuses it as used (tokens are single-use) ...
        bob.Client.Transport.Connect(bobToken);
        Assert.True(setup.TickUntil(() => bob.Client.Transport.State == ClientState.Disconnected, 300));
        Assert.Equal(DisconnectReason.TokenUsed, bob.Client.Transport.LastDisconnectReason);

        // ... and a fresh token whose ticket was issued before his departure is refused by the session.
        var staleTicket = new byte[SessionTicket.MaxSize];
        new SessionTicket(session.Id, setup.Harness.Time.GetUtcNow() - TimeSpan.FromSeconds(30), 3, "bob").Write(staleTicket);
        bob.Client.Transport.Connect(setup.Harness.IssueToken(2, staleTicket));
        Assert.True(setup.TickUntil(() => bob.Client.Transport.State == ClientState.Disconnected, 300));
        Assert.Equal(DisconnectReason.Rejected, bob.Client.Transport.LastDisconnectReason);

        // Alice drops and does not come back within the grace period: she leaves the session, freeing her slot.
        alice.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => serverLeaves.Received.Count == 2, 300));
        Assert.Equal(1UL, serverLeaves.Received[1].Rpc.PlayerId);
        Assert.Equal("alice", serverLeaves.Received[1].Rpc.Name.ToString());   // her name outlives her grace period
        Assert.False((await sessions.GetSessionAsync(session.Id, Cancel))!.IsMember(1));

        // The session ends: a player still connected is told so.
        var (carol, _, _, _) = await JoinAsync(setup, sessions, session.Id, 3, "carol");
        Assert.True(await sessions.EndSessionAsync(session.Id, Cancel));
        Assert.True(setup.TickUntil(() => carol.Client.Transport.State == ClientState.Disconnected, 300));
        Assert.Equal(DisconnectReason.SessionEnded, carol.Client.Transport.LastDisconnectReason);
        Assert.Equal(SessionEndReason.Ended, relay.EndReason);
    }

    [Fact]
    public async Task The_match_result_sent_before_the_end_reaches_a_player_ahead_of_the_notice_over_a_link_that_lost_it()
    {
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions { LatencyMs = 20 },
            configure: options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        (var sessions, var session, relay) = await OpenAsync(setup, "final", 2);
        var (carol, _, _, _) = await JoinAsync(setup, sessions, session.Id, 3, "carol");
        var results = new RpcRecorder<OrderedPing>(carol.World);
        carol.Group.Add(results);

        // The game sends the result and ends the match in one tick, into a link that loses everything for a while (about
        // a third of the relay's wait). Before, the relay disconnected at once: the result and the notice were both lost,
        // and the player heard nothing until its own timeout.
        setup.Harness.ServerLink.Conditions.LossPercent = 100;
        setup.ServerWorld.SendRpc(new OrderedPing { Index = 42 }, RpcTarget.AllClients);
        Assert.True(await sessions.EndSessionAsync(session.Id, Cancel));
        Assert.True(setup.TickUntil(() => relay.EndReason == SessionEndReason.Ended, 300));
        setup.Tick(15);
        Assert.Equal(ClientState.Connected, carol.Client.Transport.State);

        setup.Harness.ServerLink.Conditions.LossPercent = 0;
        bool resultFirst = false;
        Assert.True(setup.TickUntil(() =>
        {
            if (carol.Client.Transport.State == ClientState.Disconnected) return true;
            resultFirst = results.Received.Count == 1;
            return false;
        }, 300));
        Assert.True(resultFirst, "the notice came before the result");
        Assert.Equal(42u, Assert.Single(results.Received).Rpc.Index);
        Assert.Equal(DisconnectReason.SessionEnded, carol.Client.Transport.LastDisconnectReason);
    }

    [Theory]
    [InlineData(SessionLeaveReason.Left, DisconnectReason.LeftSession)]
    [InlineData(SessionLeaveReason.Removed, DisconnectReason.Kicked)]
    [InlineData(SessionLeaveReason.TimedOut, DisconnectReason.Kicked)] // not TimedOut: a player-hosted client would migrate
    public async Task A_player_whose_seat_the_directory_frees_while_connected_is_told_why(SessionLeaveReason reason, DisconnectReason told)
    {
        // Before TRKNET17 every such player was told Kicked: one that left itself (another device, the raw API) could not
        // tell that from a removal by the game server.
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions(),
            configure: options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        (var sessions, var session, relay) = await OpenAsync(setup, "why", 2);
        var (alice, _, _, _) = await JoinAsync(setup, sessions, session.Id, 1, "alice");
        var (bob, _, bobLeaves, _) = await JoinAsync(setup, sessions, session.Id, 2, "bob");

        Assert.True(await sessions.LeaveSessionAsync(session.Id, 1, reason, Cancel));
        Assert.True(setup.TickUntil(() => alice.Client.Transport.State == ClientState.Disconnected && bobLeaves.Received.Count == 1, 300));
        Assert.Equal(told, alice.Client.Transport.LastDisconnectReason);
        Assert.Equal(1UL, bobLeaves.Received[0].Rpc.PlayerId);
        Assert.Equal(ClientState.Connected, bob.Client.Transport.State);
        Assert.Equal([2UL], relay.PresentPlayers);
    }

    [Fact]
    public async Task A_player_whose_reconnect_grace_expires_is_reported_to_the_directory_as_timed_out_not_as_leaving()
    {
        // The relay reports the departure itself: the directory must not record it as the player's own leave (nor as a
        // removal), so what every other game server or node hears of it says the player was gone.
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions(),
            new RpcOptions { ReconnectGracePeriod = TimeSpan.FromSeconds(1) },
            options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        (var sessions, var session, relay) = await OpenAsync(setup, "grace", 2);
        var departures = new System.Collections.Concurrent.ConcurrentQueue<SessionDeparture>();
        sessions.MemberLeft += (_, departure) => departures.Enqueue(departure);
        var (alice, _, _, _) = await JoinAsync(setup, sessions, session.Id, 1, "alice");

        alice.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => !departures.IsEmpty, 300));
        var departed = Assert.Single(departures);
        Assert.Equal((1L, SessionLeaveReason.TimedOut), (departed.UserId, departed.Reason));
    }

    [Fact]
    public async Task A_grace_report_that_reaches_the_directory_after_the_player_rejoined_leaves_its_new_seat_alone()
    {
        // The relay reports an expired grace without awaiting it. Before, the report freed whatever seat the player held when
        // it arrived: one held up until the player had left, rejoined with a new seat and reconnected removed that seat, and
        // the directory's departure then cut the player that had come back.
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions(),
            new RpcOptions { ReconnectGracePeriod = TimeSpan.FromSeconds(1) },
            options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        var sessions = new InProcessSessions(
            new SessionTokenOptions { ServerKey = setup.Harness.ServerKey, ProtocolId = TransportHarness.ProtocolId },
            [setup.Harness.ServerAddress.ToEndPoint()],
            setup.Harness.Time);
        var session = await sessions.CreateSessionAsync(new SessionOptions("late report", 2), Cancel);
        var held = new HeldLeaveReports(sessions);
        relay = new SessionRelay(setup.ServerRpcs, session.Id, 2, held, setup.Harness.Time);
        sessions.Attach(relay);
        var (alice, _, _, _) = await JoinAsync(setup, sessions, session.Id, 1, "alice");

        alice.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => held.Waiting == 1, 300));   // the grace expired; the report is on its way

        // Meanwhile alice's game gave up on the old seat, took a new one and reconnects with its token.
        Assert.True(await sessions.LeaveSessionAsync(session.Id, 1, Cancel));
        setup.Tick(2);
        var rejoin = await sessions.JoinSessionAsync(session.Id, 1, "alice", Cancel);
        Assert.Equal(SessionJoinStatus.Joined, rejoin.Status);
        alice.Client.Transport.Connect(rejoin.ConnectInfo!.ConnectToken);
        Assert.True(setup.TickUntil(() => alice.Client.Transport.State == ClientState.Connected, 300));
        Assert.Equal([1UL], relay.PresentPlayers);

        held.Release();
        Assert.False(await held.Reported);
        setup.Tick(10);
        Assert.Equal(1, Assert.Single((await sessions.GetSessionAsync(session.Id, Cancel))!.Members).UserId);
        Assert.Equal(ClientState.Connected, alice.Client.Transport.State);
        Assert.Equal([1UL], relay.PresentPlayers);
    }

    [Fact]
    public async Task A_grace_report_the_directory_fails_is_asked_again_until_it_frees_the_seat()
    {
        // Before, one failed report (the directory unreachable for a moment) was logged and dropped: the player's seat stayed
        // taken until the directory's sweep, a minute later, and the player could not take another in the session meanwhile.
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions(),
            new RpcOptions { ReconnectGracePeriod = TimeSpan.FromSeconds(1) },
            options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        var sessions = new InProcessSessions(
            new SessionTokenOptions { ServerKey = setup.Harness.ServerKey, ProtocolId = TransportHarness.ProtocolId },
            [setup.Harness.ServerAddress.ToEndPoint()],
            setup.Harness.Time);
        var session = await sessions.CreateSessionAsync(new SessionOptions("flaky", 2), Cancel);
        var flaky = new FailingLeaveReports(sessions, failures: 3);
        relay = new SessionRelay(setup.ServerRpcs, session.Id, 2, flaky, setup.Harness.Time);
        sessions.Attach(relay);
        var departures = new System.Collections.Concurrent.ConcurrentQueue<SessionDeparture>();
        sessions.MemberLeft += (_, departure) => departures.Enqueue(departure);
        var (alice, _, _, _) = await JoinAsync(setup, sessions, session.Id, 1, "alice");

        alice.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => flaky.Calls >= 1, 300));
        Assert.True(setup.TickUntil(() => !departures.IsEmpty, 600));   // a few seconds of backoff on the harness's clock
        Assert.Equal((1L, SessionLeaveReason.TimedOut), (Assert.Single(departures).UserId, departures.Single().Reason));
        Assert.Empty((await sessions.GetSessionAsync(session.Id, Cancel))!.Members);
        Assert.Equal(4, flaky.Calls);
        Assert.True(setup.TickUntil(() => relay.PendingLeaveReports == 0, 60));
    }

    /// <summary>A directory whose first leave reports fail as an unreachable backend's do; the later ones reach the directory.</summary>
    private sealed class FailingLeaveReports(ISessions inner, int failures) : JoinAlteringSessions(inner)
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public override Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
            Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);

        public override Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref calls) <= failures
                ? Task.FromException<bool>(new Traktor.Ecs.Net.Online.OnlineException(Traktor.Ecs.Net.Online.OnlineError.Unavailable, "The online backend could not be reached."))
                : Inner.LeaveSessionAsync(id, userId, reason, cancellationToken);

        public override Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref calls) <= failures
                ? Task.FromException<bool>(new Traktor.Ecs.Net.Online.OnlineException(Traktor.Ecs.Net.Online.OnlineError.Unavailable, "The online backend could not be reached."))
                : Inner.LeaveSessionAsync(id, userId, reason, seatGrantedAt, cancellationToken);
    }

    /// <summary>A directory that holds the relay's leave reports (any overload with a reason) until the test releases them.</summary>
    private sealed class HeldLeaveReports(ISessions inner) : JoinAlteringSessions(inner)
    {
        private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<bool> reported = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int waiting;

        public int Waiting => Volatile.Read(ref waiting);

        public Task<bool> Reported => reported.Task;

        public void Release() => release.TrySetResult();

        public override Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
            Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);

        public override Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, CancellationToken cancellationToken = default) =>
            HoldAsync(() => Inner.LeaveSessionAsync(id, userId, reason, cancellationToken));

        public override Task<bool> LeaveSessionAsync(SessionId id, long userId, SessionLeaveReason reason, DateTimeOffset seatGrantedAt, CancellationToken cancellationToken = default) =>
            HoldAsync(() => Inner.LeaveSessionAsync(id, userId, reason, seatGrantedAt, cancellationToken));

        private async Task<bool> HoldAsync(Func<Task<bool>> leave)
        {
            Interlocked.Increment(ref waiting);
            await release.Task;
            bool left = await leave();
            reported.TrySetResult(left);
            return left;
        }
    }

    [Fact]
    public async Task MembersConnectingInTheSameTickHearOfEachJoinOnce()
    {
        // Found by following the docs: the newcomer's roster and the earlier member's broadcast, raised in one tick,
        // both reached the newcomer (the broadcast's AllClients was resolved when the RPCs left, after it had connected).
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions(),
            configure: options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        (var sessions, var session, relay) = await OpenAsync(setup, "duel", 2);

        var joins = new List<RpcRecorder<PlayerJoined>>();
        var peers = new List<RpcWorld.Peer>();
        foreach (ulong player in new ulong[] { 1, 2 })
        {
            var result = await sessions.JoinSessionAsync(session.Id, (long)player, $"p{player}", Cancel);
            var peer = setup.AddClient(player, seed: 40 + (int)player, connect: false);
            var recorder = new RpcRecorder<PlayerJoined>(peer.World);
            peer.Group.Add(recorder);
            peer.Client.Transport.Connect(result.ConnectInfo!.ConnectToken);   // both before any tick: they connect together
            joins.Add(recorder);
            peers.Add(peer);
        }

        Assert.True(setup.TickUntil(() => peers.TrueForAll(p => p.Client.Transport.State == ClientState.Connected), 300));
        Assert.True(setup.TickUntil(() => joins.TrueForAll(j => j.Received.Count >= 2), 300));
        setup.Tick(30);
        foreach (var recorder in joins)
        {
            Assert.Equal([1UL, 2UL], recorder.Received.Select(j => j.Rpc.PlayerId).Order());
            Assert.Equal(2, recorder.Received.Max(j => j.Rpc.PlayerCount));
        }

        // As docs/sessions.md says: the relay announces them one after the other. The first hears its own join counting
        // itself only and the second's broadcast; the second hears the first's as a replayed roster entry carrying the
        // count now (both), then its own.
        var heard = joins.Select(j => j.Received.Select(r => (r.Rpc.PlayerId, r.Rpc.PlayerCount)).ToArray()).ToArray();
        ulong first = heard[0][0].PlayerId;
        ulong second = first == 1 ? 2UL : 1UL;
        Assert.Equal([(first, 1), (second, 2)], heard[(int)first - 1]);
        Assert.Equal([(first, 2), (second, 2)], heard[(int)second - 1]);
    }

    [Fact]
    public async Task A_player_who_leaves_the_session_loses_its_entities_at_the_end_of_that_tick_not_after_the_reconnect_grace()
    {
        // Found writing a game from the docs: after Multiplayer.LeaveSessionAsync (disconnect, then leave the directory)
        // the player's ship stayed in everyone's world for the whole reconnect grace (30 s by default) after PlayerLeft.
        var ships = new QueryDescription().WithAll<Health, NetworkOwner>();
        var mirrored = new QueryDescription().WithAll<Position2>();   // Health goes to its owner only
        SessionRelay? relay = null;
        using var setup = new RpcWorld(
            new LinkConditions(),
            new RpcOptions { ReconnectGracePeriod = TimeSpan.FromSeconds(30) },
            options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        (var sessions, var session, relay) = await OpenAsync(setup, "coop", 3);
        setup.Server.PlayerConnected += joined =>
        {
            if (!joined.Reconnected)
            {
                setup.Server.SetPlayerEntity(joined.Connection, setup.ServerWorld.Create(new Health { Value = (int)joined.ClientId }, new Position2(), new NetworkOwner(joined.Connection)));
            }
        };
        var shipsWhenLeaving = new List<int>();
        var serverLeaves = new RpcRecorder<PlayerLeft>(setup.ServerWorld, (_, _) => shipsWhenLeaving.Add(setup.ServerWorld.CountEntities(in ships)));
        setup.ServerGroup.Add(serverLeaves);

        var (alice, _, _, _) = await JoinAsync(setup, sessions, session.Id, 1, "alice");
        var (bob, _, _, _) = await JoinAsync(setup, sessions, session.Id, 2, "bob");
        await JoinAsync(setup, sessions, session.Id, 3, "carol");
        Assert.True(setup.TickUntil(() => alice.World.CountEntities(in mirrored) == 3, 300));

        // Bob leaves as the Multiplayer facade does: his connection closes, then the directory frees his seat.
        bob.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => setup.Server.Connections.Count == 2, 300));
        Assert.True(await sessions.LeaveSessionAsync(session.Id, 2, Cancel));
        Assert.True(setup.TickUntil(() => serverLeaves.Received.Count == 1, 300));
        Assert.Equal([3], shipsWhenLeaving);   // the gameplay handling PlayerLeft still finds his ship (a final score)
        Assert.True(setup.TickUntil(() => setup.ServerWorld.CountEntities(in ships) == 2 && alice.World.CountEntities(in mirrored) == 2, 120));

        // Carol is removed by the directory while connected: kicked, and her ship goes as well.
        Assert.True(await sessions.LeaveSessionAsync(session.Id, 3, Cancel));
        Assert.True(setup.TickUntil(() => serverLeaves.Received.Count == 2, 300));
        Assert.Equal([3, 2], shipsWhenLeaving);
        Assert.True(setup.TickUntil(() => setup.ServerWorld.CountEntities(in ships) == 1 && alice.World.CountEntities(in mirrored) == 1, 120));
        var remaining = new List<int>();
        setup.ServerWorld.Query(in ships, (ref Health h) => remaining.Add(h.Value));
        Assert.Equal([1], remaining);
        Assert.Equal(0, setup.ServerRpcs.Grace.WaitingCount);
    }

    /// <summary>An in-process directory naming the harness's server, a session in it and its relay, attached.</summary>
    internal static async Task<(InProcessSessions Sessions, SessionInfo Session, SessionRelay Relay)> OpenAsync(RpcWorld setup, string name, int capacity)
    {
        var sessions = new InProcessSessions(
            new SessionTokenOptions { ServerKey = setup.Harness.ServerKey, ProtocolId = TransportHarness.ProtocolId },
            [setup.Harness.ServerAddress.ToEndPoint()],
            setup.Harness.Time);
        var session = await sessions.CreateSessionAsync(new SessionOptions(name, capacity), Cancel);
        var relay = new SessionRelay(setup.ServerRpcs, session.Id, capacity, sessions, setup.Harness.Time);
        sessions.Attach(relay);
        return (sessions, session, relay);
    }

    internal static async Task<(RpcWorld.Peer Peer, RpcRecorder<PlayerJoined> Joins, RpcRecorder<PlayerLeft> Leaves, byte[] Token)> JoinAsync(
        RpcWorld setup, InProcessSessions sessions, SessionId id, ulong player, string name)
    {
        var result = await sessions.JoinSessionAsync(id, (long)player, name, Cancel);
        Assert.Equal(SessionJoinStatus.Joined, result.Status);
        var peer = setup.AddClient(player, seed: 20 + (int)player, connect: false);
        var joins = new RpcRecorder<PlayerJoined>(peer.World);
        var leaves = new RpcRecorder<PlayerLeft>(peer.World);
        peer.Group.Add(joins, leaves);
        peer.Client.Transport.Connect(result.ConnectInfo!.ConnectToken);
        Assert.True(setup.TickUntil(() => peer.Client.Transport.State == ClientState.Connected, 300));
        setup.Tick(5);
        return (peer, joins, leaves, result.ConnectInfo.ConnectToken);
    }
}

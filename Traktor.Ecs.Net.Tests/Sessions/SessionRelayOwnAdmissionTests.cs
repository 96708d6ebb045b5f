using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A <see cref="SessionRelay"/> admits its own players: the game no longer wires it into
/// <see cref="NetServerOptions.ApproveConnection"/>. Before, a dedicated server whose game forgot to admitted every holder
/// of a valid connect token, seated in the session or not; and a relay listened to its server for the server's life.
/// </summary>
public sealed class SessionRelayOwnAdmissionTests
{
    private static byte[] Ticket(SessionId session, DateTimeOffset issuedAt, int maxPlayers = 4, string name = "pilot")
    {
        var bytes = new byte[SessionTicket.MaxSize];
        int length = new SessionTicket(session, issuedAt, maxPlayers, name).Write(bytes);
        return bytes[..length];
    }

    private static RpcWorld.Peer Attempt(RpcWorld setup, ulong player, byte[]? ticket, int seed)
    {
        var peer = setup.AddClient(player, seed, connect: false);
        peer.Client.Transport.Connect(setup.Harness.IssueToken(player, ticket));
        Assert.True(setup.TickUntil(() => peer.Client.Transport.State is ClientState.Connected or ClientState.Disconnected, 300));
        setup.Tick(2);
        return peer;
    }

    [Fact]
    public void A_server_with_a_relay_and_no_ApproveConnection_admits_the_session_s_players_only()
    {
        using var setup = new RpcWorld(new LinkConditions()); // no ApproveConnection: the relay is all the game made
        var clock = setup.Harness.Time;
        var session = SessionId.New();
        using var relay = new SessionRelay(setup.ServerRpcs, session, 4, time: clock);

        // Valid tokens (the server's key sealed them) of players the directory did not seat in this session.
        var elsewhere = Attempt(setup, 7, Ticket(SessionId.New(), clock.GetUtcNow()), seed: 11);
        var ticketless = Attempt(setup, 8, ticket: null, seed: 12);
        Assert.Equal(DisconnectReason.Rejected, elsewhere.Client.Transport.LastDisconnectReason);
        Assert.Equal(DisconnectReason.Rejected, ticketless.Client.Transport.LastDisconnectReason);

        var seated = Attempt(setup, 9, Ticket(session, clock.GetUtcNow(), name: "carol"), seed: 13);
        Assert.Equal(ClientState.Connected, seated.Client.Transport.State);
        Assert.Equal([9UL], relay.PresentPlayers);
        Assert.Equal(1, setup.Harness.Server.ConnectionCount);
    }

    [Fact]
    public void A_disposed_relay_takes_its_approval_away_and_no_longer_hears_the_server()
    {
        using var setup = new RpcWorld(new LinkConditions());
        var clock = setup.Harness.Time;
        var joins = new RpcRecorder<PlayerJoined>(setup.ServerWorld);
        setup.ServerGroup.Add(joins);
        var first = new SessionRelay(setup.ServerRpcs, SessionId.New(), 4, time: clock);
        var firstDeparted = new List<ulong>();
        first.Departed += firstDeparted.Add;
        Assert.Equal(1, setup.Harness.Server.AddedApprovals);

        first.Dispose();
        first.Dispose(); // again: nothing
        Assert.Equal(0, setup.Harness.Server.AddedApprovals);
        Assert.False(first.Approve(7, Ticket(first.Session, clock.GetUtcNow()), default));

        // The next session on the same server: its players are not refused by the first relay, nor announced by it.
        var next = SessionId.New();
        using var second = new SessionRelay(setup.ServerRpcs, next, 4, time: clock);
        var player = Attempt(setup, 7, Ticket(next, clock.GetUtcNow()), seed: 11);
        Assert.Equal(ClientState.Connected, player.Client.Transport.State);
        Assert.Equal([7UL], second.PresentPlayers);
        Assert.Empty(first.PresentPlayers);
        Assert.Single(joins.Received, j => j.Rpc.PlayerId == 7);

        // The player leaves through the directory: only the live relay hears of it.
        first.Leave(7, clock.GetUtcNow(), SessionLeaveReason.Removed);
        second.Leave(7, clock.GetUtcNow(), SessionLeaveReason.Removed);
        Assert.True(setup.TickUntil(() => player.Client.Transport.State == ClientState.Disconnected, 300));
        Assert.Empty(second.PresentPlayers);
        Assert.Empty(firstDeparted);
    }

    [Fact]
    public void A_routed_session_s_relay_adds_its_approval_to_the_session_s_endpoint_and_its_world_takes_it_away()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        using var router = new SessionRouter(new InMemoryNetwork().CreateTransport(), new NetServerOptions
        {
            ProtocolId = TransportHarness.ProtocolId,
            PrivateKey = ConnectTokenIssuer.GenerateServerKey(),
        }, time);
        var info = new SessionInfo(SessionId.New(), "arena", 4, SessionVisibility.Public, new Dictionary<string, string>(), [], time.GetUtcNow());
        var endpoint = router.Open(info.Id);
        var ticket = Ticket(info.Id, time.GetUtcNow());
        Assert.True(endpoint.Approve(7, ticket, default)); // no relay yet: a valid ticket naming the session

        var world = new SessionWorld(info, endpoint, RpcWorld.Replicated, RpcWorld.Rpcs, time: time);
        Assert.Equal(1, endpoint.AddedApprovals);
        Assert.True(endpoint.Approve(7, ticket, default));

        // The directory says the player left: the ticket it holds is void here, because the relay decides.
        time.Advance(TimeSpan.FromSeconds(1));
        world.Relay.Leave(7, time.GetUtcNow(), SessionLeaveReason.Left);
        Assert.False(endpoint.Approve(7, ticket, default));
        Assert.True(endpoint.Approve(7, Ticket(info.Id, time.GetUtcNow() + TimeSpan.FromSeconds(1)), default));

        world.Dispose();
        Assert.Equal(0, endpoint.AddedApprovals);
    }

    /// <summary>
    /// A session that ended on a dedicated server denies a newcomer with a valid ticket with
    /// <see cref="DisconnectReason.SessionEnded"/>, as a player host whose session ended does. Failed before: the relay's
    /// approval only said no, and the newcomer heard <see cref="DisconnectReason.Rejected"/> (a bad ticket, to a game).
    /// </summary>
    [Fact]
    public void A_newcomer_to_a_session_that_ended_on_a_dedicated_server_is_denied_with_session_ended()
    {
        using var setup = new RpcWorld(new LinkConditions());
        var clock = setup.Harness.Time;
        var session = SessionId.New();
        using var relay = new SessionRelay(setup.ServerRpcs, session, 4, time: clock);
        var carol = Attempt(setup, 9, Ticket(session, clock.GetUtcNow(), name: "carol"), seed: 13);
        Assert.Equal(ClientState.Connected, carol.Client.Transport.State);

        relay.End(SessionEndReason.Ended);
        Assert.True(setup.TickUntil(() => relay.EndReason == SessionEndReason.Ended, 5));
        var dave = Attempt(setup, 10, Ticket(session, clock.GetUtcNow(), name: "dave"), seed: 14);

        Assert.Equal(ClientState.Disconnected, dave.Client.Transport.State);
        Assert.Equal(DisconnectReason.SessionEnded, dave.Client.Transport.LastDisconnectReason);
        Assert.DoesNotContain(10UL, relay.PresentPlayers);
        var garbage = Attempt(setup, 12, null, seed: 16);
        Assert.Equal(DisconnectReason.SessionEnded, garbage.Client.Transport.LastDisconnectReason); // no ticket: the session is over all the same
        // Another session's ticket (the next session of a server whose last relay was left undisposed): that session did not
        // end, so the refusal is not SessionEnded. Failed before: SessionEnded (review38).
        var elsewhere = Attempt(setup, 11, Ticket(SessionId.New(), clock.GetUtcNow()), seed: 15);
        Assert.Equal(DisconnectReason.Rejected, elsewhere.Client.Transport.LastDisconnectReason);
    }

    /// <summary>
    /// A routed session's relay gives the router its reason: a ticket for the ended session is denied with
    /// <see cref="DisconnectReason.SessionEnded"/> by the router's server; one naming no session hosted here stays
    /// <see cref="DisconnectReason.Rejected"/>. Failed before: <see cref="DisconnectReason.Rejected"/> for both.
    /// </summary>
    [Fact]
    public void A_routed_session_that_ended_is_refused_with_session_ended_by_its_router_s_server()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        using var router = new SessionRouter(new InMemoryNetwork().CreateTransport(), new NetServerOptions
        {
            ProtocolId = TransportHarness.ProtocolId,
            PrivateKey = ConnectTokenIssuer.GenerateServerKey(),
        }, time);
        var info = new SessionInfo(SessionId.New(), "arena", 4, SessionVisibility.Public, new Dictionary<string, string>(), [], time.GetUtcNow());
        var world = new SessionWorld(info, router.Open(info.Id), RpcWorld.Replicated, RpcWorld.Rpcs, time: time);
        var ticket = Ticket(info.Id, time.GetUtcNow());
        Assert.Null(router.Server.Refusal(7, ticket, default));

        world.Relay.End(SessionEndReason.Ended);
        Assert.Equal(DisconnectReason.SessionEnded, router.Server.Refusal(8, Ticket(info.Id, time.GetUtcNow()), default));
        Assert.Equal(DisconnectReason.Rejected, router.Server.Refusal(8, Ticket(SessionId.New(), time.GetUtcNow()), default));
        world.Dispose();
    }
}

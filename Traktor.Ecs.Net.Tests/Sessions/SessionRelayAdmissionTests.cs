using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// What a session relay remembers of the tickets it admitted: a voluntary leave voids the tickets up to the one the player
/// was admitted with, on the directory's clock (<see cref="SessionRelay.DepartureOf"/>), and approvals that never become a
/// connection are forgotten. On the transport harness's fake clock, without a directory.
/// </summary>
public sealed class SessionRelayAdmissionTests
{
    private const ulong Player = 7;

    private static RpcWorld Start(out SessionRelay started, TimeSpan? departureMemory = null, RpcOptions? options = null)
    {
        SessionRelay? relay = null;
        var setup = new RpcWorld(
            new LinkConditions(),
            options,
            configure: options => options.ApproveConnection = (clientId, userData, address) => relay!.Approve(clientId, userData, address));
        relay = new SessionRelay(setup.ServerRpcs, SessionId.New(), 4, time: setup.Harness.Time)
        {
            DepartureMemory = departureMemory ?? TimeSpan.FromMinutes(2),
        };
        started = relay;
        return setup;
    }

    private static byte[] Ticket(SessionRelay relay, DateTimeOffset issuedAt, string name = "pilot")
    {
        var bytes = new byte[SessionTicket.MaxSize];
        int length = new SessionTicket(relay.Session, issuedAt, relay.MaxPlayers, name).Write(bytes);
        return bytes[..length];
    }

    private static RpcWorld.Peer Connect(RpcWorld setup, ulong player, byte[] ticket, int seed)
    {
        var peer = setup.AddClient(player, seed, connect: false);
        peer.Client.Transport.Connect(setup.Harness.IssueToken(player, ticket));
        Assert.True(setup.TickUntil(() => peer.Client.Transport.State is ClientState.Connected or ClientState.Disconnected, 300));
        setup.Tick(5);
        return peer;
    }

    /// <summary>What a player's host does when the player disconnects on purpose (PlayerHostRelay): it leaves as of its admitted ticket.</summary>
    private static void LeaveOnPurpose(RpcWorld setup, SessionRelay relay, RpcWorld.Peer peer, ulong player)
    {
        peer.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => setup.Server.Connections.Count == 0, 300));
        relay.Leave((long)player, relay.DepartureOf(player, setup.Harness.Time.GetUtcNow()), SessionLeaveReason.Left);
        Assert.True(setup.TickUntil(() => relay.PresentPlayers.Count == 0, 60));
    }

    [Fact]
    public void A_rejoin_whose_ticket_the_directory_issued_before_the_host_noticed_the_leave_is_admitted()
    {
        using var setup = Start(out var relay);
        var clock = setup.Harness.Time;
        var first = Ticket(relay, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(1));
        var peer = Connect(setup, Player, first, seed: 11);
        Assert.Equal(ClientState.Connected, peer.Client.Transport.State);
        Assert.Equal([Player], relay.PresentPlayers);

        // The player leaves and joins again at once: the directory issues its next ticket before this host's tick sees the disconnect.
        clock.Advance(TimeSpan.FromSeconds(2));
        var rejoin = Ticket(relay, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMilliseconds(500));
        LeaveOnPurpose(setup, relay, peer, Player);

        var back = Connect(setup, Player, rejoin, seed: 12);
        Assert.Equal(ClientState.Connected, back.Client.Transport.State);
        Assert.Equal([Player], relay.PresentPlayers);

        // The ticket it left with stays void.
        Assert.False(relay.Approve(Player, first, default));
    }

    [Fact]
    public void A_host_whose_clock_runs_ahead_of_the_directory_voids_only_the_tickets_the_player_was_admitted_with()
    {
        using var setup = Start(out var relay);
        var clock = setup.Harness.Time;
        var directoryLag = TimeSpan.FromMinutes(10); // a player's PC hosting, its clock ten minutes ahead of the directory's
        var first = Ticket(relay, clock.GetUtcNow() - directoryLag);
        var peer = Connect(setup, Player, first, seed: 21);
        Assert.Equal([Player], relay.PresentPlayers);

        clock.Advance(TimeSpan.FromSeconds(30));
        LeaveOnPurpose(setup, relay, peer, Player);
        var stale = Ticket(relay, clock.GetUtcNow() - directoryLag - TimeSpan.FromSeconds(31));
        Assert.False(relay.Approve(Player, stale, default));

        // Its next ticket, issued after it left (directory clock) though long before this host's now, admits it.
        var rejoin = Ticket(relay, clock.GetUtcNow() - directoryLag);
        var back = Connect(setup, Player, rejoin, seed: 22);
        Assert.Equal(ClientState.Connected, back.Client.Transport.State);
        Assert.Equal([Player], relay.PresentPlayers);
    }

    [Fact]
    public void A_player_whose_grace_expired_on_a_host_ahead_of_the_directory_is_admitted_with_its_next_ticket()
    {
        // The host's clock runs ahead of the directory's (another machine; in the fleet tests, the directory keeps
        // milliseconds and the virtual clock does not). The expiry voided tickets up to the host's now, so a ticket the
        // directory issued just after it was refused and the player could not come back (fleet rejoin race over PostgreSQL).
        using var setup = Start(out var relay, options: new RpcOptions { ReconnectGracePeriod = TimeSpan.FromSeconds(1) });
        var clock = setup.Harness.Time;
        var directoryLag = TimeSpan.FromSeconds(5);
        var first = Ticket(relay, clock.GetUtcNow() - directoryLag);
        var peer = Connect(setup, Player, first, seed: 51);
        Assert.Equal([Player], relay.PresentPlayers);

        // Its game disconnects without leaving the session: the grace expires and it departs.
        peer.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => relay.PresentPlayers.Count == 0, 60 * 10));

        // It joins again: the directory issues its next ticket after the expiry, on its own clock.
        var rejoin = Ticket(relay, clock.GetUtcNow() - directoryLag + TimeSpan.FromMilliseconds(100));
        var back = Connect(setup, Player, rejoin, seed: 52);
        Assert.Equal(ClientState.Connected, back.Client.Transport.State);
        Assert.Equal([Player], relay.PresentPlayers);

        // The ticket its lost connection was admitted with stays void.
        Assert.False(relay.Approve(Player, first, default));
    }

    [Fact]
    public void A_departure_older_than_the_ticket_the_player_came_back_with_leaves_it_playing()
    {
        using var setup = Start(out var relay);
        var clock = setup.Harness.Time;
        var first = Ticket(relay, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(1));
        var peer = Connect(setup, Player, first, seed: 41);
        Assert.Equal([Player], relay.PresentPlayers);

        // The player leaves in the directory and joins again at once: a ticket issued after its departure. Its game is back
        // (within the reconnect grace) before the host hears of the departure: a heartbeat answer read before the rejoin.
        peer.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => setup.Server.Connections.Count == 0, 300));
        clock.Advance(TimeSpan.FromSeconds(2));
        var left = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromMilliseconds(500));
        var back = Connect(setup, Player, Ticket(relay, clock.GetUtcNow()), seed: 42);
        Assert.Equal(ClientState.Connected, back.Client.Transport.State);

        relay.Leave((long)Player, left, SessionLeaveReason.Left);
        setup.Tick(30);

        // Before, the stale departure cut the player that had just come back (LeftSession) and announced its PlayerLeft.
        Assert.Equal(ClientState.Connected, back.Client.Transport.State);
        Assert.Equal([Player], relay.PresentPlayers);
        Assert.False(relay.Approve(Player, first, default));   // the departure still voids the ticket it left with

        // A departure after the ticket it came back with still applies.
        clock.Advance(TimeSpan.FromSeconds(1));
        relay.Leave((long)Player, clock.GetUtcNow(), SessionLeaveReason.Removed);
        Assert.True(setup.TickUntil(() => back.Client.Transport.State == ClientState.Disconnected, 300));
        Assert.Equal(DisconnectReason.Kicked, back.Client.Transport.LastDisconnectReason);
        Assert.Empty(relay.PresentPlayers);
    }

    [Fact]
    public void A_player_never_admitted_here_departs_as_of_the_hosts_clock()
    {
        using var setup = Start(out var relay);
        var now = setup.Harness.Time.GetUtcNow();
        Assert.Equal(now, relay.DepartureOf(99, now));
    }

    [Fact]
    public void Approvals_that_never_connect_are_forgotten_once_older_than_the_departure_memory_and_present_players_are_kept()
    {
        var memory = TimeSpan.FromSeconds(5);
        using var setup = Start(out var relay, memory);
        var clock = setup.Harness.Time;
        var admitted = Ticket(relay, clock.GetUtcNow(), "stays");
        var peer = Connect(setup, Player, admitted, seed: 31);
        Assert.Equal(ClientState.Connected, peer.Client.Transport.State);

        // A thousand approvals whose connection never comes (a later approval refused it, the client vanished).
        for (ulong stranger = 1000; stranger < 2000; stranger++)
        {
            Assert.True(relay.Approve(stranger, Ticket(relay, clock.GetUtcNow(), $"p{stranger}"), default));
            if (stranger % 100 == 0)
            {
                setup.Tick();
            }
        }

        Assert.Equal(1001, relay.AdmissionsTracked);
        setup.Tick((int)(memory.TotalSeconds + 2) * 60);
        Assert.Equal(1, relay.AdmissionsTracked);
        Assert.Equal(ClientState.Connected, peer.Client.Transport.State);
        Assert.True(SessionTicket.TryRead(admitted, out var ticket));
        Assert.Equal(ticket.IssuedAt, relay.DepartureOf(Player, clock.GetUtcNow())); // what it was admitted with is still known
    }
}

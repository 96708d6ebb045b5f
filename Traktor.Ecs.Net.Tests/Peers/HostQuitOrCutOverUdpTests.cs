using System.Net;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using static Traktor.Ecs.Net.Tests.Peers.ReplicaQueries;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// The two Disconnects a player hears from its host, end to end over real UDP sockets on loopback (HostLoss): the host's
/// <see cref="DisconnectReason.ServerShutdown"/> (it quit) hands the session to its successor at once, while any other
/// reason is a cut of that one player, who is out and tells the game why; the others play on under the host.
/// </summary>
public class HostQuitOrCutOverUdpTests(ITestOutputHelper output)
{
    /// <summary>
    /// The game runs on a fake clock, so each socket's reads wait for the datagrams on their way to it (LoopbackDelivery):
    /// what a player does after the host quits or cuts it then follows from the packets, never from how soon the OS
    /// delivered them (Linux loopback delivers during the send; before, these tests relied on that, and a later delivery
    /// let 60 ticks of silence pass first, which elects).
    /// </summary>
    private static MigrationGame Game(int seed)
    {
        var delivery = new LoopbackDelivery();
        return new(3, new LinkConditions(), seed, socket: () => delivery.Wrap(new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0))));
    }

    [Fact]
    public void When_the_host_quits_the_players_migrate_to_its_successor_at_once_and_keep_their_entities()
    {
        using var game = Game(seed: 81);
        var (host, heir, other) = (game.Peers[0], game.Peers[1], game.Peers[2]);
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2
            && Count<ShipBody>(p.World) == 3 && Count<Drone>(p.World) == MigrationGame.Drones), 60 * 10), game.Describe());
        game.Tick(30);
        var ships = game.ShipIds();
        (heir, other) = heir.Peer.ClientId == other.Peer.Successors[0] ? (heir, other) : (other, heir);

        host.Peer.Dispose(); // a clean quit: its server tells every player ServerShutdown
        game.Killed.Add(host);

        // Before the host silence (60 ticks): the shutdown itself starts the migration, no waiting for silence.
        int ticks = 0;
        while (ticks < 60 && !(heir.Peer.IsHost && other.Peer.Role == MigrationRole.Client && other.Peer.HostClientId == heir.Peer.ClientId
            && other.Peer.Client!.Transport.State == ClientState.Connected))
        {
            game.Tick();
            ticks++;
        }

        output.WriteLine($"migrated in {ticks} ticks; {game.Describe()}");
        Assert.True(ticks < 60, game.Describe());
        Assert.Equal(2u, heir.Peer.Epoch);
        Assert.Equal(1, other.Peer.Migrations);
        Assert.Null(other.Peer.OutReason);
        Assert.True(game.TickUntil(() => Count<ShipBody>(other.World) == 2 && Count<Drone>(other.World) == MigrationGame.Drones, 60 * 2), game.Describe());

        // Each survivor keeps its ship (same network id) and owns it again on the successor; the quitter's ship is gone.
        var survivors = new[] { heir.Peer.ClientId, other.Peer.ClientId }.Select(id => ships[id]).ToHashSet();
        Assert.Equal(survivors, Ids<ShipBody>(heir.World));
        Assert.Equal(survivors, Ids<ShipBody>(other.World));
        Assert.Equal(Ids<Drone>(heir.World), Ids<Drone>(other.World));
        Assert.True(heir.Peer.Restored >= 1, "the successor handed no entity back to the other player");
        uint otherShip = ships[other.Peer.ClientId];
        var owned = new List<uint>();
        heir.World.Query(new QueryDescription().WithAll<ShipBody, NetworkId, NetworkOwner>(), (ref NetworkId id) => owned.Add(id.Value));
        Assert.Contains(otherShip, owned);
    }

    [Fact]
    public void When_the_host_cuts_one_player_that_player_is_out_with_the_reason_and_the_others_play_on()
    {
        using var game = Game(seed: 82);
        var (host, cut, other) = (game.Peers[0], game.Peers[1], game.Peers[2]);
        ConnectionId? connection = null;
        host.Peer.Host!.Server.PlayerConnected += joined =>
        {
            if (joined.ClientId == cut.Peer.ClientId) connection = joined.Connection;
        };
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2
            && Count<ShipBody>(p.World) == 3 && Count<Drone>(p.World) == MigrationGame.Drones), 60 * 10), game.Describe());
        game.Tick(30);

        host.Peer.Host.Transport.Disconnect(connection!.Value, DisconnectReason.Kicked);
        var roles = new HashSet<MigrationRole>();
        for (int tick = 0; tick < 60 * 5 && cut.Peer.Role != MigrationRole.Out; tick++)
        {
            game.Tick();
            roles.Add(cut.Peer.Role);
        }

        output.WriteLine(game.Describe());
        Assert.Equal(MigrationRole.Out, cut.Peer.Role);
        Assert.DoesNotContain(MigrationRole.Reconnecting, roles);
        Assert.DoesNotContain(MigrationRole.Host, roles);
        Assert.Equal(MigrationOutReason.DisconnectedByHost, cut.Peer.OutReason);
        Assert.Equal(DisconnectReason.Kicked, cut.Peer.Client!.Transport.LastDisconnectReason);
        Assert.True(cut.Peer.Client.Transport.LastDisconnectByServer, "the host's packet ended the link");
        Assert.Equal(3, Count<ShipBody>(cut.World)); // its end screen keeps the last state it had

        // The others play on under the first host; the cut player's ship goes with its connection.
        game.Tick(60 * 3);
        Assert.Equal(MigrationRole.Host, host.Peer.Role);
        Assert.Equal(1u, host.Peer.Epoch);
        Assert.Equal(MigrationRole.Client, other.Peer.Role);
        Assert.Equal(1ul, other.Peer.HostClientId);
        Assert.Equal(0, other.Peer.Migrations);
        Assert.Equal(ClientState.Connected, other.Peer.Client!.Transport.State);
        Assert.Equal([other.Peer.ClientId], host.Peer.Successors);
        Assert.Equal(Ids<Drone>(host.World), Ids<Drone>(other.World));
        Assert.Equal(MigrationRole.Out, cut.Peer.Role);
    }
}

using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using static Traktor.Ecs.Net.Tests.Peers.ReplicaQueries;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A host that gives way to the recorded host tells its players <see cref="DisconnectReason.HostGaveWay"/>, and a player
/// that never hears it takes the silence that follows for the host's loss: it elects from that host's plan and hosts a copy
/// of the game beside the recorded host (the directory refuses its claim only later). Three unconfirmed datagrams were
/// all lost one time in eight at 50 % loss; now the host answers every packet a player still sends on its closed
/// connection with the notice again (<see cref="NetServer.DisconnectAll(DisconnectReason, TimeSpan)"/>).
/// </summary>
public class HostGaveWayUnderLossTests
{
    private const int Players = 6;

    /// <summary>
    /// Peer 1 hosts six players on clean links; peer 8 hosts the session the directory records. Every link then loses half
    /// its datagrams, and peer 1 gives way. No player hosts, elects or reaches any host: each is out with
    /// <see cref="MigrationOutReason.HostGaveWay"/> (none was in a migration, so none holds a lost host's plan), for the game
    /// to follow the recorded host. Failed before (seeded, so every run the same): 4 of the 24 players missed all three
    /// datagrams and elected (seed 71: players 2 and 3, 2 promoting itself; seed 72: player 5; seed 74: player 4).
    /// </summary>
    [Theory]
    [InlineData(71)]
    [InlineData(72)]
    [InlineData(73)]
    [InlineData(74)]
    public void At_half_loss_no_player_of_a_host_that_gave_way_hosts_a_copy_of_the_game(int seed)
    {
        var links = new LinkConditions();
        using var game = new MigrationGame(Players + 2, links, seed, joiners: Players, seededTokens: true); // clean now, lossy below
        var (first, recorded) = (game.Peers[0], game.Peers[^1]);
        var players = game.Peers.Skip(1).Take(Players).ToList();
        recorded.Peer.StartHost();
        Assert.True(game.TickUntil(() => players.All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == Players
            && Count<Drone>(p.World) == Drones), 60 * 20), game.Describe());
        var hosts = new List<ulong>();
        foreach (var player in players) player.Peer.HostChanged += hosts.Add;

        links.LossPercent = 50;
        first.Peer.FollowHost(recorded.Peer.ClientId, recorded.Peer.IssueToken(first.Peer.ClientId, TimeSpan.FromMinutes(1)));

        // Past every player's host silence (1 s), its election's attempts on successors that do not host (3 s each), and a
        // copy's promotion: a player that missed the notice would host by now.
        var hosted = new HashSet<ulong>();
        for (int tick = 0; tick < 60 * 8; tick++)
        {
            game.Tick();
            hosted.UnionWith(players.Where(p => p.Peer.IsHost || p.Peer.Role == MigrationRole.Reconnecting).Select(p => p.Peer.ClientId));
        }

        Assert.Empty(hosted); // no player hosted or elected, even for a tick
        Assert.Empty(hosts);
        Assert.All(players, p =>
        {
            Assert.Equal(MigrationRole.Out, p.Peer.Role);
            Assert.Equal(MigrationOutReason.HostGaveWay, p.Peer.OutReason);
            Assert.Equal(0, p.Peer.Migrations);
        });
    }

    private const int Drones = MigrationGame.Drones;
}

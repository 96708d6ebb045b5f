using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using static Traktor.Ecs.Net.Tests.Peers.ReplicaQueries;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A player whose own game froze (a hitch: it ticked and read nothing for a while) while its host played on. Its host's
/// packets wait in its socket; they, not the stall, decide what it is when it wakes.
/// </summary>
public class FrozenPlayerTests(ITestOutputHelper output)
{
    /// <summary>
    /// Frozen 2 s, past the host silence (1 s) but within the connection timeout (3 s): it reads the snapshots that waited
    /// and plays on under its host. Failed before: it measured the silence up to the moment it woke, before reading, so it
    /// took its own stall for the host's loss and migrated (it promoted itself beside the live host: a split).
    /// </summary>
    [Fact]
    public void A_player_frozen_for_two_seconds_plays_on_under_its_host()
    {
        using var game = Ready(seed: 91);
        var (host, frozen, other) = (game.Peers[0], game.Peers[1], game.Peers[2]);
        game.Killed.Add(frozen);
        game.Tick(60 * 2);
        game.Killed.Remove(frozen);
        var roles = new HashSet<MigrationRole>();
        for (int tick = 0; tick < 60 * 3; tick++)
        {
            game.Tick();
            roles.Add(frozen.Peer.Role);
        }

        output.WriteLine(game.Describe());
        Assert.Equal([MigrationRole.Client], roles);
        Assert.Equal(0, frozen.Peer.Migrations);
        Assert.Equal(1ul, frozen.Peer.HostClientId);
        Assert.Equal(ClientState.Connected, frozen.Peer.Client!.Transport.State);
        Assert.Equal(Ids<Drone>(host.World), Ids<Drone>(frozen.World));
        Assert.Equal(MigrationRole.Host, host.Peer.Role);
        Assert.Equal(0, other.Peer.Migrations);
    }

    /// <summary>
    /// Frozen 5 s, past the connection timeout (3 s): its host cut it with <see cref="DisconnectReason.TimedOut"/>, but its
    /// socket's queue (64 datagrams here, as a real socket's receive buffer is bounded) filled with the snapshots of the first
    /// second and dropped the Disconnect. On waking it must still not take the host for lost: it is out with
    /// <see cref="MigrationOutReason.DisconnectedByHost"/>, never electing, never hosting; the others play on under the host.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_player_frozen_past_the_timeout_is_out_even_when_its_full_queue_dropped_the_hosts_disconnect(int successor)
    {
        using var game = Ready(seed: 92 + successor, receiveQueue: 64);
        var host = game.Peers[0];
        var frozen = game.Peers.Single(p => p.Peer.ClientId == host.Peer.Successors[successor]);
        var other = game.Peers.Single(p => p != host && p != frozen);
        var socket = (InMemoryTransport)game.ClientEnds[frozen.Peer.ClientId];
        game.Killed.Add(frozen);
        game.Tick(60 * 5);
        Assert.True(socket.DroppedQueueFull > 0, "the frozen player's queue never filled");
        game.Killed.Remove(frozen);
        var roles = new HashSet<MigrationRole>();
        for (int tick = 0; tick < 60 * 8; tick++)
        {
            game.Tick();
            roles.Add(frozen.Peer.Role);
        }

        output.WriteLine(game.Describe());
        Assert.Equal(MigrationRole.Out, frozen.Peer.Role);
        Assert.Equal(MigrationOutReason.DisconnectedByHost, frozen.Peer.OutReason);
        Assert.DoesNotContain(MigrationRole.Host, roles);
        Assert.DoesNotContain(MigrationRole.Reconnecting, roles);
        Assert.Equal(0, frozen.Peer.Migrations);
        Assert.Equal(MigrationRole.Host, host.Peer.Role);
        Assert.Equal([other.Peer.ClientId], host.Peer.Successors);
        Assert.Equal(MigrationRole.Client, other.Peer.Role);
        Assert.Equal(0, other.Peer.Migrations);
    }

    private static MigrationGame Ready(int seed, int? receiveQueue = null)
    {
        var game = new MigrationGame(3, new LinkConditions(), seed, receiveQueue: receiveQueue);
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2
            && Count<Drone>(p.World) == MigrationGame.Drones), 60 * 10), game.Describe());
        game.Tick(30);
        return game;
    }
}

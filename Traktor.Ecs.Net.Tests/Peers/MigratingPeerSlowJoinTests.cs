using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using static Traktor.Ecs.Net.Tests.Peers.ReplicaQueries;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A joining player's host is silent until the handshake is done: that silence is the connection's to judge (its connect
/// timeout), not the host silence's, which only a connected host can break.
/// </summary>
public class MigratingPeerSlowJoinTests
{
    /// <summary>
    /// Every link delays its datagrams 400 ms, so a join's handshake (two round trips) takes longer than the host silence
    /// (1 s): the players connect and play all the same. Failed before: the host silence ran from the join, and each player
    /// was Out (NoPlan) a second after it joined, while its handshake was still under way.
    /// </summary>
    [Fact]
    public void A_join_slower_than_the_host_silence_connects_and_plays()
    {
        using var game = new MigrationGame(3, new LinkConditions { LatencyMs = 400 }, seed: 13);
        var players = game.Peers.Skip(1).ToList();
        Assert.True(game.TickUntil(() => players.All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2
            && Count<Drone>(p.World) == MigrationGame.Drones), 60 * 10), game.Describe());
        Assert.All(players, p =>
        {
            Assert.Null(p.Peer.OutReason);
            Assert.Equal(0, p.Peer.Migrations);
            Assert.Equal(ClientState.Connected, p.Peer.Client!.Transport.State);
        });
    }

    /// <summary>
    /// A join the host never answers (its game froze before the handshake) is given up after the client's connect timeout
    /// (5 s), out with <see cref="MigrationOutReason.NoPlan"/>. Failed before: out after the host silence (1 s), which gave a
    /// slow handshake no chance.
    /// </summary>
    [Fact]
    public void A_join_nobody_answers_is_out_without_a_plan_after_the_connect_timeout()
    {
        using var game = new MigrationGame(2, new LinkConditions(), seed: 14);
        var (host, player) = (game.Peers[0], game.Peers[1]);
        game.Killed.Add(host);
        int ticks = 0;
        while (ticks < 60 * 10 && player.Peer.Role != MigrationRole.Out)
        {
            game.Tick();
            ticks++;
        }

        Assert.Equal(MigrationRole.Out, player.Peer.Role);
        Assert.Equal(MigrationOutReason.NoPlan, player.Peer.OutReason);
        Assert.Equal(0, player.Peer.Migrations);
        var connectTimeout = new NetClientOptions().ConnectTimeout;
        Assert.True(ticks >= connectTimeout.TotalSeconds * 60 - 1, $"out after {ticks} ticks: before the connect timeout ({connectTimeout})");
    }
}

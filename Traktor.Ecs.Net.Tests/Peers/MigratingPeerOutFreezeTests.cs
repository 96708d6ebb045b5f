using System.Numerics;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;
using static Traktor.Ecs.Net.Tests.Peers.ReplicaQueries;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>
/// A peer that is out keeps its last state for the game's end screen; the game's client systems (prediction,
/// presentation) must not keep acting on it, since the session it came from is over.
/// </summary>
public class MigratingPeerOutFreezeTests
{
    /// <summary>
    /// Every player runs a client system that moves the drones ahead of the snapshots (as an extrapolation or a prediction
    /// does). Once the host ends the session, the players are out and that system rests: their drones stay where the host's
    /// final world has them, and it runs again when a followed host brings a new session. Failed before: it ran on while
    /// out (180 more updates in 3 s), and the end screens' drones drifted 3 units a second away from the host's.
    /// </summary>
    [Fact]
    public void A_player_that_is_out_runs_none_of_the_games_client_systems_until_a_host_brings_it_back()
    {
        var drifts = new Dictionary<World, ClientDrift>();
        using var game = new MigrationGame(4, new LinkConditions(), seed: 71, joiners: 2, clientRole: world =>
        {
            var drift = drifts[world] = new ClientDrift(world);
            return [drift];
        });
        var (host, second, third, next) = (game.Peers[0], game.Peers[1], game.Peers[2], game.Peers[3]);
        var players = new[] { second, third };
        Assert.True(game.TickUntil(() => players.All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 2
            && Count<Drone>(p.World) == MigrationGame.Drones), 60 * 10), game.Describe());
        game.Tick(30);
        Assert.All(players, p => Assert.True(drifts[p.World].Updates > 0, "the client system never ran while connected"));

        host.Peer.EndSession();
        Assert.True(game.TickUntil(() => players.All(p => p.Peer.Role == MigrationRole.Out), 60 * 3), game.Describe());
        var updates = players.ToDictionary(p => p, p => drifts[p.World].Updates);
        game.Tick(60 * 3);

        var final = host.Positions();
        Assert.All(players, p =>
        {
            Assert.Equal(updates[p], drifts[p.World].Updates);
            Assert.All(p.Positions(), d => Assert.True(Vector2.Distance(final[d.Key], d.Value) < 0.01f,
                $"drone {d.Key}: {d.Value} on peer {p.Peer.ClientId}, {final[d.Key]} on the host"));
        });

        // A follow makes the player a client again: its client systems run with the new host's session.
        next.Peer.StartHost();
        second.Peer.FollowHost(next.Peer.ClientId, next.Peer.IssueToken(second.Peer.ClientId, TimeSpan.FromMinutes(1)));
        Assert.True(game.TickUntil(() => second.Peer.Role == MigrationRole.Client && second.Peer.Client!.Transport.State == ClientState.Connected, 60 * 5),
            game.Describe());
        game.Tick(10);
        Assert.True(drifts[second.World].Updates > updates[second], "the client system did not run again after the follow");
        Assert.Equal(updates[third], drifts[third.World].Updates);
    }

    /// <summary>A client system that moves every drone up a unit per second ahead of the host, and counts its updates.</summary>
    private sealed class ClientDrift(World world) : BaseSystem<World, float>(world)
    {
        public int Updates { get; private set; }

        public override void Update(in float dt)
        {
            Updates++;
            float step = dt * 60f / 20f; // 3 units a second
            World.Query(new QueryDescription().WithAll<Drone>(), (ref Drone d) => d.Position.Y += step);
        }
    }
}

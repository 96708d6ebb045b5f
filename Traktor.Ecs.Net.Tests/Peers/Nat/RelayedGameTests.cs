using System.Numerics;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>A listen-server game whose joiner is behind a symmetric NAT: the game runs over the relay.</summary>
public class RelayedGameTests
{
    [Fact]
    public void A_host_and_a_joiner_behind_symmetric_nats_play_over_the_relay_and_converge()
    {
        using var scene = new NatScene(NatKind.Symmetric, NatKind.Symmetric);
        using var hostWorld = World.Create();
        var host = new NetworkHost(hostWorld, scene.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 1);
        var players = new List<Entity>();
        host.Server.ClientConnected += (connection, clientId) => players.Add(hostWorld.Create(new Position2 { Value = new Vector2(clientId * 10, 0) }, new NetworkOwner(connection)));
        var hostGroup = new Group<float>("host", host);
        hostGroup.Initialize();
        using var joinerWorld = World.Create();
        var client = new NetworkClient(joinerWorld, scene.Client, ReplicationWorld.Registry, 60, scene.Time);
        var joinerGroup = new Group<float>("joiner", client);
        joinerGroup.Initialize();

        Assert.Equal(NatPath.Relayed, scene.Connect(clientId: 2));

        void Tick()
        {
            scene.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            float dt = 1f / 60f;
            scene.Introducer.Update();
            scene.HostSide.Update();
            scene.JoinerSide.Update();
            joinerGroup.Tick(in dt);
            hostGroup.Tick(in dt);
        }

        bool TickUntil(Func<bool> done)
        {
            for (int i = 0; i < 60 * 30 && !done(); i++) Tick();
            return done();
        }

        Assert.True(TickUntil(() => players.Count == 2 && Values(joinerWorld).Count == 2), $"the joiner sees the host's and its own entity (host {players.Count}, joiner {Values(joinerWorld).Count}, client {scene.Client.State}, relayed {scene.Introducer.Relayed})");
        // Two seconds of play: the host changes the game every tick, and the joiner follows it through the relay.
        for (int tick = 0; tick < 120; tick++)
        {
            foreach (var player in players) hostWorld.Get<Position2>(player).Value += new Vector2(0.5f, -0.25f);
            Tick();
        }

        Assert.True(TickUntil(() => Values(joinerWorld).SequenceEqual(Values(hostWorld))), "the joiner converges on the host's world");
        Assert.True(scene.Introducer.Relayed > 120, $"relayed {scene.Introducer.Relayed}");
    }

    private static List<(float, float)> Values(World world)
    {
        var values = new List<(float, float)>();
        world.Query(new QueryDescription().WithAll<Position2>(), (ref Position2 p) => values.Add((MathF.Round(p.Value.X, 2), MathF.Round(p.Value.Y, 2))));
        values.Sort();
        return values;
    }
}

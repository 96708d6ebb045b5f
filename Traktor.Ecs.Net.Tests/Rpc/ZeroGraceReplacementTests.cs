using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>
/// With <see cref="RpcOptions.ReconnectGracePeriod"/> zero a player who leaves loses its entities at once, but a replaced
/// connection (its client connected again from the same socket while the server still held the old one, docs/PROTOCOL.md
/// section 3.6) is not a departure: the same player keeps its entities, whatever the grace. Before, the old connection's
/// close destroyed them before the new connection was seen, and the player came back as a newcomer with nothing.
/// </summary>
public class ZeroGraceReplacementTests
{
    [Fact]
    public void A_replaced_connection_keeps_the_players_entities_with_no_reconnect_grace()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { ReconnectGracePeriod = TimeSpan.Zero });
        var connects = new List<ClientConnectedEvent>();
        setup.Server.PlayerConnected += connects.Add;
        var expired = new List<ulong>();
        setup.ServerRpcs.Grace.Expired += expired.Add;
        var player = setup.Connect(42, seed: 2);
        var first = setup.ConnectionOf(42);
        var avatar = setup.ServerWorld.Create(new Health { Value = 77 }, new NetworkOwner(first));
        Assert.True(setup.TickUntil(() => player.Client.Replication.EntityCount == 1, 120));

        // The client gives its connection up without a notice that arrives and connects again from the same socket.
        setup.Conditions.LossPercent = 100;
        player.Client.Transport.Disconnect();
        setup.Tick();
        setup.Conditions.LossPercent = 0;
        Assert.Equal(first, setup.ConnectionOf(42));
        player.Client.Transport.Connect(setup.Harness.IssueToken(42));
        Assert.True(setup.TickUntil(() => player.Client.Transport.State == ClientState.Connected && setup.Server.Connections.Count == 1
            && setup.ConnectionOf(42) != first, 300));
        Assert.Equal(1, setup.Harness.Server.Counters.Replaced);
        setup.Tick(30);

        var second = setup.ConnectionOf(42);
        Assert.True(setup.ServerWorld.IsAlive(avatar), "the replaced player's entity survived");
        Assert.Equal(new NetworkOwner(second), setup.ServerWorld.Get<NetworkOwner>(avatar));
        Assert.True(connects.Last().Reconnected);
        Assert.Empty(expired);
        Assert.Equal(77, player.World.Get<Health>(player.Client.Replication.Find(setup.ServerWorld.Get<NetworkId>(avatar))).Value);

        // A real departure still loses them at once.
        player.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => !setup.ServerWorld.IsAlive(avatar), 60));
        Assert.Equal([42UL], expired);
    }
}

using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// A player whose client completes a new handshake from the socket of its own, still open connection (it gave that
/// connection up without a notice that arrived) gets a new connection in place of the old one
/// (<see cref="NetServerCounters.Replaced"/>, docs/PROTOCOL.md section 3.6). The game here keeps its players itself (no
/// RPC layer, so no reconnect grace): what the old connection owned is the new one's.
/// </summary>
public class ReplacedConnectionTests
{
    private static readonly QueryDescription Mine = new QueryDescription().WithAll<LocalOwner>();
    private static readonly QueryDescription Owned = new QueryDescription().WithAll<Health>();

    [Fact]
    public void A_replaced_connection_hands_every_entity_it_owned_to_the_new_one()
    {
        using var setup = new ReplicationWorld(new LinkConditions(), new ServerReplicationOptions());
        var world = setup.ServerWorld;
        var joins = new List<ClientConnectedEvent>();
        Entity gadget = Entity.Null;
        setup.Server.PlayerConnected += e =>
        {
            joins.Add(e);
            if (e.Reconnected) return;

            // The player's ship and a gadget of its own; Health goes to the owner only.
            setup.Server.SetPlayerEntity(e.Connection, world.Create(new Position2 { Value = new Vector2(1, 0) }, new Health { Value = 100 }, new NetworkOwner(e.Connection)));
            gadget = world.Create(new Position2 { Value = new Vector2(2, 0) }, new Health { Value = 5 }, new NetworkOwner(e.Connection));
        };

        var client = setup.AddClient(42, seed: 2);
        var player = setup.Clients[0].World;
        Assert.True(setup.TickUntil(() => player.CountEntities(in Mine) == 2 && player.CountEntities(in Owned) == 2, 300));
        var old = Assert.Single(setup.Server.Connections);

        // The client gives its connection up without a notice that arrives, and connects again from the same socket with a
        // fresh token while the server still holds the old connection.
        setup.Conditions.LossPercent = 100;
        client.Transport.Disconnect();
        setup.Tick();
        setup.Conditions.LossPercent = 0;
        Assert.Equal(old, Assert.Single(setup.Server.Connections));
        client.Transport.Connect(setup.Harness.IssueToken(42));
        Assert.True(setup.TickUntil(() => client.Transport.State == ClientState.Connected && setup.Server.Connections.Count == 1 && !setup.Server.Connections.Contains(old), 300));
        var replacement = Assert.Single(setup.Server.Connections);
        Assert.Equal(1, setup.Harness.Server.Counters.Replaced);
        setup.Tick(30);

        // Before, only the player entity moved to the new connection: the gadget stayed the closed connection's, so the
        // player lost it (no Health, no LocalOwner) although it is the same player.
        Assert.Equal([false, true], joins.Select(e => e.Reconnected));
        Assert.True(setup.Server.TryGetPlayerEntity(replacement, out var ship));
        Assert.Equal(new NetworkOwner(replacement), world.Get<NetworkOwner>(ship));
        Assert.Equal(new NetworkOwner(replacement), world.Get<NetworkOwner>(gadget));
        Assert.Equal(2, player.CountEntities(in Mine));
        Assert.Equal(2, player.CountEntities(in Owned));
    }
}

using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>
/// The server's player registry and the client's <see cref="LocalOwner"/> tag: the spawn code a game
/// writes first (spawn on connect) must not duplicate a player that reconnects within the grace period
/// (issue 15, bug 1: the README spawned in ClientConnected, which fires again on a reconnect).
/// </summary>
public class PlayerRegistryTests
{
    private static readonly QueryDescription Avatars = new QueryDescription().WithAll<Health, NetworkOwner>();
    private static readonly QueryDescription Mine = new QueryDescription().WithAll<LocalOwner>();

    [Fact]
    public void TheNaturalSpawnCodeNeverDuplicatesAPlayerWhoReconnectsWithinTheGracePeriod()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { ReconnectGracePeriod = TimeSpan.FromSeconds(5) });
        var world = setup.ServerWorld;
        var joins = new List<ClientConnectedEvent>();
        setup.Server.PlayerConnected += e =>
        {
            joins.Add(e);
            if (!e.Reconnected)
            {
                setup.Server.SetPlayerEntity(e.Connection, world.Create(new Health { Value = 100 }, new Badge { Color = 3 }, new NetworkOwner(e.Connection)));
            }
        };

        var player = setup.Connect(42, seed: 2);
        var first = setup.ConnectionOf(42);
        Assert.True(setup.Server.TryGetPlayerEntity(first, out var avatar));
        Assert.True(setup.TickUntil(() => player.World.CountEntities(in Mine) == 1, 120));

        player.Client.Transport.Disconnect();
        setup.Tick(60);
        Assert.False(setup.Server.TryGetPlayerEntity(first, out _)); // that connection is gone
        player.Client.Transport.Connect(setup.Harness.IssueToken(42));
        Assert.True(setup.TickUntil(() => setup.Server.Connections.Count == 1 && player.World.CountEntities(in Mine) == 1, 300));
        var second = setup.ConnectionOf(42);
        setup.Tick(30);

        Assert.Equal([false, true], joins.Select(e => e.Reconnected));
        Assert.Equal(1, world.CountEntities(in Avatars));                       // one ship, not two
        Assert.True(setup.Server.TryGetPlayerEntity(second, out var returned));
        Assert.Equal(avatar, returned);
        Assert.Equal(new NetworkOwner(second), world.Get<NetworkOwner>(avatar));
        Assert.Equal(1, player.World.CountEntities(in Mine));                    // and the client owns exactly it
    }

    [Fact]
    public void AfterTheGracePeriodTheSameClientIsANewPlayer()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { ReconnectGracePeriod = TimeSpan.FromSeconds(1) });
        var world = setup.ServerWorld;
        var joins = new List<ClientConnectedEvent>();
        setup.Server.PlayerConnected += e =>
        {
            joins.Add(e);
            if (!e.Reconnected)
            {
                setup.Server.SetPlayerEntity(e.Connection, world.Create(new Health { Value = 100 }, new NetworkOwner(e.Connection)));
            }
        };

        var player = setup.Connect(7, seed: 2);
        Assert.True(setup.Server.TryGetPlayerEntity(setup.ConnectionOf(7), out var firstAvatar));
        player.Client.Transport.Disconnect();
        setup.Tick(90); // the grace period ends: the avatar is destroyed
        Assert.False(world.IsAlive(firstAvatar));

        player.Client.Transport.Connect(setup.Harness.IssueToken(7));
        Assert.True(setup.TickUntil(() => setup.Server.Connections.Count == 1, 300));
        setup.Tick();

        Assert.Equal([false, false], joins.Select(e => e.Reconnected));
        Assert.True(setup.Server.TryGetPlayerEntity(setup.ConnectionOf(7), out var secondAvatar));
        Assert.NotEqual(firstAvatar, secondAvatar);
        Assert.Equal(1, world.CountEntities(in Avatars));
    }

    [Fact]
    public void WithoutTheRpcLayerAKeptPlayerEntityIsHandedToTheNewConnection()
    {
        // No reconnect grace: the game keeps its players itself; the registry still finds them by identity.
        using var world = World.Create();
        var players = new Traktor.Ecs.Net.Replication.Server.PlayerRegistry(world);
        var first = new ConnectionId(3, 1);
        var second = new ConnectionId(4, 1);
        Assert.False(players.OnConnected(first, clientId: 9));
        Assert.Throws<InvalidOperationException>(() => players.Set(second, world.Create(new Health())));
        var avatar = world.Create(new Health { Value = 1 }, new NetworkOwner(first));
        players.Set(first, avatar);
        players.OnDisconnected(first);
        Assert.False(players.TryGet(first, out _));

        Assert.True(players.OnConnected(second, clientId: 9));
        Assert.True(players.TryGet(second, out var returned));
        Assert.Equal(avatar, returned);
        Assert.Equal(new NetworkOwner(second), world.Get<NetworkOwner>(avatar));

        world.Destroy(avatar); // a player entity that died is no reason to call the next connect a reconnect
        players.OnDisconnected(second);
        Assert.False(players.OnConnected(new ConnectionId(5, 1), clientId: 9));
    }

    [Fact]
    public void TheClientIdOfAConnectionIsKnownWhileItIsConnected()
    {
        // A game submitting a player's score holds its connection (NetworkOwner, RpcSource); the score goes under the user
        // id, which is the connect token's client id. Only PlayerConnected used to say it, so every game kept its own map.
        using var setup = new RpcWorld(new LinkConditions());
        var alice = setup.Connect(41, seed: 2);
        setup.Connect(42, seed: 3);
        var aliceConnection = setup.ConnectionOf(41);

        Assert.True(setup.Server.TryGetClientId(aliceConnection, out ulong aliceId));
        Assert.Equal(41UL, aliceId);
        Assert.True(setup.Server.TryGetClientId(setup.ConnectionOf(42), out ulong bobId));
        Assert.Equal(42UL, bobId);

        alice.Client.Transport.Disconnect();
        Assert.True(setup.TickUntil(() => setup.Server.Connections.Count == 1, 120));
        Assert.False(setup.Server.TryGetClientId(aliceConnection, out ulong gone));
        Assert.Equal(0UL, gone);
    }

    [Fact]
    public void LocalOwnerMarksExactlyTheEntitiesThisClientOwnsAndFollowsOwnership()
    {
        using var setup = new RpcWorld(new LinkConditions());
        var world = setup.ServerWorld;
        var alice = setup.Connect(1, seed: 2);
        var bob = setup.Connect(2, seed: 3);
        var aliceShip = world.Create(new Health { Value = 10 }, new Position2(), new NetworkOwner(setup.ConnectionOf(1)));
        var bobShip = world.Create(new Health { Value = 20 }, new Position2(), new NetworkOwner(setup.ConnectionOf(2)));
        world.Create(new Position2()); // nobody's
        Assert.True(setup.TickUntil(() => alice.Client.Replication.EntityCount == 3 && bob.Client.Replication.EntityCount == 3, 120));

        Assert.Equal([world.Get<NetworkId>(aliceShip)], OwnedIds(alice.World));
        Assert.Equal([world.Get<NetworkId>(bobShip)], OwnedIds(bob.World));

        // Ownership given away: the owner-only component moves with it, and so does the tag.
        world.Set(aliceShip, new NetworkOwner(setup.ConnectionOf(2)));
        world.Remove<Health>(aliceShip);
        world.Add(aliceShip, new Health { Value = 11 });
        Assert.True(setup.TickUntil(() => OwnedIds(alice.World).Count == 0 && OwnedIds(bob.World).Count == 2, 120));
        Assert.Equal(3, alice.Client.Replication.EntityCount); // still sees the ship, as a bystander
    }

    private static List<NetworkId> OwnedIds(World world)
    {
        var ids = new List<NetworkId>();
        world.Query(new QueryDescription().WithAll<LocalOwner, NetworkId>(), (ref NetworkId id) => ids.Add(id));
        ids.Sort((a, b) => a.Value.CompareTo(b.Value));
        return ids;
    }
}

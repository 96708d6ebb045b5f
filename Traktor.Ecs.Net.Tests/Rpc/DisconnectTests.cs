using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>Disconnects as typed event entities, and the reconnect grace period for a player's entities.</summary>
public class DisconnectTests
{
    /// <summary>
    /// A client's end carries whether the server's packet ended it, in <see cref="NetworkClient.ConnectionEnded"/> and the
    /// <see cref="DisconnectedEvent"/> entity. Before, a handler read the transport's <c>LastDisconnectByServer</c> when the
    /// events drained: a second end queued before that (an attempt started and abandoned) had replaced it, so the host's cut
    /// read as this end's own (MigratingPeer took a host's cut for silence, and game code could not tell them apart).
    /// </summary>
    [Fact]
    public void A_cut_keeps_its_ByServer_when_a_second_end_is_queued_before_the_events_drain()
    {
        using var setup = new RpcWorld(new LinkConditions());
        var peer = setup.Connect(1, seed: 2);
        var events = new EventLog<DisconnectedEvent>(peer.World);
        peer.Group.Add(events);
        var ended = new List<DisconnectedEvent>();
        var latest = new List<bool>();
        peer.Client.ConnectionEnded += ended.Add;
        peer.Client.Disconnected += _ => latest.Add(peer.Client.Transport.LastDisconnectByServer); // the old way: the latest end's

        // The server cuts the client; its transport hears it, and before the client's tick drains the events a new attempt
        // starts and is abandoned (a second end, this end's own).
        setup.Server.Transport.Disconnect(setup.ConnectionOf(1), DisconnectReason.Kicked);
        setup.Server.Transport.Flush();
        for (int i = 0; i < 60 && peer.Client.Transport.State != ClientState.Disconnected; i++)
        {
            setup.Harness.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            peer.Client.Transport.Receive();
        }

        Assert.Equal(ClientState.Disconnected, peer.Client.Transport.State);
        Assert.True(peer.Client.Transport.LastDisconnectByServer);
        peer.Client.Transport.Connect(setup.Harness.IssueToken(1));
        peer.Client.Transport.Disconnect();
        setup.Tick();

        Assert.Equal([(DisconnectReason.Kicked, true), (DisconnectReason.ClientDisconnected, false)], ended.Select(e => (e.Reason, e.ByServer)));
        Assert.Equal([new DisconnectedEvent(DisconnectReason.Kicked) { ByServer = true }, new DisconnectedEvent(DisconnectReason.ClientDisconnected)], events.Seen);
        Assert.Equal([false, false], latest); // what a handler reading the transport saw: the cut lost its ByServer
    }

    [Fact]
    public void DisconnectsOnBothSidesBecomeEventEntitiesWithTheirReason()
    {
        using var setup = new RpcWorld(new LinkConditions());
        var serverEvents = new EventLog<ClientDisconnectedEvent>(setup.ServerWorld);
        var serverConnects = new EventLog<ClientConnectedEvent>(setup.ServerWorld);
        setup.ServerGroup.Add(serverEvents, serverConnects);
        var leaver = setup.Connect(1, seed: 2);
        var kicked = setup.AddClient(2, seed: 3);
        var leaverEvents = new EventLog<DisconnectedEvent>(leaver.World);
        var kickedEvents = new EventLog<DisconnectedEvent>(kicked.World);
        var kickedConnects = new EventLog<ConnectedEvent>(kicked.World);
        leaver.Group.Add(leaverEvents);
        kicked.Group.Add(kickedEvents, kickedConnects);
        Assert.True(setup.TickUntil(() => setup.Server.Connections.Count == 2, 300));
        setup.ServerWorld.Create(new Badge { Color = 5 });
        Assert.True(setup.TickUntil(() => kicked.Client.Replication.EntityCount == 1, 120));
        var leaverConnection = setup.ConnectionOf(1);
        var kickedConnection = setup.ConnectionOf(2);

        leaver.Client.Transport.Disconnect();
        setup.Server.Transport.Disconnect(kickedConnection, DisconnectReason.Kicked);
        Assert.True(setup.TickUntil(() => serverEvents.Seen.Count == 2 && kickedEvents.Seen.Count == 1 && leaverEvents.Seen.Count == 1, 120));

        Assert.Contains(new ClientDisconnectedEvent(leaverConnection, 1, DisconnectReason.ClientDisconnected), serverEvents.Seen);
        Assert.Contains(new ClientDisconnectedEvent(kickedConnection, 2, DisconnectReason.Kicked), serverEvents.Seen);
        Assert.Equal([new DisconnectedEvent(DisconnectReason.Kicked) { ByServer = true }], kickedEvents.Seen); // the server's cut
        Assert.Equal(DisconnectReason.ClientDisconnected, leaverEvents.Seen.Single().Reason);
        Assert.Equal(0, kicked.Client.Replication.EntityCount); // the client world dropped the replicated entities
        Assert.Equal(0, kicked.World.CountEntities(new QueryDescription().WithAll<Badge>()));
        Assert.Single(kickedConnects.Seen);
        Assert.Equal(2, serverConnects.Seen.Count);
        Assert.All(serverConnects.Seen, e => Assert.False(e.Reconnected));

        setup.Tick(2); // event entities live for one tick only
        Assert.Equal(0, setup.ServerWorld.CountEntities(new QueryDescription().WithAll<ClientDisconnectedEvent>()));
        Assert.Equal(0, kicked.World.CountEntities(new QueryDescription().WithAll<DisconnectedEvent>()));
    }

    [Fact]
    public void AReconnectWithinTheGracePeriodGetsItsEntitiesAndOwnershipBack()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { ReconnectGracePeriod = TimeSpan.FromSeconds(5) });
        var connects = new EventLog<ClientConnectedEvent>(setup.ServerWorld);
        setup.ServerGroup.Add(connects);
        var player = setup.Connect(42, seed: 2);
        var first = setup.ConnectionOf(42);
        var avatar = setup.ServerWorld.Create(new Health { Value = 77 }, new NetworkOwner(first));
        var bystander = setup.ServerWorld.Create(new Badge { Color = 1 });
        Assert.True(setup.TickUntil(() => player.Client.Replication.EntityCount == 2, 120)); // its own Health and the badge

        player.Client.Transport.Disconnect();
        setup.Tick(60); // one second away
        Assert.True(setup.ServerRpcs.Grace.IsWaitingFor(42));
        Assert.True(setup.ServerWorld.IsAlive(avatar));

        player.Client.Transport.Connect(setup.Harness.IssueToken(42));
        Assert.True(setup.TickUntil(() => setup.Server.Connections.Count == 1 && player.Client.Replication.EntityCount == 2, 300));
        var second = setup.ConnectionOf(42);
        Assert.NotEqual(first, second);
        Assert.True(setup.ServerWorld.IsAlive(avatar));
        Assert.Equal(new NetworkOwner(second), setup.ServerWorld.Get<NetworkOwner>(avatar));
        Assert.True(connects.Seen.Last().Reconnected);
        Assert.False(setup.ServerRpcs.Grace.IsWaitingFor(42));
        Assert.Equal(77, player.World.Get<Health>(player.Client.Replication.Find(setup.ServerWorld.Get<NetworkId>(avatar))).Value); // owner-only state flows again

        setup.Tick(600); // well past the old grace period: nothing expires for a player who came back
        Assert.True(setup.ServerWorld.IsAlive(avatar));
        Assert.True(setup.ServerWorld.IsAlive(bystander));
    }

    [Fact]
    public void AfterTheGracePeriodTheEntitiesAreDestroyedAndAReconnectStartsFresh()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { ReconnectGracePeriod = TimeSpan.FromSeconds(2) });
        var connects = new EventLog<ClientConnectedEvent>(setup.ServerWorld);
        setup.ServerGroup.Add(connects);
        var expired = new List<ulong>();
        setup.ServerRpcs.Grace.Expired += expired.Add;
        var player = setup.Connect(42, seed: 2);
        var other = setup.Connect(43, seed: 3);
        var avatar = setup.ServerWorld.Create(new Health { Value = 77 }, new NetworkOwner(setup.ConnectionOf(42)));
        var othersAvatar = setup.ServerWorld.Create(new Health { Value = 5 }, new NetworkOwner(setup.ConnectionOf(43)));
        var bystander = setup.ServerWorld.Create(new Badge { Color = 1 });
        setup.Tick(10);

        player.Client.Transport.Disconnect();
        setup.Tick(60);
        Assert.True(setup.ServerWorld.IsAlive(avatar));
        setup.Tick(80); // past two seconds

        Assert.False(setup.ServerWorld.IsAlive(avatar));
        Assert.True(setup.ServerWorld.IsAlive(othersAvatar));
        Assert.True(setup.ServerWorld.IsAlive(bystander));
        Assert.Equal([42UL], expired);

        player.Client.Transport.Connect(setup.Harness.IssueToken(42));
        Assert.True(setup.TickUntil(() => setup.Server.Connections.Count == 2, 300));
        setup.Tick();
        Assert.False(connects.Seen.Last().Reconnected);
        Assert.Equal(1, setup.ServerWorld.CountEntities(new QueryDescription().WithAll<NetworkOwner>())); // only the other player's avatar is owned
        Assert.Equal(new NetworkOwner(setup.ConnectionOf(43)), setup.ServerWorld.Get<NetworkOwner>(othersAvatar));
        Assert.True(other.Client.Transport.State == ClientState.Connected);
    }

    /// <summary>A gameplay system recording every event entity of type <typeparamref name="T"/> it sees.</summary>
    private sealed class EventLog<T>(World world) : ISystem<float>
        where T : struct
    {
        private readonly QueryDescription query = new QueryDescription().WithAll<T>();

        public List<T> Seen { get; } = new();

        public void Initialize()
        {
        }

        public void BeforeUpdate(in float state)
        {
        }

        public void Update(in float state) => world.Query(in query, (ref T e) => Seen.Add(e));

        public void AfterUpdate(in float state)
        {
        }

        public void Dispose()
        {
        }
    }
}

using System.Numerics;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>
/// A client that never acknowledges the snapshots carrying its despawns (attack review 16): every despawn of an entity it
/// was sent waits for it, repeated in each snapshot. Without a bound the list grew by every entity the game destroyed
/// near the player for as long as the client stayed, and each new despawn searched the whole list.
/// </summary>
public class UnacknowledgedDespawnTests
{
    private const int SpawnsPerTick = 20;
    private const int Lifetime = 10;

    private sealed class Sink(ServerReplication server, ConnectionId honest) : ISnapshotSink
    {
        private bool sent;

        public void Send(ConnectionId to, ReadOnlySpan<byte> snapshot)
        {
            if (to == honest) sent = true;
        }

        public void Update()
        {
            server.Update(this);
            if (sent) server.ReceiveDelivery(honest, server.Tick);
            sent = false;
        }
    }

    [Fact]
    public void A_client_that_acknowledges_no_despawn_holds_no_more_of_them_than_the_world_had_entities()
    {
        using var world = World.Create();
        var server = new ServerReplication(world, ReplicationWorld.Registry, new ServerReplicationOptions());
        var honest = new ConnectionId(1, 1);
        var deaf = new ConnectionId(2, 1);
        server.AddConnection(honest);
        server.AddConnection(deaf);
        var sink = new Sink(server, honest);
        var alive = new Queue<Entity>();
        int most = 0;
        // A minute of a game firing 20 bullets a tick that live 10 ticks (about 200 at a time): 72,000 despawns.
        for (int tick = 0; tick < 3_600; tick++)
        {
            for (int i = 0; i < SpawnsPerTick; i++) alive.Enqueue(world.Create(new Position2 { Value = new Vector2(i, tick % 7) }));
            while (alive.Count > SpawnsPerTick * Lifetime) world.Destroy(alive.Dequeue());
            sink.Update();
            most = Math.Max(most, server.StateOf(deaf)!.PendingDespawns.Count);
        }

        Assert.True(server.StateOf(honest)!.PendingDespawns.Count <= SpawnsPerTick, "the honest client's despawns are acknowledged");
        int held = server.StateOf(deaf)?.PendingDespawns.Count ?? 0;
        // Before: 71,800 despawns held for the deaf client (all but the last tick's), growing for as long as it stays.
        Assert.True(held <= ServerReplication.MinDespawnBacklog, $"{held:N0} despawns held for a client that acknowledges none");
        Assert.Equal([deaf], server.CutConnections);
        // It is sent no new entities from a quarter of the bound on, so it holds at most those it knew on top of that.
        // Before: 16,385 (the bound).
        Assert.InRange(most, ServerReplication.MinDespawnBacklog / 4, (ServerReplication.MinDespawnBacklog / 4) + (SpawnsPerTick * Lifetime));
    }

    [Fact]
    public void Over_the_wire_a_client_that_acknowledges_nothing_is_cut_and_an_honest_one_plays_on()
    {
        using var w = new ReplicationWorld(new LinkConditions(), new ServerReplicationOptions());
        var ids = new Dictionary<ConnectionId, ulong>();
        var ended = new Dictionary<ulong, DisconnectReason>();
        w.Server.ClientConnected += (connection, clientId) => ids[connection] = clientId;
        w.Server.ClientDisconnected += (connection, reason) => ended[ids[connection]] = reason;
        var honest = w.AddClient(1, seed: 2);
        var deafClient = w.AddClient(2, seed: 3);
        Assert.True(w.TickUntil(() => ids.Count == 2 && honest.Transport.State == ClientState.Connected && deafClient.Transport.State == ClientState.Connected, 300), "both clients connect");
        // From here on the deaf client's connection speaks only through crafted keep-alives that acknowledge nothing
        // (docs/PROTOCOL.md §6: ack 65,535 with every bit set), and the server sends it nothing reliable.
        var deaf = HostilePeer.For(w.Harness, deafClient.Transport, w.Harness.ClientLinks[1].LocalAddress, [0]);
        using var deafWorld = w.Clients[1].World;
        w.Clients.RemoveAt(1);
        var alive = new Queue<Entity>();
        int ticks = 0;
        for (; ticks < 60 * 60 && !ended.ContainsKey(2); ticks++)
        {
            if (ticks % 6 == 0) deaf.Send(deaf.Seal([0x00, 0xFF, 0xFF]));
            for (int i = 0; i < SpawnsPerTick; i++) alive.Enqueue(w.ServerWorld.Create(new Position2 { Value = new Vector2(i, ticks % 7) }));
            while (alive.Count > SpawnsPerTick * Lifetime) w.ServerWorld.Destroy(alive.Dequeue());
            w.Tick();
        }

        // Before: still connected after a minute, 71,800 despawns held for it and growing.
        Assert.True(ended.TryGetValue(2, out var reason), "the deaf client is still connected after a minute");
        Assert.Equal(DisconnectReason.SendQueueOverflow, reason);
        // No despawn acknowledged for 15 s (its 10 s connection timeout and a margin) while it held a quarter of the bound
        // (4,096 at 20 a tick: 3.4 s): cut after 15 s. (Before this bound: 16,384 despawns at 20 a tick, about 14 s.)
        int stall = (10 + ServerReplication.DespawnStallMarginSeconds) * 60;
        Assert.InRange(ticks, stall, stall + 30);
        Assert.False(ended.ContainsKey(1));
        Assert.Equal(ClientState.Connected, honest.Transport.State);
        Assert.True(w.Server.Replication.StateOf(w.Server.Connections.Single())!.PendingDespawns.Count <= 2 * SpawnsPerTick);
    }
}

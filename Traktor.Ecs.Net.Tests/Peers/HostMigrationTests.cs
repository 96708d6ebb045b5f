using System.Numerics;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;
using static Traktor.Ecs.Net.Tests.Peers.ReplicaQueries;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>Listen-server host migration: the host of four peers dies, the survivors elect the same successor and play on.</summary>
public class HostMigrationTests(ITestOutputHelper output)
{
    private const int Drones = MigrationGame.Drones;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void When_the_host_of_four_dies_the_survivors_elect_the_same_successor_and_continue_within_two_seconds_losing_no_entity(int seed)
    {
        using var game = new MigrationGame(4, new LinkConditions { LatencyMs = 30, JitterMs = 15, LossPercent = 10, ReorderPercent = 15, DuplicatePercent = 5 }, seed);
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 3)
            && game.Peers.All(p => Count<ShipBody>(p.World) == 4 && Count<Drone>(p.World) == Drones), 60 * 30), game.Describe());
        var successors = game.Peers[1].Peer.Successors;
        Assert.Equal([2UL, 3UL, 4UL], successors.Order()); // in join order, which the network decided
        Assert.All(game.Peers.Skip(1), p => Assert.Equal(successors, p.Peer.Successors)); // the same on every peer
        ulong heir = successors[0];

        // Mid-game: what every peer sees, by network id. The survivors' ships and the world's drones must all come through.
        var host = game.Peers[0];
        var ships = game.ShipIds();
        var drones = Ids<Drone>(host.World);
        Assert.Equal(4, ships.Count);
        var survivors = game.Peers.Skip(1).OrderBy(p => p.Peer.ClientId == heir ? 0 : 1).ToList(); // the heir first
        var kept = drones.Concat(ships.Where(s => s.Key != 1).Select(s => s.Value)).ToHashSet();

        game.Killed.Add(host); // SIGKILL: no goodbye, the process just stops
        bool Continued() => survivors.All(p => p.Peer.HostClientId == heir && p.Peer.Epoch == 2
                && (p.Peer.IsHost || (p.Peer.Role == MigrationRole.Client && p.Peer.Client!.Replication.NewestTick > 0))
                && kept.IsSubsetOf(Ids<NetworkId>(p.World)) && !Ids<NetworkId>(p.World).Contains(ships[1]))
            && OwnersRestored(survivors[0]);
        int ticks = 0;
        for (; ticks < 60 * 20 && !Continued(); ticks++) game.Tick();
        Assert.True(Continued(), game.Describe());
        output.WriteLine($"seed {seed}: the survivors continued under peer {heir} {ticks} ticks ({ticks / 60.0:F2} s of game time) after the host's last tick");
        // Virtual time, so the same on a loaded machine: 1 s of silence to give the host up, then the reconnect.
        Assert.True(ticks <= 120, $"continued after {ticks} ticks ({ticks / 60.0:F2} s of game time)");

        // The same election on every peer, one migration each, and the successor restored every survivor's ownership.
        Assert.All(survivors, p => Assert.Equal(1, p.Peer.Migrations));
        Assert.True(survivors[0].Peer.IsHost);
        Assert.Equal(3, survivors[0].Peer.Restored); // the three survivors' ships, the heir's own included
        Assert.Equal(0, survivors.Sum(p => p.Peer.Refused));

        // The game goes on: the drones keep moving on every survivor, under the new host's ticks and the same ids.
        var before = survivors[2].Positions();
        game.Tick(60);
        var after = survivors[2].Positions();
        Assert.All(drones, id => Assert.True(after[id].Y > before[id].Y + 0.5f, $"drone {id} moved on"));
        Assert.Equal(3, Count<ShipBody>(survivors[2].World));
        Assert.True(survivors.All(p => kept.IsSubsetOf(Ids<NetworkId>(p.World))));
        Assert.True(survivors[1].Peer.LastMigrationDuration < TimeSpan.FromSeconds(1), $"{survivors[1].Peer.LastMigrationDuration}");
    }

    [Fact]
    public void When_the_host_and_its_heir_die_together_the_next_successor_takes_over_and_the_heirs_entities_go_after_the_grace()
    {
        using var game = new MigrationGame(4, new LinkConditions { LatencyMs = 20, JitterMs = 5, LossPercent = 5 }, seed: 11);
        Assert.True(game.TickUntil(() => game.Peers.Skip(1).All(p => p.Peer.Role == MigrationRole.Client && p.Peer.Successors.Count == 3)
            && game.Peers.All(p => Count<ShipBody>(p.World) == 4 && Count<Drone>(p.World) == Drones), 60 * 30), game.Describe());
        var order = game.Peers[1].Peer.Successors.ToList();
        var ships = game.ShipIds();
        var heir = game.Peers.Single(p => p.Peer.ClientId == order[0]);
        var survivors = game.Peers.Where(p => p.Peer.ClientId == order[1] || p.Peer.ClientId == order[2]).OrderBy(p => order.IndexOf(p.Peer.ClientId)).ToList();
        game.Killed.Add(game.Peers[0]);
        game.Killed.Add(heir);

        // Every survivor tries the heir first, gives it up after ReconnectTimeout (3 s), and takes the next successor.
        bool Continued() => survivors.All(p => p.Peer.HostClientId == order[1] && p.Peer.Epoch == 2
            && (p.Peer.IsHost || p.Peer.Client!.Replication.NewestTick > 0)
            && Ids<NetworkId>(p.World).IsSupersetOf([ships[order[1]], ships[order[2]]]));
        int ticks = 0;
        for (; ticks < 60 * 20 && !Continued(); ticks++) game.Tick();
        Assert.True(Continued(), game.Describe());
        Assert.InRange(ticks, 60 * 4, 60 * 5); // 1 s of silence, 3 s for the heir to answer, then the reconnect
        Assert.True(survivors[0].Peer.IsHost);
        Assert.DoesNotContain(ships[1], Ids<NetworkId>(survivors[1].World)); // the dead host's ship: destroyed at once
        Assert.Contains(ships[order[0]], Ids<NetworkId>(survivors[1].World)); // the heir's: kept for its return...

        game.Tick(60 * 10);
        Assert.All(survivors, p => Assert.DoesNotContain(ships[order[0]], Ids<NetworkId>(p.World))); // ...until the grace ends
        Assert.All(survivors, p => Assert.Equal(2, Count<ShipBody>(p.World)));
        Assert.All(survivors, p => Assert.Equal(Drones, Count<Drone>(p.World)));
    }

    [Fact]
    public void A_plan_reads_back_and_malformed_plans_are_refused()
    {
        var plan = new MigrationPlan { Epoch = 2, Version = 7, Tick = 900, NextNetworkId = 41, Host = 5 };
        plan.Candidates.Add((6, NetAddress.Parse("127.0.0.1:4000"), new byte[1024]));
        plan.Candidates.Add((7, NetAddress.Parse("127.0.0.1:4001"), []));
        plan.Owners.Add((3, 6, true));
        plan.Owners.Add((9, 7, false));
        var bytes = new byte[plan.Size];
        Assert.Equal(bytes.Length, plan.Write(bytes));
        var read = MigrationPlan.TryRead(bytes)!;
        Assert.Equal((2u, 7u, 900u, 41u, 5UL), (read.Epoch, read.Version, read.Tick, read.NextNetworkId, read.Host));
        Assert.Equal([6UL, 7UL], read.Candidates.Select(c => c.ClientId));
        Assert.Equal(NetAddress.Parse("127.0.0.1:4001"), read.Candidates[1].Address);
        Assert.Equal([1024, 0], read.Candidates.Select(c => c.Token.Length));
        Assert.Equal(plan.Owners, read.Owners);

        for (int cut = 0; cut < bytes.Length; cut += 7) Assert.Null(MigrationPlan.TryRead(bytes.AsSpan(0, cut)));
        var tooMany = bytes.ToArray();
        tooMany[25] = MigrationPlan.MaxCandidates + 1;
        Assert.Null(MigrationPlan.TryRead(tooMany));
        Assert.Null(MigrationPlan.TryRead([.. bytes, 0]));
        var badFlag = bytes.ToArray();
        badFlag[^1] = 2;
        Assert.Null(MigrationPlan.TryRead(badFlag));
        Assert.False(MigrationPlan.TryReadStandby(new byte[MigrationPlan.StandbyBytes - 1], out _, out _));
    }

    private static bool OwnersRestored(MigrationPlayer successor)
    {
        var owners = new HashSet<ConnectionId>();
        successor.World.Query(new QueryDescription().WithAll<NetworkOwner, ShipBody>(), (ref NetworkOwner o) => owners.Add(o.Connection));
        return owners.Count == 3 && successor.Peer.Host!.Server.Connections.Count == 3 && owners.SetEquals(successor.Peer.Host.Server.Connections);
    }
}

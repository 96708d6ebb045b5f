using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>A session survives one host after another: alice dies, bob takes over; bob dies, carol takes over; dave follows each time.</summary>
public sealed partial class MultiplayerHostMigrationTests
{
    [Fact]
    public async Task After_a_second_host_dies_the_next_successor_takes_over_and_every_remaining_player_follows_again()
    {
        await using var rig = await Rig.StartAsync();
        var (alice, bob, carol, dave) = (rig.Alice, rig.Bob, rig.Carol, rig.Dave);
        var session = await rig.AliceHostsBobAndCarolAsync();
        await rig.RunAsync(dave.Multiplayer.JoinSessionAsync(session.Id, Cancel), "dave's join");
        long aliceId = alice.Multiplayer.UserId!.Value, bobId = bob.Multiplayer.UserId!.Value, carolId = carol.Multiplayer.UserId!.Value;
        await rig.TickUntilAsync(() => Values(dave.World).Count == 4 && dave.Multiplayer.HasOwners, "dave to see the four players' entities and the owners");
        long beats = alice.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => alice.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "alice to report bob, carol and dave to the directory");

        // First host lost: bob (the first successor alice reported) takes over, carol and dave follow him.
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => (bob.Migrated is not null && carol.Migrated is not null && dave.Migrated is not null) || bob.Ended is not null || carol.Ended is not null || dave.Ended is not null,
            "the first migration");
        Assert.True(bob.Migrated?.IsLocalHost == true && carol.Migrated?.NewHostUserId == bobId && dave.Migrated?.NewHostUserId == bobId,
            $"bob (#{bobId}) to host and carol and dave to follow him: {rig.State()}");
        await rig.TickUntilAsync(() => Owned(bob.World) == 3 && carol.Multiplayer.HasOwners && dave.Multiplayer.HasOwners, $"carol and dave to get their entities back on bob's host (owned {Owned(bob.World)})");
        beats = bob.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => bob.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "bob to report carol and dave, his successors, to the directory");
        Assert.Equal(bobId, (await rig.Directory.GetSessionAsync(session.Id, Cancel))!.HostUserId);

        // Second host lost: the next successor hosts, the last player follows it, and the world goes on from bob's.
        rig.Moving = false;
        bob.Mover!.Moving = false;
        var before = Values(bob.World);
        await rig.TickUntilAsync(() => Same(Values(carol.World), before) && Same(Values(dave.World), before), "carol and dave to converge on bob's world");
        var bobEntity = Assert.Single(Values(bob.World, new QueryDescription().WithAll<Position2, LocalOwner>()));
        (carol.Migrated, dave.Migrated, carol.Lost, dave.Lost) = (null, null, null, null);
        bob.Running = false;
        bob.Link.Cut = true;
        await rig.TickUntilAsync(() => (carol.Migrated is not null && dave.Migrated is not null) || carol.Ended is not null || dave.Ended is not null,
            $"the second migration (carol migrating {carol.Multiplayer.IsMigrating}, dave migrating {dave.Multiplayer.IsMigrating})");
        Assert.True(carol.Ended is null && dave.Ended is null, $"nobody's session to end: {rig.State()}");
        Assert.True(carol.Lost?.Id == session.Id && dave.Lost?.Id == session.Id, $"carol and dave to lose bob: {rig.State()}");
        Assert.True(carol.Migrated!.IsLocalHost && (carol.Migrated.PreviousHostUserId, carol.Migrated.NewHostUserId) == (bobId, carolId)
            && (dave.Migrated!.PreviousHostUserId, dave.Migrated.NewHostUserId) == (bobId, carolId),
            $"carol (#{carolId}, bob's first successor) to host and dave to follow her: {rig.State()}");
        Assert.Equal(carolId, (await rig.Directory.GetSessionAsync(session.Id, Cancel))!.HostUserId);
        Assert.NotEqual(aliceId, carolId);

        // Bob's entity is gone, carol's and dave's are where they were, dave's is his again, and carol's moves reach dave.
        var kept = before.Where(v => v != bobEntity).ToList();
        Assert.True(Same(kept, Values(carol.World)), $"{string.Join(",", kept)} vs {string.Join(",", Values(carol.World))}");
        await rig.TickUntilAsync(() => Owned(carol.World) == 2 && Same(Values(dave.World), kept), $"dave to get his entity back on carol's host (owned {Owned(carol.World)})");
        carol.Mover!.Moving = true;
        for (int i = 0; i < 30; i++) rig.Tick();
        carol.Mover.Moving = false;
        var moved = Values(carol.World);
        Assert.All(moved, v => Assert.DoesNotContain(v, kept));
        await rig.TickUntilAsync(() => Same(Values(dave.World), moved), "dave to follow carol's moves");
        Assert.Null(carol.Ended);
        Assert.Null(dave.Ended);
    }
}

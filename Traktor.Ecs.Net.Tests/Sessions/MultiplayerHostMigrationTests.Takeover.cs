using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// Takeovers that do not go as planned: a successor that cannot host leaves its world whole and the next successor takes
/// the session over; a player within its reconnect grace when the host died gets its entities back from the successor.
/// </summary>
public sealed partial class MultiplayerHostMigrationTests
{
    [Fact]
    public async Task A_successor_that_cannot_host_keeps_its_world_whole_and_the_next_successor_takes_over()
    {
        await using var rig = await Rig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        long aliceId = alice.Multiplayer.UserId!.Value, carolId = carol.Multiplayer.UserId!.Value;
        rig.Moving = false;
        alice.Mover!.Moving = false;
        var before = Values(alice.World);
        var aliceEntity = Assert.Single(Values(alice.World, new QueryDescription().WithAll<Position2, LocalOwner>()));
        await rig.TickUntilAsync(() => Same(Values(bob.World), before) && Same(Values(carol.World), before), "bob and carol to converge on alice's world");

        // Bob, the first successor, gets the session but cannot host it: the game's host systems refuse to start.
        bob.FailHosting = true;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.HostingRefusals > 0 || bob.Ended is not null, "bob's takeover to fail");
        for (int i = 0; i < 5; i++) rig.Tick();

        // Before, bob was left with half a host's world (alice's entity destroyed, his replica detached) and kept claiming
        // the session, so nobody hosted and everyone's session ended after HostMigrationWait. Now his world is what alice
        // last sent, he still migrates, and carol, the next successor, takes the session over once bob stays silent.
        Assert.True(Same(before, Values(bob.World)), $"{string.Join(",", before)} vs {string.Join(",", Values(bob.World))}");
        Assert.True(bob.Multiplayer.IsMigrating);
        Assert.Null(bob.Multiplayer.Host);
        await rig.TickUntilAsync(() => (bob.Migrated is not null && carol.Migrated is not null) || bob.Ended is not null || carol.Ended is not null,
            $"carol to host and bob to follow her (bob migrating {bob.Multiplayer.IsMigrating}, carol hosting {carol.Multiplayer.Host is not null})");
        Assert.True(bob.Ended is null && carol.Ended is null, $"ended {bob.Ended}/{carol.Ended}; log: {string.Join(" | ", rig.Log)}");
        Assert.True(carol.Migrated!.IsLocalHost);
        Assert.Equal((aliceId, carolId), (carol.Migrated.PreviousHostUserId, carol.Migrated.NewHostUserId));
        Assert.False(bob.Migrated!.IsLocalHost);
        Assert.Equal(carolId, bob.Migrated.NewHostUserId);
        Assert.Equal(1, bob.HostingRefusals);
        Assert.Equal(carolId, (await rig.Directory.GetSessionAsync(session.Id, Cancel))!.HostUserId);

        // Carol's world goes on from alice's (her entity gone); bob gets his entity back on carol's host and sees her world.
        var kept = before.Where(v => v != aliceEntity).ToList();
        Assert.True(Same(kept, Values(carol.World)), $"{string.Join(",", kept)} vs {string.Join(",", Values(carol.World))}");
        await rig.TickUntilAsync(() => Owned(carol.World) == 2 && Same(Values(bob.World), kept), "bob to get his entity back on carol's host");
    }

    [Fact]
    public async Task A_player_within_its_reconnect_grace_when_the_host_dies_gets_its_entities_back_from_the_successor()
    {
        await using var rig = await Rig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        await rig.AliceHostsBobAndCarolAsync();
        ulong carolId = (ulong)carol.Multiplayer.UserId!.Value;
        rig.Moving = false;
        alice.Mover!.Moving = false;
        var before = Values(alice.World);
        await rig.TickUntilAsync(() => Same(Values(bob.World), before) && Same(Values(carol.World), before), "bob and carol to converge on alice's world");
        var kept = before.Where(v => v != Assert.Single(Values(alice.World, new QueryDescription().WithAll<Position2, LocalOwner>()))).ToList();

        // Carol's game freezes: alice's server times her connection out and keeps her entity for her reconnect grace; alice
        // then tells bob the owners again (and the directory that bob alone is connected). What alice sends carol meanwhile is
        // lost (her cut among it: a cut she received would put her out, not migrate her, since alice was alive to send it).
        carol.Running = false;
        carol.Deaf = true;
        Assert.True(alice.World.Resources.TryGet<RpcServer>(out var rpcs));
        await rig.TickUntilAsync(() => rpcs!.Grace.IsWaitingFor(carolId), "alice to time carol out");
        long beats = alice.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => alice.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "alice to send the owners again and report bob alone");

        // Alice's game dies while carol is still in her grace; carol's game comes back and finds bob hosting.
        alice.Running = false;
        alice.Link.Cut = true;
        carol.Running = true;
        await rig.TickUntilAsync(() => carol.Client.Transport.State == ClientState.Disconnected, "carol's own end to time alice out");
        Assert.Equal(DisconnectReason.TimedOut, carol.Client.Transport.LastDisconnectReason);
        Assert.False(carol.Client.Transport.LastDisconnectByServer);
        carol.Deaf = false;
        await rig.TickUntilAsync(() => (bob.Migrated is not null && carol.Migrated is not null) || bob.Ended is not null || carol.Ended is not null,
            $"bob to host and carol to follow him (carol migrating {carol.Multiplayer.IsMigrating})");
        Assert.Null(bob.Ended);
        Assert.Null(carol.Ended);
        Assert.True(bob.Migrated!.IsLocalHost);

        // Before, alice's owners left carol out while she was away: her entity stayed ownerless at bob's, and carol
        // controlled nothing. Now she gets it back where it was.
        await rig.TickUntilAsync(() => Owned(bob.World) == 2, $"carol to get her entity back on bob's host (owned {Owned(bob.World)})");
        Assert.True(Same(kept, Values(bob.World, new QueryDescription().WithAll<Position2, NetworkOwner>())), $"{string.Join(",", kept)} vs {string.Join(",", Values(bob.World, new QueryDescription().WithAll<Position2, NetworkOwner>()))}");
    }
}

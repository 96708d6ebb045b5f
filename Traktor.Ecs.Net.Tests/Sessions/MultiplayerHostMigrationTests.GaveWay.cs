using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A host the directory replaced while it could not reach it gives way: its remaining players are told
/// <see cref="DisconnectReason.HostGaveWay"/> and migrate to the successor that hosts the session now.
/// </summary>
public sealed partial class MultiplayerHostMigrationTests
{
    [Fact]
    public async Task A_replaced_host_disconnects_its_players_with_HostGaveWay_and_they_migrate_to_the_successor()
    {
        await using var rig = await Rig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        long aliceId = alice.Multiplayer.UserId!.Value, carolId = carol.Multiplayer.UserId!.Value;

        // A partition: alice's link to the backend goes down (her game and her connection to bob go on), and so does carol's
        // link to alice, both ways, until each has timed the other out. Carol finds alice gone: as the last successor alice
        // reported she may claim the session once alice has been silent for her turn, and nobody is behind her to agree.
        // (Carol's game froze here before; a player frozen past the timeout while its host played on is cut now, as a
        // MigratingPeer is, and takes nothing over: A_player_frozen_past_the_timeout_while_its_host_played_on_is_out_not_migrating.)
        alice.Link.Cut = true;
        carol.Deaf = carol.Socket.Mute = true;
        await rig.TickUntilAsync(() => alice.Multiplayer.Host!.Server.Connections.Count(c => !alice.Multiplayer.Host.Server.IsLocal(c)) == 1,
            "alice to time carol out");
        await rig.TickUntilAsync(() => carol.Migrated is not null || carol.Ended is not null, "carol to take the session over");
        carol.Deaf = carol.Socket.Mute = false;
        Assert.True(carol.Migrated?.IsLocalHost == true && carol.Migrated.PreviousHostUserId == aliceId, $"carol to host: {rig.State()}");
        Assert.Equal(carolId, (await rig.Directory.GetSessionAsync(session.Id, Cancel))!.HostUserId);
        Assert.NotNull(alice.Multiplayer.Host); // alice does not know yet: bob still plays under her
        Assert.Null(bob.Lost);

        // Alice's link comes back: her heartbeat is refused (carol hosts), she stops serving and tells bob she gave way. Before
        // (TRKNET15) she told him ServerShutdown, the reason of a host that is gone, not of a session that goes on elsewhere.
        var told = new System.Collections.Concurrent.ConcurrentQueue<DisconnectReason>();
        bob.Client.Disconnected += told.Enqueue;
        alice.Link.Cut = false;
        await rig.TickUntilAsync(() => alice.Ended is not null && (bob.Migrated is not null || bob.Ended is not null), "alice to give way and bob to migrate");
        Assert.Equal(SessionEndReason.HostReplaced, alice.Ended);
        Assert.Null(alice.Multiplayer.Host);
        Assert.Equal(DisconnectReason.HostGaveWay, told.First());
        Assert.True(bob.Ended is null && bob.Lost?.Id == session.Id, $"bob to lose alice without his session ending: {rig.State()}");
        Assert.True(!bob.Migrated!.IsLocalHost && (bob.Migrated.PreviousHostUserId, bob.Migrated.NewHostUserId) == (aliceId, carolId),
            $"bob to follow carol: {rig.State()}");
        Assert.Equal(carolId, bob.Multiplayer.CurrentSession!.HostUserId);
        await rig.TickUntilAsync(() => Values(bob.World).Count == 2 && Values(carol.World).Count == 2, "bob's and carol's worlds to hold their two entities");
        Assert.Null(carol.Ended);
    }
}

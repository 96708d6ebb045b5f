using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A player whose own game froze past its connection timeout while its host played on was cut by that host, whether or not
/// the host's Disconnect reached it: the facade follows the rule a <see cref="MigratingPeer"/> follows (<c>FrozenPlayerTests</c>).
/// </summary>
public sealed partial class MultiplayerHostMigrationTests
{
    /// <summary>
    /// Bob's game freezes until alice's host has timed him out; his socket's queue (64 datagrams here) kept the snapshots of
    /// the stall's start and dropped the rest, alice's Disconnect among them. On waking he is out of the session
    /// (<see cref="Multiplayer.SessionEnded"/>) and never raises <see cref="Multiplayer.HostLost"/>: alice is alive. Failed
    /// before: the silence after the stall read as alice's loss, so bob raised HostLost, reported the live host lost to the
    /// directory and claimed her session.
    /// </summary>
    [Fact]
    public async Task A_player_frozen_past_the_timeout_while_its_host_played_on_is_out_not_migrating()
    {
        await using var rig = await Rig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        var host = alice.Multiplayer.Host!;
        int Remote() => host.Server.Connections.Count(c => !host.Server.IsLocal(c));

        bob.Running = false;
        await rig.TickUntilAsync(() => Remote() == 1, "alice to time bob out");
        Assert.True(bob.Socket.DropBacklogBeyond(64) > 0, "bob's queue never filled: alice's Disconnect may have reached him");
        bob.Running = true;
        await rig.TickUntilAsync(() => bob.Ended is not null || bob.Lost is not null, "bob to be out of the session");

        Assert.True(bob.Lost is null && !bob.Multiplayer.IsMigrating, $"bob took his own stall for alice's loss: {rig.State()}");
        Assert.NotNull(bob.Ended);
        Assert.Null(bob.Multiplayer.CurrentSession);
        Assert.Null(bob.Multiplayer.Host);
        Assert.Same(host, alice.Multiplayer.Host);
        Assert.Equal(alice.Multiplayer.UserId, (await rig.Directory.GetSessionAsync(session.Id, Cancel))!.HostUserId);
        Assert.Null(carol.Lost);
        Assert.Equal(ClientState.Connected, carol.Client.Transport.State);
    }
}

using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A Lua player whose game froze past its connection timeout while its host played on was cut by that host, whether or not
/// the host's Disconnect reached it: scripts follow the rule of <see cref="MigratingPeer"/> and <see cref="Multiplayer"/>.
/// </summary>
public sealed partial class LuaHostMigrationTests
{
    /// <summary>
    /// Bob's game freezes until alice's host has timed him out; his socket's queue (64 datagrams here) kept the snapshots of
    /// the stall's start and dropped the rest, alice's Disconnect among them. On waking his script hears
    /// <c>onSessionEnded(session, "ConnectionLost", "TimedOut")</c>, never <c>onHostLost</c>, and hosts nothing. Failed before: the silence
    /// after the stall read as alice's loss (onHostLost, and a claim on her live session).
    /// </summary>
    [Fact]
    public async Task A_Lua_player_frozen_past_the_timeout_while_its_host_played_on_hears_onSessionEnded_not_onHostLost()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync(AskOnce);
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var (session, bobScript, carolScript) = await LuaPlayersJoinAliceAsync(rig, EndingScript);
        rig.Moving = true; // alice's game plays on: a snapshot a tick, whose ticks show her alive into bob's stall
        var host = alice.Multiplayer.Host!;
        int Remote() => host.Server.Connections.Count(c => !host.Server.IsLocal(c));

        bob.Running = false;
        await rig.TickUntilAsync(() => Remote() == 1, "alice to time bob out");
        Assert.True(bob.Socket.DropBacklogBeyond(64) > 0, "bob's queue never filled: alice's Disconnect may have reached him");
        bob.Running = true;
        await rig.TickUntilAsync(() => Events(bobScript).Count >= 1, "bob's script to hear the end");

        Assert.Equal(["ended " + session.Id + " ConnectionLost TimedOut"], Events(bobScript));
        Assert.False(bobScript.GetGlobal("migratingWhenEnded").AsBoolean);
        Assert.Empty(bobScript.Errors);
        Assert.Null(bob.Host);
        Assert.Equal(0, bob.HostingCalls);
        Assert.Same(host, alice.Multiplayer.Host);
        Assert.Equal(alice.Multiplayer.UserId, (await rig.Directory.GetSessionAsync(session.Id, cancel))!.HostUserId);
        Assert.Empty(Events(carolScript));
    }
}

using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A Lua successor's takeover that the scripts give up stops what the game's <see cref="ScriptServices.StartHosting"/>
/// started: its token is cancelled, also after the hook's task completed, and the game (<see cref="LuaPlayer"/> does as the
/// docs ask) stops its listen server and its heartbeats. Never once the takeover attached.
/// </summary>
public sealed partial class LuaHostMigrationTests
{
    [Fact]
    public async Task A_Lua_takeover_whose_script_is_unloaded_while_the_game_opens_its_listen_server_starts_no_hosting_and_the_next_successor_takes_over()
    {
        await using var rig = await LuaMigrationRig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var (session, bobScript, carolScript) = await ThreePlayersAsync(rig);

        // Bob's game is slow to open its listen server: the hook was called, its task not complete, when his script goes.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.HostingGate = gate;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.HostingCalls == 1, "the directory to give bob the session and his hook to be called");
        Assert.True(bob.Scripts.System.Unload(bobScript));
        gate.SetResult();

        await rig.TickUntilAsync(() => Events(carolScript).Count == 2, "carol to take the session over");
        for (int i = 0; i < 50; i++) rig.Tick();
        string id = session.Id.ToString();
        Assert.Equal(["lost " + id, "migrated " + id], Events(carolScript));
        Assert.True(carolScript.GetGlobal("isLocalHost").AsBoolean);
        Assert.Null(bob.Host);
        Assert.Null(bob.Entry);
        Assert.Equal(0, bob.Link.Heartbeats);
    }

    [Fact]
    public async Task A_Lua_takeover_whose_script_is_unloaded_after_its_hosting_came_up_but_before_it_attached_stops_that_hosting_before_the_unload_returns()
    {
        await using var rig = await LuaMigrationRig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var (session, bobScript, carolScript) = await ThreePlayersAsync(rig);

        // The game's listen server and heartbeats came up (the hook's task completed); its scripts have not ticked since, so
        // the takeover has not attached, when the script goes.
        int givenUpDuringUnload = -1;
        List<string> bobEvents = [];
        bob.AfterHostingStarted = () =>
        {
            bob.AfterHostingStarted = null;
            Assert.NotNull(bob.Entry);
            bobEvents = Events(bobScript);
            Assert.True(bob.Scripts.System.Unload(bobScript));
            givenUpDuringUnload = bob.HostingsGivenUp;
        };
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => givenUpDuringUnload >= 0, "bob's hosting to come up");

        Assert.Equal(1, givenUpDuringUnload); // the token was cancelled, and the game's callback ran, before Unload returned
        Assert.Null(bob.Entry);
        await rig.TickUntilAsync(() => Events(carolScript).Count == 2, "carol to take the session over");
        for (int i = 0; i < 50; i++) rig.Tick();
        Assert.True(carolScript.GetGlobal("isLocalHost").AsBoolean);
        Assert.Null(bob.Host);
        Assert.Equal(0, bob.Link.Heartbeats);
        Assert.Equal(["lost " + session.Id], bobEvents); // his script never heard it migrated
    }

    [Fact]
    public async Task A_Lua_takeover_refused_because_the_games_host_received_first_stops_the_hosting_StartHosting_started_and_follows_the_next_successor()
    {
        // Before: the takeover was refused (LuaHostingOrderException) and the migration went on to the next successor, but the
        // hook's token (the migration's) was never cancelled: the game's listen server stayed in the world and its
        // PlayerSessionHost kept heartbeating a session it did not host. Now the refusal gives that hosting up first.
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var (session, bobScript, carolScript) = await ThreePlayersAsync(rig);

        bob.HostFirst = true; // the game ticks its listen server before its scripts: the takeover cannot attach
        alice.Running = false;
        alice.Link.Cut = true;
        bool refused = false;
        for (var until = DateTime.UtcNow.AddSeconds(45); !refused; await Task.Delay(2, cancel))
        {
            Assert.True(DateTime.UtcNow < until, "timed out waiting for bob's takeover to be refused");
            try
            {
                rig.Tick();
            }
            catch (LuaHostingOrderException)
            {
                refused = true;
            }
        }

        Assert.Equal(1, bob.HostingsGivenUp);
        await rig.TickUntilAsync(() => Events(carolScript).Count == 2 && Events(bobScript).Count == 2, "carol to host and bob to follow her");
        for (int i = 0; i < 50; i++) rig.Tick();
        string id = session.Id.ToString();
        Assert.Equal(["lost " + id, "migrated " + id], Events(bobScript));
        Assert.True(carolScript.GetGlobal("isLocalHost").AsBoolean);
        Assert.False(bobScript.GetGlobal("isLocalHost").AsBoolean);
        Assert.Null(bob.Host);
        Assert.Null(bob.Entry);
        Assert.Equal(0, bob.Link.Heartbeats);
    }
}

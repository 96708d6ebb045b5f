namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>A Lua migration stopped by its script's unload starts no directory call after the unload returned, as a disposed <see cref="Multiplayer"/>'s.</summary>
public sealed partial class LuaHostMigrationTests
{
    [Fact]
    public async Task A_Lua_migration_stopped_by_an_unload_starts_no_directory_call_after_the_unload_returned()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync();
        var (alice, bob) = (rig.Alice, rig.Bob);
        var (_, bobScript, _) = await ThreePlayersAsync(rig);
        // Alice's game freezes: it ticks no more, so bob loses her, but her heartbeat timer still reports, so the directory
        // gives the session to nobody and bob keeps asking it (as MultiplayerHostMigrationTests' quit test: with her link cut,
        // bob's first claim could be granted at once, and his takeover then waited for a tick, making no call to hold).
        alice.Running = false;
        await rig.TickUntilAsync(() => Events(bobScript).Count == 1, "bob to lose alice");

        // Bob's game stops ticking while he migrates, so he cannot take the session over (a takeover hosts on the tick thread),
        // and his next directory call is held between its token check and its start (a thread descheduled there) while his
        // script is unloaded. Before, the unload returned at once and the held call started after it (a claim started so was
        // never given back: the unload had looked for one already); now the unload waits for a call that passed its check
        // to start, and none starts after it returned. An earlier version of this test ticked bob while it waited for the
        // held call: his takeover could complete meanwhile, and the held call was then his game's host's heartbeat (the
        // PlayerSessionHost that StartHosting started sends them whatever its scripts do): 7 calls against 5, none the
        // migration's. Heartbeats are counted apart and never held; a give-back (ReleaseHost) is not in Calls either.
        // The held call is released once the unload is seen waiting for it (or, before, once the unload returned), and the
        // stopped migration's end is awaited, not guessed with a delay.
        bob.Running = false;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopWaits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        // The unload's own leave of the session (sent once the stopped migration is over) waits until the calls made up to the
        // unload's return are counted: it is the one call expected after it, and none of the migration's.
        using var leave = new ManualResetEventSlim();
        int held = 0;
        bob.Link.StopWaits = () => stopWaits.TrySetResult();
        bob.Link.Entering = call =>
        {
            if (call == "LeaveSessionAsync")
            {
                leave.Wait(TimeSpan.FromSeconds(60)); // a hang guard: released below once the unload's calls are counted
                return;
            }

            if (call == "HostHeartbeatAsync" || Interlocked.Exchange(ref held, 1) != 0) return;
            entered.SetResult();
            release.Wait(TimeSpan.FromSeconds(60)); // a hang guard: released below as soon as the unload waits for this call
        };
        await rig.TickUntilAsync(() => entered.Task.IsCompleted, "bob's migration to make a directory call");
        var migration = bob.Scripts.System.MigrationOf(bobScript);
        Assert.True(migration is not null, "bob's script has no host migration");
        var unload = Task.Run(() =>
        {
            Assert.True(bob.Scripts.System.Unload(bobScript));
            return bob.Link.Calls - bob.Link.Heartbeats;
        }, cancel);
        await Task.WhenAny(unload, stopWaits.Task).WaitAsync(TimeSpan.FromSeconds(30), cancel);
        Assert.False(unload.IsCompleted, "the unload returned while a directory call that passed its check was still held");
        release.Set();
        int calls = await unload;
        leave.Set();

        // The stopped migration is over once what it still sends (its last call answered, a claim given back) is: nothing of
        // it can call the directory after that, and the ticks below check that nothing on the tick thread does either.
        // The players' clock then jumps past every wait the migration had, so what it left waiting on the clock comes due
        // and has run before the check (before, the ticks ran on milliseconds of real time, in which nothing paced came due).
        await rig.TickUntilAsync(() => migration.GivingBack.IsCompleted, "bob's stopped migration to be over");
        await rig.TickUntilAsync(() => bob.Link.Sent.Contains("leave"), "bob's unload to leave the session"); // counted before it is listed
        bob.Running = true;
        rig.Clock.Jump(TimeSpan.FromMinutes(5));
        rig.Clock.WaitUntilSettled();
        for (int i = 0; i < 60; i++) rig.Tick();
        rig.Clock.WaitUntilSettled();
        Assert.Equal(calls + 1, bob.Link.Calls - bob.Link.Heartbeats); // the unload's leave, and nothing of the migration
        Assert.Single(bob.Link.Sent, sent => sent == "leave");
        Assert.InRange(bob.Link.Releases, 0, 1); // a claim under way at the unload is given back once, apart from Calls
    }
}

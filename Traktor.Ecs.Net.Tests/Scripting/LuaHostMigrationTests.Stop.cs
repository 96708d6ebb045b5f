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
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => Events(bobScript).Count == 1, "bob to lose alice");

        // Bob's next directory call is held between its token check and its start (a thread descheduled there) while his
        // script is unloaded. Before, the unload returned at once and the held call started after it (a claim started so
        // was never given back: the unload had looked for one already); now the unload waits for a call that passed its
        // check to start, and none starts after it returned.
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        int held = 0;
        bob.Link.Entering = () =>
        {
            if (Interlocked.Exchange(ref held, 1) != 0) return;
            entered.Set();
            release.Wait(TimeSpan.FromSeconds(10));
        };
        for (var until = DateTime.UtcNow.AddSeconds(10); !entered.IsSet && DateTime.UtcNow < until; await Task.Delay(5, cancel)) rig.Tick();
        Assert.True(entered.IsSet, "bob's migration made no directory call");
        bob.Running = false;
        var unload = Task.Run(() =>
        {
            Assert.True(bob.Scripts.System.Unload(bobScript));
            return bob.Link.Calls;
        }, cancel);
        await Task.WhenAny(unload, Task.Delay(500, cancel)); // before: the unload had returned, the held call not counted
        release.Set();
        int calls = await unload;
        bob.Running = true;
        for (var until = DateTime.UtcNow.AddSeconds(2); DateTime.UtcNow < until; await Task.Delay(5, cancel)) rig.Tick();
        Assert.Equal(calls, bob.Link.Calls);
    }
}

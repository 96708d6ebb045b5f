using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>A Lua successor's claim, as a <see cref="Multiplayer"/>'s: a join wait before claiming past a new host, and a claim given back when the script goes.</summary>
public sealed partial class LuaHostMigrationTests
{
    [Fact]
    public async Task When_the_Lua_successor_given_the_session_never_hosts_the_next_claims_past_it_after_its_join_wait_and_hosts()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync(new LuaScriptOptions { HostMigrationJoinWait = TimeSpan.FromSeconds(1) });
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var (session, bobScript, carolScript) = await ThreePlayersAsync(rig);
        var members = (await rig.Directory.GetSessionAsync(session.Id, cancel))!.Members;
        long bobId = members.Single(m => m.Name == bob.Name).UserId, carolId = members.Single(m => m.Name == carol.Name).UserId;

        // Alice's game dies; the directory gives the session to bob, whose game dies before it learns so: he never hosts it,
        // never publishes an address, and carol cannot reach him.
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Link.HeldClaimAnswers = answer;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Link.ClaimsGranted == 1, "the directory to give bob the session");
        bob.Running = false;
        bob.Link.Cut = true;

        // Carol follows bob, the named host, for her join wait, then claims past him (naming him); the directory grants it
        // once bob stayed silent for her turn and the grace of a host that never published. She hosts, and bob is gone.
        await rig.TickUntilAsync(() => Events(carolScript).Count == 2, "carol to take the session over past bob");
        answer.SetResult();
        string id = session.Id.ToString();
        Assert.Equal(["lost " + id, "migrated " + id], Events(carolScript));
        Assert.Empty(carolScript.Errors);
        Assert.True(carolScript.GetGlobal("isLocalHost").AsBoolean);
        Assert.NotNull(carol.Host);
        Assert.Contains(bobId, carol.Link.ClaimedFrom.Select(h => h ?? 0));
        var now = (await rig.Directory.GetSessionAsync(session.Id, cancel))!;
        Assert.Equal(carolId, now.HostUserId);
        Assert.False(now.IsMember(bobId));
        Assert.Equal(["lost " + id], Events(bobScript));
    }

    [Fact]
    public async Task A_Lua_successor_whose_script_is_unloaded_after_its_claim_gives_the_session_back_and_the_next_takes_over()
    {
        // Before: the Lua side recorded no claim, so a script unloaded (or a system disposed, or a leave) while its claim's answer
        // was lost left the directory naming a host that would never serve: nothing gave the session back, and the next
        // successor waited out its silence. Now it is given back as a disposed Multiplayer gives it back.
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var (session, bobScript, carolScript) = await ThreePlayersAsync(rig);
        long bobId = (await rig.Directory.GetSessionAsync(session.Id, cancel))!.Members.Single(m => m.Name == bob.Name).UserId;

        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Link.HeldClaimAnswers = answer;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Link.ClaimsGranted == 1, "the directory to give bob the session");
        Assert.True(bob.Scripts.System.Unload(bobScript));
        answer.SetException(new HttpRequestException("the directory's answer was lost"));

        await rig.TickUntilAsync(() => bob.Link.ReleasesAnswered == 1, "bob to give the session back");
        await rig.TickUntilAsync(() => Events(carolScript).Count == 2, "carol to take the session over");
        Assert.True(carolScript.GetGlobal("isLocalHost").AsBoolean);
        var now = (await rig.Directory.GetSessionAsync(session.Id, cancel))!;
        Assert.False(now.IsMember(bobId));
        Assert.Equal(1, bob.Link.Releases);
    }

    [Fact]
    public async Task UnloadAsync_by_default_waits_for_a_Lua_successor_s_leave_after_its_claim_s_lost_answer_and_the_give_back()
    {
        // The longest chain an unload leaves on its way: the stopped migration's claim is answered (here never: its wait
        // runs out on the players' clock, 10 s), the session given back, then the unload's leave of the session. Before,
        // UnloadWait was 10 s: UnloadAsync returned with the chain half done (before the leave, which the unload did not send
        // then either), and a game exiting then left bob seated. Now the default (31 s) covers the chain whole.
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync();
        var (alice, bob) = (rig.Alice, rig.Bob);
        var (session, bobScript, _) = await ThreePlayersAsync(rig);
        long bobId = (await rig.Directory.GetSessionAsync(session.Id, cancel))!.Members.Single(m => m.Name == bob.Name).UserId;

        bob.Link.HeldClaimAnswers = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously); // never answered
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Link.ClaimsGranted == 1, "the directory to give bob the session");
        var leaving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var leave = new ManualResetEventSlim();
        bob.Link.Entering = call =>
        {
            if (call != "LeaveSessionAsync") return;
            leaving.TrySetResult();
            leave.Wait(TimeSpan.FromSeconds(60)); // a hang guard: released below
        };
        var unloading = bob.Scripts.System.UnloadAsync(bobScript);

        rig.Clock.Jump(TimeSpan.FromSeconds(10)); // the claim's wait runs out: its answer is lost, so bob gives the session back
        await leaving.Task.WaitAsync(TimeSpan.FromSeconds(30), cancel); // a hang guard only
        Assert.Equal(["released"], bob.Link.Sent); // the give-back came first, answered
        rig.Clock.Jump(TimeSpan.FromSeconds(9)); // 19 s since the unload, the leave's own wait (CallTimeout, 10 s) not run out
        Assert.False(unloading.IsCompleted, "UnloadAsync returned before the leave that follows the claim's give-back was over");

        leave.Set();
        Assert.True(await unloading.WaitAsync(TimeSpan.FromSeconds(30), cancel)); // a hang guard only
        Assert.Equal(["released", "leave"], bob.Link.Sent);
        Assert.False((await rig.Directory.GetSessionAsync(session.Id, cancel))!.IsMember(bobId), "bob was still seated after UnloadAsync returned");
        lock (bob.Scripts.Logger.Lines)
        {
            Assert.DoesNotContain(bob.Scripts.Logger.Lines, line => line.Message.Contains("still on their way", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_Lua_successor_that_leaves_after_its_claim_was_granted_gives_the_session_back_before_it_leaves_and_the_next_takes_over()
    {
        // Before: leaveSession stopped the migration and sent the leave at once, racing the give-back of the claim the directory
        // had granted (its answer on its way): a leave that reached the directory while it named bob host ended the session
        // for every player still migrating. Now the claim's answer is awaited and the session given back, then bob leaves.
        // The claim wait is long so that the hold below (ticks, seconds on a loaded machine) cannot outlast it: timed out, the
        // claim would be given back before its answer arrived, and the order checked here would not be the one under test.
        var cancel = TestContext.Current.CancellationToken;
        await using var rig = await LuaMigrationRig.StartAsync(new LuaScriptOptions { HostMigrationJoinWait = TimeSpan.FromMinutes(10), ClaimWait = TimeSpan.FromMinutes(10) });
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var (session, bobScript, carolScript) = await ThreePlayersAsync(rig);
        var members = (await rig.Directory.GetSessionAsync(session.Id, cancel))!.Members;
        long bobId = members.Single(m => m.Name == bob.Name).UserId, carolId = members.Single(m => m.Name == carol.Name).UserId;

        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Link.HeldClaimAnswers = answer;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Link.ClaimsGranted == 1, "the directory to give bob the session");
        Assert.True(bobScript.Call("leave"));
        for (int ticks = 0; ticks < 50; ticks++) rig.Tick();
        Assert.False(bob.Link.LastClaim!.IsCompleted);       // the claim's answer is held...
        Assert.Empty(bob.Link.Sent);                          // the claim's answer decides the give-back: no leave before it
        answer.SetResult();
        await rig.TickUntilAsync(() => bobScript.WaitingEntries == 0, "bob's leaveSession to return");
        Assert.Empty(bobScript.Errors);
        Assert.True(bobScript.GetGlobal("left").AsBoolean);
        Assert.Equal(["released", "leave"], bob.Link.Sent);

        await rig.TickUntilAsync(() => Events(carolScript).Count == 2, "carol to take the session over");
        string id = session.Id.ToString();
        Assert.Equal(["lost " + id, "migrated " + id], Events(carolScript));
        Assert.True(carolScript.GetGlobal("isLocalHost").AsBoolean);
        var now = (await rig.Directory.GetSessionAsync(session.Id, cancel))!;
        Assert.Equal(SessionState.Live, now.State);
        Assert.Equal(carolId, now.HostUserId);
        Assert.False(now.IsMember(bobId));
    }

    [Fact]
    public void The_Lua_join_wait_of_a_migration_must_be_positive_and_measurable()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), new LuaScriptOptions().HostMigrationJoinWait);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptHost(options: new LuaScriptOptions { HostMigrationJoinWait = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScriptHost(options: new LuaScriptOptions { HostMigrationJoinWait = TimeSpan.FromDays(60) }));
    }

    /// <summary>Alice hosts, bob and carol (Lua) join; returns once both converged on her world and she reported them, her successors.</summary>
    private static async Task<(SessionInfo Session, LuaScript Bob, LuaScript Carol)> ThreePlayersAsync(LuaMigrationRig rig)
    {
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var (session, bobScript, carolScript) = await LuaPlayersJoinAliceAsync(rig);
        var before = Values(alice.World);
        await rig.TickUntilAsync(() => before.Count == 3 && Values(bob.World).SequenceEqual(before) && Values(carol.World).SequenceEqual(before),
            "bob and carol to converge on alice's world");
        long beats = alice.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => alice.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "alice to report bob and carol, her successors, to the directory");
        return (session, bobScript, carolScript);
    }
}

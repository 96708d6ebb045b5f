using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// What a migration leaves behind: a player that disposes its facade (or leaves) while migrating stops asking the
/// directory at once, and the new host's roster does not announce the players already in the session again.
/// </summary>
public sealed partial class MultiplayerHostMigrationTests
{
    [Fact]
    public async Task Disposing_or_leaving_while_migrating_ends_the_migration_at_once()
    {
        await using var rig = await Rig.StartAsync();
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.RunAsync(alice.Multiplayer.CreateSessionAsync(new SessionOptions("coop", 4), SessionHostKind.Player, Cancel), "alice to host");
        await rig.RunAsync(bob.Multiplayer.JoinSessionAsync(session.Id, Cancel), "bob's join");
        await rig.RunAsync(carol.Multiplayer.JoinSessionAsync(session.Id, Cancel), "carol's join");
        await rig.TickUntilAsync(() => rig.Players.All(p => Values(p.World).Count == 3), "every world to hold the three players' entities");
        long beats = alice.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => alice.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "alice to report bob and carol, her successors, to the directory");

        // Alice's game freezes: it ticks no more, so bob and carol lose her, but her heartbeat timer still reports (a stalled
        // tick does not read as a dead host), so the directory gives the session to nobody and both keep asking it. Before,
        // her link was cut too: bob's first claim was granted at once when carol had reported the loss first, his takeover
        // then waited for a tick that never came, and he made no call the test could hold (it failed when the class ran alone).
        // Bob's game quits while he migrates (the loop stops ticking him, then disposes the facade); carol leaves the
        // session while she migrates.
        alice.Running = false;
        await rig.TickUntilAsync(() => bob.Lost is not null, "bob to lose alice");
        Assert.True(bob.Multiplayer.IsMigrating);
        bob.Running = false;

        // Bob's next directory call is held between its token check and its start (a thread descheduled there) while his
        // game quits. Before, Dispose returned at once and the held call started after it (bob's calls were 4, not 3, once
        // in CI); now Dispose waits for a call that passed its check to start, and none starts after it returned. The held
        // call is released once Dispose is seen waiting for it (or, before, once Dispose returned), not after a guessed delay.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopWaits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        int held = 0;
        bob.Link.StopWaits = () => stopWaits.TrySetResult();
        bob.Link.Entering = _ =>
        {
            if (Interlocked.Exchange(ref held, 1) != 0) return;
            entered.SetResult();
            release.Wait(TimeSpan.FromSeconds(60)); // a hang guard: released below as soon as Dispose waits for this call
        };
        await rig.TickUntilAsync(() => entered.Task.IsCompleted, "bob's migration to make a directory call");
        var quit = Task.Run(() =>
        {
            bob.Multiplayer.Dispose();
            return bob.Link.Calls;
        }, Cancel);
        await Task.WhenAny(quit, stopWaits.Task).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        Assert.False(quit.IsCompleted, "bob's Dispose returned while a directory call that passed its check was still held");
        release.Set();
        int bobCalls = await quit;
        await rig.TickUntilAsync(() => carol.Lost is not null, "carol to lose alice");
        Assert.True(carol.Multiplayer.IsMigrating);
        Assert.True(await rig.RunAsync(carol.Multiplayer.LeaveSessionAsync(Cancel), "carol's leave"));
        int carolCalls = carol.Link.Calls;

        // Before, both went on asking the directory (reports, claims, re-joins) until HostMigrationWait ran out; now neither
        // calls it again, hosts, or hears of the session again (bob gives the session back only if a claim of his was
        // under way when he quit: the directory may have granted it). Carol's leave returned once her migration was over;
        // bob's DisposeAsync completes once his is (its last call answered, a claim given back): nothing of theirs can call
        // the directory after that. The clock their work is paced by then jumps past every wait it has (the migration's, the
        // end-reason question's, the give-backs', a retry's): whatever they left waiting on it comes due and has run before
        // the check, and the ticks check that nothing on the tick thread calls it either. Before, the ticks ran on real time,
        // milliseconds of it, in which nothing paced by the clock could come due.
        await rig.RunAsync(AsResult(bob.Multiplayer.DisposeAsync()), "bob's stopped migration to be over");
        // His seat went back (after his stopped migration's calls; maybe before his Dispose returned): those are his last.
        Assert.False((await rig.Directory.GetSessionAsync(session.Id, Cancel))!.IsMember(bob.Multiplayer.UserId!.Value));
        bobCalls = bob.Link.Calls;
        rig.Clock.Jump(TimeSpan.FromMinutes(5));
        rig.Clock.WaitUntilSettled();
        for (int i = 0; i < 60; i++) rig.Tick();
        rig.Clock.WaitUntilSettled();
        Assert.Equal(bobCalls, bob.Link.Calls);
        Assert.Equal(carolCalls, carol.Link.Calls);
        Assert.True(bob.Link.Releases <= 1);
        Assert.Equal(0, carol.Link.Releases);
        Assert.False(bob.Multiplayer.IsMigrating);
        Assert.False(carol.Multiplayer.IsMigrating);
        Assert.Null(bob.Multiplayer.CurrentSession);
        Assert.Null(carol.Multiplayer.CurrentSession);
        Assert.Null(carol.Multiplayer.Host);
        Assert.Null(carol.Migrated);
        Assert.Null(carol.Ended);
        bob.Running = true; // a loop that ticks a disposed facade anyway: it starts no hosting and raises nothing
        for (int i = 0; i < 30; i++) rig.Tick();
        Assert.Null(bob.Multiplayer.Host);
        Assert.Null(bob.Migrated);
        Assert.Null(bob.Ended);
    }

    [Fact]
    public async Task After_a_migration_only_players_who_really_join_are_announced()
    {
        await using var rig = await Rig.StartAsync();
        var (alice, bob, carol, dave) = (rig.Alice, rig.Bob, rig.Carol, rig.Dave);
        var session = await rig.AliceHostsBobAndCarolAsync();
        ulong aliceId = (ulong)alice.Multiplayer.UserId!.Value, bobId = (ulong)bob.Multiplayer.UserId!.Value, carolId = (ulong)carol.Multiplayer.UserId!.Value;
        ulong[] everyone = [aliceId, bobId, carolId];
        Assert.All(rig.Players, p => Assert.Equal(everyone.Order(), p.Joined.Order()));
        Assert.All(rig.Players, p => Assert.Equal(everyone.Order(), p.RawJoined.Order()));

        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Migrated is not null && carol.Migrated is not null, "the migration");
        Assert.True(bob.Migrated!.IsLocalHost);
        await rig.TickUntilAsync(() => Owned(bob.World) == 2, "carol to reach bob's host");
        for (int i = 0; i < 60; i++) rig.Tick();

        // Bob's host does not announce bob and carol again: before, its new relay did (the PlayerJoined RPC events a game's
        // own systems query), and only the facade's event left the repeats out.
        Assert.Equal(everyone, bob.Joined);
        Assert.Equal(everyone.Order(), carol.Joined.Order());
        Assert.Equal(everyone, bob.RawJoined);
        Assert.Equal(everyone.Order(), carol.RawJoined.Order());

        // Dave really joins after the migration: everyone hears him, and he hears who is there.
        await rig.RunAsync(dave.Multiplayer.JoinSessionAsync(session.Id, Cancel), "dave's join");
        ulong daveId = (ulong)dave.Multiplayer.UserId!.Value;
        await rig.TickUntilAsync(() => bob.Joined.Contains(daveId) && carol.Joined.Contains(daveId), "bob and carol to hear dave");
        for (int i = 0; i < 30; i++) rig.Tick();
        Assert.Equal(everyone.Append(daveId), bob.Joined);
        Assert.Equal(everyone.Order(), carol.Joined.Take(3).Order());
        Assert.Equal(new[] { daveId }, carol.Joined.Skip(3));
        Assert.Equal(new[] { bobId, carolId, daveId }.Order(), dave.Joined.Order());
        Assert.Equal(everyone.Append(daveId), bob.RawJoined);
        Assert.Equal(new[] { daveId }, carol.RawJoined.Skip(3));
        Assert.Equal(new[] { bobId, carolId, daveId }.Order(), dave.RawJoined.Order());
    }

    /// <summary><paramref name="disposing"/> as a task with a result, for <see cref="Rig.RunAsync{T}"/>.</summary>
    private static async Task<bool> AsResult(ValueTask disposing)
    {
        await disposing;
        return true;
    }
}

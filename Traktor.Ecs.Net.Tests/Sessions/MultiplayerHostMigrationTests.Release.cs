using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>A successor the directory gave the session that quits before hosting it gives the session back.</summary>
public sealed partial class MultiplayerHostMigrationTests
{
    [Fact]
    public async Task A_successor_that_quits_right_after_its_claim_was_granted_gives_the_session_back_and_the_next_takes_over()
    {
        // Carol would follow a named host for ten minutes before claiming the session herself.
        await using var rig = await Rig.StartAsync(joinWait: TimeSpan.FromMinutes(10));
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        long bobId = bob.Multiplayer.UserId!.Value, carolId = carol.Multiplayer.UserId!.Value;

        // Alice's game dies; the directory gives bob the session, and bob's game quits before the answer reaches it.
        bob.Link.HeldClaimAnswers = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Link.ClaimsGranted == 1, "the directory to give bob the session");
        bob.Running = false;
        bob.Multiplayer.Dispose();

        // Before, the directory named bob host until his silence ran out, with no address for anyone: carol followed him and
        // waited for it (JoinWait), then claimed. Now bob gives the session back as he quits, and carol takes it over.
        await rig.TickUntilAsync(() => carol.Migrated is not null,
            "carol to take the session over");
        Assert.True(carol.Migrated!.IsLocalHost);
        Assert.NotNull(carol.Multiplayer.Host);
        Assert.Null(carol.Ended);
        var now = (await rig.Directory.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal(SessionState.Live, now.State);
        Assert.Equal(carolId, now.HostUserId);
        Assert.False(now.IsMember(bobId));
        Assert.Null(bob.Multiplayer.Host);
    }

    [Fact]
    public async Task A_player_disposed_while_it_follows_the_new_host_gives_its_seat_back()
    {
        // Carol would follow a named host for ten minutes before claiming the session herself.
        await using var rig = await Rig.StartAsync(joinWait: TimeSpan.FromMinutes(10));
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        long carolId = carol.Multiplayer.UserId!.Value;

        // Alice's game dies; the directory names bob host, and his answer is held: carol follows bob, who has no address yet.
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Link.HeldClaimAnswers = answer;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Link.ClaimsGranted == 1 && carol.Multiplayer.IsMigrating, "carol to follow bob, the named host");
        carol.Running = false;
        await carol.Multiplayer.DisposeAsync();

        // Before, the dispose stopped carol's migration and gave nothing back: her seat stayed taken until bob's handback
        // grace ran out. Now it goes back with her quitting, and bob still takes the session over.
        Assert.False((await rig.Directory.GetSessionAsync(session.Id, Cancel))!.IsMember(carolId));
        answer.SetResult();
        await rig.TickUntilAsync(() => bob.Migrated is not null || bob.Ended is not null, "bob to take the session over");
        Assert.True(bob.Migrated!.IsLocalHost);
        Assert.Equal(bob.Multiplayer.UserId, (await rig.Directory.GetSessionAsync(session.Id, Cancel))!.HostUserId);
    }

    [Fact]
    public async Task A_successor_disposed_while_its_claim_is_on_its_way_gives_the_session_back_only_after_the_directory_granted_it()
    {
        // Carol would follow a named host for ten minutes before claiming the session herself.
        // The claim is held for a while (counted in ticks, however long they take on a busy machine): its wait outlasts any hold.
        await using var rig = await Rig.StartAsync(joinWait: TimeSpan.FromMinutes(10), claimWait: TimeSpan.FromMinutes(10));
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        long bobId = bob.Multiplayer.UserId!.Value, carolId = carol.Multiplayer.UserId!.Value;

        // Alice's game dies; bob's claim is on its way to the directory when his game quits.
        var arrives = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Link.HeldClaimRequests = arrives;
        // Carol's claims wait until bob's was granted: on a busy machine the hold below outlasted her turn (the directory
        // gives her the session once the lost host is silent for two turns), and she took the session over before bob's
        // claim arrived. Her first claim on its way also says she reported the host lost (the quorum bob's grant needs).
        var carolsTurn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        carol.Link.HeldClaimRequests = carolsTurn;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Link.ClaimsHeld == 1 && carol.Link.ClaimsHeld >= 1, "bob's and carol's claims to be on their way");
        bob.Running = false;
        bob.Multiplayer.Dispose();

        // Before, the dispose cut the claim short and gave the session back at once: the directory refused the give-back (bob
        // did not host it yet), then granted the claim, and carol followed bob, the named host, for her JoinWait. Now bob
        // awaits the claim's answer and gives the session back once it is granted: the claim is still on its way once the
        // dispose returned, and nothing is given back before it arrives (checked as such, not with a wait for a give-back).
        Assert.False(bob.Link.LastClaim!.IsCompleted, "the dispose cut bob's claim on its way short");
        for (int ticks = 0; ticks < 50; ticks++) rig.Tick();
        Assert.Equal(0, bob.Link.Releases);
        arrives.SetResult();
        await rig.TickUntilAsync(() => bob.Link.ClaimsGranted == 1, "the directory to grant bob's claim");
        carolsTurn.SetResult();
        await rig.TickUntilAsync(() => carol.Migrated is not null || carol.Ended is not null, "carol to take the session over");
        Assert.Null(carol.Ended);
        Assert.True(carol.Migrated!.IsLocalHost);
        Assert.Equal(1, bob.Link.ClaimsGranted);
        var now = (await rig.Directory.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal(carolId, now.HostUserId);
        Assert.False(now.IsMember(bobId));
    }

    [Fact]
    public async Task DisposeAsync_of_a_successor_whose_claim_is_on_its_way_completes_once_the_session_was_given_back()
    {
        // Before: Dispose left the claim's wait (up to 10 s) and the give-back after it running in the background, where
        // nothing could await them: a game that exited right after disposing never gave the session back, and the next
        // successor waited out its silence. Now DisposeAsync completes once they are over (each bounded by 10 s).
        // The claim is held for a while (counted in ticks, however long they take on a busy machine): its wait outlasts any hold.
        await using var rig = await Rig.StartAsync(joinWait: TimeSpan.FromMinutes(10), claimWait: TimeSpan.FromMinutes(10));
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        long bobId = bob.Multiplayer.UserId!.Value;

        var arrives = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Link.HeldClaimRequests = arrives;
        // Carol's claims wait until bob's was granted: on a busy machine the hold below outlasted her turn (the directory
        // gives her the session once the lost host is silent for two turns), and she took the session over before bob's
        // claim arrived. Her first claim on its way also says she reported the host lost (the quorum bob's grant needs).
        var carolsTurn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        carol.Link.HeldClaimRequests = carolsTurn;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Link.ClaimsHeld == 1 && carol.Link.ClaimsHeld >= 1, "bob's and carol's claims to be on their way");
        bob.Running = false;
        var disposing = bob.Multiplayer.DisposeAsync().AsTask();
        for (int ticks = 0; ticks < 50; ticks++) rig.Tick();
        Assert.False(bob.Link.LastClaim!.IsCompleted);       // the claim is still on its way (held until it arrives)...
        Assert.False(disposing.IsCompleted);                  // ...and its answer decides the give-back, which DisposeAsync awaits
        arrives.SetResult();
        await rig.TickUntilAsync(() => disposing.IsCompleted, "bob's DisposeAsync to complete");
        await disposing;
        carolsTurn.SetResult();
        Assert.Equal(1, bob.Link.ClaimsGranted);
        Assert.Equal(1, bob.Link.ReleasesAnswered);           // the give-back was answered before it completed
        Assert.False((await rig.Directory.GetSessionAsync(session.Id, Cancel))!.IsMember(bobId));
        await rig.TickUntilAsync(() => carol.Migrated is not null || carol.Ended is not null, "carol to take the session over");
        Assert.True(carol.Migrated!.IsLocalHost);
    }

    [Fact]
    public async Task A_successor_that_leaves_after_its_claim_was_granted_gives_the_session_back_before_it_leaves_and_the_next_takes_over()
    {
        // Before: LeaveSessionAsync stopped the migration and sent the leave at once, racing the give-back of the claim the
        // directory had granted (its answer still on its way): a leave that reached the directory while it named this player
        // host ended the session for every player still migrating. Now the claim's answer is awaited and the session given
        // back first; then the player leaves.
        // The claim is held for a while (counted in ticks, however long they take on a busy machine): its wait outlasts any hold.
        await using var rig = await Rig.StartAsync(joinWait: TimeSpan.FromMinutes(10), claimWait: TimeSpan.FromMinutes(10));
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        long bobId = bob.Multiplayer.UserId!.Value, carolId = carol.Multiplayer.UserId!.Value;

        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bob.Link.HeldClaimAnswers = answer;
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => bob.Link.ClaimsGranted == 1, "the directory to give bob the session");
        var leaving = bob.Multiplayer.LeaveSessionAsync(Cancel);
        for (int ticks = 0; ticks < 50; ticks++) rig.Tick();
        Assert.False(bob.Link.LastClaim!.IsCompleted);       // the claim's answer is held...
        Assert.Empty(bob.Link.Sent);                          // ...and decides the give-back: no leave before it
        Assert.False(leaving.IsCompleted);
        answer.SetResult();
        await rig.TickUntilAsync(() => leaving.IsCompleted, "bob to leave");
        Assert.True(await leaving);
        Assert.Equal(["released", "leave"], bob.Link.Sent);

        await rig.TickUntilAsync(() => carol.Migrated is not null || carol.Ended is not null, "carol to take the session over");
        Assert.Null(carol.Ended);
        Assert.True(carol.Migrated!.IsLocalHost);
        var now = (await rig.Directory.GetSessionAsync(session.Id, Cancel))!;
        Assert.Equal(SessionState.Live, now.State);
        Assert.Equal(carolId, now.HostUserId);
        Assert.False(now.IsMember(bobId));
    }
}

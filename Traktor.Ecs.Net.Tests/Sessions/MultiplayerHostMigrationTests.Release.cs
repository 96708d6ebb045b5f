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
}

using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>A successor whose granted takeover fails to start gives the session back at once.</summary>
public sealed partial class MultiplayerHostMigrationTests
{
    [Fact]
    public async Task A_successor_whose_takeover_fails_to_start_gives_the_session_back_and_the_next_takes_over_at_once()
    {
        // Carol would follow a named host for ten minutes before claiming the session herself.
        await using var rig = await Rig.StartAsync(joinWait: TimeSpan.FromMinutes(10));
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        long carolId = carol.Multiplayer.UserId!.Value;

        // Bob, the first successor, gets the session but cannot host it: the game's host systems refuse to start.
        bob.FailHosting = true;
        alice.Running = false;
        alice.Link.Cut = true;

        // Before, bob kept the session the directory gave him: carol followed him, the named host, for her JoinWait (ten
        // minutes) and everyone's session ended after HostMigrationWait. Now bob gives it back as his takeover fails, and
        // carol takes it over at once; bob follows her.
        await rig.TickUntilAsync(() => (bob.Migrated is not null && carol.Migrated is not null) || bob.Ended is not null || carol.Ended is not null,
            $"carol to host and bob to follow her (bob migrating {bob.Multiplayer.IsMigrating}, carol hosting {carol.Multiplayer.Host is not null})");
        Assert.True(bob.Ended is null && carol.Ended is null, $"ended {bob.Ended}/{carol.Ended}; log: {string.Join(" | ", rig.Log)}");
        Assert.Equal(1, bob.HostingRefusals);
        Assert.Equal(1, bob.Link.Releases);
        Assert.True(carol.Migrated!.IsLocalHost);
        Assert.Equal(carolId, bob.Migrated!.NewHostUserId);
        Assert.Equal(carolId, (await rig.Directory.GetSessionAsync(session.Id, Cancel))!.HostUserId);
    }
}

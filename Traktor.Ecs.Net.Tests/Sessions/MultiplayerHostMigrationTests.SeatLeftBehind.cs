using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>A player whose migration finds no host it can reach gives its seat back, while the session goes on without it.</summary>
public sealed partial class MultiplayerHostMigrationTests
{
    [Fact]
    public async Task A_player_whose_migration_fails_gives_its_seat_back_while_the_session_goes_on()
    {
        await using var rig = await Rig.StartAsync(migrationWait: TimeSpan.FromSeconds(6));
        var (alice, bob, carol) = (rig.Alice, rig.Bob, rig.Carol);
        var session = await rig.AliceHostsBobAndCarolAsync();
        long carolId = carol.Multiplayer.UserId!.Value;

        // Alice's game dies, and carol's network drops whatever it is sent from then on: bob takes the session over, and
        // carol, who reaches the directory but no host, gives the migration up when HostMigrationWait runs out.
        alice.Running = false;
        alice.Link.Cut = true;
        carol.Deaf = true;
        await rig.TickUntilAsync(() => carol.Ended is not null, "carol's migration to give up");
        Assert.Null(carol.Migrated);
        Assert.Null(carol.Multiplayer.CurrentSession);

        // Her seat is given back at once (before, it stayed taken until the directory found it idle, a minute on, and a join
        // of hers meanwhile was AlreadyMember of a session she was not in); the session itself lives on. SessionEnded is
        // raised once the give-back is over (the directory is asked why the session ended only then), so the directory
        // says so already: asked once, not polled for ten seconds.
        var now = await rig.Directory.GetSessionAsync(session.Id, Cancel);
        Assert.NotNull(now);
        Assert.Equal(SessionState.Live, now.State);
        Assert.False(now.IsMember(carolId), $"carol still holds a seat: {rig.State()}");
    }
}

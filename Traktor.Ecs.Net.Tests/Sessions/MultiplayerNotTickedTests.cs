using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Peers.Nat;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Sessions.Directory;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A <see cref="Multiplayer"/> nobody ticks (left out of the client's group, or the group never ticked) connects nobody:
/// a join that needed its tick waited for ever and said nothing (seen by a newcomer who wrote a game from the docs). It now
/// fails within <see cref="MultiplayerOptions.JoinWait"/> with an <see cref="InvalidOperationException"/> naming the fix, and
/// gives the seat back.
/// </summary>
public sealed class MultiplayerNotTickedTests : DirectoryOnFakeClockTests
{
    [Fact]
    public async Task A_join_on_a_facade_nobody_ticks_fails_within_the_join_wait_saying_to_tick_it_and_gives_the_seat_back()
    {
        long hostPlayer = (await Services.Authentication.RegisterAsync("hosting-player", Password, Cancel)).UserId;
        long joinerPlayer = (await Services.Authentication.RegisterAsync("joining-player", Password, Cancel)).UserId;
        var (grant, scene) = await HostBehindNatAsync(hostPlayer);
        using var _ = scene;

        using var world = World.Create();
        var client = new NetworkClient(world, scene.Client, ReplicationWorld.Registry, 60, Time);
        using var multiplayer = new Multiplayer(client, Services.Authentication, Services.Sessions!,
            new MultiplayerAccount("joining-player", Password), new MultiplayerOptions { Traversal = scene.JoinerSide, JoinWait = TimeSpan.FromSeconds(5) }, Time);

        // The game forgot the facade: no group ticks it. The clock goes on (the directory's calls answer on it).
        var joining = multiplayer.JoinSessionAsync(grant.Session.Id, Cancel);
        for (int i = 0; i < 20 * 30 && !joining.IsCompleted; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1, Cancel);
        }

        Assert.True(joining.IsCompleted, "the join ended instead of waiting for a tick that never comes");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => joining);
        Assert.Contains("not ticked", error.Message, StringComparison.Ordinal);
        Assert.Contains("JoinWait", error.Message, StringComparison.Ordinal);
        Assert.Null(multiplayer.CurrentSession);
        bool seated = true;
        for (int i = 0; i < 200 && seated; i++)
        {
            seated = (await Services.Sessions!.GetSessionAsync(grant.Session.Id, Cancel))!.IsMember(joinerPlayer);
            if (seated)
            {
                Time.Advance(TimeSpan.FromMilliseconds(50));
                await Task.Delay(1, Cancel);
            }
        }

        Assert.False(seated, "the directory has the seat back");
    }
}

using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>The new host's relay knows the players in the order they joined, whatever came and went before the migration.</summary>
public sealed partial class MultiplayerHostMigrationTests
{
    [Fact]
    public async Task After_a_migration_a_newcomer_hears_the_players_in_the_order_they_joined()
    {
        await using var rig = await Rig.StartAsync();
        var (alice, bob, carol, dave) = (rig.Alice, rig.Bob, rig.Carol, rig.Dave);
        var session = await rig.RunAsync(alice.Multiplayer.CreateSessionAsync(new SessionOptions("coop", 4), SessionHostKind.Player, Cancel), "alice to host");

        // Bob, dave and carol join; carol leaves and comes back, so she joined last. Bob heard her go and come back.
        await rig.RunAsync(carol.Multiplayer.JoinSessionAsync(session.Id, Cancel), "carol's join");
        ulong carolId = (ulong)carol.Multiplayer.UserId!.Value;
        await rig.TickUntilAsync(() => alice.Joined.Contains(carolId), "alice to hear carol");
        await rig.RunAsync(bob.Multiplayer.JoinSessionAsync(session.Id, Cancel), "bob's join");
        await rig.RunAsync(dave.Multiplayer.JoinSessionAsync(session.Id, Cancel), "dave's join");
        ulong bobId = (ulong)bob.Multiplayer.UserId!.Value, daveId = (ulong)dave.Multiplayer.UserId!.Value;
        await rig.TickUntilAsync(() => bob.Joined.Contains(daveId), "bob to hear dave");
        Assert.True(await rig.RunAsync(carol.Multiplayer.LeaveSessionAsync(Cancel), "carol's leave"));
        await rig.TickUntilAsync(() => bob.Left.Contains(carolId), "bob to hear carol leave");
        await rig.RunAsync(carol.Multiplayer.JoinSessionAsync(session.Id, Cancel), "carol's return");
        await rig.TickUntilAsync(() => bob.Joined.Count(id => id == carolId) == 2, "bob to hear carol come back");
        Player[] players = [bob, carol, dave];
        await rig.TickUntilAsync(() => players.All(p => p.Multiplayer.HasOwners && Values(p.World).Count == 4), "the owners and the four entities to reach every player");
        long beats = alice.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => alice.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "alice to report her successors to the directory");

        // Alice's game dies; bob, the first to join now, hosts.
        alice.Running = false;
        alice.Link.Cut = true;
        await rig.TickUntilAsync(() => players.All(p => p.Migrated is not null), "the migration");
        Assert.True(bob.Migrated!.IsLocalHost);
        await rig.TickUntilAsync(() => Owned(bob.World) == 3, "carol and dave to reach bob's host");

        // Dave leaves and joins again: bob's host tells him who is there, in the order they joined. Before, its relay took
        // the order of bob's roster, a dictionary that had put carol, back, in the slot she left: carol before bob.
        Assert.True(await rig.RunAsync(dave.Multiplayer.LeaveSessionAsync(Cancel), "dave's leave"));
        int heard = dave.RawJoined.Count;
        await rig.RunAsync(dave.Multiplayer.JoinSessionAsync(session.Id, Cancel), "dave's return");
        await rig.TickUntilAsync(() => dave.RawJoined.Count >= heard + 3, "dave to hear who is there");
        Assert.Equal(new[] { bobId, carolId, daveId }, dave.RawJoined.Skip(heard));
    }
}

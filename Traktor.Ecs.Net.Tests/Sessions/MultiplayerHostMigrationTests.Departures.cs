using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// Who is gone after a migration: the lost host is announced gone once the migration completes, a player who never
/// reaches the new host once its grace there ends; and a facade disposed while it asks the directory why its session
/// ended stops asking at once.
/// </summary>
public sealed partial class MultiplayerHostMigrationTests
{
    [Fact]
    public async Task After_a_migration_the_lost_host_and_a_player_who_never_comes_back_are_announced_gone_once()
    {
        await using var rig = await Rig.StartAsync(migrationWait: TimeSpan.FromSeconds(15));
        var (alice, bob, carol, dave) = (rig.Alice, rig.Bob, rig.Carol, rig.Dave);
        var session = await rig.AliceHostsBobAndCarolAsync();
        await rig.RunAsync(dave.Multiplayer.JoinSessionAsync(session.Id, Cancel), "dave's join");
        ulong aliceId = (ulong)alice.Multiplayer.UserId!.Value, daveId = (ulong)dave.Multiplayer.UserId!.Value;
        await rig.TickUntilAsync(() => bob.Joined.Contains(daveId) && carol.Joined.Contains(daveId) && dave.Multiplayer.HasOwners, "bob and carol to hear dave");
        long beats = alice.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => alice.Multiplayer.HostEntry!.Heartbeats >= beats + 2, "alice to report bob, carol and dave to the directory");
        Assert.Empty(bob.Left);
        Assert.Empty(carol.Left);

        // Alice's game dies, and dave's with it: bob takes the session over, carol follows him, dave never comes back.
        alice.Running = false;
        alice.Link.Cut = true;
        dave.Running = false;
        dave.Link.Cut = true;
        await rig.TickUntilAsync(() => (bob.Migrated is not null && carol.Migrated is not null) || bob.Ended is not null || carol.Ended is not null, "the migration");
        Assert.True(bob.Migrated!.IsLocalHost);

        // Before, neither departure was ever announced: the game kept alice and dave in its player list for good.
        await rig.TickUntilAsync(() => bob.Left.Contains(aliceId) && carol.Left.Contains(aliceId), "alice's departure to be announced");
        await rig.TickUntilAsync(() => bob.Left.Contains(daveId) && carol.Left.Contains(daveId), "dave's departure to be announced when his grace at bob's ends");

        // The directory lists both departures again in the answer to every heartbeat of bob's host for a while, and his relay
        // hears them each time: two more beats accepted (the first one's departures were handed over before the second
        // started), then the ticks that apply them. Before, the ticks ran milliseconds of real time, in which a beat (every
        // second, on the facades' clock) mostly did not come, so a departure applied again went unseen.
        long bobBeats = bob.Multiplayer.HostEntry!.Heartbeats;
        await rig.TickUntilAsync(() => bob.Multiplayer.HostEntry!.Heartbeats >= bobBeats + 2, "bob's host to report to the directory twice more");
        for (int i = 0; i < 60; i++) rig.Tick();
        Assert.Equal(new[] { aliceId, daveId }, bob.Left);
        Assert.Equal(new[] { aliceId, daveId }, carol.Left);
        // The PlayerLeft RPC events a game's own systems query, too: bob's relay departed alice at the takeover and dave at his
        // grace's end, once each whatever the heartbeats listed again; carol reached bob after alice's departure.
        Assert.Equal(new[] { aliceId, daveId }, bob.RawLeft);
        Assert.Equal(new[] { daveId }, carol.RawLeft);
        Assert.Null(bob.Ended);
        Assert.Null(carol.Ended);
    }

    [Fact]
    public async Task Disposing_while_asking_the_directory_why_the_session_ended_stops_asking_at_once()
    {
        await using var rig = await Rig.StartAsync();
        var (alice, bob) = (rig.Alice, rig.Bob);
        var session = await rig.RunAsync(alice.Multiplayer.CreateSessionAsync(new SessionOptions("coop", 4), SessionHostKind.Player, Cancel), "alice to host");
        await rig.RunAsync(bob.Multiplayer.JoinSessionAsync(session.Id, Cancel), "bob's join");
        await rig.TickUntilAsync(() => Values(bob.World).Count == 2, "bob's world to hold both players' entities");

        // Bob cannot reach the directory when alice ends the session: he asks it why, again and again, for EndReasonWait.
        bob.Link.Cut = true;
        int calls = bob.Link.Calls;
        Assert.True(await rig.RunAsync(alice.Multiplayer.LeaveSessionAsync(Cancel), "alice's leave"));
        await rig.TickUntilAsync(() => bob.Link.Calls >= calls + 2, "bob to ask the directory why his session ended");

        // His game quits meanwhile. Before, he went on asking until EndReasonWait ran out, then raised SessionEnded on a
        // disposed facade; now the questions stop at once (the asking ends, cancelled, with no question after the Dispose),
        // and nothing is raised.
        var stopped = rig.LoggedAsync("migrating-bob: Stopped asking why session");
        bob.Running = false;
        bob.Multiplayer.Dispose();
        int asked = bob.Link.Calls;
        await stopped.WaitAsync(TimeSpan.FromSeconds(45), Cancel);
        Assert.Equal(asked, bob.Link.Calls);
        bob.Running = true;
        for (int i = 0; i < 30; i++) rig.Tick();
        Assert.Null(bob.Ended);
    }
}

using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// While a hosting <see cref="Multiplayer"/> delivers the end of the session its player ended, seen through the facades a
/// game uses: a newcomer is refused with the typed <see cref="DisconnectReason.SessionEnded"/>, and no owners for a host
/// migration go out (the session is over: nothing to migrate).
/// </summary>
public sealed partial class MultiplayerHostingTests
{
    /// <summary>
    /// A newcomer the directory seated just before the host ended the session reaches the host while it delivers the end
    /// screen (a joiner's link lost the end, so the host serves on): its <see cref="Multiplayer.JoinSessionAsync"/> fails
    /// with <see cref="SessionJoinException.Disconnect"/> <see cref="DisconnectReason.SessionEnded"/>, not a refusal a game
    /// would read as a bad ticket, it shows no end screen of a session it never played, and the host never admitted it.
    /// With a game whose RPC layer carries a <see cref="SessionRelay"/>, and one without (no relay: the host's server
    /// alone refuses, <see cref="PlayerHostRelay.End"/>'s <c>RefusesEveryone</c>). The relay's own refusal of an ended
    /// session is one a player host's server never reaches (its handshake refuses first); it is the game server's, and
    /// <see cref="SessionRelayTests"/> and <see cref="SessionRelayOwnAdmissionTests"/> hold it. The host's clock stands
    /// still while it delivers the end, so a loaded machine's slow ticks cannot run the delivery's window out.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_newcomer_reaching_the_host_while_it_delivers_the_end_is_refused_with_session_ended(bool relay)
    {
        await using var rig = await Rig.StartAsync(relay);
        var session = await rig.HostAsync();
        await rig.JoinBothAsync(session.Id);
        await rig.PlayAsync();
        var newcomer = rig.AddNewcomer();
        var joining = newcomer.JoinSessionAsync(session.Id, Cancel);
        await WaitForSeatsAsync(rig, session.Id, 4, joining);
        var server = rig.HostPlayer.Host!.Server;
        var admitted = new List<ulong>();
        server.ClientConnected += (_, clientId) => admitted.Add(clientId);

        FinalChange(rig);
        rig.HostClock.Hold(); // the end's delivery lasts until the C# joiner holds the final world, however slow the ticks
        rig.JoinerDeaf = true; // the C# joiner's link loses the end's first snapshots: the host delivers on
        var leaving = rig.HostPlayer.LeaveSessionAsync(Cancel);
        await rig.TickUntilAsync(() => rig.HostPlayer.Host is null, "the host to stop serving the session");
        Assert.True(rig.HostPlayer.IsDeliveringEnd);
        rig.TickNewcomer = true; // its connection starts now, to a host delivering the end
        await rig.TickUntilAsync(() => joining.IsCompleted, "the newcomer's join to end");
        Assert.True(rig.HostPlayer.IsDeliveringEnd); // it reached the host during the delivery, not after it

        var refused = await Assert.ThrowsAsync<SessionJoinException>(() => joining);
        Assert.Equal(DisconnectReason.SessionEnded, refused.Disconnect);
        Assert.Equal(SessionJoinStatus.Joined, refused.Status); // the directory had seated it: its host refused it
        Assert.Null(newcomer.CurrentSession);
        Assert.False(newcomer.IsEnded); // it never played the session: no end screen
        Assert.Empty(admitted); // refused at the handshake: never a connection of the ended session
        rig.JoinerDeaf = false;
        await rig.TickUntilAsync(() => leaving.IsCompleted && !rig.HostPlayer.IsDeliveringEnd, "the host to be done delivering the end");
        rig.HostClock.Release();
        Assert.True(await leaving);
        Assert.Empty(admitted);
    }

    /// <summary>
    /// Once its player ended the session, a hosting <see cref="Multiplayer"/> sends no owners for a host migration, though
    /// its game hands every entity to its own player while the end is delivered (an owner change a running session sends
    /// within 15 ticks); the joiner whose link lost the end's first snapshots holds the owners it had when it hears the end,
    /// and no host loss.
    /// </summary>
    [Fact]
    public async Task An_ended_hosting_multiplayer_sends_no_migration_plan_while_it_delivers_the_end()
    {
        await using var rig = await Rig.StartAsync();
        var session = await rig.HostAsync();
        await rig.JoinBothAsync(session.Id);
        await rig.PlayAsync();
        var local = rig.HostPlayer.Host!.LocalConnection;
        await rig.TickUntilAsync(() => rig.Joiner.OwnersVersion > 0, "the joiner to hold the host's owners");
        uint before = rig.Joiner.OwnersVersion; // the owners do not change while the game plays on: no new plan
        uint? atEnd = null;
        bool hostLost = false;
        rig.Joiner.SessionEnded += (_, _) => atEnd = rig.Joiner.OwnersVersion;
        rig.Joiner.HostLost += _ => hostLost = true;

        FinalChange(rig);
        rig.HostClock.Hold(); // the end's delivery outlasts the ticks below, however slow
        rig.JoinerDeaf = true;
        var leaving = rig.HostPlayer.LeaveSessionAsync(Cancel);
        await rig.TickUntilAsync(() => rig.HostPlayer.Host is null, "the host to stop serving the session");
        rig.Tick(); // the end took hold at the host's receive
        rig.HostWorld.Query(new QueryDescription().WithAll<NetworkOwner>(), (ref NetworkOwner owner) => owner = new NetworkOwner(local));
        for (int i = 0; i < 20; i++) rig.Tick(); // more than one owners' check
        Assert.True(rig.HostPlayer.IsDeliveringEnd); // the C# joiner does not hold the final world yet
        rig.JoinerDeaf = false;

        await rig.TickUntilAsync(() => leaving.IsCompleted && atEnd is not null && !rig.HostPlayer.IsDeliveringEnd,
            "the C# joiner to hear the end and the host to be done delivering it");
        rig.HostClock.Release();
        Assert.Equal(before, atEnd);
        Assert.False(hostLost);
        Assert.False(rig.Joiner.IsMigrating);
    }

    /// <summary>
    /// The host's game moves one entity after its last tick: the final world is one the joiners do not hold yet, so the host
    /// delivers it until they acknowledge it (a world they held already would let them go at once).
    /// </summary>
    private static void FinalChange(Rig rig)
    {
        bool moved = false;
        rig.HostWorld.Query(new QueryDescription().WithAll<Position2, NetworkOwner>(), (ref Position2 p) =>
        {
            if (moved) return;
            moved = true;
            p.Value = new System.Numerics.Vector2(999, 9);
        });
        Assert.True(moved);
    }

    /// <summary>Ticks until the directory lists <paramref name="count"/> players in <paramref name="session"/> (a join under way took its seat).</summary>
    private static async Task WaitForSeatsAsync(Rig rig, SessionId session, int count, Task joining)
    {
        await rig.TickUntilAsync(() =>
        {
            Assert.False(joining.IsFaulted, $"the join failed before it was seated: {joining.Exception?.InnerException?.Message}");
            return rig.Directory.GetSessionAsync(session, Cancel).GetAwaiter().GetResult()?.PlayerCount == count;
        }, $"{count} seats in session {session}");
    }
}

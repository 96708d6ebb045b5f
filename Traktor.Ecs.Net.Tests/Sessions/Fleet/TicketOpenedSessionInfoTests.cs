using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A session's first player usually arrives before the heartbeat that lists the placement (its creator connects as soon as
/// it has its token), so the game server opens the session from the ticket, which carries its id and capacity only. The
/// next heartbeat's answer lists the session: from then on the session world's <see cref="SessionWorld.Session"/> is the
/// directory's, with the name and properties the game's systems read (before, it stayed the ticket's for the world's life).
/// </summary>
public class TicketOpenedSessionInfoTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_session_opened_from_a_ticket_takes_the_directorys_name_and_properties_at_the_next_heartbeat()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var server = await rig.StartServerAsync(directory.Node);
        var options = new SessionOptions("derby", 4) { Properties = new Dictionary<string, string> { ["mode"] = "ctf" } };
        var session = await directory.Node.Sessions.CreateSessionAsync(options, Cancel);
        long aliceId = (await directory.Node.Authentication.RegisterAsync("alice", "correct horse battery", Cancel)).UserId;

        var join = await directory.Node.Sessions.JoinSessionAsync(session.Id, aliceId, Cancel);
        var alice = rig.AddPlayer(aliceId);
        alice.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
        Assert.True(await rig.TickUntilAsync(() => alice.State == ClientState.Connected, 300));
        var world = Assert.Single(server.Worlds);
        Assert.Equal(session.Id, world.Session.Id);
        Assert.Equal(0, server.Host.Heartbeats); // opened from the ticket, before the directory's answer
        Assert.Equal("", world.Session.Name);

        Assert.True(await rig.TickUntilAsync(() => server.Host.Heartbeats >= 2, 600), "no heartbeat answered");
        Assert.Equal("derby", world.Session.Name);
        Assert.Equal("ctf", world.Session.Properties["mode"]);
        Assert.Equal(4, world.Session.MaxPlayers);
    }
}

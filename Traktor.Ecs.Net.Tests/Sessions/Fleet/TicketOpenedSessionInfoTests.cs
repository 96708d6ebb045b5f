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
/// A game's own <see cref="IHostedSession"/> is told the same record through <see cref="IHostedSession.OnListed"/> (before,
/// only a <see cref="SessionWorld"/> learned it).
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

    [Fact]
    public async Task A_games_own_hosted_session_opened_from_a_ticket_is_told_the_directorys_record_once()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var games = new List<GameSession>();
        await rig.StartServerAsync(directory.Node, world =>
        {
            var game = new GameSession(world);
            games.Add(game);
            return game;
        });
        var options = new SessionOptions("derby", 4) { Properties = new Dictionary<string, string> { ["mode"] = "ctf" } };
        var session = await directory.Node.Sessions.CreateSessionAsync(options, Cancel);
        long aliceId = (await directory.Node.Authentication.RegisterAsync("alice", "correct horse battery", Cancel)).UserId;
        var server = rig.Servers[0];

        var join = await directory.Node.Sessions.JoinSessionAsync(session.Id, aliceId, Cancel);
        var alice = rig.AddPlayer(aliceId);
        alice.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
        Assert.True(await rig.TickUntilAsync(() => alice.State == ClientState.Connected, 300));
        var game = Assert.Single(games);
        Assert.Equal(0, server.Host.Heartbeats); // opened from the ticket, before the directory's answer
        Assert.Empty(game.Listings);

        Assert.True(await rig.TickUntilAsync(() => server.Host.Heartbeats >= 3, 900), "no heartbeats answered");
        var listed = Assert.Single(game.Listings); // the later answers list it too, but the host tells it once
        Assert.Equal((session.Id, "derby", "ctf", 4), (listed.Id, listed.Name, listed.Properties["mode"], listed.MaxPlayers));
    }

    /// <summary>A game's own hosted session: it runs a <see cref="SessionWorld"/> inside and records what the host tells it.</summary>
    private sealed class GameSession(SessionWorld world) : IHostedSession
    {
        public List<SessionInfo> Listings { get; } = new();

        public SessionRelay Relay => world.Relay;

        public void Tick(float deltaTime) => world.Tick(deltaTime);

        public void OnListed(SessionInfo session) => Listings.Add(session);

        public void Dispose() => world.Dispose();
    }
}

using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A <see cref="GameServerHost"/> whose router's options name no <see cref="NetServerOptions.PublicAddresses"/> makes the
/// addresses it registers with its server's own, without writing them into the caller's options. Before, it wrote them
/// there: the options object changed under its caller, and a second host built from the same object found them set and
/// kept the first server's addresses, so every token the directory issued for the second server was refused there.
/// </summary>
public class SharedServerOptionsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_game_servers_built_from_one_options_object_each_accept_tokens_for_their_own_address()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var options = FleetRig.Options([]);
        var a = await rig.StartServerAsync(directory.Node, options, maxSessions: 1);
        var b = await rig.StartServerAsync(directory.Node, options, maxSessions: 1);

        Assert.Empty(options.PublicAddresses); // the caller's options are as the caller made them
        Assert.Equal([a.Transport.LocalAddress], a.Router.Server.PublicAddresses);
        Assert.Equal([b.Transport.LocalAddress], b.Router.Server.PublicAddresses);

        // One session fits on each server: one lands on a, one on b, and a player of each connects to its session's server.
        var players = new List<FleetRig.Player>();
        var placedOn = new HashSet<string>();
        for (int i = 0; i < 2; i++)
        {
            var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions($"match {i}", 4), Cancel);
            placedOn.Add(session.ServerId!);
            long userId = (await directory.Node.Authentication.RegisterAsync($"player{i}", "correct horse battery", Cancel)).UserId;
            var join = await directory.Node.Sessions.JoinSessionAsync(session.Id, userId, Cancel);
            Assert.Equal(SessionJoinStatus.Joined, join.Status);
            var player = rig.AddPlayer(userId);
            player.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
            players.Add(player);
        }

        Assert.Equal(new[] { a.Id, b.Id }.Order(), placedOn.Order());
        Assert.True(await rig.TickUntilAsync(() => players.All(p => p.State is ClientState.Connected or ClientState.Disconnected), 600));
        Assert.All(players, p => Assert.Equal(ClientState.Connected, p.State)); // before: the second server refused its own tokens (TokenInvalid)
    }
}

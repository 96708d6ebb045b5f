using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A dedicated game server (<see cref="GameServerHost"/>) ending a session under heavy loss: each player's notice
/// (<see cref="DisconnectReason.SessionEnded"/>) was three unconfirmed datagrams, all lost one time in eight at 50 % loss, and
/// a player that heard none of them went on sending until its own timeout and read "timed out". Now the host's server
/// answers each packet a player still sends on its closed connection with the notice again
/// (<see cref="GameServerHost.NoticeRepeats"/>), and a draining host completes (the process exits) only once those repeats
/// are over. On the directory's fake clock, SQLite in process; every link (the server's and each player's) loses half of
/// what it carries, seeded, so every run is the same.
/// </summary>
public sealed class GameServerNoticeUnderLossTests
{
    private const int PlayerCount = 6;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>
    /// The directory ends a session with six players; the host lets each go as it holds the final world, and closes the
    /// session. Every player hears that it ended.
    /// </summary>
    [Theory]
    [InlineData(41)]
    [InlineData(42)]
    [InlineData(43)]
    [InlineData(44)]
    public async Task At_half_loss_every_player_of_a_session_the_directory_ends_hears_it_ended(int seed)
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var (server, session, players, links) = await SeatPlayersAsync(rig, directory, seed);

        links.LossPercent = 50;
        Assert.True(await directory.Node.Sessions.EndSessionAsync(session, Cancel));
        await rig.TickUntilAsync(() => players.All(p => p.State == ClientState.Disconnected), 60 * 15);

        var told = players.Select(p => p.State == ClientState.Disconnected ? p.Client.Transport.LastDisconnectReason : null).ToList();
        Assert.True(told.All(r => r == DisconnectReason.SessionEnded), $"seed {seed}: the players were told [{string.Join(", ", told)}]");
        Assert.Empty(server.Host.Sessions);
        Assert.True(await rig.TickUntilAsync(() => !server.Router.Server.RepeatsNotices, 60 * 3), "the repeats outlived their window");
    }

    /// <summary>
    /// The host drains with a session still running past <see cref="GameServerHost.DrainSessionsTimeout"/>: it ends the
    /// session itself and completes, and the process stops ticking it from then on (as the demo's loop exits). Every player
    /// hears that the session ended: the host completes only once the notices' repeats are over, not as soon as the session closed.
    /// </summary>
    [Theory]
    [InlineData(51)]
    [InlineData(52)]
    [InlineData(53)]
    [InlineData(54)]
    public async Task At_half_loss_every_player_of_a_draining_host_that_ends_its_session_hears_it_ended(int seed)
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory);
        var (server, _, players, links) = await SeatPlayersAsync(rig, directory, seed);
        server.Host.DrainSessionsTimeout = TimeSpan.FromSeconds(1);

        links.LossPercent = 50;
        server.Host.Drain();
        Assert.True(await rig.TickUntilAsync(() => server.Host.Completion.IsCompleted, 60 * 15), "the drain did not complete");
        Assert.Equal(GameServerExit.DrainTimedOut, server.Host.Exit);
        server.Running = false; // the process exits: nothing reads its socket any more
        await rig.TickUntilAsync(() => players.All(p => p.State == ClientState.Disconnected), 60 * 15);

        var told = players.Select(p => p.State == ClientState.Disconnected ? p.Client.Transport.LastDisconnectReason : null).ToList();
        Assert.True(told.All(r => r == DisconnectReason.SessionEnded), $"seed {seed}: the players were told [{string.Join(", ", told)}]");
    }

    /// <summary>A game server on a lossy link (clean until the test says) and six players seated in one session, connected on lossy links of their own.</summary>
    private static async Task<(FleetRig.Server Server, SessionId Session, List<FleetRig.Player> Players, LinkConditions Links)> SeatPlayersAsync(
        FleetRig rig, DirectoryContext directory, int seed)
    {
        var links = new LinkConditions();
        var socket = new LinkSimulator(rig.Network.CreateTransport(), links, rig.Time, seed);
        var server = await rig.StartServerAsync(directory.Node, socket, [socket.LocalAddress]);
        var session = await directory.Node.Sessions.CreateSessionAsync(new SessionOptions("lossy", PlayerCount + 2), Cancel);
        var players = new List<FleetRig.Player>();
        for (int i = 0; i < PlayerCount; i++)
        {
            long userId = (await directory.Node.Authentication.RegisterAsync($"pilot{i}", "correct horse battery", Cancel)).UserId;
            var join = await directory.Node.Sessions.JoinSessionAsync(session.Id, userId, Cancel);
            var player = rig.AddPlayer(userId, new LinkSimulator(rig.Network.CreateTransport(), links, rig.Time, seed * 100 + i));
            player.Client.Transport.Connect(join.ConnectInfo!.ConnectToken);
            players.Add(player);
        }

        Assert.True(await rig.TickUntilAsync(() => players.All(p => p.State == ClientState.Connected), 60 * 5), "the players did not connect");
        await rig.TickAsync(30); // a while of play: snapshots, acknowledgements and keep-alives both ways
        return (server, session.Id, players, links);
    }
}

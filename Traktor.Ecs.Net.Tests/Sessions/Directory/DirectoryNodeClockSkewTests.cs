using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;

namespace Traktor.Ecs.Net.Tests.Sessions.Directory;

/// <summary>
/// Two backend nodes on one store whose clocks disagree (one runs two seconds ahead): a game server compares a seat's
/// ticket times with its departure times, which different nodes may have stamped. Every ticket of one seat must fall
/// after the departure before it and no later than the departure after it, whichever nodes issued them.
/// </summary>
public sealed class DirectoryNodeClockSkewTests
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(2);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private sealed class Skewed : IAsyncDisposable
    {
        private readonly List<OnlineServices> services;
        private readonly string folder;

        private Skewed(List<OnlineServices> services, string folder, FakeTimeProvider behind, FakeTimeProvider ahead)
        {
            this.services = services;
            this.folder = folder;
            Behind = SqliteDirectoryHarness.Node(services[0]);
            Ahead = SqliteDirectoryHarness.Node(services[1]);
            BehindClock = behind;
            AheadClock = ahead;
        }

        public DirectoryNode Behind { get; }

        public DirectoryNode Ahead { get; }

        public FakeTimeProvider BehindClock { get; }

        public FakeTimeProvider AheadClock { get; }

        public static async Task<Skewed> StartAsync()
        {
            string folder = OnlineTestSettings.TempDirectory();
            var behind = new FakeTimeProvider(OnlineTestSettings.Start);
            var ahead = new FakeTimeProvider(OnlineTestSettings.Start + Skew);
            var services = new List<OnlineServices>();
            foreach (var clock in new[] { behind, ahead })
            {
                services.Add(await OnlineServices.OpenAsync(new SqliteOnlineDatabase(Path.Combine(folder, "online.db"), SqliteDurability.Normal),
                    SqliteDirectoryHarness.Options(clock)));
            }

            return new Skewed(services, folder, behind, ahead);
        }

        /// <summary>Real time passes on both machines.</summary>
        public void Advance(TimeSpan span)
        {
            BehindClock.Advance(span);
            AheadClock.Advance(span);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }

            OnlineTestSettings.DeleteDirectory(folder);
        }
    }

    private static async Task<(GameServerLease Server, SessionId Session, long Player)> SeatAsync(Skewed directory)
    {
        var server = await directory.Behind.Fleet.RegisterServerAsync(new GameServerRegistration(["127.0.0.1:40901"], 64, 4, "skewed"), Cancel);
        var session = await directory.Behind.Sessions.CreateSessionAsync(new SessionOptions("skewed", 4), Cancel);
        long player = (await directory.Behind.Authentication.RegisterAsync("skewed", "correct horse battery", Cancel)).UserId;
        return (server, session.Id, player);
    }

    private static SessionTicket TicketOf(SessionJoinResult join) =>
        JoinTokens.Open(join.ConnectInfo!, DirectoryTestSettings.GameServerKey, DirectoryTestSettings.ProtocolId).Ticket;

    private static async Task<SessionDeparture> DepartureAsync(DirectoryNode node, GameServerLease server, SessionId session, long player)
    {
        var answer = await node.Fleet.HeartbeatAsync(server.ServerId, new GameServerHeartbeat(false, 1, []), Cancel);
        return answer.Sessions.Single(s => s.Session.Id == session).Departures.Single(d => d.UserId == player);
    }

    [Fact]
    public async Task A_leave_on_a_node_behind_the_one_that_issued_the_ticket_is_not_older_than_the_ticket()
    {
        await using var directory = await Skewed.StartAsync();
        var (server, session, player) = await SeatAsync(directory);
        var join = await directory.Ahead.Sessions.JoinSessionAsync(session, player, Cancel);
        Assert.Equal(SessionJoinStatus.Joined, join.Status);
        var admitted = TicketOf(join);

        // Half a second later it leaves through the node behind. Before, the departure was stamped before the ticket: its game
        // server read it as one the player had rejoined since (SessionRelay skips those) and the player stayed in the game.
        directory.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(await directory.Behind.Sessions.LeaveSessionAsync(session, player, Cancel));
        var departure = await DepartureAsync(directory.Behind, server, session, player);
        Assert.True(departure.At >= admitted.IssuedAt, $"departure {departure.At:O}, ticket {admitted.IssuedAt:O}");
    }

    [Fact]
    public async Task A_ticket_a_node_behind_issues_again_for_a_seat_held_after_a_rejoin_is_newer_than_the_departure_before()
    {
        await using var directory = await Skewed.StartAsync();
        var (server, session, player) = await SeatAsync(directory);
        Assert.Equal(SessionJoinStatus.Joined, (await directory.Behind.Sessions.JoinSessionAsync(session, player, Cancel)).Status);

        // It leaves through the node ahead, and joins again through the one behind.
        directory.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await directory.Ahead.Sessions.LeaveSessionAsync(session, player, Cancel));
        var departure = await DepartureAsync(directory.Ahead, server, session, player);
        directory.Advance(TimeSpan.FromMilliseconds(300));
        var rejoin = await directory.Behind.Sessions.JoinSessionAsync(session, player, Cancel);
        Assert.Equal(SessionJoinStatus.Joined, rejoin.Status);
        Assert.True(TicketOf(rejoin).IssuedAt > departure.At);

        // Its game asks for a token again (it is a member already). Before, that ticket bore the node's now, before the
        // departure, and the game server (which knows the departure) refused it.
        directory.Advance(TimeSpan.FromMilliseconds(300));
        var again = await directory.Behind.Sessions.JoinSessionAsync(session, player, Cancel);
        Assert.Equal(SessionJoinStatus.AlreadyMember, again.Status);
        Assert.True(TicketOf(again).IssuedAt > departure.At, $"ticket {TicketOf(again).IssuedAt:O}, departure {departure.At:O}");
    }
}

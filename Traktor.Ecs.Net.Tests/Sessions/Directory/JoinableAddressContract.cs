using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Directory;

/// <summary>
/// Addresses the directory puts in joiners' connect tokens, whose clients send their handshakes there: a player host
/// (any logged-in player) and a game server may publish only unicast addresses with a port. Before (attack review 21), a
/// host's heartbeat naming 0.0.0.0 (which a joiner's own machine answers), a multicast group (every machine on the
/// joiner's network hears it) or the broadcast address was taken, and every joiner's client sent there; 240.0.0.0/4
/// (reserved) was taken until attack review 22.
/// </summary>
public abstract class JoinableAddressContract<THarness> where THarness : IDirectoryHarness, new()
{
    private const string Password = "correct horse battery";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string> NotOneHost => new()
    {
        "0.0.0.0:7777", "[::]:7777", "[::ffff:0.0.0.0]:7777", "0.1.2.3:7777",
        "224.0.0.251:5353", "239.255.255.250:1900", "[::ffff:224.0.0.1]:7777", "[ff02::1]:7777", "255.255.255.255:7777",
        "240.0.0.1:7777", "[::ffff:250.1.2.3]:7777",
    };

    private static async Task<(long Id, ISessions Sessions, IPlayerHostedSessions Hosted)> PlayerAsync(DirectoryNode node, string name)
    {
        var (authentication, sessions) = node.ConnectPlayer();
        await authentication.RegisterAsync(name, Password, Cancel);
        var login = await authentication.LoginAsync(name, Password, Cancel);
        return (login.UserId, sessions, Assert.IsAssignableFrom<IPlayerHostedSessions>(sessions));
    }

    [Theory]
    [MemberData(nameof(NotOneHost))]
    public async Task A_player_host_cannot_point_joiners_at_an_address_that_is_not_one_hosts(string address)
    {
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(TransportHarness.Start), 1);
        var host = await PlayerAsync(directory.Node, "addr-host");
        var joiner = await PlayerAsync(directory.Node, "addr-joiner");
        var grant = await host.Hosted.CreatePlayerHostedSessionAsync(new SessionOptions("coop", 4), host.Id, Cancel);

        var refused = await Assert.ThrowsAsync<OnlineException>(() =>
            host.Hosted.HostHeartbeatAsync(grant.Session.Id, host.Id, [IPEndPoint.Parse("198.51.100.7:7777"), IPEndPoint.Parse(address)], [], Cancel));
        Assert.Equal(OnlineError.InvalidArgument, refused.Error);
        // Nothing was published: a joiner still waits for the host's address rather than get a token naming that one.
        var waiting = await Assert.ThrowsAsync<OnlineException>(() => joiner.Sessions.JoinSessionAsync(grant.Session.Id, joiner.Id, Cancel));
        Assert.Equal(OnlineError.Unavailable, waiting.Error);

        Assert.True((await host.Hosted.HostHeartbeatAsync(grant.Session.Id, host.Id, [IPEndPoint.Parse("198.51.100.7:7777")], [], Cancel)).Live);
        var join = await joiner.Sessions.JoinSessionAsync(grant.Session.Id, joiner.Id, Cancel);
        Assert.Equal([NetAddress.Parse("198.51.100.7:7777")], join.ConnectInfo!.ServerAddresses);
    }

    [Theory]
    [MemberData(nameof(NotOneHost))]
    public async Task A_game_server_cannot_register_an_address_that_is_not_one_hosts(string address)
    {
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(TransportHarness.Start), 1);
        var refused = await Assert.ThrowsAsync<OnlineException>(() =>
            directory.Node.Fleet.RegisterServerAsync(new GameServerRegistration(["198.51.100.8:7777", address], 64, 8, "gs"), Cancel));
        Assert.Equal(OnlineError.InvalidArgument, refused.Error);
    }
}

public sealed class SqliteJoinableAddressTests : JoinableAddressContract<SqliteDirectoryHarness>;
public sealed class HttpSqliteJoinableAddressTests : JoinableAddressContract<HttpSqliteDirectoryHarness>;

/// <summary>
/// A player host naming a loopback address sends every joiner's client to the joiner's own machine (attack review 22:
/// taken before). Refused unless the directory allows it for development (<c>AllowLoopbackHostAddresses</c>, which the
/// other directory tests set: their hosts run on this machine); a game server, which presents the server key, may.
/// </summary>
public sealed class LoopbackHostAddressTests
{
    private const string Password = "correct horse battery";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string> Loopback => new() { "127.0.0.1:7777", "127.5.6.7:7777", "[::1]:7777", "[::ffff:127.0.0.1]:7777" };

    private static async Task<(long Id, ISessions Sessions, IPlayerHostedSessions Hosted)> PlayerAsync(DirectoryNode node, string name)
    {
        var (authentication, sessions) = node.ConnectPlayer();
        await authentication.RegisterAsync(name, Password, Cancel);
        var login = await authentication.LoginAsync(name, Password, Cancel);
        return (login.UserId, sessions, Assert.IsAssignableFrom<IPlayerHostedSessions>(sessions));
    }

    [Theory]
    [MemberData(nameof(Loopback))]
    public async Task A_player_host_cannot_point_joiners_at_their_own_machine_unless_the_directory_allows_it(string address)
    {
        foreach (bool allowed in new[] { false, true })
        {
            await using var directory = await SqliteDirectoryHarness.StartAsync(new FakeTimeProvider(TransportHarness.Start), 1,
                DirectoryTestSettings.Options with { AllowLoopbackHostAddresses = allowed });
            var host = await PlayerAsync(directory.Node, "loop-host");
            var joiner = await PlayerAsync(directory.Node, "loop-joiner");
            var grant = await host.Hosted.CreatePlayerHostedSessionAsync(new SessionOptions("coop", 4), host.Id, Cancel);
            Task<PlayerHostHeartbeat> heartbeat() =>
                host.Hosted.HostHeartbeatAsync(grant.Session.Id, host.Id, [IPEndPoint.Parse("198.51.100.7:7777"), IPEndPoint.Parse(address)], [], Cancel);

            if (allowed)
            {
                Assert.True((await heartbeat()).Live);
                var join = await joiner.Sessions.JoinSessionAsync(grant.Session.Id, joiner.Id, Cancel);
                Assert.Contains(NetAddress.Parse(address), join.ConnectInfo!.ServerAddresses);
            }
            else
            {
                Assert.Equal(OnlineError.InvalidArgument, (await Assert.ThrowsAsync<OnlineException>(heartbeat)).Error);
                var waiting = await Assert.ThrowsAsync<OnlineException>(() => joiner.Sessions.JoinSessionAsync(grant.Session.Id, joiner.Id, Cancel));
                Assert.Equal(OnlineError.Unavailable, waiting.Error);
            }
        }
    }

    [Fact]
    public async Task A_game_server_may_register_a_loopback_address()
    {
        await using var directory = await SqliteDirectoryHarness.StartAsync(new FakeTimeProvider(TransportHarness.Start), 1,
            DirectoryTestSettings.Options with { AllowLoopbackHostAddresses = false });
        await directory.Node.Fleet.RegisterServerAsync(new GameServerRegistration(["127.0.0.1:7777"], 64, 8, "gs"), Cancel);
    }
}

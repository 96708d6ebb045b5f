using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Sessions;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>
/// P2P sessions in the directory: a player creates a session it hosts, publishes the endpoint the introducer observed,
/// and a joiner gets a token for that host from the directory and connects to it through both NATs.
/// </summary>
public sealed class PlayerHostedSessionTests : IAsyncLifetime
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider time = new(TransportHarness.Start);
    private readonly string folder = OnlineTestSettings.TempDirectory();
    private OnlineServices services = null!;

    private SessionDirectory Directory => services.Sessions!;

    public async ValueTask InitializeAsync() =>
        services = await OnlineServices.OpenAsync(new SqliteOnlineDatabase(Path.Combine(folder, "online.db"), SqliteDurability.Normal), SqliteDirectoryHarness.Options(time));

    public async ValueTask DisposeAsync()
    {
        await services.DisposeAsync();
        OnlineTestSettings.DeleteDirectory(folder);
    }

    private async Task<long> PlayerAsync(string name) => (await services.Authentication.RegisterAsync(name, "correct horse battery", Cancel)).UserId;

    [Theory]
    [InlineData(NatKind.PortRestricted, NatKind.PortRestricted, NatPath.Direct)]
    [InlineData(NatKind.Symmetric, NatKind.PortRestricted, NatPath.Relayed)]
    public async Task A_player_hosts_a_session_of_the_directory_and_a_joiner_reaches_it_through_the_nats(NatKind hostNat, NatKind joinerNat, NatPath path)
    {
        long hostPlayer = await PlayerAsync("hosting-player");
        long joinerPlayer = await PlayerAsync("joining-player");
        var grant = await Directory.CreatePlayerHostedSessionAsync(new SessionOptions("coop", 4), hostPlayer, Cancel);
        Assert.Equal(SessionHostKind.Player, grant.Session.HostKind);
        Assert.Null(grant.Session.ServerId);                                      // no game server was needed
        Assert.Equal([hostPlayer], grant.Session.Members.Select(m => m.UserId));  // the host holds the first seat
        Assert.Equal(SessionHostKind.Player, (await Directory.ListSessionsAsync(null, 0, 10, Cancel)).Sessions.Single().HostKind);

        // Before the host published where it is, a joiner gets its seat but no token yet.
        var early = await Assert.ThrowsAsync<OnlineException>(() => Directory.JoinSessionAsync(grant.Session.Id, joinerPlayer, Cancel));
        Assert.Equal(OnlineError.Unavailable, early.Error);

        // The host's game: its server opens tokens with the session's key; it registers the session's rendezvous.
        using var scene = new NatScene(hostNat, joinerNat, time: time, hostKey: grant.SessionKey, protocolId: DirectoryTestSettings.ProtocolId);
        scene.HostSide.Host(grant.Rendezvous, grant.PunchKey);
        Assert.True(scene.RunUntil(() => !scene.HostSide.PublicAddress.IsNone));
        Assert.True((await Directory.HostHeartbeatAsync(grant.Session.Id, hostPlayer, [scene.HostSide.PublicAddress.ToEndPoint()], [], Cancel)).Live);

        // The joiner: the directory's answer names the host and the rendezvous; the token is for the host.
        var join = await Directory.JoinSessionAsync(grant.Session.Id, joinerPlayer, Cancel);
        Assert.True(join.Succeeded);
        var info = join.ConnectInfo!;
        Assert.Equal(grant.Rendezvous, info.Rendezvous);
        Assert.Equal([scene.HostSide.PublicAddress], info.ServerAddresses);
        scene.JoinerSide.Join(info.Rendezvous!.Value, info.PunchKey);
        Assert.True(scene.RunUntil(() => scene.JoinerSide.GetPath(scene.JoinerSide.HostAddress) is NatPath.Direct or NatPath.Relayed));
        Assert.Equal(path, scene.JoinerSide.GetPath(scene.JoinerSide.HostAddress));
        scene.Client.Connect(info.ConnectToken);
        Assert.True(scene.RunUntil(() => scene.Client.State == ClientState.Connected), $"{scene.Client.State} {scene.Client.LastDisconnectReason}");

        // The host's server knows the joiner by its player id and reads the directory's ticket.
        NetEvent connected = default;
        Assert.True(scene.RunUntil(() => scene.Server.TryPollEvent(out connected) && connected.Type == NetEventType.Connected));
        Assert.Equal((ulong)joinerPlayer, connected.ClientId);
        Assert.Equal(path == NatPath.Relayed, scene.Introducer.Relayed > 0);

        // The host reports who is connected; the directory keeps both seats.
        Assert.True((await Directory.HostHeartbeatAsync(grant.Session.Id, hostPlayer, [scene.HostSide.PublicAddress.ToEndPoint()], [joinerPlayer], Cancel)).Live);
        Assert.Equal(2, (await Directory.GetSessionAsync(grant.Session.Id, Cancel))!.PlayerCount);
    }

    [Fact]
    public async Task Each_session_has_its_own_key_and_only_its_host_may_report_for_it()
    {
        long host = await PlayerAsync("host-one");
        long other = await PlayerAsync("host-two");
        var a = await Directory.CreatePlayerHostedSessionAsync(new SessionOptions("a", 4), host, Cancel);
        var b = await Directory.CreatePlayerHostedSessionAsync(new SessionOptions("b", 4), other, Cancel);
        Assert.NotEqual(a.SessionKey, b.SessionKey);
        Assert.NotEqual(a.Rendezvous, b.Rendezvous);
        Assert.NotEqual(DirectoryTestSettings.GameServerKey, a.SessionKey);      // the game servers' key never leaves the backend

        var forbidden = await Assert.ThrowsAsync<OnlineException>(() =>
            Directory.HostHeartbeatAsync(a.Session.Id, other, [System.Net.IPEndPoint.Parse("203.0.113.9:4000")], [], Cancel));
        Assert.Equal(OnlineError.Forbidden, forbidden.Error);

        // A token of session b does not open on session a's host: a host can admit only its own session's players.
        using var harness = new TransportHarness(configure: o =>
        {
            o.PrivateKey = a.SessionKey;
            o.ProtocolId = DirectoryTestSettings.ProtocolId;
        });
        Assert.True((await Directory.HostHeartbeatAsync(b.Session.Id, other, [harness.ServerAddress.ToEndPoint()], [], Cancel)).Live);
        long joiner = await PlayerAsync("joiner-b");
        var token = (await Directory.JoinSessionAsync(b.Session.Id, joiner, Cancel)).ConnectInfo!.ConnectToken;
        var client = harness.AddClient(configure: o => o.ProtocolId = DirectoryTestSettings.ProtocolId);
        client.Connect(token);
        for (int i = 0; i < 100; i++) harness.Step();
        Assert.NotEqual(ClientState.Connected, client.State);
        Assert.True(harness.Server.Counters.InvalidTokens > 0);
    }

    [Fact]
    public async Task When_the_host_leaves_or_stops_reporting_the_session_ends()
    {
        long host = await PlayerAsync("leaving-host");
        var left = await Directory.CreatePlayerHostedSessionAsync(new SessionOptions("left", 4), host, Cancel);
        Assert.True(await Directory.LeaveSessionAsync(left.Session.Id, host, Cancel));
        var ended = (await Directory.GetSessionAsync(left.Session.Id, Cancel))!;
        Assert.Equal(SessionState.Ended, ended.State);
        Assert.Equal(SessionEndReason.Ended, ended.EndReason);   // the host left: ended by its creator, not lost (ServerLost before)

        long silent = await PlayerAsync("silent-host");
        var quiet = await Directory.CreatePlayerHostedSessionAsync(new SessionOptions("quiet", 4), silent, Cancel);
        Assert.True((await Directory.HostHeartbeatAsync(quiet.Session.Id, silent, [System.Net.IPEndPoint.Parse("203.0.113.9:4000")], [], Cancel)).Live);
        time.Advance(TimeSpan.FromSeconds(61));                                   // MemberIdleTimeout is 60 s in these tests
        await Directory.SweepAsync(Cancel);
        var lost = (await Directory.GetSessionAsync(quiet.Session.Id, Cancel))!;
        Assert.Equal(SessionState.Ended, lost.State);
        Assert.Equal(SessionEndReason.ServerLost, lost.EndReason);
        Assert.False((await Directory.HostHeartbeatAsync(quiet.Session.Id, silent, [System.Net.IPEndPoint.Parse("203.0.113.9:4000")], [], Cancel)).Live);
    }
}

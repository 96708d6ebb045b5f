using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Fleet;

/// <summary>
/// A fleet game server that also listens on WebSocket (and TCP) registers those addresses beside its UDP one, the
/// directory's tokens list them all, UDP first, and a player whose network blocks UDP plays in the same session over a
/// stream: before, the directory accepted only "ip:port" (UDP), so such a player could not join a fleet session at all.
/// Real loopback sockets for the game traffic; the directory on SQLite and a virtual clock.
/// </summary>
public sealed class StreamFleetTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PlayersOverUdpWebSocketAndTcpShareOneFleetSession()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        using var rig = new FleetRig(directory) { Paced = true };
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        var udp = new UdpTransport(loopback);
        var webSocket = WebSocketServerTransport.Listen(loopback);
        var tcp = TcpTransport.Listen(loopback);
        NetAddress[] addresses = [NetAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, udp.LocalAddress.Port)), webSocket.LocalAddress, tcp.LocalAddress];
        await rig.StartServerAsync(directory.Node, new CompositeTransport(udp, webSocket, tcp), addresses);

        NetClientOptions Options(TimeSpan challengeTimeout) => new() { ProtocolId = DirectoryTestSettings.ProtocolId, ChallengeTimeout = challengeTimeout };
        var onUdp = rig.AddPlayer(directory.Node, "alice", new UdpTransport(loopback), Options(TimeSpan.FromSeconds(1)));
        // UDP blocked: its UDP socket reaches nothing (its datagrams go nowhere), so it falls back to the token's WebSocket address.
        var udpBlocked = rig.AddPlayer(directory.Node, "bob", new CompositeTransport(new BlockedUdp(), WebSocketClientTransport.CreateClient()), Options(TimeSpan.FromSeconds(1)));
        // A client that has only a stream (a tool, a browser-like client) skips the addresses it cannot reach.
        var tcpOnly = rig.AddPlayer(directory.Node, "carol", TcpTransport.CreateClient(), Options(TimeSpan.FromMinutes(10)));

        var game = await rig.RunAsync(onUdp.Multiplayer!.CreateSessionAsync("MixedGame", 4, Cancel));
        var joined = await rig.RunAsync(udpBlocked.Multiplayer!.JoinSessionAsync(game.Id, Cancel));
        Assert.Equal(game.Id, joined.Id);
        await rig.RunAsync(tcpOnly.Multiplayer!.JoinSessionAsync(game.Id, Cancel));

        Assert.Equal(TransportKind.Udp, onUdp.Client.Transport.GetStats().Transport);
        Assert.Equal(TransportKind.WebSocket, udpBlocked.Client.Transport.GetStats().Transport);
        Assert.Equal(TransportKind.Tcp, tcpOnly.Client.Transport.GetStats().Transport);

        // Everyone hears everyone join, whatever carries them.
        Assert.True(await rig.TickUntilAsync(() => rig.Players.All(p => p.Joins.Received.Count >= 3), 600),
            string.Join("; ", rig.Players.Select(p => $"{p.Joins.Received.Count} joins")));
        var server = (await directory.Node.Fleet.ListServersAsync(Cancel)).Single();
        Assert.Equal(addresses.Select(a => a.ToString()), server.Addresses);
    }

    [Theory]
    [InlineData("0.0.0.0:27960")]
    [InlineData("ws://[::]:443")]
    [InlineData("http://203.0.113.7:80")]
    [InlineData("203.0.113.7:0")]
    public async Task AnAddressNoPlayerCanReachIsRefusedAtRegistration(string address)
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        var refused = await Assert.ThrowsAsync<OnlineException>(() =>
            directory.Node.Fleet.RegisterServerAsync(new GameServerRegistration(["203.0.113.7:27960", address], 8, 1), Cancel));
        Assert.Equal(OnlineError.InvalidArgument, refused.Error);
    }

    [Fact]
    public async Task AnAddressAnnouncedTwiceIsRefused()
    {
        await using var directory = await new SqliteDirectoryHarness().StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), 1);
        var refused = await Assert.ThrowsAsync<OnlineException>(() =>
            directory.Node.Fleet.RegisterServerAsync(new GameServerRegistration(["203.0.113.7:27960", "udp://203.0.113.7:27960"], 8, 1), Cancel));
        Assert.Contains("twice", refused.Message);
    }

    /// <summary>A UDP transport on a firewalled network: it says it is UDP and sends into the void.</summary>
    private sealed class BlockedUdp : IDatagramTransport
    {
        public NetAddress LocalAddress { get; } = NetAddress.Parse("127.0.0.1:9");

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination) => true;

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
        {
            length = 0;
            source = default;
            return false;
        }

        public void Dispose()
        {
        }
    }
}

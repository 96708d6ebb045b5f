using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// Kestrel keeps its own count of upgraded connections, and a connection holds its place there until it has ended;
/// the transport gives a channel's admission back sooner: when the connection gate reclaims it (the connection is
/// aborted, and still ending) or the game loop closes it (its close handshake still under way). With every Kestrel
/// place held, an upgrade the transport admits is one Kestrel refuses: its <c>InvalidOperationException</c> escaped
/// the endpoint as an HTTP 500, logged as an application error and counted nowhere (found as a CI failure of
/// <see cref="WebSocketReclaimLoadTests"/> under load). Here Kestrel's limit is set below the transport's to make that
/// state without waiting for a race.
/// </summary>
public sealed class WebSocketUpgradeLimitTests
{
    private static readonly byte[] Upgrade = Encoding.ASCII.GetBytes(
        "GET /traktor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    [Fact]
    public async Task An_upgrade_Kestrel_has_no_place_for_is_refused_with_a_503_counted_and_its_admission_given_back()
    {
        var log = new CapturingLogger();
        using var server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), new StreamTransportOptions { MaxConnections = 2 },
            certificate: null, path: "/traktor", time: null, loggerFactory: new CapturingLoggerFactory(log),
            kestrelLimits: limits => limits.MaxConcurrentUpgradedConnections = 1);

        var (first, firstHead) = await OpenAsync("127.0.0.1", server);
        using (first)
        {
            Assert.StartsWith("HTTP/1.1 101", firstHead);
            long refused = server.Counters.Refused;

            // The transport has room for a second channel; Kestrel has none.
            var (second, secondHead) = await OpenAsync("127.0.0.2", server);
            using (second)
            {
                Assert.StartsWith("HTTP/1.1 503", secondHead);
                Assert.Equal(0, await second.ReceiveAsync(new byte[16], SocketFlags.None, TestContext.Current.CancellationToken)); // closed
            }
            Assert.Equal(refused + 1, server.Counters.Refused);
        }
        lock (log.Lines)
        {
            Assert.DoesNotContain(log.Lines, line => line.Level >= LogLevel.Error);
            Assert.Contains(log.Lines, line => line.Level == LogLevel.Debug && line.Message.Contains("127.0.0.2", StringComparison.Ordinal));
        }

        // Once the first connection has ended (the game loop closes its channel), a newcomer is upgraded: the refused
        // upgrade gave its admission back and holds no place.
        var buffer = new byte[2048];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((server.StreamCount > 0 || server.ConnectionCount > 0) && DateTime.UtcNow < deadline)
        {
            server.TryReceive(buffer, out _, out _);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        Assert.Equal((0, 0), (server.StreamCount, server.ConnectionCount));
        var (third, thirdHead) = await OpenAsync("127.0.0.3", server);
        using (third) Assert.StartsWith("HTTP/1.1 101", thirdHead);
    }

    /// <summary>Connects from <paramref name="source"/>, asks for an upgrade and reads the answer's head.</summary>
    private static async Task<(Socket Socket, string Head)> OpenAsync(string source, WebSocketServerTransport server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        var cancel = TestContext.Current.CancellationToken;
        await socket.ConnectAsync(server.LocalEndPoint, cancel);
        await socket.SendAsync(Upgrade, SocketFlags.None, cancel);
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await socket.ReceiveAsync(one, SocketFlags.None, cancel) == 1)
        {
            head.Append((char)one[0]);
        }
        return (socket, head.ToString());
    }
}

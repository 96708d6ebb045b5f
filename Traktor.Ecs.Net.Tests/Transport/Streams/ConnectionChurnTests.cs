using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// One address opening and closing WebSocket connections as fast as it can. The gate bounds how many it holds at once,
/// not how often it opens them, and every connection it lets through costs the server an HTTP parse, an upgrade and a
/// channel's buffers (measured against a real Demo --server: 156 µs of server CPU per connection, a whole core at
/// 6,800 connections a second from one address; tools/measure-stream-churn.py).
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class ConnectionChurnTests
{
    private static readonly byte[] Upgrade = Encoding.ASCII.GetBytes(
        "GET /traktor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");

    /// <summary>Opens a connection from <paramref name="source"/>, asks for an upgrade and closes; true when any HTTP answer came back.</summary>
    private static bool Answered(IPAddress source, IPEndPoint server)
    {
        // The timeout only guards against a hang: a slow answer on a loaded machine is still an answer.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 30_000 };
        socket.Bind(new IPEndPoint(source, 0));
        socket.Connect(server);
        try
        {
            socket.Send(Upgrade);
            var buffer = new byte[1024];
            int read = socket.Receive(buffer);
            return read > 0 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("HTTP/1.1 ", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false; // reset before any answer
        }
    }

    [Fact]
    public void Connections_one_address_opens_beyond_its_rate_are_closed_before_any_HTTP_while_others_are_served()
    {
        using var server = WebSocketServerTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var churner = IPAddress.Parse("127.0.0.9");
        var clock = Stopwatch.StartNew();
        int answered = 0;
        const int Attempts = 60;
        for (int i = 0; i < Attempts; i++)
        {
            if (Answered(churner, server.LocalEndPoint)) answered++;
        }
        double elapsed = clock.Elapsed.TotalSeconds;

        // The default budget: a burst of 20, then 10 a second (as the UDP handshake's).
        var options = new StreamTransportOptions();
        Assert.InRange(answered, 1, (int)(options.ConnectionBurst + options.ConnectionRatePerSecond * elapsed) + 1);
        Assert.True(server.Counters.Refused >= Attempts - answered, $"{server.Counters.Refused} refused, {answered} answered");
        Assert.True(Answered(IPAddress.Parse("127.0.0.10"), server.LocalEndPoint)); // another address is served meanwhile
    }

    [Fact]
    public void Tcp_streams_one_address_opens_beyond_its_rate_are_refused_at_once_while_others_are_accepted()
    {
        using var server = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var buffer = new byte[64];
        void Poll(Func<bool> until, string what)
        {
            var deadline = Stopwatch.StartNew();
            do
            {
                server.TryReceive(buffer, out _, out _);
                Thread.Yield(); // the accepting side may need this core on a loaded 2-core machine
            }
            while (!until() && deadline.Elapsed < TimeSpan.FromSeconds(30)); // only guards against a hang
            Assert.True(until(), $"timed out waiting for {what}: {server.Counters.Accepted} accepted, {server.Counters.Refused} refused, {server.StreamCount} streams");
        }

        var clock = Stopwatch.StartNew();
        const int Attempts = 60;
        for (int i = 0; i < Attempts; i++)
        {
            using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 0));
                socket.Connect(server.LocalEndPoint!);
            }
            // The server takes it (accepted or refused) and, when accepted, sees it end, before the next one.
            Poll(() => server.Counters.Accepted + server.Counters.Refused == i + 1 && server.StreamCount == 0, $"connection {i + 1} to be taken and end");
        }
        double elapsed = clock.Elapsed.TotalSeconds;

        var options = new StreamTransportOptions();
        Assert.Equal(Attempts, server.Counters.Accepted + server.Counters.Refused);
        Assert.InRange(server.Counters.Accepted, 1, (long)(options.ConnectionBurst + options.ConnectionRatePerSecond * elapsed) + 1);

        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        other.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.10"), 0));
        other.Connect(server.LocalEndPoint!);
        long accepted = server.Counters.Accepted;
        Poll(() => server.Counters.Accepted > accepted, "the other address's connection");
        Assert.Equal(accepted + 1, server.Counters.Accepted);
    }
}

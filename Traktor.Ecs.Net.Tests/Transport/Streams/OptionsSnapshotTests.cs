using System.Diagnostics;
using System.Net;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// The stream transports keep a copy of their options: changing the caller's <see cref="StreamTransportOptions"/> or
/// <see cref="WebSocketConnectOptions"/> after the transport was created changes nothing (before, a smaller
/// MaxFrameSize set later refused the client's datagram and closed the server's stream as a violation, and a path
/// changed later sent the upgrade elsewhere). Over real loopback sockets.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public sealed class OptionsSnapshotTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    // Above the smallest MaxFrameSize allowed (the 615-byte handshake response), which the options are changed to later.
    private static readonly byte[] Datagram = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();

    /// <summary>
    /// Polls <paramref name="transport"/> until a datagram arrives, and <paramref name="client"/> so that it finishes its
    /// connect (wall-clock bounded; sockets are real).
    /// </summary>
    private static byte[]? ReceiveOne(IDatagramTransport transport, IDatagramTransport client, double seconds = 10)
    {
        var buffer = new byte[4096];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            client.TryReceive(buffer, out _, out _);
            if (transport.TryReceive(buffer, out int length, out _)) return buffer[..length];
            Thread.Sleep(1);
        }
        return null;
    }

    /// <summary>Changes every budget the way that would break the datagram's way (MaxFrameSize below its size).</summary>
    private static void Shrink(StreamTransportOptions options)
    {
        options.MaxFrameSize = 615;
        options.MaxConnections = -1; // would not pass validation either
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Tcp_transports_ignore_changes_to_their_options_after_creation(bool changeServer)
    {
        var serverOptions = new StreamTransportOptions();
        var clientOptions = new StreamTransportOptions();
        using var server = TcpTransport.Listen(Loopback, serverOptions);
        using var client = TcpTransport.CreateClient(clientOptions);
        Shrink(changeServer ? serverOptions : clientOptions);

        Assert.True(client.TrySend(Datagram, NetAddress.FromEndPoint(server.LocalEndPoint!, TransportKind.Tcp)));
        Assert.Equal(Datagram, ReceiveOne(server, client));
        Assert.Equal(0, server.Counters.FramingViolations);
    }

    [Theory]
    [InlineData("server")]
    [InlineData("client")]
    [InlineData("connect")]
    public void WebSocket_transports_ignore_changes_to_their_options_after_creation(string changed)
    {
        var serverOptions = new StreamTransportOptions();
        var clientOptions = new StreamTransportOptions();
        var connect = new WebSocketConnectOptions();
        using var server = WebSocketServerTransport.Listen(Loopback, serverOptions);
        using var client = WebSocketClientTransport.CreateClient(clientOptions, connect);
        switch (changed)
        {
            case "server": Shrink(serverOptions); break;
            case "client": Shrink(clientOptions); break;
            default:
                connect.Path = "/elsewhere";
                connect.TlsHostName = "game.example:443"; // CreateClient refuses this one
                break;
        }

        Assert.True(client.TrySend(Datagram, NetAddress.FromEndPoint(server.LocalEndPoint, TransportKind.WebSocket)));
        Assert.Equal(Datagram, ReceiveOne(server, client));
        Assert.Equal(0, client.Counters.ConnectFailures);
        Assert.Equal(0, server.Counters.FramingViolations);
    }
}

using System.Net;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net;

namespace Demo.Run;

/// <summary>The sockets the demo's server and bots use, of the kind <c>--transport</c> names, all on loopback.</summary>
public static class DemoTransports
{
    /// <summary>The names <c>--transport</c> accepts.</summary>
    public static readonly IReadOnlyDictionary<string, TransportKind> Names = new Dictionary<string, TransportKind>(StringComparer.OrdinalIgnoreCase)
    {
        ["udp"] = TransportKind.Udp,
        ["websocket"] = TransportKind.WebSocket,
        ["tcp"] = TransportKind.Tcp,
    };

    /// <summary>The server's listening transport on 127.0.0.1:<paramref name="port"/> (0: any free port).</summary>
    public static IDatagramTransport Listen(TransportKind kind, int port, ILogger logger) => Listen(kind, new IPEndPoint(IPAddress.Loopback, port), logger);

    /// <summary>The server's listening transport on <paramref name="endPoint"/>.</summary>
    public static IDatagramTransport Listen(TransportKind kind, IPEndPoint endPoint, ILogger logger)
    {
        return kind switch
        {
            TransportKind.WebSocket => WebSocketServerTransport.Listen(endPoint),
            TransportKind.Tcp => TcpTransport.Listen(endPoint, logger: logger),
            _ => new UdpTransport(endPoint, logger),
        };
    }

    /// <summary>A bot's own client transport.</summary>
    public static IDatagramTransport Client(TransportKind kind, ILogger logger) => kind switch
    {
        TransportKind.WebSocket => WebSocketClientTransport.CreateClient(logger: logger),
        TransportKind.Tcp => TcpTransport.CreateClient(logger: logger),
        _ => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0), logger),
    };

    /// <summary>"udp://127.0.0.1:27960", "ws://…", "tcp://…".</summary>
    public static string Describe(NetAddress address) => address.Kind == TransportKind.Udp ? "udp://" + address : address.ToString();
}

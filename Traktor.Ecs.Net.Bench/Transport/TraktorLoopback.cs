using System.Net;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// A Traktor server and client connected over 127.0.0.1 by UDP, TCP or WebSocket, driven by busy polling on one
/// thread (the WebSocket transports' sockets are read and written by .NET's and Kestrel's own threads).
/// </summary>
internal sealed class TraktorLoopback : IDisposable
{
    private const ulong Protocol = 0xBE7C4;
    private readonly IDatagramTransport _serverSocket;
    private readonly IDatagramTransport _clientSocket;
    private readonly NetServer _server;
    private readonly NetClient _client;
    private ConnectionId _connection;

    public TraktorLoopback(bool secure, TransportKind kind = TransportKind.Udp)
    {
        var key = ConnectTokenIssuer.GenerateServerKey();
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        (_serverSocket, _clientSocket) = kind switch
        {
            TransportKind.Udp => ((IDatagramTransport)new UdpTransport(loopback), (IDatagramTransport)new UdpTransport(loopback)),
            TransportKind.Tcp => (TcpTransport.Listen(loopback), TcpTransport.CreateClient()),
            TransportKind.WebSocket => (WebSocketServerTransport.Listen(loopback), WebSocketClientTransport.CreateClient()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        _server = new NetServer(_serverSocket, new NetServerOptions { ProtocolId = Protocol, PrivateKey = secure ? key : null, Insecure = !secure });
        _client = new NetClient(_clientSocket, new NetClientOptions { ProtocolId = Protocol, Insecure = !secure });
        if (secure) _client.Connect(new ConnectTokenIssuer(key, Protocol).Issue(1, [], TimeSpan.FromHours(1), [_serverSocket.LocalAddress]));
        else _client.ConnectInsecure(_serverSocket.LocalAddress, 1);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_client.State != ClientState.Connected || _connection == default)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Traktor loopback did not connect.");
            _client.Update();
            _server.Update();
            while (_server.TryPollEvent(out var e)) if (e.Type == NetEventType.Connected) _connection = e.Connection;
            while (_client.TryPollEvent(out _)) { }
        }
    }

    /// <summary>Client sends, server echoes, client receives the echo: <paramref name="count"/> times.</summary>
    public void PingPong(ChannelKind channel, ReadOnlySpan<byte> message, int count)
    {
        for (int i = 0; i < count; i++)
        {
            _client.Send(channel, message);
            _client.Update();
            bool echoed = false;
            while (!echoed)
            {
                _server.Update();
                while (_server.TryPollEvent(out var e))
                {
                    if (e.Type != NetEventType.Message) continue;
                    _server.Send(e.Connection, channel, e.Data.Span);
                    echoed = true;
                }
            }
            _server.Update();
            bool returned = false;
            while (!returned)
            {
                _client.Update();
                while (_client.TryPollEvent(out var e)) returned |= e.Type == NetEventType.Message;
            }
        }
    }

    /// <summary>Client queues <paramref name="count"/> reliable messages at once; returns when the server has them all.</summary>
    public void Batch(ReadOnlySpan<byte> message, int count)
    {
        for (int i = 0; i < count; i++) _client.Send(ChannelKind.ReliableOrdered, message);
        int received = 0;
        while (received < count)
        {
            _client.Update();
            _server.Update();
            while (_server.TryPollEvent(out var e)) if (e.Type == NetEventType.Message) received++;
            while (_client.TryPollEvent(out _)) { }
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
        _clientSocket.Dispose();
        _serverSocket.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Transport.WebSockets;

namespace Traktor.Ecs.Net;

/// <summary>
/// The client side of datagrams over WebSocket (<see cref="ClientWebSocket"/>): each datagram is one binary message.
/// It opens a WebSocket to a server the first time it sends to one of its <see cref="TransportKind.WebSocket"/>
/// addresses (datagrams wait in the send buffer meanwhile), over <c>wss://</c> when
/// <see cref="WebSocketConnectOptions.UseTls"/> is set. The whole protocol (handshake, tokens, encryption, channels)
/// runs above it unchanged. Polled from the game loop: sockets are served by two tasks per connection, the game loop
/// only copies into and out of fixed buffers. The server side is <c>WebSocketServerTransport</c> in
/// Traktor.Ecs.Net.Web (ASP.NET Core Kestrel), so a game client does not depend on ASP.NET Core.
/// </summary>
public sealed class WebSocketClientTransport : IPeerAwareTransport
{
    private readonly WebSocketPeers _peers;
    private readonly WebSocketConnectOptions _connect;
    private readonly Func<NetAddress, WebSocketChannel> _open;

    private WebSocketClientTransport(StreamTransportOptions options, WebSocketConnectOptions connect, TimeProvider time, ILogger logger)
    {
        _peers = new WebSocketPeers(options, time, logger);
        _connect = connect;
        _open = Open;
    }

    /// <summary>
    /// Creates a client transport with the stream budgets of <paramref name="options"/> and the endpoint settings of
    /// <paramref name="connect"/>; named as <see cref="TcpTransport.CreateClient"/> (the servers' side is <c>Listen</c> for both).
    /// </summary>
    /// <param name="options">Stream budgets; the defaults when null.</param>
    /// <param name="connect">Endpoint settings (path, TLS); the defaults when null.</param>
    /// <param name="time">The clock; the system clock when null.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <returns>The client transport.</returns>
    public static WebSocketClientTransport CreateClient(StreamTransportOptions? options = null, WebSocketConnectOptions? connect = null, TimeProvider? time = null, ILogger? logger = null)
    {
        // Copies, validated: the caller's objects stay theirs, and changing them later cannot undo the checks.
        options = StreamTransportOptions.Resolve(options);
        connect = connect?.Snapshot() ?? new WebSocketConnectOptions();
        connect.Validate();
        return new WebSocketClientTransport(options, connect, time ?? TimeProvider.System, logger ?? NullLogger.Instance);
    }

    /// <summary>The former name of <see cref="CreateClient"/>, which it calls.</summary>
    /// <param name="options">Stream budgets; the defaults when null.</param>
    /// <param name="connect">Endpoint settings (path, TLS); the defaults when null.</param>
    /// <param name="time">The clock; the system clock when null.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <returns>The client transport.</returns>
    [Obsolete("Use WebSocketClientTransport.CreateClient(), named as TcpTransport.CreateClient().")]
    public static WebSocketClientTransport Create(StreamTransportOptions? options = null, WebSocketConnectOptions? connect = null, TimeProvider? time = null, ILogger? logger = null) =>
        CreateClient(options, connect, time, logger);

    /// <inheritdoc />
    public NetAddress LocalAddress { get; } = NetAddress.FromEndPoint(new IPEndPoint(IPAddress.IPv6Any, 0), TransportKind.WebSocket);

    /// <summary>What the transport did with its connections.</summary>
    public StreamTransportCounters Counters => _peers.Counters;

    /// <summary>WebSockets open or opening now.</summary>
    public int StreamCount => _peers.Count;

    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination) => _peers.TrySend(datagram, destination, _open);

    /// <inheritdoc />
    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source) => _peers.TryReceive(buffer, out length, out source);

    /// <inheritdoc />
    public void OnPeerConnected(in NetAddress peer) => _peers.OnPeerConnected(peer);

    /// <inheritdoc />
    public void OnPeerDisconnected(in NetAddress peer) => _peers.OnPeerDisconnected(peer);

    /// <inheritdoc />
    public void DiscardUnsent(in NetAddress peer) => _peers.DiscardUnsent(peer);

    /// <inheritdoc />
    public TimeSpan IdleTimeoutFor(in NetAddress peer) => _peers.IdleTimeoutFor(peer);

    /// <summary>Tests: runs as the game loop sets up a connection (a failure there, such as its buffers' allocation).</summary>
    internal Action? OpenHook { get; set; }

    private WebSocketChannel Open(NetAddress destination)
    {
        OpenHook?.Invoke();
        var remote = destination.ToEndPoint();
        var uri = _connect.UriFor(remote); // cannot fail: CreateClient validated the options (UriFor says why)
        var channel = new WebSocketChannel(destination, _peers.Options, _peers.Now, accepted: false);
        // Off the game loop: creating the handler and starting the connect may take a moment.
        _ = Task.Run(() => channel.ConnectAndRunAsync(token => ConnectAsync(uri, remote, token)));
        return channel;
    }

    private async Task<WebSocket> ConnectAsync(Uri uri, IPEndPoint remote, CancellationToken cancellation)
    {
        // The connection goes to the token's IP address whatever the URI's host says (the TLS host name), with Nagle off.
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(remote, token).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        if (_connect.RemoteCertificateValidation is { } validate) handler.SslOptions.RemoteCertificateValidationCallback = validate;
        var client = new ClientWebSocket();
        client.Options.KeepAliveInterval = TimeSpan.Zero; // the protocol has its own keep-alives and timeouts
        try
        {
            await client.ConnectAsync(uri, new HttpMessageInvoker(handler, disposeHandler: true), cancellation).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            handler.Dispose();
            throw;
        }
    }

    /// <summary>Closes every connection.</summary>
    public void Dispose() => _peers.Dispose();
}

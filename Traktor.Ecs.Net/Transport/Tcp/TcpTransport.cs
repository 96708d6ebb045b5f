using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Transport.Streams;
using Traktor.Ecs.Net.Transport.Tcp;

namespace Traktor.Ecs.Net;

/// <summary>
/// Datagrams over TCP: each datagram is one frame, a 2-byte big-endian length followed by the datagram, on one
/// stream per peer. The whole protocol (handshake, tokens, encryption, channels) runs above it unchanged; a full
/// send buffer drops the datagram as a congested UDP path would. Polled from the game loop like
/// <see cref="UdpTransport"/>: non-blocking sockets, no threads, no locks, and no allocation per datagram.
/// A server listens (<see cref="Listen"/>); a client (<see cref="CreateClient"/>) opens a stream to a server the
/// first time it sends to it. Budgets: <see cref="StreamTransportOptions"/>.
/// </summary>
public sealed class TcpTransport : IPeerAwareTransport
{
    private readonly Socket? _listener;
    private readonly StreamTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<NetAddress, TcpStream> _streams = new();
    private readonly List<TcpStream> _order = new();
    private readonly Dictionary<NetAddress, double> _retryAt = new();
    private readonly AddressCounts _perAddress = new();
    private int _cursor;
    private int _emptyRun;
    private bool _inPass;
    private bool _disposed;

    private TcpTransport(Socket? listener, NetAddress localAddress, StreamTransportOptions? options, TimeProvider? time, ILogger? logger)
    {
        _listener = listener;
        _options = options ?? new StreamTransportOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        LocalAddress = localAddress;
    }

    /// <summary>Listens on <paramref name="localEndPoint"/> (dual mode when it is [::]) for clients' streams.</summary>
    public static TcpTransport Listen(IPEndPoint localEndPoint, StreamTransportOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        var socket = new Socket(localEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (localEndPoint.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Blocking = false;
            socket.Bind(localEndPoint);
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var bound = (IPEndPoint)socket.LocalEndPoint!;
        return new TcpTransport(socket, NetAddress.FromEndPoint(bound, TransportKind.Tcp), options, time, logger) { LocalEndPoint = bound };
    }

    /// <summary>A client transport: opens a stream to each server it sends to (TCP addresses only).</summary>
    public static TcpTransport CreateClient(StreamTransportOptions? options = null, TimeProvider? time = null, ILogger? logger = null) =>
        new(null, NetAddress.FromEndPoint(new IPEndPoint(IPAddress.IPv6Any, 0), TransportKind.Tcp), options, time, logger);

    /// <inheritdoc />
    public NetAddress LocalAddress { get; }

    /// <summary>The listening endpoint (with the port the OS chose when 0 was asked); null for a client transport.</summary>
    public IPEndPoint? LocalEndPoint { get; private init; }

    /// <summary>What the transport did with its streams.</summary>
    public StreamTransportCounters Counters { get; } = new();

    /// <summary>Streams open now.</summary>
    public int StreamCount => _order.Count;

    private double Now => _time.GetTimestamp() / (double)_time.TimestampFrequency;

    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
    {
        if (_disposed || destination.Kind != TransportKind.Tcp || datagram.IsEmpty || datagram.Length > _options.MaxFrameSize) return false;
        if (!_streams.TryGetValue(destination, out var stream))
        {
            if (_listener is not null) return false; // a server only answers streams its clients opened
            stream = Open(destination);
            if (stream is null) return false;
        }
        if (stream.TryWrite(datagram)) return true;
        if (!stream.Broken) Counters.OnSendBufferFull();
        return false;
    }

    private TcpStream? Open(in NetAddress destination)
    {
        double now = Now;
        if (_retryAt.TryGetValue(destination, out double retryAt))
        {
            if (now < retryAt) return null;
            _retryAt.Remove(destination);
        }
        var remote = destination.ToEndPoint();
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var stream = new TcpStream(null, destination, _options.ReceiveBufferBytes, _options.SendBufferBytes, now, accepted: false);
        try
        {
            stream.BeginConnect(socket, remote);
        }
        catch (SocketException e)
        {
            _logger.LogDebug("TCP connect to {Destination} failed: {Error}.", destination, e.SocketErrorCode);
            stream.Dispose();
            socket.Dispose();
            Counters.OnConnectFailure();
            _retryAt[destination] = now + _options.ReconnectDelay.TotalSeconds;
            return null;
        }
        Add(stream);
        return stream;
    }

    /// <inheritdoc />
    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        if (!_inPass)
        {
            // Once per pass (a run of calls ending with false): accept, connect, flush, expire.
            if (_disposed) return Nothing(out length, out source);
            Maintain(Now);
            _inPass = true;
            _emptyRun = 0;
        }
        double now = Now;
        while (_emptyRun < _order.Count)
        {
            if (_cursor >= _order.Count) _cursor = 0;
            var stream = _order[_cursor];
            int result = stream.TryReadFrame(buffer, _options.MaxFrameSize, now, out length);
            if (result == 1)
            {
                _cursor++; // one frame per stream per turn: a busy peer cannot starve the others
                _emptyRun = 0;
                source = stream.Address;
                return true;
            }
            if (result == -1)
            {
                Counters.OnOversized();
                continue;
            }
            if (stream.Broken)
            {
                Close(stream, CloseCause.Broken);
                continue; // the list shrank; the cursor now points at the next stream
            }
            _cursor++;
            _emptyRun++;
        }
        _inPass = false;
        return Nothing(out length, out source);
    }

    private static bool Nothing(out int length, out NetAddress source)
    {
        length = 0;
        source = default;
        return false;
    }

    private void Maintain(double now)
    {
        if (_listener is not null) Accept(now);
        for (int i = _order.Count - 1; i >= 0; i--)
        {
            var stream = _order[i];
            if (stream.IsConnecting)
            {
                if (!stream.PollConnect(out bool failed)) continue;
                if (failed)
                {
                    Counters.OnConnectFailure();
                    _retryAt[stream.Address] = now + _options.ReconnectDelay.TotalSeconds;
                    Close(stream, CloseCause.ConnectFailed);
                    continue;
                }
                Counters.OnAccepted();
            }
            if (stream.HasPendingSend) stream.Flush();
            if (now >= stream.CloseAt) Close(stream, CloseCause.Linger);
            else if (stream.Accepted && !stream.Established && now - stream.OpenedAt > _options.HandshakeTimeout.TotalSeconds) Close(stream, CloseCause.HandshakeTimeout);
            else if (now - stream.LastReceivedAt > _options.IdleTimeout.TotalSeconds) Close(stream, CloseCause.Idle);
        }
    }

    private void Accept(double now)
    {
        for (int i = 0; i < _options.AcceptsPerPass && _listener!.Poll(0, SelectMode.SelectRead); i++)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (SocketException)
            {
                return; // the connection went away between poll and accept
            }
            NetAddress address;
            try
            {
                address = NetAddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!, TransportKind.Tcp);
                socket.Blocking = false;
                socket.NoDelay = true;
            }
            catch (SocketException)
            {
                socket.Dispose();
                continue;
            }
            if (_order.Count >= _options.MaxConnections || _streams.ContainsKey(address) || !_perAddress.TryAdd(address, _options.MaxConnectionsPerAddress))
            {
                Counters.OnRefused();
                socket.Dispose();
                continue;
            }
            var stream = new TcpStream(socket, address, _options.ReceiveBufferBytes, _options.SendBufferBytes, now, accepted: true);
            _streams.Add(address, stream);
            _order.Add(stream);
            Counters.OnAccepted();
        }
    }

    private void Add(TcpStream stream)
    {
        _streams.Add(stream.Address, stream);
        _order.Add(stream);
    }

    private enum CloseCause { Broken, ConnectFailed, Linger, HandshakeTimeout, Idle, Disposed }

    private void Close(TcpStream stream, CloseCause cause)
    {
        switch (cause)
        {
            case CloseCause.Broken when stream.Violated: Counters.OnViolation(); break;
            case CloseCause.Broken: Counters.OnClosedByPeer(); break;
            case CloseCause.HandshakeTimeout: Counters.OnHandshakeTimeout(); break;
            case CloseCause.Idle: Counters.OnIdleTimeout(); break;
        }
        if (stream.Violated) _logger.LogInformation("Closed TCP stream {Address}: framing violation.", stream.Address);
        else if (_logger.IsEnabled(LogLevel.Debug)) _logger.LogDebug("Closed TCP stream {Address}: {Cause}.", stream.Address, cause);
        int index = _order.IndexOf(stream);
        if (index >= 0)
        {
            _order.RemoveAt(index);
            if (index < _cursor) _cursor--;
        }
        _streams.Remove(stream.Address);
        if (stream.Accepted) _perAddress.Remove(stream.Address);
        stream.Dispose();
    }

    /// <inheritdoc />
    public void OnPeerConnected(in NetAddress peer)
    {
        if (!_streams.TryGetValue(peer, out var stream)) return;
        stream.Established = true;
        stream.CloseAt = double.PositiveInfinity;
    }

    /// <inheritdoc />
    public void OnPeerDisconnected(in NetAddress peer)
    {
        if (_streams.TryGetValue(peer, out var stream) && double.IsPositiveInfinity(stream.CloseAt))
            stream.CloseAt = Now + _options.CloseLinger.TotalSeconds;
    }

    /// <summary>Closes every stream and the listener.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int i = _order.Count - 1; i >= 0; i--) Close(_order[i], CloseCause.Disposed);
        _listener?.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Transport.Security;
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
    private readonly StreamPeerTable<TcpStream> _streams;
    private readonly AddressCounts _perAddress = new();
    private readonly Stack<TcpStream> _spare = new(SpareStreams);
    private AddressRateLimiter? _connectionRate; // listeners only
    private bool _disposed;

    /// <summary>
    /// Closed streams kept to be opened again (their buffers go back to the pool on close, so each is ~150 bytes): a
    /// connection's churn then allocates only what .NET's accept does, not a stream each time (docs/benchmarks.md).
    /// </summary>
    private const int SpareStreams = 64;

    private TcpTransport(Socket? listener, NetAddress localAddress, StreamTransportOptions? options, TimeProvider? time, ILogger? logger)
    {
        _listener = listener;
        _options = StreamTransportOptions.Resolve(options); // a validated copy: the caller's later changes do not reach it
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        LocalAddress = localAddress;
        _streams = new StreamPeerTable<TcpStream>(_options, Counters, _logger, "TCP stream", _time);
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
        var transport = new TcpTransport(socket, NetAddress.FromEndPoint(bound, TransportKind.Tcp), options, time, logger) { LocalEndPoint = bound };
        transport._connectionRate = new AddressRateLimiter(8192, transport._options.ConnectionRatePerSecond, transport._options.ConnectionBurst);
        return transport;
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
    public int StreamCount => _streams.Count;

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

    /// <summary>Tests: runs at each step of each connect of a client transport (a failure there).</summary>
    internal Action<TcpConnectStep>? ConnectHook { get; set; }

    private TcpStream? Open(in NetAddress destination)
    {
        double now = Now;
        if (!_streams.MayConnect(destination, now)) return null;
        Socket? socket = null;
        TcpStream? stream = null;
        try
        {
            // All of it inside the try: creating the socket fails too (an IPv6 server on a host without IPv6, no descriptor
            // left), and that must fail the connect, not be thrown at the game loop out of TrySend.
            var remote = destination.ToEndPoint();
            ConnectHook?.Invoke(TcpConnectStep.Creating);
            socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            stream = OpenStream(null, destination, now, accepted: false);
            ConnectHook?.Invoke(TcpConnectStep.Connecting);
            stream.BeginConnect(socket, remote);
        }
        catch (Exception e)
        {
            if (e is SocketException socketError) _logger.LogDebug("TCP connect to {Destination} failed: {Error}.", destination, socketError.SocketErrorCode);
            else _logger.LogWarning(e, "Setting up the TCP connect to {Destination} failed.", destination);
            stream?.Dispose();
            socket?.Dispose();
            _streams.ConnectFailed(destination, now);
            return null;
        }
        _streams.Add(stream);
        return stream;
    }

    /// <inheritdoc />
    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        if (!_streams.InPass)
        {
            // Once per pass (a run of calls ending with false): accept, connect, flush, expire.
            if (_disposed)
            {
                length = 0;
                source = default;
                return false;
            }
            Maintain(Now);
            _streams.BeginPass();
        }
        double now = Now;
        while (true)
        {
            switch (_streams.Next(buffer, now, out length, out var stream))
            {
                case PeerRead.Datagram:
                    source = stream!.Address;
                    return true;
                case PeerRead.Ended:
                    Close(stream!, PeerCloseCause.Broken);
                    continue;
                default:
                    source = default;
                    return false;
            }
        }
    }

    private void Maintain(double now)
    {
        _streams.FlushViolationLog();
        if (_listener is not null) Accept(now);
        for (int i = _streams.Count - 1; i >= 0; i--)
        {
            var stream = _streams[i];
            if (stream.IsConnecting)
            {
                if (!stream.PollConnect(out bool failed, ConnectHook)) continue;
                if (failed)
                {
                    Close(stream, PeerCloseCause.ConnectFailed);
                    continue;
                }
                Counters.OnAccepted();
            }
            if (stream.HasPendingSend) stream.Flush();
            if (_streams.Expired(stream, now) is { } cause) Close(stream, cause);
        }
    }

    /// <summary>Tests: runs at each step of each accept (a failure there).</summary>
    internal Action<TcpAcceptStep>? AcceptHook { get; set; }

    private void Accept(double now)
    {
        for (int i = 0; i < _options.AcceptsPerPass && _listener!.Poll(0, SelectMode.SelectRead); i++)
        {
            Socket socket;
            try
            {
                AcceptHook?.Invoke(TcpAcceptStep.Accepting);
                socket = _listener.Accept();
            }
            catch (SocketException e) when (OutOfResources(e.SocketErrorCode))
            {
                // The server's own shortage (no descriptor or buffer left), not a peer's doing: every accept behind it would
                // fail alike, so the pass ends and the next one retries; a Warning, because an operator must see it.
                Counters.OnAcceptFailure();
                _logger.LogWarning("Accepting TCP connections failed: {Error}; retrying next pass.", e.SocketErrorCode);
                break;
            }
            catch (SocketException e)
            {
                // The connection went away between poll and accept (a reset the OS reports here). The ones queued behind it
                // are still accepted this pass (one such failure does not end it), and the failure is counted.
                AcceptFailed(e);
                continue;
            }
            NetAddress address;
            try
            {
                AcceptHook?.Invoke(TcpAcceptStep.Accepted);
                address = NetAddress.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!, TransportKind.Tcp);
                socket.Blocking = false;
                socket.NoDelay = true;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                AcceptFailed(e);
                continue;
            }
            // The per-address and per-network limits come before the reclaim: a newcomer they refuse must not close
            // someone's silent stream on its way out.
            if (!_connectionRate!.TryTake(address, now) || _streams.Contains(address)
                || !_perAddress.TryAdd(address, _options.MaxConnectionsPerAddress, _options.MaxConnectionsPerSubnet))
            {
                Counters.OnRefused();
                socket.Dispose();
                continue;
            }
            if (_streams.Count >= _options.MaxConnections && !ReclaimPending(now))
            {
                _perAddress.Remove(address);
                Counters.OnRefused();
                socket.Dispose();
                continue;
            }
            TcpStream stream;
            try
            {
                AcceptHook?.Invoke(TcpAcceptStep.Admitted);
                stream = OpenStream(socket, address, now, accepted: true);
            }
            catch (Exception e)
            {
                // Not the peer's doing (its buffers' allocation), but not the game loop's either: thrown, it would end the
                // game's update in the transport, where the WebSocket listener answers 500 instead. Counted, logged and the
                // connection dropped, giving back the address's slot and closing the socket (neither may stay taken);
                // a Warning, because the server is short of something an operator must see. The pass ends, as when accept
                // itself runs out of resources: the connections behind it would fail alike, and going on would log a Warning
                // with its stack for each of them, a flood under memory shortage and churn; the next pass retries.
                _perAddress.Remove(address);
                socket.Dispose();
                Counters.OnAcceptFailure();
                _logger.LogWarning(e, "Setting up the TCP stream of {Address} failed; its connection was dropped, retrying next pass.", address);
                break;
            }
            _streams.Add(stream);
            Counters.OnAccepted();
        }
    }

    // accept(2) fails with EMFILE/ENFILE (TooManyOpenSockets) or ENOBUFS/ENOMEM (NoBufferSpaceAvailable) when the process or
    // system is out of them; every other error belongs to the one connection (Linux passes its pending network errors on).
    private static bool OutOfResources(SocketError error) =>
        error is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable;

    /// <summary>A connection lost between the listener and its stream: counted and logged at Debug (a peer can cause it).</summary>
    private void AcceptFailed(SocketException e)
    {
        Counters.OnAcceptFailure();
        _logger.LogDebug("Accepting a TCP connection failed: {Error}.", e.SocketErrorCode);
    }

    /// <summary>
    /// With every stream taken, closes the oldest accepted stream that has gone <see cref="StreamTransportOptions.PendingReclaimDelay"/> without a
    /// handshake, to make room; false when there is none. A stream needs no connect token, so without this, streams that
    /// never speak hold every slot for their whole <see cref="StreamTransportOptions.HandshakeTimeout"/> and are opened again
    /// as they close: 128 addresses in 32 networks keep every player out. An honest client's handshake takes two round trips.
    /// </summary>
    private bool ReclaimPending(double now)
    {
        TcpStream? oldest = null;
        for (int i = 0; i < _streams.Count; i++)
        {
            var stream = _streams[i];
            if (stream.Accepted && !stream.Established && now - stream.OpenedAt >= _options.PendingReclaimDelay.TotalSeconds && (oldest is null || stream.OpenedAt < oldest.OpenedAt)) oldest = stream;
        }

        if (oldest is null) return false;
        Close(oldest, PeerCloseCause.HandshakeTimeout);
        return true;
    }

    /// <summary>A spare stream opened for the connection, or a new one when none is left.</summary>
    private TcpStream OpenStream(Socket? socket, NetAddress address, double now, bool accepted)
    {
        var stream = _spare.TryPop(out var spare) ? spare : new TcpStream(_options.ReceiveBufferBytes, _options.SendBufferBytes, _options.MaxFrameSize);
        try
        {
            stream.Reopen(socket, address, now, accepted);
        }
        catch
        {
            _spare.Push(stream); // closed as it was: its buffers could not be rented
            throw;
        }
        return stream;
    }

    private void Close(TcpStream stream, PeerCloseCause cause)
    {
        _streams.Remove(stream, cause, Now);
        if (stream.Accepted) _perAddress.Remove(stream.Address);
        stream.Dispose();
        // Nothing refers to it any more (the table let it go): it may serve the next connection.
        if (_spare.Count < SpareStreams) _spare.Push(stream);
    }

    /// <inheritdoc />
    public void OnPeerConnected(in NetAddress peer) => _streams.OnPeerConnected(peer);

    /// <inheritdoc />
    public void OnPeerDisconnected(in NetAddress peer) => _streams.OnPeerDisconnected(peer, Now);

    /// <inheritdoc />
    public void DiscardUnsent(in NetAddress peer) => _streams.DiscardUnsent(peer);

    /// <inheritdoc />
    public TimeSpan IdleTimeoutFor(in NetAddress peer) => peer.Kind == TransportKind.Tcp ? _options.IdleTimeout : Timeout.InfiniteTimeSpan;

    /// <summary>Closes every stream and the listener.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int i = _streams.Count - 1; i >= 0; i--) Close(_streams[i], PeerCloseCause.Disposed);
        _streams.FlushViolationLog(all: true);
        _spare.Clear(); // no connection comes after this one
        _listener?.Dispose();
    }
}

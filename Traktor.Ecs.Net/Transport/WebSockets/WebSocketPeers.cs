using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Transport.Streams;

namespace Traktor.Ecs.Net.Transport.WebSockets;

/// <summary>
/// The game loop's side of a WebSocket transport, shared by the server (Kestrel) and the client (ClientWebSocket):
/// the admission budget (any thread) and, through the <see cref="StreamPeerTable{TPeer}"/> the TCP transport uses too,
/// the open channels by address, receiving in turns, and closing channels on the same deadlines.
/// Everything except <see cref="TryAdmit"/>, the <c>Release</c> overloads and <see cref="Enqueue"/> runs on the game loop.
/// </summary>
internal sealed class WebSocketPeers
{
    private readonly StreamTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StreamPeerTable<WebSocketChannel> _channels;
    private readonly ConcurrentQueue<WebSocketChannel> _incoming = new();
    private readonly Lock _admission = new();
    private readonly AddressCounts _perAddress = new();
    private int _admitted;
    private volatile bool _disposed;

    public WebSocketPeers(StreamTransportOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _channels = new StreamPeerTable<WebSocketChannel>(options, Counters, logger, "WebSocket", time);
    }

    public StreamTransportOptions Options => _options;

    public StreamTransportCounters Counters { get; } = new();

    public int Count => _channels.Count;

    public bool IsDisposed => _disposed;

    /// <summary>
    /// The lock of the admission budget. The server's connection gate takes it before its own lock, and an upgrade's
    /// reclaim takes the gate's lock inside it: one order, so a channel the gate frees is free to the next upgrade.
    /// </summary>
    public Lock AdmissionLock => _admission;

    /// <summary>The transport's clock.</summary>
    public TimeProvider Time => _time;

    public double Now => _time.GetTimestamp() / (double)_time.TimestampFrequency;

    /// <summary>
    /// Any thread (server): reserves room for one more peer from <paramref name="address"/>; false (counted) when a limit
    /// is reached. With every peer taken, <paramref name="reclaim"/> may close a silent channel to make room (its
    /// admission is released here); it is asked only once the address's and network's limits admit the newcomer.
    /// <paramref name="admitted"/>, asked last (under the lock), may still refuse: the connection is gone.
    /// </summary>
    public bool TryAdmit(in NetAddress address, Func<WebSocketChannel?>? reclaim = null, Func<bool>? admitted = null)
    {
        lock (_admission)
        {
            if (!_disposed && _perAddress.TryAdd(address, _options.MaxConnectionsPerAddress, _options.MaxConnectionsPerSubnet))
            {
                if ((_admitted < _options.MaxConnections || (reclaim?.Invoke() is { } victim && ReleaseLocked(victim))) && (admitted is null || admitted()))
                {
                    _admitted++;
                    return true;
                }
                _perAddress.Remove(address);
            }
        }
        Counters.OnRefused();
        return false;
    }

    /// <summary>Any thread: gives back the admission of <paramref name="channel"/>, once (a reclaimed channel is closed later too).</summary>
    public void Release(WebSocketChannel channel)
    {
        lock (_admission) ReleaseLocked(channel);
    }

    private bool ReleaseLocked(WebSocketChannel channel)
    {
        if (channel.AdmissionReleased) return false;
        channel.AdmissionReleased = true;
        _admitted--;
        _perAddress.Remove(channel.Address);
        return true;
    }

    /// <summary>
    /// The connection gate, holding <see cref="AdmissionLock"/>: gives back the admission of <paramref name="channel"/>,
    /// whose connection it is closing, and marks it reclaimed, so the game loop does not count its close again; false
    /// when the game loop has already released it (it is closing it, and counts its own cause). The admission lock
    /// orders the two, so a channel's close is counted exactly once and its admission given back once.
    /// </summary>
    public bool ReleaseReclaimed(WebSocketChannel channel)
    {
        lock (_admission)
        {
            if (channel.AdmissionReleased) return false;
            channel.Reclaimed = true;
            return ReleaseLocked(channel);
        }
    }

    /// <summary>Any thread: gives back what <see cref="TryAdmit"/> reserved.</summary>
    public void Release(in NetAddress address)
    {
        lock (_admission)
        {
            _admitted--;
            _perAddress.Remove(address);
        }
    }

    /// <summary>Any thread (server): hands an accepted channel to the game loop, which adds it on its next receive pass.</summary>
    public void Enqueue(WebSocketChannel channel)
    {
        _incoming.Enqueue(channel);
        if (_disposed) DrainIncoming();
    }

    /// <summary>Game loop: the channel to <paramref name="destination"/>, opening one with <paramref name="open"/> (client side) when there is none.</summary>
    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination, Func<NetAddress, WebSocketChannel>? open)
    {
        if (_disposed || destination.Kind != TransportKind.WebSocket || datagram.IsEmpty || datagram.Length > _options.MaxFrameSize) return false;
        if (!_channels.TryGetValue(destination, out var channel))
        {
            if (open is null) return false; // a server only answers peers that connected to it
            double now = Now;
            if (!_channels.MayConnect(destination, now)) return false;
            try
            {
                channel = open(destination);
            }
            catch (Exception e)
            {
                // The URI is always made (WebSocketConnectOptions.UriFor), but setting up still allocates the channel's
                // buffers and schedules its task on the game loop: a failure there is a failed connect, counted and held
                // off like a refused one, never an exception out of the game loop's send (as TcpTransport's connect).
                _logger.LogWarning(e, "Setting up the WebSocket connection to {Destination} failed.", destination);
                _channels.ConnectFailed(destination, now);
                return false;
            }
            _channels.Add(channel);
        }
        if (channel.TryWrite(datagram)) return true;
        if (!channel.Broken) Counters.OnSendBufferFull();
        return false;
    }

    /// <summary>Game loop: the next received datagram, taking turns between peers (one datagram each per turn).</summary>
    public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
    {
        if (!_channels.InPass)
        {
            // Once per pass (a run of calls ending with false): adopt accepted peers, count connects, expire.
            if (_disposed)
            {
                length = 0;
                source = default;
                return false;
            }
            Maintain(Now);
            _channels.BeginPass();
        }
        double now = Now;
        while (true)
        {
            switch (_channels.Next(buffer, now, out length, out var channel))
            {
                case PeerRead.Datagram:
                    source = channel!.Address;
                    return true;
                case PeerRead.Ended:
                    Close(channel!, channel!.ConnectFailed ? PeerCloseCause.ConnectFailed : PeerCloseCause.Broken);
                    continue;
                default:
                    source = default;
                    return false;
            }
        }
    }

    private void Maintain(double now)
    {
        _channels.FlushViolationLog();
        while (_incoming.TryDequeue(out var accepted))
        {
            if (_channels.Contains(accepted.Address))
            {
                Release(accepted);
                if (!accepted.Reclaimed) Counters.OnRefused(); // the same remote IP and port twice: only a stale peer could do that
                accepted.Close();
                continue;
            }
            _channels.Add(accepted);
            Counters.OnAccepted();
            accepted.OpenCounted = true;
        }
        for (int i = _channels.Count - 1; i >= 0; i--)
        {
            var channel = _channels[i];
            if (!channel.OpenCounted && channel.IsOpen)
            {
                channel.OpenCounted = true;
                Counters.OnAccepted();
            }
            if (channel.ConnectFailed)
            {
                Close(channel, PeerCloseCause.ConnectFailed);
                continue;
            }
            if (_channels.Expired(channel, now) is { } cause) Close(channel, cause);
        }
    }

    private void Close(WebSocketChannel channel, PeerCloseCause cause)
    {
        // Released first: from then on the gate cannot reclaim it, so whether it did is settled before the count.
        if (channel.Accepted) Release(channel);
        _channels.Remove(channel, channel.Reclaimed ? PeerCloseCause.Reclaimed : cause, Now);
        channel.Close();
    }

    public void OnPeerConnected(in NetAddress peer) => _channels.OnPeerConnected(peer);

    public void OnPeerDisconnected(in NetAddress peer) => _channels.OnPeerDisconnected(peer, Now);

    /// <inheritdoc cref="IPeerAwareTransport.DiscardUnsent"/>
    public void DiscardUnsent(in NetAddress peer) => _channels.DiscardUnsent(peer);

    /// <inheritdoc cref="IPeerAwareTransport.IdleTimeoutFor"/>
    public TimeSpan IdleTimeoutFor(in NetAddress peer) => peer.Kind == TransportKind.WebSocket ? _options.IdleTimeout : Timeout.InfiniteTimeSpan;

    private void DrainIncoming()
    {
        while (_incoming.TryDequeue(out var channel))
        {
            Release(channel);
            channel.Close();
        }
    }

    /// <summary>Closes every channel; peers admitted later are closed as they arrive.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int i = _channels.Count - 1; i >= 0; i--) Close(_channels[i], PeerCloseCause.Disposed);
        DrainIncoming();
        _channels.FlushViolationLog(all: true);
    }
}

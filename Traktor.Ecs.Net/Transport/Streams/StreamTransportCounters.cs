namespace Traktor.Ecs.Net;

/// <summary>What a stream transport did with its peers: connections, refusals, closes by cause and dropped datagrams.</summary>
public sealed class StreamTransportCounters
{
    private long _accepted, _refused, _violations, _handshakeTimeouts, _idleTimeouts, _closedByPeer, _sendBufferFull, _receiveBufferFull, _oversized, _connectFailures, _requestTimeouts, _acceptFailures, _channelFailures;

    /// <summary>Streams accepted (server) or connected (client).</summary>
    public long Accepted => Volatile.Read(ref _accepted);

    /// <summary>
/// Connections refused because <see cref="StreamTransportOptions.MaxConnections"/>, the per-address or the per-network
/// limit was reached (on the WebSocket transport: upgrades answered 503, and TCP connections closed before any HTTP).
/// </summary>
    public long Refused => Volatile.Read(ref _refused);

    /// <summary>Streams closed because the peer broke the framing (zero or oversized frame, text or fragmented WebSocket message).</summary>
    public long FramingViolations => Volatile.Read(ref _violations);

    /// <summary>Streams closed because no connection was established on them within the handshake timeout.</summary>
    public long HandshakeTimeouts => Volatile.Read(ref _handshakeTimeouts);

    /// <summary>Streams closed after <see cref="StreamTransportOptions.IdleTimeout"/> of silence.</summary>
    public long IdleTimeouts => Volatile.Read(ref _idleTimeouts);

    /// <summary>Streams the peer closed or reset.</summary>
    public long ClosedByPeer => Volatile.Read(ref _closedByPeer);

    /// <summary>Datagrams dropped because the stream's send buffer was full (a slow or stalled peer).</summary>
    public long DroppedSendBufferFull => Volatile.Read(ref _sendBufferFull);

    /// <summary>Datagrams dropped because the stream's receive budget was full (the game loop did not read them in time).</summary>
    public long DroppedReceiveBufferFull => Volatile.Read(ref _receiveBufferFull);

    /// <summary>Received datagrams dropped because they were larger than the caller's buffer.</summary>
    public long OversizedDatagrams => Volatile.Read(ref _oversized);

    /// <summary>Client side: connection attempts that failed (refused, unreachable, TLS or WebSocket handshake errors).</summary>
    public long ConnectFailures => Volatile.Read(ref _connectFailures);

    /// <summary>
    /// WebSocket server: TCP connections closed because no complete HTTP request (TLS handshake included) arrived
    /// within 5 s of the connection (<c>WebSocketServerTransport.RequestTimeout</c>).
    /// </summary>
    public long RequestTimeouts => Volatile.Read(ref _requestTimeouts);

    /// <summary>
    /// Servers: connections that failed on the accept side. WebSocket: an upgrade whose connection was gone before it
    /// completed (the peer left), or an exception while serving a connection or its request before its channel was
    /// handed to the game loop. TCP: the listener's accept, or setting up the accepted socket, failed (the peer left), or setting up its stream
    /// failed once admitted (the server short of memory: logged as a Warning, the connection dropped).
    /// </summary>
    public long AcceptFailures => Volatile.Read(ref _acceptFailures);

    /// <summary>
    /// WebSocket server: accepted channels whose run ended with an exception (a failure after the upgrade, not a close by
    /// either side). Each such channel's close is also counted by its cause (usually <see cref="ClosedByPeer"/>).
    /// </summary>
    public long ChannelFailures => Volatile.Read(ref _channelFailures);

    internal void OnAccepted() => Interlocked.Increment(ref _accepted);
    internal void OnRefused() => Interlocked.Increment(ref _refused);
    internal void OnViolation() => Interlocked.Increment(ref _violations);
    internal void OnHandshakeTimeout() => Interlocked.Increment(ref _handshakeTimeouts);
    internal void OnIdleTimeout() => Interlocked.Increment(ref _idleTimeouts);
    internal void OnClosedByPeer() => Interlocked.Increment(ref _closedByPeer);
    internal void OnSendBufferFull() => Interlocked.Increment(ref _sendBufferFull);
    internal void OnReceiveBufferFull() => Interlocked.Increment(ref _receiveBufferFull);
    internal void OnOversized() => Interlocked.Increment(ref _oversized);
    internal void OnConnectFailure() => Interlocked.Increment(ref _connectFailures);
    internal void OnRequestTimeout() => Interlocked.Increment(ref _requestTimeouts);
    internal void OnAcceptFailure() => Interlocked.Increment(ref _acceptFailures);
    internal void OnChannelFailure() => Interlocked.Increment(ref _channelFailures);
}

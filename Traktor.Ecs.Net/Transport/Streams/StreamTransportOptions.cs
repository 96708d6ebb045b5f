namespace Traktor.Ecs.Net;

/// <summary>
/// Budgets and timings of the stream transports (TCP and WebSocket). Every number bounds what one peer, or all of
/// them together, can make a server hold: at most <see cref="MaxConnections"/> streams, each with a fixed
/// <see cref="ReceiveBufferBytes"/> + <see cref="SendBufferBytes"/>, so the transport's memory has a ceiling of
/// MaxConnections × (ReceiveBufferBytes + SendBufferBytes) — 80 MiB with the defaults — whatever the peers send (over
/// WebSocket, Kestrel also reads up to 32 KiB of each connection ahead of it, and as much again behind TLS).
/// A transport keeps a copy of the options it was created with: changing this object afterwards does not change it.
/// </summary>
public sealed class StreamTransportOptions
{
    /// <summary>
    /// Largest datagram carried, in bytes (default 2,048). Frames announcing more close the stream as a protocol
    /// violation. Must hold the peers' MTU; <see cref="MinMaxFrameSize"/> to <see cref="MaxFrameSizeLimit"/>.
    /// </summary>
    public int MaxFrameSize { get; set; } = 2048;

    /// <summary>The smallest <see cref="MaxFrameSize"/>: 615 bytes, the handshake response.</summary>
    public const int MinMaxFrameSize = Transport.Packets.PacketLayout.ResponseSize;

    /// <summary>The largest <see cref="MaxFrameSize"/>: 65,535 bytes (a frame's length is two bytes).</summary>
    public const int MaxFrameSizeLimit = ushort.MaxValue;

    /// <summary>Streams a server keeps open at once (default 1,024); connections beyond it are refused at once. 1 to <see cref="MaxConnectionsLimit"/>.</summary>
    public int MaxConnections { get; set; } = 1024;

    /// <summary>The largest <see cref="MaxConnections"/>: 65,536 (a factor of the transport's memory ceiling).</summary>
    public const int MaxConnectionsLimit = 65_536;

    /// <summary>Streams one remote IP address may keep open at once (default 8); more are refused at once. 1 to <see cref="MaxConnectionsPerAddressLimit"/>.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 8;

    /// <summary>The largest <see cref="MaxConnectionsPerAddress"/>: 65,536.</summary>
    public const int MaxConnectionsPerAddressLimit = 65_536;

    /// <summary>
    /// Streams one network, a /24 (IPv4) or a /64 (IPv6), may keep open at once (default 32, as
    /// <see cref="NetServerOptions.MaxConnectionsPerSubnet"/>); more are refused at once. An IPv6 player holds a whole
    /// /64, so without it one player could take every stream. On the WebSocket transport both limits count TCP
    /// connections before any HTTP is read, so half-sent requests cannot take the slots either. 1 to <see cref="MaxConnectionsPerSubnetLimit"/>.
    /// </summary>
    public int MaxConnectionsPerSubnet { get; set; } = 32;

    /// <summary>The largest <see cref="MaxConnectionsPerSubnet"/>: 65,536.</summary>
    public const int MaxConnectionsPerSubnetLimit = 65_536;

    /// <summary>
    /// New streams one remote IP address (an IPv6 /64) may open per second on average (default 10, as
    /// <see cref="NetServerOptions.HandshakeRatePerSecond"/>); beyond it and <see cref="ConnectionBurst"/> a connection is
    /// closed as soon as it is accepted, before any byte is read. The connection limits bound how many streams an address
    /// holds at once, not how often it opens them, and each one let through costs the server its setup (on the WebSocket
    /// transport an HTTP request, an upgrade and a channel with 82 KB of buffers). Counted in fixed tables, so memory does
    /// not grow with the number of addresses. Positive and finite.
    /// </summary>
    public double ConnectionRatePerSecond { get; set; } = 10;

    /// <summary>New streams one address may open at once above <see cref="ConnectionRatePerSecond"/> (default 20; finite, at least 1).</summary>
    public double ConnectionBurst { get; set; } = 20;

    /// <summary>
    /// WebSocket server: frames without a datagram byte (pings, pongs, empty fragments that do not end a message) one
    /// peer may send a second on average (default 2). The server answers every ping with a pong and reads these frames
    /// without handing anything to the game, so no other budget holds them: a peer past this one is closed as a framing
    /// violation (docs/SECURITY.md, attack review 26). Browsers send none; a library's keep-alive sends one every few seconds.
    /// Zero or more, finite.
    /// </summary>
    public double ControlFramesPerSecond { get; set; } = 2;

    /// <summary>Frames without a datagram byte one WebSocket peer may send at once above <see cref="ControlFramesPerSecond"/> (default 32; finite, at least 1).</summary>
    public double ControlFrameBurst { get; set; } = 32;

    /// <summary>
    /// WebSocket server: frames one message may be cut into (default 16). The server's WebSocket does a receive call per
    /// frame while every other budget counts the message once, so a peer cutting each datagram into one-byte fragments
    /// made the server work per byte; a message in more frames closes the peer's stream as a framing violation
    /// (docs/SECURITY.md, attack review 27). Browsers and <c>WebSocketClientTransport</c> send a datagram as one frame.
    /// 1 to <see cref="MaxWebSocketFramesPerMessageLimit"/>.
    /// </summary>
    public int MaxWebSocketFramesPerMessage { get; set; } = 16;

    /// <summary>The largest <see cref="MaxWebSocketFramesPerMessage"/>: 65,535 (a datagram's most bytes, so more frames are empty fragments).</summary>
    public const int MaxWebSocketFramesPerMessageLimit = ushort.MaxValue;

    /// <summary>
    /// How long an accepted stream may go without the protocol establishing a connection on it before it is closed
    /// (default 10 s, above the client's 5 s connect timeout). Positive, at most an hour
    /// (<see cref="NetClientOptions.ConnectTimeoutLimit"/>: no client tries to connect longer).
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest <see cref="HandshakeTimeout"/>: an hour, as <see cref="NetClientOptions.ConnectTimeoutLimit"/>.</summary>
    public static readonly TimeSpan HandshakeTimeoutLimit = NetClientOptions.ConnectTimeoutLimit;

    /// <summary>
    /// How long an accepted stream without a handshake is safe from making room for a newcomer (default 3 s). With
    /// every stream taken (or, on the WebSocket transport, every connection), the oldest one silent this long is closed
    /// so a new one gets in; streams need no connect token, so without it streams that never speak could hold every slot
    /// for their whole <see cref="HandshakeTimeout"/>. An honest handshake takes two round trips; the shorter this is, the
    /// faster an attacker must open streams again to hold the table (all of them within it). Above
    /// <see cref="HandshakeTimeout"/> nothing is ever reclaimed. Positive, at most <see cref="PendingReclaimDelayLimit"/>.
    /// </summary>
    public TimeSpan PendingReclaimDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The longest <see cref="PendingReclaimDelay"/>: an hour, as <see cref="NetClientOptions.ConnectTimeoutLimit"/>.</summary>
    public static readonly TimeSpan PendingReclaimDelayLimit = NetClientOptions.ConnectTimeoutLimit;

    /// <summary>
    /// Time without a complete datagram after which a stream is closed (default 30 s, above the protocol's own 10 s
    /// timeout); bytes that never complete a frame do not count. A connection over the stream times out at the shorter
    /// of this and its own timeout (<see cref="IPeerAwareTransport.IdleTimeoutFor"/>, <see cref="NetStats.Timeout"/>).
    /// Positive, at most a day (<see cref="NetPeerOptions.TimeoutLimit"/>): a stream whose peer vanished holds its slot this long.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest <see cref="IdleTimeout"/>: a day, as <see cref="NetPeerOptions.TimeoutLimit"/>.</summary>
    public static readonly TimeSpan IdleTimeoutLimit = NetPeerOptions.TimeoutLimit;

    /// <summary>
    /// How long a stream stays open after the protocol ended its connection, so the final disconnect notices still
    /// leave (default 1 s); the peer usually closes first. Zero to <see cref="CloseLingerLimit"/>.
    /// </summary>
    public TimeSpan CloseLinger { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest <see cref="CloseLinger"/>: a minute (a closed connection's stream holds its slot this long).</summary>
    public static readonly TimeSpan CloseLingerLimit = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Bytes of frames one stream may hold waiting for the network (default 64 KiB). When full, further datagrams to
    /// that peer are dropped, as a congested UDP path would drop them; the protocol above resends what is reliable.
    /// At least two largest frames, at most <see cref="SendBufferBytesLimit"/>.
    /// </summary>
    public int SendBufferBytes { get; set; } = 64 * 1024;

    /// <summary>The largest <see cref="SendBufferBytes"/>: 16 MiB (the transport's memory ceiling multiplies it by <see cref="MaxConnections"/>).</summary>
    public const int SendBufferBytesLimit = 16 << 20;

    /// <summary>Bytes of received, not yet handled frames one stream may hold (default 16 KiB; at least two largest frames, at most <see cref="ReceiveBufferBytesLimit"/>).</summary>
    public int ReceiveBufferBytes { get; set; } = 16 * 1024;

    /// <summary>The largest <see cref="ReceiveBufferBytes"/>: 16 MiB, as <see cref="SendBufferBytesLimit"/>.</summary>
    public const int ReceiveBufferBytesLimit = 16 << 20;

    /// <summary>Client side: how long to wait after a failed connection attempt before trying the same server again (default 1 s; zero to <see cref="ReconnectDelayLimit"/>).</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest <see cref="ReconnectDelay"/>: an hour, as <see cref="NetClientOptions.ConnectTimeoutLimit"/>.</summary>
    public static readonly TimeSpan ReconnectDelayLimit = NetClientOptions.ConnectTimeoutLimit;

    /// <summary>New connections accepted per receive pass (default 64; 1 to <see cref="AcceptsPerPassLimit"/>), so a connection flood cannot stall the tick.</summary>
    public int AcceptsPerPass { get; set; } = 64;

    /// <summary>The largest <see cref="AcceptsPerPass"/>: 4,096 (a connection flood still cannot stall one pass).</summary>
    public const int AcceptsPerPassLimit = 4096;

    /// <summary>
    /// The copy a transport keeps, validated (the defaults when <paramref name="options"/> is null): changing the caller's
    /// object after the transport was created has no effect, so the budgets it checked are the ones it enforces. All
    /// members are values, so a shallow copy is whole. Every stream transport resolves its options here.
    /// </summary>
    internal static StreamTransportOptions Resolve(StreamTransportOptions? options)
    {
        var copy = options is null ? new StreamTransportOptions() : (StreamTransportOptions)options.MemberwiseClone();
        copy.Validate();
        return copy;
    }

    internal void Validate()
    {
        if (MaxFrameSize is < MinMaxFrameSize or > MaxFrameSizeLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxFrameSize), MaxFrameSize, $"MaxFrameSize must be {MinMaxFrameSize} to {MaxFrameSizeLimit} bytes (MinMaxFrameSize to MaxFrameSizeLimit).");
        // The memory ceiling is MaxConnections × (ReceiveBufferBytes + SendBufferBytes): each factor has an upper end, so
        // the product does (2 TiB at the ends, stated rather than useful; int.MaxValue buffers each took 4 GiB a stream).
        Count(MaxConnections, MaxConnectionsLimit, nameof(MaxConnections));
        Count(MaxConnectionsPerAddress, MaxConnectionsPerAddressLimit, nameof(MaxConnectionsPerAddress));
        Count(MaxConnectionsPerSubnet, MaxConnectionsPerSubnetLimit, nameof(MaxConnectionsPerSubnet));
        if (SendBufferBytes < 2 * (MaxFrameSize + 2) || SendBufferBytes > SendBufferBytesLimit)
            throw new ArgumentOutOfRangeException(nameof(SendBufferBytes), SendBufferBytes, $"SendBufferBytes must hold two largest frames and be at most {SendBufferBytesLimit} (SendBufferBytesLimit).");
        if (ReceiveBufferBytes < 2 * (MaxFrameSize + 2) || ReceiveBufferBytes > ReceiveBufferBytesLimit)
            throw new ArgumentOutOfRangeException(nameof(ReceiveBufferBytes), ReceiveBufferBytes, $"ReceiveBufferBytes must hold two largest frames and be at most {ReceiveBufferBytesLimit} (ReceiveBufferBytesLimit).");
        // Each timing is named for itself (all four used to be reported as IdleTimeout).
        Time(HandshakeTimeout, HandshakeTimeoutLimit, positive: true, nameof(HandshakeTimeout));
        Time(IdleTimeout, IdleTimeoutLimit, positive: true, nameof(IdleTimeout));
        Time(CloseLinger, CloseLingerLimit, positive: false, nameof(CloseLinger));
        Time(ReconnectDelay, ReconnectDelayLimit, positive: false, nameof(ReconnectDelay));
        Time(PendingReclaimDelay, PendingReclaimDelayLimit, positive: true, nameof(PendingReclaimDelay));
        Count(AcceptsPerPass, AcceptsPerPassLimit, nameof(AcceptsPerPass));
        // Infinity would make an address's bucket NaN (infinity times the zero interval of two streams in the same instant),
        // refusing that address for good.
        if (!(ConnectionRatePerSecond > 0 && double.IsFinite(ConnectionRatePerSecond)))
            throw new ArgumentOutOfRangeException(nameof(ConnectionRatePerSecond), ConnectionRatePerSecond, "ConnectionRatePerSecond must be finite and positive.");
        if (!(ConnectionBurst >= 1 && double.IsFinite(ConnectionBurst)))
            throw new ArgumentOutOfRangeException(nameof(ConnectionBurst), ConnectionBurst, "ConnectionBurst must be finite and at least 1.");
        if (!(ControlFramesPerSecond >= 0) || double.IsPositiveInfinity(ControlFramesPerSecond))
            throw new ArgumentOutOfRangeException(nameof(ControlFramesPerSecond), ControlFramesPerSecond, "ControlFramesPerSecond must be finite and zero or more.");
        if (!(ControlFrameBurst >= 1) || double.IsPositiveInfinity(ControlFrameBurst))
            throw new ArgumentOutOfRangeException(nameof(ControlFrameBurst), ControlFrameBurst, "ControlFrameBurst must be finite and at least 1.");
        Count(MaxWebSocketFramesPerMessage, MaxWebSocketFramesPerMessageLimit, nameof(MaxWebSocketFramesPerMessage));
    }

    /// <summary>Refuses a count outside 1 to its limit, naming the option and its range.</summary>
    private static void Count(int value, int limit, string name)
    {
        if (value <= 0 || value > limit)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be 1 to {limit} ({name}Limit).");
    }

    /// <summary>Refuses a time below zero (or zero, when it must be <paramref name="positive"/>) or past its limit, naming the option and its range.</summary>
    private static void Time(TimeSpan value, TimeSpan limit, bool positive, string name)
    {
        if (value < TimeSpan.Zero || (positive && value == TimeSpan.Zero) || value > limit)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {(positive ? "positive" : "zero or more")} and at most {limit} ({name}Limit).");
    }
}

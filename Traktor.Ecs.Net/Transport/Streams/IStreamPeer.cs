namespace Traktor.Ecs.Net.Transport.Streams;

/// <summary>One peer of a stream transport (a TCP stream or a WebSocket channel), as its <see cref="StreamPeerTable{TPeer}"/> sees it.</summary>
internal interface IStreamPeer
{
    NetAddress Address { get; }

    /// <summary>When the stream was opened or accepted (transport clock, seconds).</summary>
    double OpenedAt { get; }

    /// <summary>When the last complete datagram arrived: bytes that never complete one (a trickle) do not hold the idle deadline.</summary>
    double LastReceivedAt { get; }

    /// <summary>Accepted by a listening server, as opposed to opened by this side.</summary>
    bool Accepted { get; }

    /// <summary>The protocol established a connection on this stream.</summary>
    bool Established { get; set; }

    /// <summary>When the stream closes after the protocol ended its connection (infinity while it has not).</summary>
    double CloseAt { get; set; }

    /// <summary>The framing rule the peer broke (as the operator's log names it); null while it broke none.</summary>
    string? Violation { get; }

    /// <summary>The receive pass in which the peer was last found empty (its table skips it for the rest of that pass).</summary>
    long DrainedInPass { get; set; }

    /// <summary>
    /// Drops the frames still waiting to be sent (a frame partly handed to the socket is finished), so that what is
    /// queued next goes out first. Used when the protocol ends the connection behind a backlog the peer never took.
    /// </summary>
    void DiscardUnsent();

    /// <summary>Game loop: the next received datagram, if any, into <paramref name="buffer"/>.</summary>
    PeerRead Read(Span<byte> buffer, double now, out int length);
}

/// <summary>What <see cref="IStreamPeer.Read"/> found.</summary>
internal enum PeerRead
{
    /// <summary>Nothing waiting now.</summary>
    Empty,

    /// <summary>One datagram, in the buffer.</summary>
    Datagram,

    /// <summary>A datagram larger than the buffer, dropped.</summary>
    Oversized,

    /// <summary>The stream ended (closed, reset, failed or violated) and every datagram it delivered has been read.</summary>
    Ended,
}

/// <summary>
/// Why a stream transport closes a peer. <see cref="Reclaimed"/>: closed by the WebSocket server's connection gate to
/// make room for a newcomer, already counted there (as a handshake timeout) when it aborted the socket.
/// </summary>
internal enum PeerCloseCause { Broken, ConnectFailed, Linger, HandshakeTimeout, Idle, Disposed, Reclaimed }

using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Traktor.Ecs.Net.Transport.Streams;

namespace Traktor.Ecs.Net.Transport.Tcp;

/// <summary>
/// One TCP stream of a <see cref="TcpTransport"/>: a non-blocking socket with a fixed receive buffer (frames are
/// parsed in place) and a fixed send buffer (frames wait there while the socket is full). Never allocates after
/// creation; every socket call uses the non-throwing overloads. A disposed stream can be opened again for another
/// connection (<see cref="Reopen"/>): the transport keeps a few, so a connection's churn does not allocate one each time.
/// </summary>
internal sealed class TcpStream : IStreamPeer, IDisposable
{
    private const int HeaderSize = FrameBuffer.HeaderSize;
    private readonly int _receiveCapacity;
    private readonly int _sendCapacity;
    private readonly int _maxFrameSize;
    private byte[] _receive = [];
    private byte[] _send = [];
    private int _receiveStart, _receiveEnd;
    private int _sendStart, _sendEnd;
    private int _sendFrameEnd; // the frame boundary at or after _sendStart: the end of a frame the socket took only part of
    private Task? _connecting;
    private bool _disposed = true;

    /// <summary>A stream for the transport's buffer sizes, closed until <see cref="Reopen"/> gives it a connection.</summary>
    public TcpStream(int receiveBytes, int sendBytes, int maxFrameSize)
    {
        _maxFrameSize = maxFrameSize;
        _receiveCapacity = receiveBytes;
        _sendCapacity = sendBytes;
        Broken = true;
    }

    /// <summary>
    /// Starts the stream over for a new connection (a new one, or one <see cref="Dispose"/>d before): its buffers
    /// rented again, every offset, deadline and flag as a new stream's.
    /// </summary>
    public void Reopen(Socket? socket, NetAddress address, double now, bool accepted)
    {
        if (!_disposed) throw new InvalidOperationException("A stream in use cannot be opened again.");
        _receive = ArrayPool<byte>.Shared.Rent(_receiveCapacity);
        try
        {
            _send = ArrayPool<byte>.Shared.Rent(_sendCapacity);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(_receive);
            _receive = [];
            throw;
        }
        _disposed = false;
        _receiveStart = _receiveEnd = _sendStart = _sendEnd = _sendFrameEnd = 0;
        _connecting = null;
        Socket = socket;
        Address = address;
        OpenedAt = now;
        LastReceivedAt = now;
        Accepted = accepted;
        Established = false;
        CloseAt = double.PositiveInfinity;
        Broken = false;
        Violation = null;
        DrainedInPass = 0;
    }

    public Socket? Socket { get; private set; }
    public NetAddress Address { get; private set; }
    public double OpenedAt { get; private set; }
    /// <summary>When the last complete frame was read (a trickle of bytes that never completes one does not count).</summary>
    public double LastReceivedAt { get; private set; }

    /// <summary>Accepted by a listener (server side), as opposed to opened by this side.</summary>
    public bool Accepted { get; private set; }

    /// <summary>The protocol established a connection on this stream.</summary>
    public bool Established { get; set; }

    /// <summary>When the stream closes after the protocol ended its connection (infinity while it has not).</summary>
    public double CloseAt { get; set; } = double.PositiveInfinity;

    /// <summary>The peer closed or reset the stream, or it broke; it is removed once its complete frames are read.</summary>
    public bool Broken { get; private set; }

    /// <summary>The stream was closed for a framing violation: the frame length it announced (0, or over MaxFrameSize).</summary>
    public string? Violation { get; private set; }

    /// <inheritdoc />
    public long DrainedInPass { get; set; }

    public bool IsConnecting => _connecting is not null;

    public bool HasPendingSend => _sendEnd > _sendStart;

    /// <summary>Starts a non-blocking connect (client side); sends wait in the buffer meanwhile.</summary>
    public void BeginConnect(Socket socket, System.Net.EndPoint remote)
    {
        Socket = socket;
        _connecting = socket.ConnectAsync(remote);
    }

    /// <summary>
    /// Finishes a connect that completed; false while it is still in progress. <paramref name="failed"/>: refused,
    /// unreachable, or the connected socket could not be set up (the server reset it at once); the stream is broken.
    /// </summary>
    public bool PollConnect(out bool failed, Action<TcpConnectStep>? hook = null)
    {
        failed = false;
        if (_connecting is not { } task) return true;
        if (!task.IsCompleted) return false;
        _connecting = null;
        if (!task.IsCompletedSuccessfully)
        {
            _ = task.Exception; // observed: a refused or unreachable server is an expected outcome
            failed = true;
            Broken = true;
            return true;
        }
        try
        {
            hook?.Invoke(TcpConnectStep.Connected);
            Socket!.Blocking = false;
            Socket.NoDelay = true;
        }
        catch (SocketException)
        {
            // The server reset the connection before it was set up (some systems refuse the option then): a failed connect,
            // not an exception out of the game loop's receive.
            failed = true;
            Broken = true;
            return true;
        }
        Flush();
        return true;
    }

    /// <summary>Queues one frame and tries to hand it to the socket; false when the send buffer has no room.</summary>
    public bool TryWrite(ReadOnlySpan<byte> datagram)
    {
        if (Broken || !FrameBuffer.TryAppend(_send.AsSpan(0, _sendCapacity), ref _sendStart, ref _sendEnd, datagram, out int shifted)) return false;
        _sendFrameEnd -= shifted;
        Flush();
        return true;
    }

    /// <summary>Hands buffered frames to the socket as far as it takes them.</summary>
    public void Flush()
    {
        while (!Broken && _connecting is null && Socket is { } socket && _sendEnd > _sendStart)
        {
            int sent = socket.Send(_send.AsSpan(_sendStart, _sendEnd - _sendStart), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) return;
            if (error != SocketError.Success || sent <= 0)
            {
                Broken = true;
                return;
            }
            _sendStart += sent;
            while (_sendFrameEnd < _sendStart) _sendFrameEnd += HeaderSize + BinaryPrimitives.ReadUInt16BigEndian(_send.AsSpan(_sendFrameEnd));
        }
        if (_sendStart == _sendEnd) _sendStart = _sendEnd = _sendFrameEnd = 0;
    }

    /// <inheritdoc />
    public void DiscardUnsent()
    {
        // A frame the socket took part of must be finished, or the peer would read the next frame's bytes as its rest.
        _sendEnd = Math.Max(_sendStart, _sendFrameEnd);
        if (_sendStart == _sendEnd) _sendStart = _sendEnd = _sendFrameEnd = 0;
    }

    /// <inheritdoc />
    public PeerRead Read(Span<byte> buffer, double now, out int length) => TakeFrame(buffer, now, out length) switch
    {
        FrameTake.Frame => PeerRead.Datagram,
        FrameTake.Oversized => PeerRead.Oversized,
        _ => Broken ? PeerRead.Ended : PeerRead.Empty, // a broken stream ends once its complete frames are read
    };

    /// <summary>
    /// Reads the next complete frame into <paramref name="buffer"/>: <see cref="FrameTake.Frame"/> with it,
    /// <see cref="FrameTake.None"/> when none is complete (the socket has nothing more for now, or the stream broke),
    /// <see cref="FrameTake.Oversized"/> for a frame larger than the caller's buffer (dropped). A zero-length frame or
    /// one over the options' largest breaks the stream as a violation.
    /// </summary>
    private FrameTake TakeFrame(Span<byte> buffer, double now, out int length)
    {
        length = 0;
        while (true)
        {
            int available = _receiveEnd - _receiveStart;
            if (available >= HeaderSize)
            {
                int frame = BinaryPrimitives.ReadUInt16BigEndian(_receive.AsSpan(_receiveStart));
                if (frame == 0 || frame > _maxFrameSize)
                {
                    Violation = $"frame of {frame} bytes, allowed 1 to {_maxFrameSize}";
                    Broken = true;
                    _receiveStart = _receiveEnd = 0;
                    return FrameTake.None;
                }
                if (available >= HeaderSize + frame)
                {
                    var data = _receive.AsSpan(_receiveStart + HeaderSize, frame);
                    _receiveStart += HeaderSize + frame;
                    LastReceivedAt = now; // a complete frame: bytes that never finish one do not hold the idle deadline
                    if (_receiveStart == _receiveEnd) _receiveStart = _receiveEnd = 0;
                    if (frame > buffer.Length) return FrameTake.Oversized;
                    data.CopyTo(buffer);
                    length = frame;
                    return FrameTake.Frame;
                }
            }
            if (Broken || _connecting is not null || Socket is not { } socket) return FrameTake.None;
            if (_receiveStart > 0)
            {
                _receive.AsSpan(_receiveStart, available).CopyTo(_receive);
                _receiveStart = 0;
                _receiveEnd = available;
            }
            int read = socket.Receive(_receive.AsSpan(_receiveEnd, _receiveCapacity - _receiveEnd), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock) return FrameTake.None;
            if (error != SocketError.Success || read <= 0)
            {
                Broken = true; // 0 bytes: the peer closed its side; anything else: reset or failure
                continue;      // still hand out the complete frames already buffered
            }
            _receiveEnd += read;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Broken = true;
        _connecting = null;
        if (Socket is { } socket)
        {
            socket.Dispose();
        }
        Socket = null;
        ArrayPool<byte>.Shared.Return(_receive);
        ArrayPool<byte>.Shared.Return(_send);
        _receive = _send = [];
    }
}

using System.Buffers.Binary;
using System.Net.WebSockets;
using Traktor.Ecs.Net.Transport.Streams;

namespace Traktor.Ecs.Net.Transport.WebSockets;

/// <summary>
/// One WebSocket peer of a WebSocket transport: one binary message per datagram. A receive task moves messages from
/// the socket into a fixed buffer (frames stored as a 2-byte length and the datagram) that the game loop reads under
/// a lock. Sending has one owner at a time: when nothing is queued the game loop sends the datagram itself, which on
/// an uncongested socket completes at once (a non-blocking write, as the TCP and UDP transports do); a send that
/// cannot complete at once, and every datagram written meanwhile, is handed to the send task, so the game loop never
/// waits on the network. Handing every datagram to a task cost a thread-pool wake-up per datagram, which dominated
/// the transport's CPU (docs/benchmarks.md). The receive buffer applies back-pressure: when it is full the receive
/// task stops reading, and TCP's flow control slows the peer, exactly as an unread TCP stream would. The send buffer
/// drops: when it is full <see cref="TryWrite"/> fails, as a congested UDP path would lose the datagram. Fixed
/// buffers per peer, reusable signals, socket calls without cancellation tokens (a cancelable token takes the
/// WebSocket's allocating path; the channel aborts the socket instead): nothing is allocated per datagram.
/// </summary>
internal sealed class WebSocketChannel : IStreamPeer
{
    private const int HeaderSize = 2;
    private const int SenderIdle = 0, SenderGameLoop = 1, SenderTask = 2;
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly byte[] _receive;
    private readonly byte[] _send;
    private readonly int _maxFrame;
    private readonly AsyncSignal _sendReady = new();
    private readonly AsyncSignal _receiveRoom = new();
    private readonly CancellationTokenSource _abort = new();
    private int _receiveStart, _receiveEnd;
    private int _sendStart, _sendEnd;
    private readonly byte[] _frame; // the datagram being sent, owned by whoever holds the sender role
    private int _sender = SenderTask; // under _lock; the task drains what was queued before the socket opened
    private ValueTask _handedOver; // a game-loop send that did not complete at once; the send task awaits it
    private volatile WebSocket? _socket;
    private bool _receiverWaiting;
    private volatile bool _broken;
    private volatile bool _closing;
    private volatile bool _open;
    private volatile bool _established;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;

    public WebSocketChannel(NetAddress address, StreamTransportOptions options, double now, bool accepted)
    {
        Address = address;
        _maxFrame = options.MaxFrameSize;
        _receive = new byte[options.ReceiveBufferBytes];
        _send = new byte[options.SendBufferBytes];
        _frame = new byte[_maxFrame];
        OpenedAt = now;
        LastReceivedAt = now;
        Accepted = accepted;
    }

    public NetAddress Address { get; }

    // Game-loop state (only the game loop reads or writes these).
    public double OpenedAt { get; }
    public double LastReceivedAt { get; private set; }
    public bool Accepted { get; }
    /// <summary>Set by the game loop; read by the server's connection gate on Kestrel's threads (which silent channel to reclaim).</summary>
    public bool Established { get => _established; set => _established = value; }
    public bool OpenCounted { get; set; }

    /// <summary>Server side: the channel's admission was given back (under the admission lock; see <see cref="WebSocketPeers.Release(WebSocketChannel)"/>).</summary>
    public bool AdmissionReleased { get; set; }

    /// <summary>
    /// Server side: the connection gate aborted this channel's connection to make room and counted it then (set under
    /// the admission lock, or before the channel reaches the game loop), so its close is not counted again.
    /// </summary>
    public bool Reclaimed { get => _reclaimed; set => _reclaimed = value; }
    private volatile bool _reclaimed;
    public double CloseAt { get; set; } = double.PositiveInfinity;

    /// <summary>The WebSocket handshake completed (client side: the connection attempt succeeded).</summary>
    public bool IsOpen => _open;

    /// <summary>The peer closed or reset the socket, it broke a rule, or a connection attempt failed.</summary>
    public bool Broken => _broken;

    /// <summary>Closed for a framing violation (a text, empty or oversized message): the close status it was sent, e.g. "MessageTooBig (1009)".</summary>
    public string? Violation { get; private set; }

    /// <inheritdoc />
    public long DrainedInPass { get; set; }

    /// <summary>Client side: the connection attempt failed.</summary>
    public bool ConnectFailed { get; private set; }

    /// <summary>Ended, one way or the other: both tasks have finished and the socket is released.</summary>
    public Task Completion => _completion.Task;

    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Game loop: sends one datagram, or queues it while a send is under way; false when the send buffer has no room
    /// or the channel is closing.
    /// </summary>
    public bool TryWrite(ReadOnlySpan<byte> datagram)
    {
        bool sendNow = false, wake = false;
        lock (_lock)
        {
            if (_broken || _closing) return false;
            if (_sender == SenderIdle && _sendEnd == _sendStart && _socket is not null)
            {
                _sender = SenderGameLoop;
                sendNow = true;
            }
            else
            {
                if (!TryQueue(datagram)) return false;
                if (_sender == SenderIdle)
                {
                    _sender = SenderTask;
                    wake = true;
                }
            }
        }
        if (sendNow) SendNow(datagram);
        else if (wake) _sendReady.Set();
        return true;
    }

    /// <summary>Under the lock: appends a datagram to the send buffer; false when it has no room.</summary>
    private bool TryQueue(ReadOnlySpan<byte> datagram)
    {
        int needed = HeaderSize + datagram.Length;
        if (_sendEnd + needed > _send.Length)
        {
            if (_sendEnd - _sendStart + needed > _send.Length) return false;
            _send.AsSpan(_sendStart, _sendEnd - _sendStart).CopyTo(_send);
            _sendEnd -= _sendStart;
            _sendStart = 0;
        }
        BinaryPrimitives.WriteUInt16BigEndian(_send.AsSpan(_sendEnd), (ushort)datagram.Length);
        datagram.CopyTo(_send.AsSpan(_sendEnd + HeaderSize));
        _sendEnd += needed;
        return true;
    }

    /// <summary>
    /// Game loop, holding the sender role: writes the datagram to the socket. Done when the write completes at once;
    /// otherwise the send task takes the role and waits for it. A failed write breaks the channel.
    /// </summary>
    private void SendNow(ReadOnlySpan<byte> datagram)
    {
        datagram.CopyTo(_frame);
        ValueTask sending;
        try
        {
            sending = _socket!.SendAsync(_frame.AsMemory(0, datagram.Length), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception exception)
        {
            sending = ValueTask.FromException(exception);
        }
        if (!sending.IsCompleted)
        {
            lock (_lock)
            {
                _handedOver = sending;
                _sender = SenderTask;
            }
            _sendReady.Set();
            return;
        }
        try
        {
            sending.GetAwaiter().GetResult(); // also returns a pooled source to its pool
        }
        catch (Exception)
        {
            _broken = true; // reset or aborted: the send task answers with an abort, the transport closes the channel
        }
        lock (_lock) _sender = SenderIdle;
        if (_broken || _closing) _sendReady.Set(); // a stop signalled while the game loop held the role
    }

    /// <inheritdoc />
    public void DiscardUnsent()
    {
        // The send task copies a whole frame out under the lock before sending it, so no frame is ever cut here.
        lock (_lock) _sendStart = _sendEnd = 0;
    }

    /// <inheritdoc />
    public PeerRead Read(Span<byte> buffer, double now, out int length)
    {
        bool broken = _broken; // read before the buffer: a channel that broke after this still has its last frames read
        return TryRead(buffer, now, out length) switch
        {
            1 => PeerRead.Datagram,
            -1 => PeerRead.Oversized,
            _ => broken ? PeerRead.Ended : PeerRead.Empty,
        };
    }

    /// <summary>
    /// Game loop: takes the next received datagram. Returns 1 with one, 0 when none is waiting, −1 when it was larger
    /// than <paramref name="buffer"/> (dropped).
    /// </summary>
    public int TryRead(Span<byte> buffer, double now, out int length)
    {
        length = 0;
        bool wake = false;
        int result;
        lock (_lock)
        {
            if (_receiveEnd - _receiveStart < HeaderSize) return 0;
            int frame = BinaryPrimitives.ReadUInt16BigEndian(_receive.AsSpan(_receiveStart));
            if (frame <= buffer.Length)
            {
                _receive.AsSpan(_receiveStart + HeaderSize, frame).CopyTo(buffer);
                length = frame;
                result = 1;
            }
            else result = -1;
            _receiveStart += HeaderSize + frame;
            if (_receiveStart == _receiveEnd) _receiveStart = _receiveEnd = 0;
            if (_receiverWaiting)
            {
                _receiverWaiting = false;
                wake = true;
            }
        }
        LastReceivedAt = now;
        if (wake) _receiveRoom.Set();
        return result;
    }

    /// <summary>
    /// Game loop: ends the channel. Frames already queued are still sent, then the socket is closed with a close
    /// message; a peer that does not take them within 2 s is cut off.
    /// </summary>
    public void Close()
    {
        _closing = true;
        _sendReady.Set(); // the send task takes the role, sends what is queued and closes
        _receiveRoom.Set();
        if (!_open) _abort.Cancel(); // a connection attempt still under way is abandoned at once
        else _abort.CancelAfter(CloseGrace);
    }

    /// <summary>Client side: connects with <paramref name="connect"/>, then runs the channel until it ends.</summary>
    public async Task ConnectAndRunAsync(Func<CancellationToken, Task<WebSocket>> connect)
    {
        WebSocket socket;
        try
        {
            socket = await connect(_abort.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Refused, unreachable, a TLS or upgrade failure, or abandoned: an expected outcome, counted by the transport.
            ConnectFailed = true;
            _broken = true;
            _completion.TrySetResult();
            return;
        }
        await RunAsync(socket).ConfigureAwait(false);
    }

    /// <summary>Runs the receive and send tasks over an open <paramref name="socket"/> until the channel ends, then releases it.</summary>
    public async Task RunAsync(WebSocket socket)
    {
        _open = true;
        _socket = socket;
        // Socket calls take no token (see the summary): a close's grace or an abandoned channel aborts the socket.
        using var abort = _abort.Token.UnsafeRegister(static state => ((WebSocket)state!).Abort(), socket);
        try
        {
            var receiving = ReceiveLoopAsync(socket);
            var sending = SendLoopAsync(socket);
            await receiving.ConfigureAwait(false);
            await sending.ConfigureAwait(false);
        }
        finally
        {
            _broken = true;
            socket.Dispose();
            _completion.TrySetResult();
        }
    }

    private async Task ReceiveLoopAsync(WebSocket socket)
    {
        var scratch = new byte[_maxFrame + 1];
        try
        {
            // Runs until the peer's close message (after ours, when we close), a violation, or an abort; while the
            // channel closes it keeps reading and discarding, so no unread data turns the TCP close into a reset
            // that would destroy our close message before the peer reads it.
            while (true)
            {
                int total = 0;
                while (true)
                {
                    var result = await socket.ReceiveAsync(scratch.AsMemory(total), CancellationToken.None).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close) return;
                    if (result.MessageType != WebSocketMessageType.Binary)
                    {
                        Violate(WebSocketCloseStatus.InvalidMessageType);
                        return;
                    }
                    total += result.Count;
                    if (total > _maxFrame)
                    {
                        Violate(WebSocketCloseStatus.MessageTooBig);
                        return;
                    }
                    if (result.EndOfMessage) break;
                }
                if (total == 0)
                {
                    Violate(WebSocketCloseStatus.PolicyViolation);
                    return;
                }
                while (!TryAppend(scratch.AsSpan(0, total))) await _receiveRoom.WaitAsync().ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // Reset, aborted or cancelled: the channel ends; the transport reads what was buffered and then closes it.
        }
        finally
        {
            _broken = true;
            _sendReady.Set();
        }
    }

    /// <summary>Appends a received datagram; false (and the receive task waits) while the buffer has no room.</summary>
    private bool TryAppend(ReadOnlySpan<byte> datagram)
    {
        lock (_lock)
        {
            if (_closing) return true; // nobody will read it
            int needed = HeaderSize + datagram.Length;
            if (_receiveEnd + needed > _receive.Length)
            {
                if (_receiveEnd - _receiveStart + needed > _receive.Length)
                {
                    _receiverWaiting = true;
                    return false;
                }
                _receive.AsSpan(_receiveStart, _receiveEnd - _receiveStart).CopyTo(_receive);
                _receiveEnd -= _receiveStart;
                _receiveStart = 0;
            }
            BinaryPrimitives.WriteUInt16BigEndian(_receive.AsSpan(_receiveEnd), (ushort)datagram.Length);
            datagram.CopyTo(_receive.AsSpan(_receiveEnd + HeaderSize));
            _receiveEnd += needed;
            return true;
        }
    }

    private void Violate(WebSocketCloseStatus status)
    {
        _closeStatus = status;
        Violation = $"{status} ({(int)status})";
    }

    private async Task SendLoopAsync(WebSocket socket)
    {
        bool clean = false;
        try
        {
            while (true)
            {
                var handedOver = _handedOver;
                _handedOver = default;
                await handedOver.ConfigureAwait(false);
                int length = TakeFrame(out bool stop);
                if (stop) break;
                if (length == 0)
                {
                    // Idle: wait until the task holds the sender role again (no nested async method: in a Debug
                    // build its state machine would be allocated on every call).
                    do await _sendReady.WaitAsync().ConfigureAwait(false);
                    while (!TryTakeSenderRole());
                    continue;
                }
                await socket.SendAsync(_frame.AsMemory(0, length), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
            }
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                _abort.CancelAfter(CloseGrace);
                await socket.CloseOutputAsync(_closeStatus, null, _abort.Token).ConfigureAwait(false);
            }
            clean = true; // the receive task ends with the peer's close message, or when the grace runs out
        }
        catch (Exception)
        {
            // The peer went away or was cut off: nothing more to send.
        }
        finally
        {
            _broken = true;
            if (!clean) socket.Abort(); // ends a receive still waiting for the peer
            _receiveRoom.Set();
        }
    }

    /// <summary>
    /// Send task, woken while idle: whether it holds the sender role again: handed a send or a queued datagram by the
    /// game loop, or taking it to close the channel while nobody holds it. False while the game loop is sending: it
    /// signals again if it hands over or sees the channel stop.
    /// </summary>
    private bool TryTakeSenderRole()
    {
        lock (_lock)
        {
            if (_sender == SenderTask) return true;
            if (_sender != SenderIdle || !(_broken || _closing)) return false;
            _sender = SenderTask;
            return true;
        }
    }

    /// <summary>
    /// Send task, holding the role: copies the next queued frame into the frame buffer; 0 when none (the role is
    /// given back and the task waits), stop when the channel is done.
    /// </summary>
    private int TakeFrame(out bool stop)
    {
        lock (_lock)
        {
            stop = false;
            if (_broken)
            {
                stop = true; // the receive side ended (peer closed, violation, reset): answer with a close
                return 0;
            }
            if (_sendEnd > _sendStart)
            {
                int frame = BinaryPrimitives.ReadUInt16BigEndian(_send.AsSpan(_sendStart));
                _send.AsSpan(_sendStart + HeaderSize, frame).CopyTo(_frame);
                _sendStart += HeaderSize + frame;
                if (_sendStart == _sendEnd) _sendStart = _sendEnd = 0;
                return frame;
            }
            if (_closing)
            {
                stop = true;
                return 0;
            }
            _sender = SenderIdle;
            return 0;
        }
    }
}

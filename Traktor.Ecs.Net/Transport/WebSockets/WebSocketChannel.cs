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
internal sealed partial class WebSocketChannel : IStreamPeer
{
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

    /// <summary>
    /// Server side: the budget of frames without a datagram byte that the server's stream counts (set before the
    /// WebSocket is accepted); past it the receive task's read fails and the channel closes as a violation.
    /// </summary>
    public WebSocketFrameBudget? FrameBudget { get; set; }

    /// <inheritdoc />
    public long DrainedInPass { get; set; }

    /// <summary>Client side: the connection attempt failed.</summary>
    public bool ConnectFailed { get; private set; }

    /// <summary>Ended, one way or the other: both tasks have finished and the socket is released.</summary>
    public Task Completion => _completion.Task;

    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        try
        {
            // Socket calls take no token (see the summary): a close's grace or an abandoned channel aborts the socket.
            // Inside the try: whatever throws, the channel ends (broken), so the game loop closes it and frees its slot.
            using var abort = _abort.Token.UnsafeRegister(static state => ((WebSocket)state!).Abort(), socket);
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
}

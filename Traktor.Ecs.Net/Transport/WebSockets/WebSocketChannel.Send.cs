using System.Net.WebSockets;
using Traktor.Ecs.Net.Transport.Streams;

namespace Traktor.Ecs.Net.Transport.WebSockets;

/// <summary>The sending side of a <see cref="WebSocketChannel"/>: the game loop's direct send, the send buffer and the send task.</summary>
internal sealed partial class WebSocketChannel
{
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
    private bool TryQueue(ReadOnlySpan<byte> datagram) => FrameBuffer.TryAppend(_send, ref _sendStart, ref _sendEnd, datagram, out _);

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
                bool taken = TakeFrame(out int length, out bool stop);
                if (stop) break;
                if (!taken)
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
    /// Send task, holding the role: copies the next queued frame into the frame buffer; false when none (the role is
    /// given back and the task waits), stop when the channel is done.
    /// </summary>
    private bool TakeFrame(out int length, out bool stop)
    {
        lock (_lock)
        {
            stop = false;
            length = 0;
            if (_broken)
            {
                stop = true; // the receive side ended (peer closed, violation, reset): answer with a close
                return false;
            }
            // Never Oversized (a frame larger than _frame): nothing over MaxFrameSize, _frame's size, is queued.
            if (FrameBuffer.TryTake(_send, ref _sendStart, ref _sendEnd, _frame, out length) != FrameTake.None) return true;
            if (_closing)
            {
                stop = true;
                return false;
            }
            _sender = SenderIdle;
            return false;
        }
    }
}

using System.Net.WebSockets;
using Traktor.Ecs.Net.Transport.Streams;

namespace Traktor.Ecs.Net.Transport.WebSockets;

/// <summary>The receiving side of a <see cref="WebSocketChannel"/>: the receive task, the receive buffer and the game loop's reads.</summary>
internal sealed partial class WebSocketChannel
{
    /// <inheritdoc />
    public PeerRead Read(Span<byte> buffer, double now, out int length)
    {
        bool broken = _broken; // read before the buffer: a channel that broke after this still has its last frames read
        bool wake = false;
        FrameTake taken;
        lock (_lock)
        {
            taken = FrameBuffer.TryTake(_receive, ref _receiveStart, ref _receiveEnd, buffer, out length);
            if (taken == FrameTake.None) return broken ? PeerRead.Ended : PeerRead.Empty;
            if (_receiverWaiting)
            {
                _receiverWaiting = false;
                wake = true;
            }
        }
        LastReceivedAt = now;
        if (wake) _receiveRoom.Set();
        return taken == FrameTake.Frame ? PeerRead.Datagram : PeerRead.Oversized;
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
            // The server's stream refused a frame past the budget (it failed the read before the WebSocket saw it).
            if (FrameBudget is { Violation: { } violation }) Violate(WebSocketCloseStatus.PolicyViolation, violation);
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
            if (FrameBuffer.TryAppend(_receive, ref _receiveStart, ref _receiveEnd, datagram, out _)) return true;
            _receiverWaiting = true;
            return false;
        }
    }

    private void Violate(WebSocketCloseStatus status, string? detail = null)
    {
        _closeStatus = status;
        Violation = detail is null ? $"{status} ({(int)status})" : $"{status} ({(int)status}): {detail}";
    }
}

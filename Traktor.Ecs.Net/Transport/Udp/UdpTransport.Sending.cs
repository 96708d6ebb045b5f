using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Transport.Udp;

namespace Traktor.Ecs.Net;

// Sending: one datagram at once with sendto, or queued between BeginSendBatch and FlushSends and left 64 a call with
// sendmmsg on 64-bit Linux.
public sealed partial class UdpTransport
{
    /// <inheritdoc />
    public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
    {
        if (!_pollsBegun) _batchDrained = false; // a poll is over (or, mid-poll, this costs it one more recvmmsg at most)
        if (_disposed || !destination.TryWrite(_sendAddress)) return false;
        if (_batchingSends && !_sendBatchUnavailable)
        {
            _sendBatch ??= new SendBatch();
            if (!_sendBatch.HasRoom(datagram.Length)) SendQueued();
            if (_sendBatch.HasRoom(datagram.Length))
            {
                _sendBatch.Add(datagram, _sendAddress);
                return true;
            }
        }
        return SendOne(datagram);
    }

    /// <summary>
    /// Until <see cref="FlushSends"/>, datagrams are queued and leave together, up to 64 per <c>sendmmsg</c> call (64-bit
    /// Linux; elsewhere, or with the <see cref="DisableSendBatchSwitch"/> switch, each is sent at once). A full queue is
    /// sent without waiting for the flush, so the queue never holds more than 64 datagrams.
    /// </summary>
    public void BeginSendBatch()
    {
        if (!_pollsBegun) _batchDrained = false; // the tick's receives are over: the next TryReceive begins a new poll
        _batchingSends = !_disposed;
    }

    /// <summary>Sends the queued datagrams and sends each later one at once, until the next <see cref="BeginSendBatch"/>.</summary>
    public void FlushSends()
    {
        _batchingSends = false;
        if (_sendBatch is { Count: > 0 }) SendQueued();
    }

    /// <summary>Whether sends between <see cref="BeginSendBatch"/> and <see cref="FlushSends"/> go through <c>sendmmsg</c>; tests turn it off to cover the portable path without the process-wide switch.</summary>
    internal bool SendsInBatches
    {
        get => !_sendBatchUnavailable;
        set
        {
            if (_sendBatch is { Count: > 0 }) SendQueued();
            _sendBatchUnavailable = !value || !SendBatch.IsSupported;
        }
    }

    /// <summary>Datagrams sent by <c>sendmmsg</c> (for tests that the fast path is the one taken).</summary>
    internal long DatagramsSentInBatches { get; private set; }

    /// <summary>
    /// Sends the queue with as few <c>sendmmsg</c> calls as the kernel allows. A datagram the kernel refuses (a full send
    /// buffer, an unreachable destination) is counted and skipped — lost, as a failed <c>sendto</c> loses it — and the
    /// rest still go.
    /// </summary>
    private void SendQueued()
    {
        var batch = _sendBatch!;
        for (int first = 0, interrupted = 0; first < batch.Count && !_disposed;)
        {
            int sent;
            int error;
            try
            {
                sent = batch.Send(_socket.SafeHandle, first, out error);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                sent = -1;
                error = ReceiveBatch.Errno.NotImplemented;
            }
            catch (ObjectDisposedException)
            {
                break;
            }

            if (sent > 0)
            {
                first += sent;
                DatagramsSentInBatches += sent;
                continue;
            }
            if (error == ReceiveBatch.Errno.Interrupted && ++interrupted < MaxErrorsPerReceive) continue;
            if (error is ReceiveBatch.Errno.NotImplemented or ReceiveBatch.Errno.NotSupported or ReceiveBatch.Errno.BadDescriptor
                or ReceiveBatch.Errno.NotSocket or ReceiveBatch.Errno.Fault)
            {
                // Not available here after all: the rest of the queue, and every later datagram, one call each.
                _sendBatchUnavailable = true;
                _logger.LogDebug("sendmmsg is unavailable (errno {Error}); sending one datagram per call.", error);
                for (int i = first; i < batch.Count; i++)
                {
                    var datagram = batch.Datagram(i, out var name);
                    name.CopyTo(_sendAddress.Buffer.Span);
                    SendOne(datagram);
                }
                break;
            }
            SocketErrors++;
            if (_logger.IsEnabled(LogLevel.Debug)) _logger.LogDebug("UDP send failed: errno {Error}.", error);
            first++;
        }
        batch.Clear();
    }

    /// <summary>Sends one datagram to <see cref="_sendAddress"/> with <c>sendto</c>.</summary>
    private bool SendOne(ReadOnlySpan<byte> datagram)
    {
        try
        {
            return _socket.SendTo(datagram, SocketFlags.None, _sendAddress) == datagram.Length;
        }
        catch (SocketException e)
        {
            SocketErrors++;
            if (_logger.IsEnabled(LogLevel.Debug) && NetAddress.TryRead(_sendAddress, out var destination))
                _logger.LogDebug("UDP send to {Destination} failed: {Error}.", destination, e.SocketErrorCode);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }
}

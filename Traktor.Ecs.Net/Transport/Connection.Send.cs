using K4os.Compression.LZ4;
using Traktor.Ecs.Net.Transport.Channels;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Transport;

// A connection's sending: packing due messages and acks into sealed packets, and the disconnect notice.
internal sealed partial class Connection
{
    private const int DisconnectRepeats = 3;

    /// <summary>
    /// Keep-alive intervals after which an ack owed for anything is flagged to elicit one back, so that each end of an
    /// idle pair measures its round trip at least this often (see <see cref="MarkEliciting"/>).
    /// </summary>
    private const int RoundTripRefreshIntervals = 10;

    /// <summary>Below this many plaintext bytes LZ4 cannot win enough to be worth trying.</summary>
    private const int MinCompressible = 32;

    /// <summary>Sequence bytes of our next packet: the low bytes the peer needs to find it near its newest (§4).</summary>
    private int NextSequenceBytes() => SealedPacket.TruncatedBytes(_nextSequence, _nextSequence + 1 - _acknowledgedThrough);

    /// <summary>Sends what is due: reliable (re)sends first, then unreliable messages, then an ack or keep-alive if owed.</summary>
    public void Flush(double now, bool ackNow = false)
    {
        Statistics.Tick(now);
        // The timeout first: the packets it declares lost put their messages back among the due ones of this pass.
        double timeout = _congestion.Timeout(Statistics);
        _sent.ExpireTimedOut(now, timeout, _orderedOut, _unorderedOut);
        _congestion.Refill(now, Statistics, Resumed);
        Resumed = false;
        _orderedOut.BeginSendPass(now);
        _unorderedOut.BeginSendPass(now);
        bool keepAliveDue = KeepAliveDue(now);
        // An ack waits briefly for outgoing data to ride on, instead of costing a packet of its own.
        bool ackDue = _ackOwed && (ackNow || now - _ackOwedSince >= _peer.Options.AckDelay.TotalSeconds);
        for (int packets = 0; packets < _peer.Options.MaxPacketsPerUpdate; packets++)
        {
            int length = BuildPayload(now, _congestion.CanSend, out int ackLength, out int orderedCount, out int unorderedCount, out int receiptCount);
            bool hasMessages = length > ackLength;
            if (!hasMessages && !ackDue && !keepAliveDue) break;
            bool eliciting = hasMessages || MarkEliciting(now, keepAliveDue);
            SendPayload(length, now, orderedCount, unorderedCount, receiptCount, eliciting, hasMessages);
            keepAliveDue = false;
            ackDue = false;
            if (!hasMessages) break;
        }
        while (_unreliableOut.TryTakeUnsentReceipt(out uint receipt)) _peer.Events.AddReceipt(Id, ClientId, receipt, delivered: false);
        _unreliableOut.EndSendPass();
    }

    private int BuildPayload(double now, bool reliable, out int ackLength, out int orderedCount, out int unorderedCount, out int receiptCount)
    {
        var frame = _peer.Frame.AsSpan(PacketLayout.SealedHeaderSize, _peer.PayloadCapacity);
        ackLength = WriteAckHeader();
        int written = ackLength;
        orderedCount = 0;
        unorderedCount = 0;
        receiptCount = 0;
        // Reliable records only while the congestion window and the pacing allow; the resend delay is the retransmission
        // timeout, backed off while nothing in flight is acknowledged.
        int lastGroup = written;
        int n;
        if (reliable)
        {
            double resendDelay = _congestion.Timeout(Statistics);
            n = _orderedOut.WriteDue(frame[written..], now, resendDelay, _sent.Ordered, ref orderedCount);
            if (n > 0) lastGroup = written;
            written += n;
            n = _unorderedOut.WriteDue(frame[written..], now, resendDelay, _sent.Unordered, ref unorderedCount);
            if (n > 0) lastGroup = written;
            written += n;
        }
        n = _unreliableOut.Write(frame[written..], PacketLayout.MaxRecordsPerPacket - orderedCount - unorderedCount, _sent.Receipts, ref receiptCount);
        if (n > 0) lastGroup = written;
        written += n;
        if (written == ackLength) return written;
        // The last record needs no length (docs/PROTOCOL.md §7): find it in the last group of records written.
        int last = lastGroup;
        while (MessageRecord.TryRead(frame[last..written], _peer.MaxFragments, out _, out int consumed) && last + consumed < written) last += consumed;
        return MessageRecord.MakeLast(frame, last, written);
    }

    /// <summary>Writes the ack header at the start of the frame's plaintext; returns its length.</summary>
    private int WriteAckHeader() =>
        AckHeader.Write(_peer.Frame.AsSpan(PacketLayout.SealedHeaderSize), _received.Latest, _received.Bits);

    /// <summary>Sends a payload of the ack header alone, at once (<see cref="ImmediateAckThreshold"/>).</summary>
    private void SendAckOnly(double now)
    {
        int length = WriteAckHeader();
        bool keepAliveDue = KeepAliveDue(now);
        SendPayload(length, now, 0, 0, 0, MarkEliciting(now, keepAliveDue), messages: false);
    }

    /// <summary>
    /// Decides whether the ack-only payload in the frame elicits an ack, and flags it so (docs/PROTOCOL.md §6): a
    /// keep-alive does, so that an idle connection's round trip is still measured; and so does an ack of messages when
    /// nothing we sent for a keep-alive interval elicited one, so that a peer that only acknowledges (an observer of
    /// snapshots) measures it too. An ack owed only for a keep-alive or a flagged ack does not, however long since our
    /// own: it already keeps the connection alive, and flagged it would be answered in turn. Except once every
    /// <see cref="RoundTripRefreshIntervals"/> keep-alive intervals: on an idle pair one side's keep-alive timer may always
    /// fire first, its peer only ever acknowledging, and that peer's round trip would never be measured again; the one
    /// flagged ack costs the keep-alive sender one ack a second.
    /// </summary>
    private bool MarkEliciting(double now, bool keepAliveDue)
    {
        double keepAlive = _peer.Options.KeepAliveInterval.TotalSeconds;
        bool elicits = (keepAliveDue && !_ackOwed)
            || (_ackOwedForMessages && now - _lastElicitingSentAt >= keepAlive)
            || (_ackOwed && now - _lastElicitingSentAt >= RoundTripRefreshIntervals * keepAlive);
        if (elicits) _peer.Frame[PacketLayout.SealedHeaderSize] |= AckHeader.ElicitsAck;
        return elicits;
    }

    private void SendPayload(int plaintextLength, double now, int orderedCount, int unorderedCount, int receiptCount, bool eliciting, bool messages)
    {
        ushort sequence = (ushort)_nextSequence;
        var frame = _peer.Frame.AsSpan();
        byte prefix = (byte)PacketType.Payload;
        int sequenceBytes = NextSequenceBytes();
        if (_peer.Capture is { } capture)
        {
            int start = SealedPacket.WriteHeader(frame, prefix, _nextSequence, sequenceBytes);
            capture.Write(frame[start..(PacketLayout.SealedHeaderSize + plaintextLength)], _peer.Transport.LocalAddress, Address);
        }
        if (_compression && plaintextLength > MinCompressible)
        {
            var plaintext = frame.Slice(PacketLayout.SealedHeaderSize, plaintextLength);
            int compressed = LZ4Codec.Encode(plaintext, _peer.Compressed);
            if (compressed > 0 && compressed < plaintextLength)
            {
                _peer.Compressed.AsSpan(0, compressed).CopyTo(plaintext);
                plaintextLength = compressed;
                prefix |= PacketLayout.CompressedFlag;
            }
        }
        int length = SealedPacket.Seal(_sendCipher, prefix, _nextSequence++, frame, plaintextLength, _peer.Datagram, sequenceBytes);
        _sent.Record(sequence, now, orderedCount, unorderedCount, receiptCount, length, eliciting, Statistics, this);
        _peer.Send(_peer.Datagram.AsSpan(0, length), Address);
        Statistics.OnSent(length, now);
        RestartKeepAlive(now, messages || _ackOwedForMessages);
        _ackOwed = false;
        _ackOwedForMessages = false;
        _receivedSinceAck = 0;
        if (eliciting) _lastElicitingSentAt = now;
    }

    /// <summary>Sends the disconnect reason several times, since any one datagram may be lost.</summary>
    public void SendDisconnect(DisconnectReason reason)
    {
        var frame = _peer.Frame.AsSpan();
        for (int i = 0; i < DisconnectRepeats; i++)
        {
            frame[PacketLayout.SealedHeaderSize] = (byte)reason;
            int sequenceBytes = NextSequenceBytes();
            if (_peer.Capture is { } capture)
            {
                int start = SealedPacket.WriteHeader(frame, (byte)PacketType.Disconnect, _nextSequence, sequenceBytes);
                capture.Write(frame[start..(PacketLayout.SealedHeaderSize + PacketLayout.ReasonPlaintextSize)], _peer.Transport.LocalAddress, Address);
            }
            int length = SealedPacket.Seal(_sendCipher, (byte)PacketType.Disconnect, _nextSequence++, frame, PacketLayout.ReasonPlaintextSize, _peer.Datagram, sequenceBytes);
            if (!_peer.Send(_peer.Datagram.AsSpan(0, length), Address) && i == 0 && _peer.Transport is IPeerAwareTransport streams)
            {
                // A stream's send buffer is full of what this peer never took (SendQueueOverflow, a stalled client):
                // the notice would be dropped behind it and the peer would learn only by its own timeout.
                streams.DiscardUnsent(Address);
                _peer.Send(_peer.Datagram.AsSpan(0, length), Address);
            }
        }
    }
}

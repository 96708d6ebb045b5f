using K4os.Compression.LZ4;
using Traktor.Ecs.Net.Transport.Channels;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Transport;

// A connection's receiving: opening, validating and delivering a datagram, and the acks it carries.
internal sealed partial class Connection
{
    /// <summary>
    /// Ack bits cover 33 packets; a peer sending more than that per update would see the rest never acknowledged,
    /// so after this many received ack-eliciting packets an ack goes out at once.
    /// </summary>
    private const int ImmediateAckThreshold = 24;

    /// <summary>
    /// True when <paramref name="datagram"/> is a Payload packet this connection's peer sealed and not one seen before,
    /// which is then taken (its sequence enters the replay window) and otherwise ignored: the connection was closed, and
    /// this tells only that its peer still sends on it, so never heard the notice (<see cref="NetServer"/>'s repeated notices).
    /// </summary>
    public bool IsOwnPayload(ReadOnlySpan<byte> datagram)
    {
        if (!SealedPacket.TryReadHeader(datagram, out ulong low, out int headerLength)) return false;
        if ((PacketType)(datagram[0] & PacketLayout.TypeMask) != PacketType.Payload) return false;
        ulong sequence = SealedPacket.Expand(low, headerLength - 1, _replay.Expected);
        if (_replay.IsReplay(sequence)) return false;
        if (SealedPacket.Open(_receiveCipher, datagram, sequence, headerLength, _peer.Plaintext.AsSpan()) < 0) return false;
        _replay.Accept(sequence);
        return true;
    }

    /// <summary>
    /// Handles a Payload or Disconnect datagram from this connection's address. Anything but
    /// <see cref="ReceiveOutcome.Accepted"/> dropped the datagram; only a <see cref="ReceiveOutcome.Violation"/>
    /// (authenticated, so from the peer itself) counts against the connection.
    /// </summary>
    public ReceiveOutcome Receive(ReadOnlySpan<byte> datagram, double now)
    {
        if (!SealedPacket.TryReadHeader(datagram, out ulong low, out int headerLength)) return ReceiveOutcome.Rejected;
        ulong sequence = SealedPacket.Expand(low, headerLength - 1, _replay.Expected);
        byte prefix = datagram[0];
        var type = (PacketType)(prefix & PacketLayout.TypeMask);
        if (type != PacketType.Payload && type != PacketType.Disconnect) return ReceiveOutcome.Rejected;
        if (_replay.IsReplay(sequence)) return ReceiveOutcome.Rejected;
        if (!Budget.TryTakeDatagram()) return ReceiveOutcome.OverBudget;
        var plain = _peer.Plaintext.AsSpan();
        int length = SealedPacket.Open(_receiveCipher, datagram, sequence, headerLength, plain);
        if (length < 0)
        {
            Budget.Forged();
            return ReceiveOutcome.Rejected;
        }
        // Authenticated from here on: the peer itself sent this (in insecure mode anyone may have).
        Budget.Authenticated();
        _replay.Accept(sequence);
        if (type == PacketType.Disconnect)
        {
            if (length != PacketLayout.ReasonPlaintextSize || (prefix & PacketLayout.CompressedFlag) != 0) return Violate(ViolationKind.Malformed);
            _peer.Capture?.Write(CaptureFrame(datagram[..headerLength], plain[..length]), Address, _peer.Transport.LocalAddress);
            if (PendingClose is null) ClosedByPeer = true;
            Close((DisconnectReason)plain[0]);
            return ReceiveOutcome.Accepted;
        }
        if ((prefix & PacketLayout.CompressedFlag) != 0)
        {
            if (!_compression) return Violate(ViolationKind.Compression);
            // Decoding is bounded by the destination: a payload that would expand past one packet is refused.
            length = LZ4Codec.Decode(plain[..length], _peer.Decompressed.AsSpan(0, _peer.PayloadCapacity));
            if (length < 0) return Violate(ViolationKind.Compression);
            plain = _peer.Decompressed;
        }
        if (ValidatePayload(plain[..length], out bool beyondWindow, out bool hasRecords) is { } violation) return Violate(violation);
        if (beyondWindow)
        {
            // Backpressure: our window still holds messages the budgets deferred; this packet comes back later.
            _peer.Counters.DatagramsOverBudget++;
            return ReceiveOutcome.OverBudget;
        }
        _lastReceivedAt = now;
        if (hasRecords) LastMessageAt = now;
        Statistics.OnReceived(datagram.Length, now);
        _peer.Capture?.Write(CaptureFrame(datagram[..headerLength], plain[..length]), Address, _peer.Transport.LocalAddress);
        _refusedUnreliable = false;
        ProcessPayload(plain[..length], now);
        // A packet is acknowledged only when every message in it reached the application (or waits in a reliable
        // window): an ack tells the sender, and a tracked message's Delivered event tells its layer, that it arrived.
        if (!_refusedUnreliable) _received.Record((ushort)sequence);
        // Only an ack-eliciting packet obliges an ack (docs/PROTOCOL.md §6): acknowledging acknowledgements kept an idle
        // pair sending to each other every few ticks. The others are acknowledged by whatever we send next.
        if (hasRecords || AckHeader.Elicits(plain))
        {
            if (!_ackOwed) _ackOwedSince = now;
            _ackOwed = true;
            _ackOwedForMessages |= hasRecords;
            if (++_receivedSinceAck >= ImmediateAckThreshold) SendAckOnly(now);
        }
        return ReceiveOutcome.Accepted;
    }

    private ReceiveOutcome Violate(ViolationKind kind)
    {
        if (Budget.Violation(kind)) Close(DisconnectReason.ProtocolViolation);
        return ReceiveOutcome.Violation;
    }

    /// <summary>A received packet goes into the capture as its clear header followed by its plaintext.</summary>
    private ReadOnlySpan<byte> CaptureFrame(ReadOnlySpan<byte> header, ReadOnlySpan<byte> plaintext)
    {
        var frame = _peer.Frame.AsSpan();
        header.CopyTo(frame);
        plaintext.CopyTo(frame[header.Length..]);
        return frame[..(header.Length + plaintext.Length)];
    }

    /// <summary>
    /// Checks the whole payload's structure before acting on any of it; null when it is valid.
    /// <paramref name="beyondWindow"/> tells that a reliable record lies ahead of its receive window.
    /// </summary>
    private ViolationKind? ValidatePayload(ReadOnlySpan<byte> payload, out bool beyondWindow, out bool hasRecords)
    {
        beyondWindow = false;
        hasRecords = false;
        if (!AckHeader.TryRead(payload, out _, out _, out int ackLength)) return ViolationKind.Malformed;
        hasRecords = payload.Length > ackLength;
        var records = payload[ackLength..];
        for (int count = 0; !records.IsEmpty; count++)
        {
            if (count == PacketLayout.MaxRecordsPerPacket) return ViolationKind.RecordCount;
            if (!MessageRecord.TryRead(records, _peer.MaxFragments, out var record, out int consumed)) return ViolationKind.Malformed;
            if (record.Data.IsEmpty) return ViolationKind.EmptyRecord;
            beyondWindow |= record.Channel switch
            {
                ChannelKind.ReliableOrdered => _orderedIn.IsBeyondWindow(record.Id),
                ChannelKind.ReliableUnordered => _unorderedIn.IsBeyondWindow(record.Id),
                _ => false,
            };
            records = records[consumed..];
        }
        return null;
    }

    private void ProcessPayload(ReadOnlySpan<byte> payload, double now)
    {
        AckHeader.TryRead(payload, out ushort ack, out uint ackBits, out int ackLength);
        long acknowledged = _orderedOut.Acknowledged + _unorderedOut.Acknowledged;
        NoteAcknowledged(ack);
        _sent.AcknowledgeHeader(ack, ackBits, now, Statistics, _orderedOut, _unorderedOut, this);
        _sent.DetectLoss(now, Statistics, _orderedOut, _unorderedOut);
        _sent.ResolveFates(now, Statistics);
        if (_orderedOut.Acknowledged + _unorderedOut.Acknowledged > acknowledged) _reliableProgressAt = now;
        var records = payload[ackLength..];
        while (!records.IsEmpty)
        {
            MessageRecord.TryRead(records, _peer.MaxFragments, out var record, out int consumed);
            records = records[consumed..];
            if (!Deliver(record, now))
            {
                Close(DisconnectReason.ProtocolViolation);
                return;
            }
        }
    }

    private bool Deliver(in MessageRecord record, double now)
    {
        switch (record.Channel)
        {
            case ChannelKind.ReliableOrdered:
                return _orderedIn.Receive(record, Budget, now);
            case ChannelKind.ReliableUnordered:
                return _unorderedIn.Receive(record, Budget, now);
            case ChannelKind.UnreliableSequenced:
                if (_hasSequenced && !Sequence.IsNewer(record.Id, _lastSequenced)) return true;
                if (record.IsFragment)
                {
                    if (_fragments.Add(record, now, Budget)) MarkSequenced(record.Id);
                    return true;
                }
                if (Budget.TryDeliver(record.Channel, record.Data)) MarkSequenced(record.Id);
                else _refusedUnreliable = true;
                return true;
            default:
                if (record.IsFragment) _fragments.Add(record, now, Budget);
                else if (!Budget.TryDeliver(record.Channel, record.Data)) _refusedUnreliable = true;
                return true;
        }
    }

    private void MarkSequenced(ushort id)
    {
        _hasSequenced = true;
        _lastSequenced = id;
    }

    /// <summary>
    /// Raises the newest of our packets the peer acknowledged (the ack field names the newest it accepted), which sets
    /// how many sequence bytes our packets need. The 16-bit ack is the one at or below our newest packet sent.
    /// </summary>
    private void NoteAcknowledged(ushort ack)
    {
        if (_nextSequence == _firstSequence) return; // nothing sent yet
        ulong newest = _nextSequence - 1;
        ulong back = (ushort)((ushort)newest - ack);
        if (back > newest - _firstSequence) return; // "before the first packet": nothing of ours acknowledged yet
        _acknowledgedThrough = Math.Max(_acknowledgedThrough, newest - back + 1);
    }
}

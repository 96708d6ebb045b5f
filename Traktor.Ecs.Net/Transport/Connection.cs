using K4os.Compression.LZ4;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Channels;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// One established connection: sealing and opening packets, acks, the four channels, statistics and liveness.
/// Shared by the client (one) and the server (one per client).
/// </summary>
internal sealed class Connection : IDisposable, IReceiptSink
{
    private const int DisconnectRepeats = 3;

    /// <summary>Below this many plaintext bytes LZ4 cannot win enough to be worth trying.</summary>
    private const int MinCompressible = 32;

    /// <summary>
    /// Ack bits cover 33 packets; a peer sending more than that per update would see the rest never acknowledged,
    /// so after this many received packets an ack goes out at once.
    /// </summary>
    private const int ImmediateAckThreshold = 24;

    private readonly PeerContext _peer;
    private readonly PacketCipher? _sendCipher;
    private readonly PacketCipher? _receiveCipher;
    private readonly ReplayWindow _replay = new();
    private readonly ReceivedPackets _received = new();
    private readonly SentPackets _sent = new();
    private readonly ReliableSendChannel _orderedOut;
    private readonly ReliableSendChannel _unorderedOut;
    private readonly ReliableReceiveChannel _orderedIn;
    private readonly ReliableReceiveChannel _unorderedIn;
    private readonly UnreliableSendQueue _unreliableOut = new();
    private readonly FragmentReassembler _fragments;
    private readonly double _timeout;
    private readonly bool _compression;
    private ulong _nextSequence;

    /// <summary>Our first sequence (0 but in tests, <see cref="NetPeerOptions.FirstSequence"/>).</summary>
    private readonly ulong _firstSequence;

    /// <summary>The newest of our packets the peer acknowledged, + 1 (0: none yet).</summary>
    private ulong _acknowledgedThrough;
    private bool _ackOwed;
    private double _ackOwedSince;
    private int _receivedSinceAck;
    private double _lastSentAt;
    private double _lastReceivedAt;
    private bool _hasSequenced;
    private bool _refusedUnreliable;
    private ushort _lastSequenced;

    /// <summary>The cipher this end seals with (tests craft packets as the peer would).</summary>
    internal PacketCipher? SendCipher => _sendCipher;

    public Connection(PeerContext peer, ConnectionId id, ulong clientId, NetAddress address,
        PacketCipher? sendCipher, PacketCipher? receiveCipher, double timeoutSeconds, double now, bool compression)
    {
        _compression = compression;
        Budget = new ConnectionBudget(peer, id, clientId);
        _peer = peer;
        Id = id;
        ClientId = clientId;
        Address = address;
        _sendCipher = sendCipher;
        _receiveCipher = receiveCipher;
        _firstSequence = _nextSequence = peer.Options.FirstSequence; // the keys are this connection's own (docs/PROTOCOL.md §5), so sequences start at 0
        _timeout = timeoutSeconds;
        _lastReceivedAt = now;
        LastMessageAt = now;
        _lastSentAt = double.NegativeInfinity;
        int maxMessage = peer.Options.MaxMessageSize;
        _orderedOut = new ReliableSendChannel(ChannelKind.ReliableOrdered, peer.Buffers);
        _unorderedOut = new ReliableSendChannel(ChannelKind.ReliableUnordered, peer.Buffers);
        _orderedIn = new ReliableReceiveChannel(ChannelKind.ReliableOrdered, maxMessage, peer.Buffers);
        _unorderedIn = new ReliableReceiveChannel(ChannelKind.ReliableUnordered, maxMessage, peer.Buffers);
        _fragments = new FragmentReassembler(peer.Buffers, peer.PayloadCapacity, peer.MaxFragments, maxMessage);
    }

    public ConnectionId Id { get; }
    public ulong ClientId { get; }
    public NetAddress Address { get; }
    public ConnectionStatistics Statistics { get; } = new();

    /// <summary>This update's receive budgets and the violation score.</summary>
    public ConnectionBudget Budget { get; }

    /// <summary>True when both ends negotiated LZ4 compression in the handshake.</summary>
    public bool Compression => _compression;

    /// <summary>Set when the connection must close; the owner sends the disconnect and raises the event.</summary>
    public DisconnectReason? PendingClose { get; private set; }

    public bool IsTimedOut(double now) => now - _lastReceivedAt > _timeout;

    /// <summary>
    /// When the peer last sent a packet carrying at least one message (the connect time until it does): what the
    /// server's reclaiming of idle slots looks at. Keep-alives and pure acks do not count.
    /// </summary>
    public double LastMessageAt { get; private set; }


    public SendResult Send(ChannelKind channel, ReadOnlySpan<byte> message)
    {
        if (PendingClose is not null) return SendResult.NotConnected;
        if (message.Length > _peer.Options.MaxMessageSize) return SendResult.TooLarge;
        if (message.IsEmpty) return SendResult.Empty;
        switch (channel)
        {
            case ChannelKind.ReliableOrdered:
            case ChannelKind.ReliableUnordered:
                var reliable = channel == ChannelKind.ReliableOrdered ? _orderedOut : _unorderedOut;
                if (reliable.Enqueue(message, _peer.FragmentSize, _peer.Options.MaxSendQueueBytes)) return SendResult.Queued;
                Close(DisconnectReason.SendQueueOverflow);
                return SendResult.Overflow;
            case ChannelKind.Unreliable:
            case ChannelKind.UnreliableSequenced:
                return _unreliableOut.Enqueue(channel, message, _peer.FragmentSize, _peer.Options.MaxUnreliableQueueBytes)
                    ? SendResult.Queued
                    : SendResult.DroppedQueueFull;
            default:
                throw new ArgumentOutOfRangeException(nameof(channel));
        }
    }

    /// <summary>
    /// Queues an unreliable message whose fate is reported as a <see cref="NetEventType.Delivered"/> or
    /// <see cref="NetEventType.Lost"/> event with <paramref name="receipt"/>. It must travel in one packet.
    /// </summary>
    public SendResult SendTracked(ReadOnlySpan<byte> message, uint receipt)
    {
        if (PendingClose is not null) return SendResult.NotConnected;
        if (message.Length > _peer.FragmentSize) return SendResult.TooLarge;
        if (message.IsEmpty) return SendResult.Empty;
        return _unreliableOut.Enqueue(ChannelKind.Unreliable, message, _peer.FragmentSize, _peer.Options.MaxUnreliableQueueBytes, tracked: true, receipt)
            ? SendResult.Queued
            : SendResult.DroppedQueueFull;
    }

    void IReceiptSink.OnReceipt(uint receipt, bool delivered) => _peer.Events.AddReceipt(Id, ClientId, receipt, delivered);

    /// <summary>True when the peer ended the connection (then no disconnect is sent back).</summary>
    public bool ClosedByPeer { get; private set; }

    public void Close(DisconnectReason reason) => PendingClose ??= reason;

    public NetStats GetStats() => new()
    {
        Transport = Address.Kind,
        RoundTripTimeMs = Statistics.SmoothedRtt * 1000,
        JitterMs = Statistics.RttVariation * 1000,
        PacketLossPercent = Statistics.Loss * 100,
        BytesInPerSecond = Statistics.BytesInPerSecond,
        BytesOutPerSecond = Statistics.BytesOutPerSecond,
        PacketsSent = Statistics.PacketsSent,
        PacketsReceived = Statistics.PacketsReceived,
        BytesSent = Statistics.BytesSent,
        BytesReceived = Statistics.BytesReceived,
        Resends = _orderedOut.Resends + _unorderedOut.Resends,
        PendingReliable = _orderedOut.Unacknowledged + _unorderedOut.Unacknowledged,
        UnreliableDropped = _unreliableOut.Dropped,
    };

    /// <summary>Starts an update: fresh budgets, then what earlier updates' budgets held back is delivered first.</summary>
    public void BeginUpdate()
    {
        Budget.BeginUpdate();
        if (!_orderedIn.DeliverDeferred(Budget) || !_unorderedIn.DeliverDeferred(Budget)) Close(DisconnectReason.ProtocolViolation);
    }

    /// <summary>Ends an update's receiving; a connection that kept breaking its budgets is closed.</summary>
    public void EndUpdate()
    {
        if (Budget.EndUpdate()) Close(DisconnectReason.ProtocolViolation);
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
        Statistics.OnReceived(datagram.Length);
        _peer.Capture?.Write(CaptureFrame(datagram[..headerLength], plain[..length]), Address, _peer.Transport.LocalAddress);
        _refusedUnreliable = false;
        ProcessPayload(plain[..length], now);
        // A packet is acknowledged only when every message in it reached the application (or waits in a reliable
        // window): an ack tells the sender, and a tracked message's Delivered event tells its layer, that it arrived.
        if (!_refusedUnreliable) _received.Record((ushort)sequence);
        if (!_ackOwed) _ackOwedSince = now;
        _ackOwed = true;
        if (++_receivedSinceAck >= ImmediateAckThreshold) SendPayload(WriteAckHeader(), now, 0, 0, 0);
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
        NoteAcknowledged(ack);
        // Only the newest packet acknowledged yields a round-trip sample: the others' acks went out earlier, in packets
        // that were lost, so theirs would measure the loss, not the path.
        Acknowledge(ack, now, sample: true);
        for (int i = 0; i < 32; i++)
        {
            if ((ackBits & (1u << i)) != 0) Acknowledge((ushort)(ack - 1 - i), now, sample: false);
        }
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
                return _orderedIn.Receive(record, Budget);
            case ChannelKind.ReliableUnordered:
                return _unorderedIn.Receive(record, Budget);
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

    /// <summary>Sequence bytes of our next packet: the low bytes the peer needs to find it near its newest (§4).</summary>
    private int NextSequenceBytes() => SealedPacket.TruncatedBytes(_nextSequence, _nextSequence + 1 - _acknowledgedThrough);

    private void Acknowledge(ushort sequence, double now, bool sample) => _sent.Acknowledge(sequence, now, sample, Statistics, _orderedOut, _unorderedOut, this);

    /// <summary>Sends what is due: reliable (re)sends first, then unreliable messages, then an ack or keep-alive if owed.</summary>
    public void Flush(double now, bool ackNow = false)
    {
        Statistics.Tick(now);
        _orderedOut.BeginSendPass(now);
        _unorderedOut.BeginSendPass(now);
        bool keepAliveDue = now - _lastSentAt >= _peer.Options.KeepAliveInterval.TotalSeconds;
        // An ack waits briefly for outgoing data to ride on, instead of costing a packet of its own.
        bool ackDue = _ackOwed && (ackNow || now - _ackOwedSince >= _peer.Options.AckDelay.TotalSeconds);
        for (int packets = 0; packets < _peer.Options.MaxPacketsPerUpdate; packets++)
        {
            int length = BuildPayload(now, out int ackLength, out int orderedCount, out int unorderedCount, out int receiptCount);
            bool hasMessages = length > ackLength;
            if (!hasMessages && !ackDue && !keepAliveDue) break;
            SendPayload(length, now, orderedCount, unorderedCount, receiptCount);
            keepAliveDue = false;
            ackDue = false;
            if (!hasMessages) break;
        }
        while (_unreliableOut.TryTakeUnsentReceipt(out uint receipt)) _peer.Events.AddReceipt(Id, ClientId, receipt, delivered: false);
        _unreliableOut.EndSendPass();
    }

    private int BuildPayload(double now, out int ackLength, out int orderedCount, out int unorderedCount, out int receiptCount)
    {
        var frame = _peer.Frame.AsSpan(PacketLayout.SealedHeaderSize, _peer.PayloadCapacity);
        ackLength = WriteAckHeader();
        int written = ackLength;
        orderedCount = 0;
        unorderedCount = 0;
        receiptCount = 0;
        double resendDelay = Statistics.ResendDelay;
        int lastGroup = written;
        int n = _orderedOut.WriteDue(frame[written..], now, resendDelay, _sent.Ordered, ref orderedCount);
        if (n > 0) lastGroup = written;
        written += n;
        n = _unorderedOut.WriteDue(frame[written..], now, resendDelay, _sent.Unordered, ref unorderedCount);
        if (n > 0) lastGroup = written;
        written += n;
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

    private void SendPayload(int plaintextLength, double now, int orderedCount, int unorderedCount, int receiptCount)
    {
        _sent.Record((ushort)_nextSequence, now, orderedCount, unorderedCount, receiptCount, Statistics, this);
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
        _peer.Send(_peer.Datagram.AsSpan(0, length), Address);
        Statistics.OnSent(length);
        _ackOwed = false;
        _receivedSinceAck = 0;
        _lastSentAt = now;
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

    public void Dispose()
    {
        _orderedOut.Clear();
        _unorderedOut.Clear();
        _orderedIn.Clear();
        _unorderedIn.Clear();
        _fragments.Clear();
        _sendCipher?.Dispose();
        _receiveCipher?.Dispose();
    }
}

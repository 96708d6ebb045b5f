using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Channels;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// One established connection: sealing and opening packets, acks, the four channels, statistics and liveness.
/// Shared by the client (one) and the server (one per client).
/// </summary>
internal sealed partial class Connection : IDisposable, IReceiptSink
{
    private readonly PeerContext _peer;
    private readonly PacketCipher? _sendCipher;
    private readonly PacketCipher? _receiveCipher;
    private readonly ReplayWindow _replay = new();
    private readonly ReceivedPackets _received = new();
    private readonly CongestionWindow _congestion;
    private readonly SentPackets _sent;
    private readonly ReliableSendChannel _orderedOut;
    private readonly ReliableSendChannel _unorderedOut;
    private readonly ReliableReceiveChannel _orderedIn;
    private readonly ReliableReceiveChannel _unorderedIn;
    private readonly UnreliableSendQueue _unreliableOut = new();
    private readonly FragmentReassembler _fragments;
    private readonly double _timeout;
    private readonly bool _compression;
    private ulong _nextSequence;
    private DisconnectReason? _closeWhenDelivered;
    private double _closeWhenDeliveredBy;

    /// <summary>Our first sequence (0 but in tests, <see cref="NetPeerOptions.FirstSequence"/>).</summary>
    private readonly ulong _firstSequence;

    /// <summary>The newest of our packets the peer acknowledged, + 1 (0: none yet).</summary>
    private ulong _acknowledgedThrough;
    private bool _ackOwed;

    /// <summary>Part of what is owed acknowledges messages (not only a keep-alive or a flagged ack, docs/PROTOCOL.md §6).</summary>
    private bool _ackOwedForMessages;
    private double _ackOwedSince;

    /// <summary>When we last sent a packet the peer must acknowledge (messages or the flag; −∞: never).</summary>
    private double _lastElicitingSentAt = double.NegativeInfinity;
    private int _receivedSinceAck;
    private double _lastReceivedAt;

    /// <summary>When the peer last acknowledged a reliable message not acknowledged before (−∞: never).</summary>
    private double _reliableProgressAt = double.NegativeInfinity;
    private bool _hasSequenced;
    private bool _refusedUnreliable;
    private ushort _lastSequenced;

    /// <summary>The cipher this end seals with (tests craft packets as the peer would).</summary>
    internal PacketCipher? SendCipher => _sendCipher;

    public Connection(PeerContext peer, ConnectionId id, ulong clientId, NetAddress address,
        PacketCipher? sendCipher, PacketCipher? receiveCipher, double timeoutSeconds, double now, bool compression, double keepAlivePhase = 0)
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
        // A stream transport drops a peer silent for its idle timeout, and the connection cannot come back without it:
        // it times out then, and says so (NetStats.Timeout, from which the server's despawn stall limit is taken).
        var idle = (peer.Transport as IPeerAwareTransport)?.IdleTimeoutFor(address) ?? Timeout.InfiniteTimeSpan;
        _timeout = idle > TimeSpan.Zero ? Math.Min(timeoutSeconds, idle.TotalSeconds) : timeoutSeconds;
        _lastReceivedAt = now;
        LastMessageAt = now;
        _keepAliveLead = _keepAlivePhaseLead = peer.Options.SpreadKeepAlives ? keepAlivePhase * peer.Options.KeepAliveInterval.TotalSeconds : 0;
        _congestion = new CongestionWindow(peer.Options.Mtu);
        _sent = new SentPackets(_congestion);
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

    /// <summary>The retransmission timeout now, backed off or not, in seconds (for tests of the resend policy).</summary>
    internal double RetransmissionTimeout => _congestion.Timeout(Statistics);

    /// <summary>The retransmission timeout before back-off, in seconds (for tests of the resend policy).</summary>
    internal double BaseRetransmissionTimeout => CongestionWindow.BaseTimeout(Statistics);

    /// <summary>Times in a row the retransmission timeout fired with nothing acknowledged since (for tests).</summary>
    internal int RetransmissionBackoff => _congestion.Backoff;

    /// <summary>This update's receive budgets and the violation score.</summary>
    public ConnectionBudget Budget { get; }

    /// <summary>True when both ends negotiated LZ4 compression in the handshake.</summary>
    public bool Compression => _compression;

    /// <summary>Set when the connection must close; the owner sends the disconnect and raises the event.</summary>
    public DisconnectReason? PendingClose { get; private set; }

    /// <summary>
    /// Closes the connection when it is dead (docs/PROTOCOL.md §8), each way with its own reason: the peer sent nothing
    /// for the timeout (<see cref="DisconnectReason.TimedOut"/>, the link is lost), or it keeps the connection alive but
    /// acknowledged no reliable message for as long while one we sent waited (<see cref="DisconnectReason.SendQueueOverflow"/>,
    /// it cannot keep up: it was heard from after that). A peer on a slow link that acknowledges messages, however slowly,
    /// makes progress and stays; one that acknowledges none is cut: its resends are bounded by the congestion window and
    /// the backed-off timeout, but a sender must not keep a window of data for a peer that never takes it. The second must
    /// not read as <see cref="DisconnectReason.TimedOut"/>: that one means the host is gone to a player-hosted session's
    /// players, and a live player told so would elect or promote itself and split the session.
    /// </summary>
    public void CloseIfDead(double now)
    {
        if (PendingClose is not null) return;
        if (_closeWhenDelivered is { } closing && (now >= _closeWhenDeliveredBy || _orderedOut.Unacknowledged + _unorderedOut.Unacknowledged == 0))
        {
            Close(closing);
            return;
        }

        if (now - _lastReceivedAt > _timeout)
        {
            Close(DisconnectReason.TimedOut);
            return;
        }

        if (HoldsRecordsBehindAMissingId(now))
        {
            Budget.Violation(ViolationKind.MissingReliableId);
            Close(DisconnectReason.ProtocolViolation);
            return;
        }

        // Only a peer heard from after its oldest message was overdue is alive and not acknowledging: when the link dies
        // with a message in flight sent before the last packet arrived, the message is overdue before the silence is, and
        // the lost link must still read as TimedOut (a player-hosted session's players migrate on it). Overdue counts from
        // the later of the oldest message's first send and the last acknowledgement of any reliable message, so a peer
        // still acknowledging is never cut while one message of its waits behind a queue or a few losses.
        double oldest = Math.Min(_orderedOut.OldestUnacknowledgedSince, _unorderedOut.OldestUnacknowledgedSince);
        double overdueAt = Math.Max(oldest, _reliableProgressAt) + _timeout;
        if (_lastReceivedAt > overdueAt) Close(DisconnectReason.SendQueueOverflow);
    }

    /// <summary>
    /// True when a reliable window has held records behind a missing id for longer than the connection's timeout
    /// (docs/PROTOCOL.md §7): an honest sender resends the missing one long before, so only a peer that leaves a group
    /// unfinished on purpose gets here, holding up to 3 MiB of window (§9.1) while it stays. Checked at most once a
    /// second (a window scan), so such a peer is cut between the timeout and a second after it.
    /// </summary>
    private bool HoldsRecordsBehindAMissingId(double now)
    {
        if (now < _nextWindowCheckAt) return false;
        _nextWindowCheckAt = now + WindowCheckInterval;
        double since = Math.Min(_orderedIn.WaitingOnMissingSince(), _unorderedIn.WaitingOnMissingSince());
        return now - since > _timeout;
    }

    /// <summary>Seconds between two checks of the reliable windows for records held behind a missing id.</summary>
    private const double WindowCheckInterval = 1;

    private double _nextWindowCheckAt;

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
                // Both channels together, queued or in flight, counted as the memory they take: the bound docs/PROTOCOL.md
                // §9.1 states for what a peer that takes nothing can make the server hold.
                long cost = ReliableSendChannel.Cost(message.Length, _peer.FragmentSize);
                if (_orderedOut.QueuedBytes + _unorderedOut.QueuedBytes + cost > _peer.Options.MaxSendQueueBytes)
                {
                    Close(DisconnectReason.SendQueueOverflow);
                    return SendResult.Overflow;
                }
                (channel == ChannelKind.ReliableOrdered ? _orderedOut : _unorderedOut).Enqueue(message, _peer.FragmentSize);
                return SendResult.Queued;
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

    /// <summary>
    /// Closes the connection with <paramref name="reason"/> once the peer has acknowledged every reliable message sent or
    /// queued to it, or at <paramref name="deadline"/> (peer time, seconds) at the latest, whichever comes first; checked with
    /// <see cref="CloseIfDead"/>. The first request counts: a later one changes neither the reason nor the deadline.
    /// </summary>
    public void CloseWhenDelivered(DisconnectReason reason, double deadline)
    {
        if (PendingClose is not null || _closeWhenDelivered is not null) return;
        _closeWhenDelivered = reason;
        _closeWhenDeliveredBy = deadline;
    }

    /// <summary>Whether the connection closes once its reliable messages are delivered (<see cref="CloseWhenDelivered"/>).</summary>
    public bool Closing => _closeWhenDelivered is not null && PendingClose is null;

    public NetStats GetStats()
    {
        // Rates as of now, not of the last flush: a sleeping server connection is flushed only at its keep-alive.
        var (bytesIn, bytesOut) = Statistics.RatesAt(_peer.Now);
        return new()
        {
            Transport = Address.Kind,
            RoundTripTimeMs = Statistics.SmoothedRtt * 1000,
            JitterMs = Statistics.RttVariation * 1000,
            PacketLossPercent = Statistics.Loss * 100,
            BytesInPerSecond = bytesIn,
            BytesOutPerSecond = bytesOut,
            PacketsSent = Statistics.PacketsSent,
            PacketsReceived = Statistics.PacketsReceived,
            BytesSent = Statistics.BytesSent,
            BytesReceived = Statistics.BytesReceived,
            Resends = _orderedOut.Resends + _unorderedOut.Resends,
            CongestionWindowBytes = _congestion.Window,
            BytesInFlight = _congestion.InFlight,
            LossEvents = _congestion.CongestionEvents,
            SpuriousLossUndos = _congestion.SpuriousLossUndos,
            PendingReliable = _orderedOut.Unacknowledged + _unorderedOut.Unacknowledged,
            UnreliableDropped = _unreliableOut.Dropped,
            Timeout = TimeSpan.FromSeconds(_timeout),
        };
    }

    /// <summary>
    /// The server's update this connection's receiving last began in (<see cref="NetServer"/> begins it only when the
    /// connection has something to read or to deliver); 0 before any.
    /// </summary>
    public long UpdateStamp { get; set; }

    /// <summary>
    /// Starts an update: fresh budgets, then what earlier updates' budgets held back is delivered first.
    /// <paramref name="skippedUpdates"/>: updates since the last one it took part in (see <see cref="ConnectionBudget.BeginUpdate"/>).
    /// </summary>
    public void BeginUpdate(long skippedUpdates = 0)
    {
        Budget.BeginUpdate(skippedUpdates);
        if (!_orderedIn.DeliverDeferred(Budget) || !_unorderedIn.DeliverDeferred(Budget)) Close(DisconnectReason.ProtocolViolation);
    }

    /// <summary>
    /// Returns the reliable channels' and the reassembler's pooled buffers: the connection is closed, and what it held to
    /// send or deliver goes nowhere now. Its keys and sequences stay, for a notice repeated on it (<see cref="RepeatedNotices"/>).
    /// </summary>
    public void ReleaseQueues()
    {
        _orderedOut.Clear();
        _unorderedOut.Clear();
        _orderedIn.Clear();
        _unorderedIn.Clear();
        _fragments.Clear();
    }

    /// <summary>Ends an update's receiving; a connection that kept breaking its budgets is closed.</summary>
    public void EndUpdate()
    {
        if (Budget.EndUpdate()) Close(DisconnectReason.ProtocolViolation);
    }

    public void Dispose()
    {
        ReleaseQueues();
        _sendCipher?.Dispose();
        _receiveCipher?.Dispose();
    }
}

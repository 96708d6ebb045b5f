using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Channels;

namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>
/// What each sent packet carried, so that its ack releases those reliable messages and yields an RTT sample.
/// Packets are remembered in a ring of 1,024 (about 260 ms at the full 64 packets per 60 Hz update) and their
/// message ids in a ring of 16,384; an ack that comes after either was overwritten is ignored, and the
/// messages are resent by their timer instead, so forgetting costs bandwidth, never correctness.
/// Tracked messages' receipts are reported once each, through <see cref="IReceiptSink"/>: delivered when their packet is
/// acknowledged, lost when it was not by the time it is resolved (64 packets later) or forgotten.
/// Every packet's fate goes into the loss estimate (<see cref="ConnectionStatistics.Loss"/>) once the peer's acks tell
/// it (<see cref="ResolveFates"/>), whatever the packet carried.
/// </summary>
internal sealed class SentPackets
{
    public const int MaxReliablePerPacket = 64;
    private const int Ring = 1024;
    private const int IdRing = 16384;
    private const uint UnorderedFlag = 1u << 16;
    private const int LossResolveDistance = 64;

    private struct Entry
    {
        public ushort Sequence;
        public bool Used;
        public bool Acked;
        public bool LossResolved;

        /// <summary>It carried messages or the ack-eliciting flag, so the peer acknowledges it promptly (docs/PROTOCOL.md §6).</summary>
        public bool Eliciting;
        public double SentAt;
        public long IdStart;
        public int IdCount;
        public long ReceiptStart;
        public int ReceiptCount;

        /// <summary>The datagram's bytes while it carries reliable records and is in flight (neither acked nor declared lost), else 0.</summary>
        public int InFlightBytes;

        /// <summary>Counted in the loss estimate: acknowledged, or declared lost by <see cref="ResolveFates"/>.</summary>
        public bool FateKnown;

        /// <summary>The fate number + 1 it was counted lost under (0: not counted lost), so a late ack can correct it.</summary>
        public long LostFate;

        /// <summary>The congestion window's loss episode it was declared lost in (0: none), so a late ack can undo the cut.</summary>
        public long LossEpisode;
    }

    /// <summary>Packets later than the newest acknowledged by this many are declared lost (RFC 9002 §6.1.1).</summary>
    public const int LossThreshold = 3;

    /// <summary>A packet sent this many smoothed round trips before the newest acknowledged one is declared lost (RFC 9002 §6.1.2).</summary>
    public const double TimeThreshold = 9.0 / 8;

    private readonly Entry[] _entries = new Entry[Ring];
    private readonly uint[] _ids = new uint[IdRing];
    private long _idsWritten;
    private readonly uint[] _receipts = new uint[IdRing];
    private long _receiptsWritten;
    private readonly CongestionWindow _congestion;

    // Packets from _flightStart up to _nextRecorded may be in flight; older ones are resolved for congestion control.
    private ushort _flightStart;
    // Packets from _fateStart up to _nextRecorded may not be counted in the loss estimate yet; older ones are.
    private ushort _fateStart;
    private ushort _nextRecorded;
    private bool _hasLargestAcked;
    private ushort _largestAcked;
    private double _largestAckedSentAt;

    public SentPackets(CongestionWindow congestion) => _congestion = congestion;

    /// <summary>Receipts of the tracked messages written into the packet being built.</summary>
    public uint[] Receipts { get; } = new uint[PacketLayout.MaxRecordsPerPacket];

    /// <summary>Ids of ReliableOrdered messages written into the packet being built.</summary>
    public ushort[] Ordered { get; } = new ushort[MaxReliablePerPacket];

    /// <summary>Ids of ReliableUnordered messages written into the packet being built.</summary>
    public ushort[] Unordered { get; } = new ushort[MaxReliablePerPacket];

    /// <summary>
    /// Remembers a packet about to be sent with the first counts of <see cref="Ordered"/>, <see cref="Unordered"/> and
    /// <see cref="Receipts"/>; <paramref name="eliciting"/> when the peer must acknowledge it (messages, or the flag).
    /// </summary>
    public void Record(ushort sequence, double now, int orderedCount, int unorderedCount, int receiptCount, int datagramBytes, bool eliciting, ConnectionStatistics statistics, IReceiptSink receipts)
    {
        ref var entry = ref _entries[sequence % Ring];
        if (entry.InFlightBytes > 0) _congestion.OnForgotten(entry.InFlightBytes);
        if (entry.Used && !entry.LossResolved && !entry.Acked) ReportReceipts(ref entry, receipts, delivered: false);
        entry = new Entry
        {
            Sequence = sequence, Used = true, Eliciting = eliciting, SentAt = now, IdStart = _idsWritten, IdCount = orderedCount + unorderedCount,
            ReceiptStart = _receiptsWritten, ReceiptCount = receiptCount,
            InFlightBytes = orderedCount + unorderedCount > 0 ? datagramBytes : 0,
        };
        if (entry.InFlightBytes > 0) _congestion.OnSent(datagramBytes);
        _nextRecorded = (ushort)(sequence + 1);
        // The ring forgets packets 1,024 back: the in-flight scan never starts before what it still holds.
        if ((ushort)(_nextRecorded - _flightStart) > Ring) _flightStart = (ushort)(_nextRecorded - Ring);
        if ((ushort)(_nextRecorded - _fateStart) > Ring) _fateStart = (ushort)(_nextRecorded - Ring);
        for (int i = 0; i < orderedCount; i++) _ids[_idsWritten++ % IdRing] = Ordered[i];
        for (int i = 0; i < unorderedCount; i++) _ids[_idsWritten++ % IdRing] = UnorderedFlag | Unordered[i];
        for (int i = 0; i < receiptCount; i++) _receipts[_receiptsWritten++ % IdRing] = Receipts[i];
        ResolveLoss((ushort)(sequence - LossResolveDistance), receipts);
    }

    /// <summary>
    /// Handles an ack header naming <paramref name="ack"/> and <paramref name="bits"/>: acknowledges each packet it names,
    /// in one walk over the 32 bits. Only the newest packet acknowledged yields a round-trip sample (the others' acks
    /// went out earlier, in packets that were lost, so theirs would measure the loss, not the path), and only when the
    /// header acknowledges, for the first time, at least one packet the peer had to acknowledge promptly (it carried
    /// messages or the ack-eliciting flag): only then is the time since the newest was sent a round trip plus at most the
    /// peer's ack delay. An ack-only packet that elicits nothing is acknowledged whenever the peer next sends, possibly a
    /// keep-alive interval later, and the wire carries no ack delay to take off (QUIC's rule, RFC 9002 §5.1, without it).
    /// The sample is taken after the walk; nothing the walk does reads the round trip or changes the newest's send time.
    /// </summary>
    public void AcknowledgeHeader(ushort ack, uint bits, double now, ConnectionStatistics statistics, ReliableSendChannel ordered, ReliableSendChannel unordered, IReceiptSink receipts)
    {
        ref var newest = ref _entries[ack % Ring];
        bool newestFirstAck = IsUnacknowledged(ref newest, ack);
        double newestSentAt = newest.SentAt;
        bool eliciting = newestFirstAck && newest.Eliciting;
        if (newestFirstAck) MarkAcknowledged(ref newest, ack, statistics, ordered, unordered, receipts);
        for (int i = 0; i < 32; i++)
        {
            if ((bits & (1u << i)) == 0) continue;
            ushort sequence = (ushort)(ack - 1 - i);
            ref var entry = ref _entries[sequence % Ring];
            if (!IsUnacknowledged(ref entry, sequence)) continue;
            eliciting |= entry.Eliciting;
            MarkAcknowledged(ref entry, sequence, statistics, ordered, unordered, receipts);
        }
        if (newestFirstAck && eliciting) TakeRttSample(now - newestSentAt, now, statistics);
    }

    private static bool IsUnacknowledged(ref Entry entry, ushort sequence) => entry.Used && !entry.Acked && entry.Sequence == sequence;

    private void TakeRttSample(double rtt, double now, ConnectionStatistics statistics)
    {
        statistics.AddRttSample(rtt);
        _congestion.OnRttSample(rtt, now);
    }

    /// <summary>
    /// Handles the peer's ack of <paramref name="sequence"/>; repeated acks of one packet do nothing, and so does an ack
    /// of a packet already resolved as lost except for its reliable messages (its receipts were reported lost). The time
    /// since the packet was sent is a round-trip sample when <paramref name="sample"/> says so.
    /// </summary>
    public void Acknowledge(ushort sequence, double now, bool sample, ConnectionStatistics statistics, ReliableSendChannel ordered, ReliableSendChannel unordered, IReceiptSink receipts)
    {
        ref var entry = ref _entries[sequence % Ring];
        if (!IsUnacknowledged(ref entry, sequence)) return;
        if (sample) TakeRttSample(now - entry.SentAt, now, statistics);
        MarkAcknowledged(ref entry, sequence, statistics, ordered, unordered, receipts);
    }

    private void MarkAcknowledged(ref Entry entry, ushort sequence, ConnectionStatistics statistics, ReliableSendChannel ordered, ReliableSendChannel unordered, IReceiptSink receipts)
    {
        entry.Acked = true;
        _congestion.OnProgress();
        if (entry.InFlightBytes > 0)
        {
            _congestion.OnAcknowledged(entry.InFlightBytes, entry.SentAt);
            entry.InFlightBytes = 0;
        }
        else if (entry.LossEpisode != 0)
        {
            // Declared lost, yet it arrived: the window cut for its loss may have been for nothing.
            _congestion.OnSpuriousLoss(entry.LossEpisode);
            entry.LossEpisode = 0;
        }
        if (!_hasLargestAcked || Sequence.IsNewer(sequence, _largestAcked))
        {
            _hasLargestAcked = true;
            _largestAcked = sequence;
            _largestAckedSentAt = entry.SentAt;
        }
        if (!entry.FateKnown)
        {
            entry.FateKnown = true;
            statistics.AddFate(lost: false);
        }
        else if (entry.LostFate != 0)
        {
            // Declared lost, yet it arrived (reordered past the thresholds, or its acks were lost): it was delivered.
            statistics.CorrectLoss(entry.LostFate - 1);
            entry.LostFate = 0;
        }
        if (!entry.LossResolved)
        {
            entry.LossResolved = true;
            ReportReceipts(ref entry, receipts, delivered: true);
        }
        if (entry.IdStart < _idsWritten - IdRing) return;
        for (long i = entry.IdStart; i < entry.IdStart + entry.IdCount; i++)
        {
            uint id = _ids[i % IdRing];
            if ((id & UnorderedFlag) != 0) unordered.Acknowledge((ushort)id);
            else ordered.Acknowledge((ushort)id);
        }
    }

    /// <summary>
    /// After an ack was handled: declares lost each packet in flight sent <see cref="LossThreshold"/> packets, or
    /// <see cref="TimeThreshold"/> round trips, before the newest packet acknowledged, so its reliable messages are
    /// resent at once rather than a timeout later, and the window shrinks. Scans from the oldest packet in flight and
    /// stops at the first that is not lost, so each packet is visited about once.
    /// </summary>
    public void DetectLoss(double now, ConnectionStatistics statistics, ReliableSendChannel ordered, ReliableSendChannel unordered)
    {
        if (!_hasLargestAcked) return;
        double lossDelay = TimeThreshold * Math.Max(statistics.SmoothedRtt, 0.001);
        while (_flightStart != _nextRecorded)
        {
            ref var entry = ref _entries[_flightStart % Ring];
            if (entry.Used && entry.Sequence == _flightStart && entry.InFlightBytes > 0)
            {
                if (!Sequence.IsNewer(_largestAcked, _flightStart)) return;
                bool lost = Sequence.Difference(_largestAcked, _flightStart) >= LossThreshold || entry.SentAt <= _largestAckedSentAt - lossDelay;
                if (!lost) return;
                DeclareLost(ref entry, now, CongestionWindow.IsQueued(statistics.SmoothedRtt, _congestion.MinRtt), ordered, unordered);
            }
            _flightStart++;
        }
    }

    /// <summary>
    /// After an ack header was handled: counts in the loss estimate, as lost, each packet not acknowledged that the peer's
    /// acks show missing: a packet <see cref="LossThreshold"/> later, or sent <see cref="TimeThreshold"/> round trips
    /// later, was acknowledged, or the header came at least the resend delay after the packet left (the peer sent it
    /// when the packet, had it arrived, would have been acknowledged). The last rule is what a sender whose traffic thins
    /// out needs: no later packet may come to be acknowledged, while the peer's packets keep coming. Whatever a packet
    /// carried, and whether or not congestion control tracks it, it counts; one declared lost and acknowledged later is
    /// corrected (<see cref="ConnectionStatistics.CorrectLoss"/>).
    /// </summary>
    public void ResolveFates(double now, ConnectionStatistics statistics)
    {
        double resendDelay = statistics.ResendDelay;
        double lossDelay = TimeThreshold * Math.Max(statistics.SmoothedRtt, 0.001);
        while (_fateStart != _nextRecorded)
        {
            ref var entry = ref _entries[_fateStart % Ring];
            if (entry.Used && entry.Sequence == _fateStart && !entry.FateKnown)
            {
                bool laterAcknowledged = _hasLargestAcked && Sequence.IsNewer(_largestAcked, _fateStart)
                    && (Sequence.Difference(_largestAcked, _fateStart) >= LossThreshold || entry.SentAt <= _largestAckedSentAt - lossDelay);
                if (!laterAcknowledged && now - entry.SentAt < resendDelay) return;
                entry.FateKnown = true;
                entry.LostFate = statistics.AddFate(lost: true) + 1;
            }
            _fateStart++;
        }
    }

    /// <summary>
    /// Declares lost every packet in flight sent at least <paramref name="timeout"/> ago (the retransmission timeout
    /// fired: nothing acknowledged them); true when one was.
    /// </summary>
    public bool ExpireTimedOut(double now, double timeout, ReliableSendChannel ordered, ReliableSendChannel unordered)
    {
        bool expired = false;
        while (_flightStart != _nextRecorded)
        {
            ref var entry = ref _entries[_flightStart % Ring];
            if (entry.Used && entry.Sequence == _flightStart && entry.InFlightBytes > 0)
            {
                if (now - entry.SentAt < timeout) return expired;
                if (!expired) _congestion.OnTimeout(now);
                expired = true;
                DeclareLost(ref entry, now, queued: true, ordered, unordered);
            }
            _flightStart++;
        }
        return expired;
    }

    private void DeclareLost(ref Entry entry, double now, bool queued, ReliableSendChannel ordered, ReliableSendChannel unordered)
    {
        entry.LossEpisode = _congestion.OnLost(entry.InFlightBytes, entry.SentAt, now, queued);
        entry.InFlightBytes = 0;
        if (entry.IdStart < _idsWritten - IdRing) return;
        for (long i = entry.IdStart; i < entry.IdStart + entry.IdCount; i++)
        {
            uint id = _ids[i % IdRing];
            if ((id & UnorderedFlag) != 0) unordered.MarkLost((ushort)id, entry.SentAt);
            else ordered.MarkLost((ushort)id, entry.SentAt);
        }
    }

    /// <summary>A packet 64 sequences old was either acked by now or lost (acks cover 33 packets).</summary>
    private void ResolveLoss(ushort sequence, IReceiptSink receipts)
    {
        ref var old = ref _entries[sequence % Ring];
        if (!old.Used || old.LossResolved || old.Sequence != sequence) return;
        old.LossResolved = true;
        if (!old.Acked) ReportReceipts(ref old, receipts, delivered: false);
    }

    private void ReportReceipts(ref Entry entry, IReceiptSink sink, bool delivered)
    {
        if (entry.ReceiptCount == 0 || entry.ReceiptStart < _receiptsWritten - IdRing) return;
        for (long i = entry.ReceiptStart; i < entry.ReceiptStart + entry.ReceiptCount; i++) sink.OnReceipt(_receipts[i % IdRing], delivered);
        entry.ReceiptCount = 0;
    }
}

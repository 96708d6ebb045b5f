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
        public double SentAt;
        public long IdStart;
        public int IdCount;
        public long ReceiptStart;
        public int ReceiptCount;
    }

    private readonly Entry[] _entries = new Entry[Ring];
    private readonly uint[] _ids = new uint[IdRing];
    private long _idsWritten;
    private readonly uint[] _receipts = new uint[IdRing];
    private long _receiptsWritten;

    /// <summary>Receipts of the tracked messages written into the packet being built.</summary>
    public uint[] Receipts { get; } = new uint[PacketLayout.MaxRecordsPerPacket];

    /// <summary>Ids of ReliableOrdered messages written into the packet being built.</summary>
    public ushort[] Ordered { get; } = new ushort[MaxReliablePerPacket];

    /// <summary>Ids of ReliableUnordered messages written into the packet being built.</summary>
    public ushort[] Unordered { get; } = new ushort[MaxReliablePerPacket];

    /// <summary>
    /// Remembers a packet about to be sent with the first counts of <see cref="Ordered"/>, <see cref="Unordered"/> and
    /// <see cref="Receipts"/>.
    /// </summary>
    public void Record(ushort sequence, double now, int orderedCount, int unorderedCount, int receiptCount, ConnectionStatistics statistics, IReceiptSink receipts)
    {
        ref var entry = ref _entries[sequence % Ring];
        if (entry.Used && !entry.LossResolved)
        {
            statistics.AddLossSample(lost: !entry.Acked);
            if (!entry.Acked) ReportReceipts(ref entry, receipts, delivered: false);
        }
        entry = new Entry
        {
            Sequence = sequence, Used = true, SentAt = now, IdStart = _idsWritten, IdCount = orderedCount + unorderedCount,
            ReceiptStart = _receiptsWritten, ReceiptCount = receiptCount,
        };
        for (int i = 0; i < orderedCount; i++) _ids[_idsWritten++ % IdRing] = Ordered[i];
        for (int i = 0; i < unorderedCount; i++) _ids[_idsWritten++ % IdRing] = UnorderedFlag | Unordered[i];
        for (int i = 0; i < receiptCount; i++) _receipts[_receiptsWritten++ % IdRing] = Receipts[i];
        ResolveLoss((ushort)(sequence - LossResolveDistance), statistics, receipts);
    }

    /// <summary>
    /// Handles the peer's ack of <paramref name="sequence"/>; repeated acks of one packet do nothing, and so does an ack
    /// of a packet already resolved as lost except for its reliable messages (its receipts were reported lost). The time
    /// since the packet was sent is a round-trip sample when <paramref name="sample"/> says so.
    /// </summary>
    public void Acknowledge(ushort sequence, double now, bool sample, ConnectionStatistics statistics, ReliableSendChannel ordered, ReliableSendChannel unordered, IReceiptSink receipts)
    {
        ref var entry = ref _entries[sequence % Ring];
        if (!entry.Used || entry.Acked || entry.Sequence != sequence) return;
        entry.Acked = true;
        if (sample) statistics.AddRttSample(now - entry.SentAt);
        if (!entry.LossResolved)
        {
            entry.LossResolved = true;
            statistics.AddLossSample(lost: false);
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

    /// <summary>A packet 64 sequences old was either acked by now or lost (acks cover 33 packets).</summary>
    private void ResolveLoss(ushort sequence, ConnectionStatistics statistics, IReceiptSink receipts)
    {
        ref var old = ref _entries[sequence % Ring];
        if (!old.Used || old.LossResolved || old.Sequence != sequence) return;
        old.LossResolved = true;
        statistics.AddLossSample(lost: !old.Acked);
        if (!old.Acked) ReportReceipts(ref old, receipts, delivered: false);
    }

    private void ReportReceipts(ref Entry entry, IReceiptSink sink, bool delivered)
    {
        if (entry.ReceiptCount == 0 || entry.ReceiptStart < _receiptsWritten - IdRing) return;
        for (long i = entry.ReceiptStart; i < entry.ReceiptStart + entry.ReceiptCount; i++) sink.OnReceipt(_receipts[i % IdRing], delivered);
        entry.ReceiptCount = 0;
    }
}

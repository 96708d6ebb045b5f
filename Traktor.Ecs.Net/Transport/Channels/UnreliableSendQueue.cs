namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// Unreliable and sequenced messages waiting for the next send, in one reused byte arena; whatever does not
/// fit the packets of an update is dropped, as unreliable data is stale by the next tick.
/// </summary>
internal sealed class UnreliableSendQueue
{
    private readonly record struct Entry(ChannelKind Channel, ushort Id, ushort FragmentIndex, ushort FragmentCount, int Offset, int Length, bool Tracked, uint Receipt);

    private Entry[] _entries = new Entry[64];
    private int _count;
    private int _next;
    private byte[] _arena = new byte[16 * 1024];
    private int _arenaUsed;
    private ushort _sequencedId;
    private ushort _fragmentGroup;
    private int _unsentScan;

    public long Dropped { get; private set; }

    /// <summary>Nothing queued (always so after <see cref="EndSendPass"/>).</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>
    /// Queues a message; a <paramref name="tracked"/> one (never fragmented: the caller checks its size) has its
    /// <paramref name="receipt"/> recorded with the packet that carries it, for a delivered or lost report.
    /// </summary>
    public bool Enqueue(ChannelKind channel, ReadOnlySpan<byte> message, int fragmentSize, int maxBytes, bool tracked = false, uint receipt = 0)
    {
        if (_arenaUsed + message.Length > maxBytes)
        {
            Dropped++;
            return false;
        }
        int count = message.Length <= fragmentSize ? 1 : (message.Length + fragmentSize - 1) / fragmentSize;
        ushort id = channel == ChannelKind.UnreliableSequenced ? _sequencedId++ : count > 1 ? _fragmentGroup++ : (ushort)0;
        EnsureArena(message.Length);
        message.CopyTo(_arena.AsSpan(_arenaUsed));
        for (int i = 0; i < count; i++)
        {
            int length = count == 1 ? message.Length : Math.Min(fragmentSize, message.Length - i * fragmentSize);
            if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
            _entries[_count++] = new Entry(channel, id, (ushort)(count == 1 ? 0 : i), (ushort)(count == 1 ? 0 : count), _arenaUsed + i * fragmentSize, length, tracked, receipt);
        }
        _arenaUsed += message.Length;
        return true;
    }

    /// <summary>
    /// Writes queued records in order until one does not fit or <paramref name="maxRecords"/> were written; returns bytes
    /// written. The receipts of tracked messages written go to <paramref name="receipts"/>.
    /// </summary>
    public int Write(Span<byte> destination, int maxRecords, Span<uint> receipts, ref int receiptCount)
    {
        int written = 0;
        for (int records = 0; _next < _count && records < maxRecords; records++)
        {
            var e = _entries[_next];
            if (e.Tracked && receiptCount == receipts.Length) break;
            int n = MessageRecord.Write(destination[written..], e.Channel, e.Id, e.FragmentIndex, e.FragmentCount, _arena.AsSpan(e.Offset, e.Length));
            if (n == 0) break;
            if (e.Tracked) receipts[receiptCount++] = e.Receipt;
            written += n;
            _next++;
        }
        return written;
    }

    /// <summary>The receipt of the next tracked message this update did not send (call before <see cref="EndSendPass"/>).</summary>
    public bool TryTakeUnsentReceipt(out uint receipt)
    {
        for (; _unsentScan < _count; _unsentScan++)
        {
            if (_unsentScan < _next || !_entries[_unsentScan].Tracked) continue;
            receipt = _entries[_unsentScan++].Receipt;
            return true;
        }
        receipt = 0;
        return false;
    }

    /// <summary>Drops what was not sent this update and recycles the arena.</summary>
    public void EndSendPass()
    {
        _unsentScan = 0;
        Dropped += _count - _next;
        _count = 0;
        _next = 0;
        _arenaUsed = 0;
    }

    private void EnsureArena(int length)
    {
        if (_arenaUsed + length <= _arena.Length) return;
        Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaUsed + length));
    }
}

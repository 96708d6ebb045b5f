namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// Events produced by <c>Update</c>, with message bytes in one arena that is reused once every event was polled,
/// so steady-state delivery allocates nothing. Message events are bounded (<see cref="NetPeerOptions.MaxQueuedMessages"/>
/// messages and <see cref="NetPeerOptions.MaxQueuedMessageBytes"/> bytes, whether or not the caller polls): a
/// message that does not fit is refused and the caller decides (unreliable ones are dropped, reliable ones wait in
/// their channel's window). Connection events are always kept; they are bounded by the slot count. After a burst
/// each array returns to its steady size once <see cref="ShrinkAfterQuietUpdates"/> updates in a row and
/// <see cref="ShrinkAfterQuietSeconds"/> seconds stayed within it: counting updates alone would make a loop that updates
/// thousands of times a second shrink between two bursts and allocate the arrays again for the next one. The entry list
/// and the arena grow and shrink each on its own: a connect burst grows only the entries (its events carry no bytes),
/// and replacing the 64 KB arena with one of the same size for it would allocate for nothing.
/// </summary>
internal sealed class EventQueue
{
    public const int SteadyEntries = 256;
    public const int SteadyArenaBytes = 64 * 1024;
    public const int ShrinkAfterQuietUpdates = 64;
    public const double ShrinkAfterQuietSeconds = 5;

    private readonly record struct Entry(NetEventType Type, ConnectionId Connection, ulong ClientId, ChannelKind Channel, DisconnectReason Reason, int Offset, int Length, uint Receipt = 0, bool ByServer = false);

    private readonly int _maxMessages;
    private readonly int _maxBytes;
    private Entry[] _entries = new Entry[SteadyEntries];
    private int _count;
    private int _read;
    private int _messages;
    private byte[] _arena = new byte[SteadyArenaBytes];
    private int _arenaUsed;
    private QuietSpell _entriesQuiet;
    private QuietSpell _arenaQuiet;

    public EventQueue(int maxMessages, int maxBytes)
    {
        _maxMessages = maxMessages;
        _maxBytes = maxBytes;
    }

    public int Pending => _count - _read;

    /// <summary>Bytes held by the queue's arrays (entries and arena), for tests of the memory bound.</summary>
    public long CapacityBytes => (long)_entries.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<Entry>() + _arena.Length;

    /// <summary>Recycles the arena when the caller has polled everything, and shrinks each array a while after a burst; <paramref name="now"/> in seconds.</summary>
    public void BeginUpdate(double now)
    {
        if (_read < _count) return;
        if (_entriesQuiet.Observe(_count <= SteadyEntries, now) && _entries.Length > SteadyEntries) _entries = new Entry[SteadyEntries];
        if (_arenaQuiet.Observe(_arenaUsed <= SteadyArenaBytes, now) && _arena.Length > SteadyArenaBytes) _arena = new byte[SteadyArenaBytes];
        _count = 0;
        _read = 0;
        _messages = 0;
        _arenaUsed = 0;
    }

    /// <summary>True when a message of <paramref name="length"/> bytes fits the queue's bounds.</summary>
    public bool CanAccept(int length) => _messages < _maxMessages && (long)_arenaUsed + length <= _maxBytes;

    public void AddConnected(ConnectionId id, ulong clientId) => Add(new Entry(NetEventType.Connected, id, clientId, default, default, 0, 0));

    public void AddDisconnected(ConnectionId id, ulong clientId, DisconnectReason reason, bool byServer = false) =>
        Add(new Entry(NetEventType.Disconnected, id, clientId, default, reason, 0, 0, ByServer: byServer));

    /// <summary>Reports a tracked message's fate (like connection events, always kept: at most one per tracked send).</summary>
    public void AddReceipt(ConnectionId id, ulong clientId, uint receipt, bool delivered) =>
        Add(new Entry(delivered ? NetEventType.Delivered : NetEventType.Lost, id, clientId, ChannelKind.Unreliable, default, 0, 0, receipt));

    /// <summary>Adds a message event; the caller checked <see cref="CanAccept"/>.</summary>
    public void AddMessage(ConnectionId id, ulong clientId, ChannelKind channel, ReadOnlySpan<byte> data)
    {
        var span = ReserveMessage(id, clientId, channel, data.Length);
        data.CopyTo(span);
    }

    /// <summary>Adds a message event and returns its bytes to fill (fragments are assembled in place); the caller checked <see cref="CanAccept"/>.</summary>
    public Span<byte> ReserveMessage(ConnectionId id, ulong clientId, ChannelKind channel, int length)
    {
        if (!CanAccept(length)) throw new InvalidOperationException("The event queue is full; check CanAccept first.");
        EnsureArena(length);
        int offset = _arenaUsed;
        _arenaUsed += length;
        _messages++;
        Add(new Entry(NetEventType.Message, id, clientId, channel, default, offset, length));
        return _arena.AsSpan(offset, length);
    }

    public bool TryPoll(out NetEvent netEvent)
    {
        if (_read >= _count)
        {
            netEvent = default;
            return false;
        }
        var e = _entries[_read++];
        netEvent = new NetEvent(e.Type, e.Connection, e.ClientId, e.Channel, e.Reason, _arena.AsMemory(e.Offset, e.Length)) { Receipt = e.Receipt, ByServer = e.ByServer };
        return true;
    }

    private void Add(in Entry entry)
    {
        if (_count == _entries.Length) Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count++] = entry;
    }

    private void EnsureArena(int length)
    {
        if (_arenaUsed + length <= _arena.Length) return;
        // Memory handed out earlier keeps pointing at the old array, whose bytes stay valid.
        var bigger = new byte[Math.Min(_maxBytes, Math.Max(_arena.Length * 2, _arenaUsed + length))];
        _arena.AsSpan(0, _arenaUsed).CopyTo(bigger);
        _arena = bigger;
    }

    /// <summary>How long one array's use stayed within its steady size: updates in a row and seconds since it last did not.</summary>
    private struct QuietSpell
    {
        private int _updates;
        private double _lastBusyAt;

        /// <summary>Counts one update; true when the array stayed within its steady size long enough to shrink.</summary>
        public bool Observe(bool quiet, double now)
        {
            if (quiet) _updates++;
            else
            {
                _updates = 0;
                _lastBusyAt = now;
            }
            return _updates >= ShrinkAfterQuietUpdates && now - _lastBusyAt >= ShrinkAfterQuietSeconds;
        }
    }
}

namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// Events produced by one <c>Update</c>, with message bytes in one growing arena that is reused once
/// every event was polled, so steady-state delivery allocates nothing.
/// </summary>
internal sealed class EventQueue
{
    private readonly record struct Entry(NetEventType Type, ConnectionId Connection, ulong ClientId, ChannelKind Channel, DisconnectReason Reason, int Offset, int Length);

    private Entry[] _entries = new Entry[256];
    private int _count;
    private int _read;
    private byte[] _arena = new byte[64 * 1024];
    private int _arenaUsed;

    public int Pending => _count - _read;

    /// <summary>Recycles the arena when the caller has polled everything.</summary>
    public void BeginUpdate()
    {
        if (_read < _count) return;
        _count = 0;
        _read = 0;
        _arenaUsed = 0;
    }

    public void AddConnected(ConnectionId id, ulong clientId) => Add(new Entry(NetEventType.Connected, id, clientId, default, default, 0, 0));

    public void AddDisconnected(ConnectionId id, ulong clientId, DisconnectReason reason) => Add(new Entry(NetEventType.Disconnected, id, clientId, default, reason, 0, 0));

    public void AddMessage(ConnectionId id, ulong clientId, ChannelKind channel, ReadOnlySpan<byte> data)
    {
        var span = ReserveMessage(id, clientId, channel, data.Length);
        data.CopyTo(span);
    }

    /// <summary>Adds a message event and returns its bytes to fill (used to assemble fragments in place).</summary>
    public Span<byte> ReserveMessage(ConnectionId id, ulong clientId, ChannelKind channel, int length)
    {
        EnsureArena(length);
        int offset = _arenaUsed;
        _arenaUsed += length;
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
        netEvent = new NetEvent(e.Type, e.Connection, e.ClientId, e.Channel, e.Reason, _arena.AsMemory(e.Offset, e.Length));
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
        var bigger = new byte[Math.Max(_arena.Length * 2, _arenaUsed + length)];
        _arena.AsSpan(0, _arenaUsed).CopyTo(bigger);
        _arena = bigger;
    }
}

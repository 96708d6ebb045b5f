namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// Which of a server's connections its tick visits (the dead-connection check and the flush): those with anything queued,
/// in flight, owed or closing, every tick, and the others only from the moment their keep-alive or timeout comes
/// (<see cref="Connection.NextVisit"/>), held in a heap by that moment. A tick's work is then in proportion to the
/// connections with something to do, not to all connected: thousands of idle clients do not cost a visit each, every tick.
/// Anything that gives a sleeping connection work (a datagram from its peer, a message queued for it, a close) wakes it
/// first (<see cref="Wake"/>). Removed connections are dropped lazily: the owner tells which are still its own.
/// </summary>
internal sealed class ConnectionSchedule
{
    private readonly List<Connection> _due = new();
    private readonly PriorityQueue<(Connection Connection, int Sleep), double> _sleeping = new();
    private readonly List<(Connection Connection, int Sleep, double At)> _kept = new();

    /// <summary>For a benchmark's "before": every connection stays due every tick, as before the schedule existed.</summary>
    public bool VisitEveryConnection { get; set; }

    /// <summary>The connections the current tick visits (the owner drops those it removed, see <see cref="DropAt"/>).</summary>
    public List<Connection> Due => _due;

    /// <summary>Sleep entries held, current and stale (for tests of their bound).</summary>
    public int SleepEntries => _sleeping.Count;

    /// <summary>Makes <paramref name="connection"/> due from now on (a new connection, or work arrived for a sleeping one).</summary>
    public void Wake(Connection connection)
    {
        if (connection.Scheduled) return;
        connection.Scheduled = true;
        connection.Sleeps++; // its heap entry, if any, is stale from here on
        _due.Add(connection);
    }

    /// <summary>The owner removed <paramref name="connection"/>: its heap entry, if any, is stale from here on.</summary>
    public void Forget(Connection connection) => connection.Sleeps++;

    /// <summary>Moves every sleeping connection whose moment has come (at or before <paramref name="now"/>) to the due list.</summary>
    public void WakeDue(double now)
    {
        while (_sleeping.TryPeek(out var entry, out double at) && at <= now)
        {
            _sleeping.Dequeue();
            if (entry.Sleep == entry.Connection.Sleeps && !entry.Connection.Scheduled) Wake(entry.Connection);
        }
    }

    /// <summary>Removes the due connection at <paramref name="index"/> (the owner's loops walk the list backwards).</summary>
    public void DropAt(int index)
    {
        _due[index].Scheduled = false;
        _due[index] = _due[^1];
        _due.RemoveAt(_due.Count - 1);
    }

    /// <summary>
    /// After the due connection at <paramref name="index"/> was flushed at <paramref name="now"/>: it sleeps until its next
    /// visit when that is later than <paramref name="now"/>, else it stays due. <paramref name="live"/> is the owner's
    /// connection count, which bounds the stale entries kept.
    /// </summary>
    public void SleepIfIdle(int index, double now, int live)
    {
        if (VisitEveryConnection) return;
        var connection = _due[index];
        double next = connection.NextVisit(now);
        if (next <= now) return;
        DropAt(index);
        connection.Sleeps++;
        connection.Resumed = true;
        _sleeping.Enqueue((connection, connection.Sleeps), next);
        if (_sleeping.Count > 2 * live + 64) Compact();
    }

    /// <summary>
    /// Drops the stale entries (connections woken before their moment, or removed): each sleep leaves one, gone only when its
    /// moment comes, so a connection woken often by its peer's packets, with a long keep-alive, could pile them up.
    /// </summary>
    private void Compact()
    {
        _kept.Clear();
        while (_sleeping.TryDequeue(out var entry, out double at))
        {
            if (entry.Sleep == entry.Connection.Sleeps && !entry.Connection.Scheduled) _kept.Add((entry.Connection, entry.Sleep, at));
        }
        foreach (var (connection, sleep, at) in _kept) _sleeping.Enqueue((connection, sleep), at);
        _kept.Clear();
    }

    /// <summary>Forgets every connection (the server is disposed).</summary>
    public void Clear()
    {
        foreach (var connection in _due) connection.Scheduled = false;
        _due.Clear();
        _sleeping.Clear();
    }
}

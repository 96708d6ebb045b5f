using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

// The server's sending: flushing the due connections, closing the dead ones, and the schedule that picks them.
public sealed partial class NetServer
{
    /// <summary>
    /// Sends what is due (reliable resends, queued messages, acks, keep-alives) without receiving, and closes dead
    /// connections. Call it after queueing a tick's messages when <see cref="Update"/> already ran this tick, so a
    /// tick reads the socket once.
    /// </summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Flush(_peer.Now);
    }

    private void Flush(double now)
    {
        Interlocked.Increment(ref _statsVersion);
        // One packet per connection leaves here each tick: the transport may send them in batches (sendmmsg).
        _peer.Transport.BeginSendBatch();
        try
        {
            CloseDead(now);
            var due = _schedule.Due;
            for (int i = due.Count - 1; i >= 0; i--)
            {
                due[i].Flush(now);
                _schedule.SleepIfIdle(i, now, _active.Count);
            }
        }
        finally
        {
            _peer.Transport.FlushSends();
        }
    }

    /// <summary>
    /// Closes the due connections that are dead or offending, and drops the removed ones from the schedule. A sleeping
    /// connection can be neither before its moment: it has nothing in flight, and its timeout is one of the moments.
    /// </summary>
    private void CloseDead(double now)
    {
        _schedule.WakeDue(now);
        var due = _schedule.Due;
        for (int i = due.Count - 1; i >= 0; i--)
        {
            var connection = due[i];
            if (IsCurrent(connection))
            {
                connection.CloseIfDead(now);
                if (connection.PendingClose is not { } reason) continue;
                Remove(connection, reason);
            }
            _schedule.DropAt(i);
        }
    }

    /// <summary>
    /// For a benchmark's "before": every connection is visited every tick, as before the server left idle connections
    /// alone until their keep-alive or timeout.
    /// </summary>
    internal bool VisitEveryConnection
    {
        get => _schedule.VisitEveryConnection;
        set
        {
            _schedule.VisitEveryConnection = value;
            if (value) foreach (var connection in _active) _schedule.Wake(connection);
        }
    }

    /// <summary>Connections the next tick visits (for tests: idle ones sleep until their keep-alive or timeout).</summary>
    internal int ScheduledConnections => _schedule.Due.Count;
}

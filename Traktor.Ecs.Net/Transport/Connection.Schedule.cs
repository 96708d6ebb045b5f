namespace Traktor.Ecs.Net.Transport;

// When a server connection needs its next visit (NetServer's ConnectionSchedule): a connection with nothing queued, in
// flight or owed changes only at its keep-alive and its timeout, so the server's tick may leave it alone until then.
internal sealed partial class Connection
{
    /// <summary>
    /// Wakes a little before the exact moment: <c>now - last >= interval</c> and <c>now >= last + interval</c> may round
    /// differently, and waking early only costs a visit that finds nothing due yet.
    /// </summary>
    private const double WakeMargin = 1e-6;

    /// <summary>In the schedule's list of connections visited every tick (set and cleared by the schedule only).</summary>
    public bool Scheduled { get; set; }

    /// <summary>Counts the schedule's sleeps of this connection, so a stale entry of an earlier sleep is recognised.</summary>
    public int Sleeps { get; set; }

    /// <summary>Set when the connection went to sleep; its next flush is the first update interval after a gap.</summary>
    public bool Resumed { get; set; }

    /// <summary>
    /// When the next tick must visit this connection if nothing arrives from the peer and nothing is queued for it: at
    /// once (<paramref name="now"/> or earlier) while anything is queued, in flight, owed or closing, else the earlier of its
    /// keep-alive and its timeout (<see cref="CloseIfDead"/> and <see cref="Flush"/> do nothing for it before either).
    /// </summary>
    public double NextVisit(double now)
    {
        if (PendingClose is not null || _closeWhenDelivered is not null || _ackOwed || _congestion.InFlight > 0
            || _orderedOut.Unacknowledged + _unorderedOut.Unacknowledged > 0 || !_unreliableOut.IsEmpty) return now;
        double keepAlive = NextKeepAlive;
        double timeout = _lastReceivedAt + _timeout;
        return Math.Min(keepAlive, timeout) - WakeMargin;
    }
}

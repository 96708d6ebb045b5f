namespace Traktor.Ecs.Net.Transport;

// When a connection's keep-alive is due, and how connections made together keep their keep-alives apart.
internal sealed partial class Connection
{
    /// <summary>2^64 over the golden ratio: n × it spreads consecutive n far apart over the 64-bit range (Fibonacci hashing).</summary>
    private const ulong GoldenMultiplier = 0x9E37_79B9_7F4A_7C15;

    /// <summary>
    /// What the keep-alive interval counts from: the last send, less <see cref="_keepAliveLead"/> until the first keep-alive
    /// went (−∞: nothing sent yet, so the first flush sends at once).
    /// </summary>
    private double _keepAliveFrom = double.NegativeInfinity;

    /// <summary>
    /// How much sooner than a full interval after the last send the connection's first keep-alive goes (seconds; 0 once
    /// it went). A server's connections made in the same tick would otherwise send every keep-alive in the same tick for
    /// as long as they stay idle (2,000 of them: a tick every 112 ms doing 2,000 sends, the six between none). Once apart
    /// they stay apart: idle, each sends one a full interval after its last send. Clients take a lead too (by their id, or their token's nonce):
    /// a server's acks of their round-trip requests restart its keep-alive timers, so clients started together (a load
    /// generator's) would line the server's keep-alives up again. Only the first interval after the lead is taken is shorter
    /// (at the connect, and after two intervals without messages): the rate is otherwise unchanged.
    /// </summary>
    private double _keepAliveLead;

    /// <summary>
    /// The connection's own lead, <see cref="_keepAliveLead"/> as it was made (seconds): taken again by a send that carries
    /// or acknowledges messages after two keep-alive intervals without any. A broadcast to idle connections restarts every
    /// keep-alive interval at the same send (and its clients' acks of it theirs, in the same tick); without the lead taken
    /// again the next keep-alives would all be due in one tick again, for as long as the connections stay idle
    /// (<c>KeepAliveSpreadTests</c>).
    /// </summary>
    private readonly double _keepAlivePhaseLead;

    /// <summary>When we last sent a packet carrying or acknowledging messages (−∞: never).</summary>
    private double _lastMessageSentAt = double.NegativeInfinity;

    /// <summary>
    /// How much of the keep-alive interval to take off the first one, in [0, 1), for the connection numbered
    /// <paramref name="n"/> (a server's slot, a client's id or token nonce; 0 for 0): consecutive numbers spread evenly over the interval.
    /// </summary>
    public static double KeepAlivePhase(ulong n) => (n * GoldenMultiplier >> 11) * (1.0 / (1UL << 53));

    /// <summary>True when nothing was sent for the keep-alive interval (less the first keep-alive's lead).</summary>
    private bool KeepAliveDue(double now) => now - _keepAliveFrom >= _peer.Options.KeepAliveInterval.TotalSeconds;

    /// <summary>When the next keep-alive is due if nothing else is sent before (seconds).</summary>
    private double NextKeepAlive => _keepAliveFrom + _peer.Options.KeepAliveInterval.TotalSeconds;

    /// <summary>
    /// Restarts the keep-alive interval at a send at <paramref name="now"/> (<paramref name="messages"/>: the packet carries
    /// messages or acknowledges received ones). The lead holds until a send that the interval was due for: the connect's
    /// first packet and early acks do not use it up, the first keep-alive does. Such a send after two keep-alive intervals
    /// without any takes the lead again, so the next keep-alive comes back to the connection's own place in the interval:
    /// at most one keep-alive sooner per such send, none while messages go or come at least every other interval.
    /// </summary>
    private void RestartKeepAlive(double now, bool messages)
    {
        if (_keepAliveFrom != double.NegativeInfinity && KeepAliveDue(now)) _keepAliveLead = 0;
        if (messages)
        {
            // Two intervals, not one: messages about once an interval (a 10 Hz snapshot rate at the default 100 ms) have
            // gaps of a full interval as ticks fall, and taking the lead at each would send a keep-alive of its own before
            // the next message (KeepAliveSpreadTests).
            if (now - _lastMessageSentAt >= 2 * _peer.Options.KeepAliveInterval.TotalSeconds) _keepAliveLead = _keepAlivePhaseLead;
            _lastMessageSentAt = now;
        }
        _keepAliveFrom = now - _keepAliveLead;
    }
}

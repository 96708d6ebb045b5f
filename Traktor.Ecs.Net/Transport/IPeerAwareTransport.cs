namespace Traktor.Ecs.Net;

/// <summary>
/// A transport that keeps state per peer (a TCP stream, a WebSocket) and is told by the protocol above when a
/// connection to a peer was established or ended. A stream whose peer never completes the handshake can then be
/// closed after a deadline, and a stream whose connection ended is closed once its last packets (the disconnect
/// notices) had time to leave. <see cref="NetServer"/> and <see cref="NetClient"/> call these; decorators (the link
/// simulator, composites) pass them on. Both calls must be cheap and must not throw.
/// </summary>
public interface IPeerAwareTransport : IDatagramTransport
{
    /// <summary>The protocol established a connection with <paramref name="peer"/>.</summary>
    void OnPeerConnected(in NetAddress peer);

    /// <summary>
    /// The protocol ended its connection (or connection attempt) with <paramref name="peer"/>: datagrams already
    /// sent should still be delivered, then the stream may close.
    /// </summary>
    void OnPeerDisconnected(in NetAddress peer);

    /// <summary>
    /// The protocol is ending its connection with <paramref name="peer"/> and its disconnect notice found no room:
    /// drop the datagrams still waiting in this transport for that peer (a stream's send buffer) so the notice goes out
    /// next, instead of being lost behind a backlog the peer was not taking. Datagrams already handed to the network
    /// are unaffected. Transports without a per-peer backlog need not implement it.
    /// </summary>
    void DiscardUnsent(in NetAddress peer)
    {
    }

    /// <summary>
    /// Silence after which this transport drops what carries <paramref name="peer"/>'s datagrams (a stream that received
    /// no complete datagram for <see cref="StreamTransportOptions.IdleTimeout"/>): a connection silent that long cannot
    /// come back on it, so <see cref="NetServer"/> and <see cref="NetClient"/> time the connection out at the shorter of
    /// this and their own timeout, and report that one (<see cref="NetStats.Timeout"/>).
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> (the default) when the transport drops nothing for silence.
    /// </summary>
    /// <param name="peer">The peer's address.</param>
    /// <returns>The transport's idle timeout for that peer, or an infinite one.</returns>
    TimeSpan IdleTimeoutFor(in NetAddress peer) => System.Threading.Timeout.InfiniteTimeSpan;
}

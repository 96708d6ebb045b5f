using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// The server side of the transport as one world sees it: its connections, their events and what it sends to them.
/// A <see cref="NetServer"/> is one (a world that owns the socket); a <see cref="Sessions.SessionRouter"/> hands out
/// one per session when several session worlds share one socket. Not thread-safe: use it from the tick thread.
/// </summary>
public interface IServerEndpoint
{
    /// <summary>The address clients reach this endpoint at (the socket's).</summary>
    NetAddress LocalAddress { get; }

    /// <summary>Connections of this endpoint.</summary>
    int ConnectionCount { get; }

    /// <summary>
    /// The clock this endpoint times its connections on (their timeouts, <see cref="DisconnectWhenDelivered"/>'s wait): a
    /// deadline a layer above sets for a connection is measured on it, not on a clock of its own. An endpoint that wraps
    /// another forwards the inner one's clock (no default: a wrapper that fell back on the system clock would time a test's
    /// or a game's connections on two clocks at once).
    /// </summary>
    TimeProvider Clock { get; }

    /// <summary>The largest message that travels in a single packet; larger ones are fragmented.</summary>
    int MaxUnfragmentedMessageSize { get; }

    /// <summary>
    /// Makes this tick's events available to <see cref="TryPollEvent"/> and sends what is due. A <see cref="NetServer"/>
    /// receives from and sends to its socket here; a routed endpoint leaves that to its router.
    /// </summary>
    void Update();

    /// <summary>
    /// Makes this tick's events available like <see cref="Update"/> but sends nothing, so that what the tick queues
    /// leaves with the acks in one packet per connection at <see cref="Flush"/>. A <see cref="NetServer"/> receives
    /// from its socket here; an endpoint without a receive-only step updates.
    /// </summary>
    void Receive() => Update();

    /// <summary>Sends what this tick queued (after <see cref="Update"/> already ran this tick); a routed endpoint leaves that to its router.</summary>
    void Flush();

    /// <summary>Returns the next event; message data is valid until the next <see cref="Update"/>.</summary>
    /// <param name="netEvent">The event.</param>
    /// <returns>False when none is left.</returns>
    bool TryPollEvent(out NetEvent netEvent);

    /// <summary>Queues a message for one connection.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="channel">Its delivery guarantees.</param>
    /// <param name="message">The bytes (copied).</param>
    /// <returns>Whether it was queued.</returns>
    SendResult Send(ConnectionId connection, ChannelKind channel, ReadOnlySpan<byte> message);

    /// <summary>
    /// Queues an unreliable message that must fit one packet (<see cref="MaxUnfragmentedMessageSize"/>) and reports its
    /// fate later: a <see cref="NetEventType.Delivered"/> event with <paramref name="receipt"/> when the peer acknowledged
    /// the packet that carried it, or a <see cref="NetEventType.Lost"/> one. Snapshot acknowledgements ride on this.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="message">The bytes (copied).</param>
    /// <param name="receipt">Echoed in the event (the replication layer passes the snapshot's tick).</param>
    /// <returns>Whether it was queued (<see cref="SendResult.TooLarge"/> for a message that would be fragmented).</returns>
    SendResult SendTracked(ConnectionId connection, ReadOnlySpan<byte> message, uint receipt);

    /// <summary>Queues a message for every connection of this endpoint.</summary>
    /// <param name="channel">Its delivery guarantees.</param>
    /// <param name="message">The bytes (copied).</param>
    void Broadcast(ChannelKind channel, ReadOnlySpan<byte> message);

    /// <summary>Disconnects a connection; it is told the reason and a Disconnected event follows.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="reason">The reason sent to the client.</param>
    void Disconnect(ConnectionId connection, DisconnectReason reason = DisconnectReason.Kicked);

    /// <summary>
    /// Disconnects a connection once it has acknowledged every reliable message sent or queued to it (an end-of-match RPC
    /// reaches it before the notice), or after <paramref name="within"/> at the latest, when a lost link would otherwise
    /// hold it open. Until then it stays connected: messages still flow both ways. An endpoint without reliable state to
    /// wait for (a host's local player) disconnects at once, as this default does.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="reason">The reason sent to the client.</param>
    /// <param name="within">The longest it waits for the acknowledgements (zero: at the next update).</param>
    void DisconnectWhenDelivered(ConnectionId connection, DisconnectReason reason, TimeSpan within) => Disconnect(connection, reason);

    /// <summary>Statistics of one connection.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="stats">Its statistics.</param>
    /// <returns>False when it is not a connection of this endpoint.</returns>
    bool TryGetStats(ConnectionId connection, out NetStats stats);

    /// <summary>The address a connection comes from.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="address">Its address.</param>
    /// <returns>False when it is not a connection of this endpoint.</returns>
    bool TryGetAddress(ConnectionId connection, out NetAddress address);
}

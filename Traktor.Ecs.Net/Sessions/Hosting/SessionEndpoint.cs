using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// One session's share of a <see cref="SessionRouter"/>'s transport server: the connections routed to the session,
/// their events (copied into this endpoint's own queue, so message bytes stay valid until this endpoint's next
/// <see cref="Update"/>), and sends and disconnects limited to them. Build the session's <see cref="NetworkServer"/> on it.
/// </summary>
public sealed class SessionEndpoint : IServerEndpoint
{
    private readonly SessionRouter router;
    private readonly ServerApprovals approvals;
    private readonly EventQueue events;
    private readonly List<ConnectionId> connections = new();

    // What Close told the clients: a newcomer to a closed endpoint hears SessionEnded only when that was the reason.
    private DisconnectReason closedWith;

    internal SessionEndpoint(SessionRouter router, SessionId session, ConnectionApproval? approve, int maxMessages, int maxBytes)
    {
        events = new EventQueue(maxMessages, maxBytes);
        this.router = router;
        approvals = new ServerApprovals(approve);
        Session = session;
    }

    /// <summary>The session this endpoint serves.</summary>
    public SessionId Session { get; }

    /// <summary>True after <see cref="Close"/>.</summary>
    public bool IsClosed { get; private set; }

    /// <inheritdoc />
    public NetAddress LocalAddress => router.Server.LocalAddress;

    /// <inheritdoc />
    public TimeProvider Clock => router.Server.Clock;

    /// <inheritdoc />
    public int ConnectionCount => connections.Count;

    /// <summary>This session's connections.</summary>
    public IReadOnlyList<ConnectionId> Connections => connections;

    /// <inheritdoc />
    public int MaxUnfragmentedMessageSize => router.Server.MaxUnfragmentedMessageSize;

    /// <summary>Recycles the event queue once everything was polled; the router does the socket work.</summary>
    public void Update() => events.BeginUpdate(router.Server.Now);

    /// <summary>Nothing to do: the router flushes the shared socket once for every session.</summary>
    public void Flush()
    {
    }

    /// <summary>Messages dropped because this endpoint's queue was full (its world did not poll it).</summary>
    public long DroppedMessages { get; private set; }

    /// <inheritdoc />
    public bool TryPollEvent(out NetEvent netEvent) => events.TryPoll(out netEvent);

    /// <inheritdoc />
    public SendResult Send(ConnectionId connection, ChannelKind channel, ReadOnlySpan<byte> message) =>
        router.Owns(this, connection) ? router.Server.Send(connection, channel, message) : SendResult.NotConnected;

    /// <inheritdoc />
    public SendResult SendTracked(ConnectionId connection, ReadOnlySpan<byte> message, uint receipt) =>
        router.Owns(this, connection) ? router.Server.SendTracked(connection, message, receipt) : SendResult.NotConnected;

    /// <inheritdoc />
    public void Broadcast(ChannelKind channel, ReadOnlySpan<byte> message)
    {
        foreach (var connection in connections)
        {
            router.Server.Send(connection, channel, message);
        }
    }

    /// <inheritdoc />
    public void Disconnect(ConnectionId connection, DisconnectReason reason = DisconnectReason.Kicked)
    {
        if (router.Owns(this, connection))
        {
            router.Server.Disconnect(connection, reason);
        }
    }

    /// <inheritdoc />
    public void DisconnectWhenDelivered(ConnectionId connection, DisconnectReason reason, TimeSpan within)
    {
        if (router.Owns(this, connection))
        {
            router.Server.DisconnectWhenDelivered(connection, reason, within);
        }
    }

    /// <inheritdoc />
    public bool TryGetStats(ConnectionId connection, out NetStats stats)
    {
        stats = default;
        return router.Owns(this, connection) && router.Server.TryGetStats(connection, out stats);
    }

    /// <inheritdoc />
    public bool TryGetAddress(ConnectionId connection, out NetAddress address)
    {
        address = default;
        return router.Owns(this, connection) && router.Server.TryGetAddress(connection, out address);
    }

    /// <summary>
    /// Ends the session's share of the socket: every connection is disconnected with <paramref name="reason"/> and new ones
    /// are refused: with <see cref="DisconnectReason.SessionEnded"/> when that is <paramref name="reason"/> (the session
    /// ended: a player who joined just before learns why), else <see cref="DisconnectReason.Rejected"/> (a server shutting
    /// down, a session given up before it started: nothing a newcomer could read as the session's result). The session world
    /// sees the disconnects only if it polls once more; closing is for a world being disposed.
    /// </summary>
    /// <param name="reason">What the clients are told.</param>
    public void Close(DisconnectReason reason = DisconnectReason.SessionEnded)
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        closedWith = reason;
        router.Closed(this, connections, reason);
        connections.Clear();
    }

    /// <summary>
    /// Adds a connection approval for this session, as <see cref="NetServer.AddApproval"/> does for a whole server: a
    /// connection naming the session is admitted only when the approval given to <see cref="SessionRouter.Open(SessionId, ConnectionApproval)"/>
    /// (if any) and every added one admit it. A <see cref="SessionRelay"/> built on this endpoint's <see cref="NetworkServer"/>
    /// adds its own and removes it when disposed. Tick thread (the router asks on it).
    /// </summary>
    /// <param name="approve">The added approval.</param>
    /// <returns>The handle whose <see cref="IDisposable.Dispose"/> removes it (again does nothing).</returns>
    public IDisposable AddApproval(ConnectionApproval approve) => approvals.Add(approve);

    /// <summary>Approvals <see cref="AddApproval"/> added and not removed.</summary>
    internal int AddedApprovals => approvals.Count;

    /// <summary>Adds an approval that says why it refuses (a session relay's), as <see cref="AddApproval"/> does.</summary>
    internal IDisposable AddRefusal(ConnectionRefusal refuse) => approvals.AddRefusal(refuse);

    internal bool Approve(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address) => Refusal(clientId, userData, address) is null;

    /// <summary>
    /// Null when the session's approvals admit the connection; otherwise why not. A closed endpoint refuses everyone:
    /// <see cref="DisconnectReason.SessionEnded"/> when it was closed for that reason, else <see cref="DisconnectReason.Rejected"/>.
    /// </summary>
    internal DisconnectReason? Refusal(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address) =>
        IsClosed ? ClosedRefusal : approvals.Refusal(clientId, userData, address);

    private DisconnectReason ClosedRefusal => closedWith == DisconnectReason.SessionEnded ? DisconnectReason.SessionEnded : DisconnectReason.Rejected;

    internal void Add(ConnectionId connection, ulong clientId)
    {
        connections.Add(connection);
        events.AddConnected(connection, clientId);
    }

    internal void Remove(ConnectionId connection, ulong clientId, DisconnectReason reason)
    {
        connections.Remove(connection);
        events.AddDisconnected(connection, clientId, reason);
    }

    internal void Receipt(ConnectionId connection, ulong clientId, uint receipt, bool delivered) =>
        events.AddReceipt(connection, clientId, receipt, delivered);

    internal void Deliver(ConnectionId connection, ulong clientId, ChannelKind channel, ReadOnlySpan<byte> data)
    {
        // Bounded like the server's own queue. A world that polls every tick never fills it (the router hands it at
        // most one tick's worth of the server's bounded queue); one that stops polling loses messages, not memory.
        if (!events.CanAccept(data.Length))
        {
            DroppedMessages++;
            return;
        }

        events.AddMessage(connection, clientId, channel, data);
    }
}

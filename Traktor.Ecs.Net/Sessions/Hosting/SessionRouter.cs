using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// Lets several session worlds share one <see cref="NetServer"/> (one UDP port): each session gets a
/// <see cref="SessionEndpoint"/> to build its <see cref="NetworkServer"/> on, and every connection is routed to the
/// session named by the <see cref="SessionTicket"/> in its connect token. The router owns the transport server and
/// installs itself as its connection approval (the server's own, not in the options, which may build another router); a connection's events and messages reach only its session's
/// endpoint, and an endpoint can send to and disconnect only its own connections.
/// </summary>
/// <remarks>
/// Drive it from the tick thread: <see cref="Update"/> (receive and route), tick every session world, then
/// <see cref="Flush"/> (send what they queued). Routing needs connect tokens: an insecure server is refused.
/// </remarks>
public sealed class SessionRouter : IDisposable
{
    private readonly Dictionary<SessionId, SessionEndpoint> endpoints = new();
    private readonly Dictionary<ulong, SessionEndpoint> approved = new();
    private readonly Dictionary<ConnectionId, SessionEndpoint> owners = new();
    private readonly ILogger logger;
    // Each endpoint's queue limits, read once as the server validated them: the caller's options object may change later.
    private readonly int maxQueuedMessages;
    private readonly int maxQueuedMessageBytes;
    private readonly IDisposable approval;
    // Whoever holds a valid token naming a session not hosted here (or one that ended) is refused on every handshake it
    // sends, from every address it has: a line each let it write the server's log as fast as the handshake budgets allowed.
    private readonly RateLimitedLog notHostedLog;
    private readonly RateLimitedLog endedLog;

    /// <summary>Creates the transport server on <paramref name="transport"/> and routes its connections.</summary>
    /// <param name="transport">The datagram transport (a UDP socket, possibly behind a link simulator).</param>
    /// <param name="options">Server options; <see cref="NetServerOptions.ApproveConnection"/> must be unset (the router approves, asking the session).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    public SessionRouter(IDatagramTransport transport, NetServerOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Insecure)
        {
            throw new ArgumentException("Routing connections to sessions needs connect tokens; an insecure server cannot route.", nameof(options));
        }

        if (options.ApproveConnection is not null)
        {
            throw new ArgumentException("The router approves connections itself (it asks each session's approval).", nameof(options));
        }

        this.logger = logger ?? NullLogger.Instance;
        notHostedLog = new RateLimitedLog(time ?? TimeProvider.System);
        endedLog = new RateLimitedLog(time ?? TimeProvider.System);
        Server = new NetServer(transport, options, time, logger);
        maxQueuedMessages = options.MaxQueuedMessages;
        maxQueuedMessageBytes = options.MaxQueuedMessageBytes;
        approval = Server.AddRefusal(Approve); // the server's own approval: the options stay as the caller made them, for another router too
    }

    /// <summary>The shared transport server (counters, address, statistics).</summary>
    public NetServer Server { get; }

    /// <summary>The sessions with an endpoint.</summary>
    public IReadOnlyCollection<SessionId> Sessions => endpoints.Keys;

    /// <summary>
    /// Called when a valid ticket names a session without an endpoint: return a new endpoint for it (the directory placed it
    /// here, and the token's seal proves that), or null to refuse the connection. Null by default: unknown sessions are refused.
    /// </summary>
    public Func<SessionTicket, SessionEndpoint?>? UnknownSession { get; set; }

    /// <summary>
    /// Asked, before <see cref="UnknownSession"/>, whether a ticket's session without an endpoint was hosted here and has ended:
    /// true denies the connection <see cref="DisconnectReason.SessionEnded"/>, so a player who joined just before the end and
    /// connects after the session's world closed learns why, as one that connects while the world still runs does. Null by
    /// default: such a ticket is refused <see cref="DisconnectReason.Rejected"/>. Tick thread.
    /// </summary>
    public Func<SessionId, bool>? EndedSession { get; set; }

    /// <summary>Connections routed to sessions so far.</summary>
    public long Routed { get; private set; }

    /// <summary>Connections refused because their ticket was missing, malformed, or named no session hosted here.</summary>
    public long Unroutable { get; private set; }

    /// <summary>
    /// Creates the endpoint of a session hosted here. The <see cref="SessionRelay"/> built on the session's
    /// <see cref="NetworkServer"/> (over this endpoint) adds its approval to it, so only the players the directory seated
    /// in the session are admitted; until it does, every valid ticket naming the session is.
    /// </summary>
    /// <param name="session">The session.</param>
    /// <returns>The endpoint to build the session's <see cref="NetworkServer"/> on.</returns>
    public SessionEndpoint Open(SessionId session) => OpenEndpoint(session, approve: null);

    /// <summary>Creates the endpoint of a session hosted here, with an approval of the caller's besides the relay's (<see cref="Open(SessionId)"/>).</summary>
    /// <param name="session">The session.</param>
    /// <param name="approve">Asked for every connection that names the session, with the approvals added to the endpoint (<see cref="SessionEndpoint.AddApproval"/>).</param>
    /// <returns>The endpoint to build the session's <see cref="NetworkServer"/> on.</returns>
    public SessionEndpoint Open(SessionId session, ConnectionApproval approve)
    {
        ArgumentNullException.ThrowIfNull(approve);
        return OpenEndpoint(session, approve);
    }

    private SessionEndpoint OpenEndpoint(SessionId session, ConnectionApproval? approve)
    {
        if (endpoints.ContainsKey(session))
        {
            throw new InvalidOperationException($"Session {session} already has an endpoint.");
        }

        var endpoint = new SessionEndpoint(this, session, approve, maxQueuedMessages, maxQueuedMessageBytes);
        endpoints.Add(session, endpoint);
        return endpoint;
    }

    /// <summary>Finds the endpoint of a session.</summary>
    /// <param name="session">The session.</param>
    /// <param name="endpoint">Its endpoint.</param>
    /// <returns>False when the session has none.</returns>
    public bool TryGet(SessionId session, out SessionEndpoint endpoint) => endpoints.TryGetValue(session, out endpoint!);

    /// <summary>Receives, handshakes and sends on the shared socket, then routes every event to its session's endpoint.</summary>
    public void Update()
    {
        Server.Update();
        FlushRefusalLogs(all: false);
        Route();
    }

    /// <summary>Logs the refusals held back (once a second has passed since the last line, or all of them when disposing).</summary>
    private void FlushRefusalLogs(bool all)
    {
        if (all ? notHostedLog.TryFlushAll(out long count) : notHostedLog.TryFlush(out count))
        {
            logger.LogInformation("Refused {Count} more clients since the last such line: their session is not hosted here (logged at most once a second, SessionRouter.Unroutable counts every one).", count);
        }

        if (all ? endedLog.TryFlushAll(out count) : endedLog.TryFlush(out count))
        {
            logger.LogInformation("Refused {Count} more clients since the last such line: their session has ended (logged at most once a second, NetServer.Counters.Denied counts every refusal).", count);
        }
    }

    /// <summary>Sends what the session worlds queued this tick (without reading the socket again), and routes the disconnects it finds.</summary>
    public void Flush()
    {
        Server.Flush();
        Route();
    }

    private void Route()
    {
        while (Server.TryPollEvent(out var netEvent))
        {
            switch (netEvent.Type)
            {
                case NetEventType.Connected:
                    if (approved.Remove(netEvent.ClientId, out var endpoint) && !endpoint.IsClosed)
                    {
                        owners[netEvent.Connection] = endpoint;
                        endpoint.Add(netEvent.Connection, netEvent.ClientId);
                        Routed++;
                    }
                    else
                    {
                        // Its session closed between approval and connection: nobody can serve it.
                        Server.Disconnect(netEvent.Connection, DisconnectReason.SessionEnded);
                    }

                    break;
                case NetEventType.Disconnected:
                    if (owners.Remove(netEvent.Connection, out var owner))
                    {
                        owner.Remove(netEvent.Connection, netEvent.ClientId, netEvent.Reason);
                    }

                    break;
                case NetEventType.Message:
                    if (owners.TryGetValue(netEvent.Connection, out var target))
                    {
                        target.Deliver(netEvent.Connection, netEvent.ClientId, netEvent.Channel, netEvent.Data.Span);
                    }

                    break;
                case NetEventType.Delivered:
                case NetEventType.Lost:
                    if (owners.TryGetValue(netEvent.Connection, out var receiver))
                    {
                        receiver.Receipt(netEvent.Connection, netEvent.ClientId, netEvent.Receipt, netEvent.Type == NetEventType.Delivered);
                    }

                    break;
            }
        }

        approved.Clear();
    }

    /// <summary>Disconnects every connection and releases the transport server (not the datagram transport).</summary>
    public void Dispose()
    {
        FlushRefusalLogs(all: true);
        foreach (var endpoint in endpoints.Values.ToList())
        {
            endpoint.Close(DisconnectReason.ServerShutdown);
        }

        approval.Dispose();
        Server.Dispose();
    }

    internal bool Owns(SessionEndpoint endpoint, ConnectionId connection) =>
        owners.TryGetValue(connection, out var owner) && ReferenceEquals(owner, endpoint);

    internal void Closed(SessionEndpoint endpoint, List<ConnectionId> connections, DisconnectReason reason)
    {
        endpoints.Remove(endpoint.Session);
        foreach (var connection in connections)
        {
            owners.Remove(connection);
            Server.Disconnect(connection, reason);
        }
    }

    private DisconnectReason? Approve(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address)
    {
        if (!SessionTicket.TryRead(userData, out var ticket))
        {
            Unroutable++;
            return DisconnectReason.Rejected;
        }

        if (!endpoints.TryGetValue(ticket.SessionId, out var endpoint))
        {
            if (EndedSession?.Invoke(ticket.SessionId) == true)
            {
                if (endedLog.TryLog(out long earlier))
                {
                    logger.LogInformation("Refused client {ClientId}: session {Session} has ended ({Earlier} more refused for an ended session since the last such line; logged at most once a second).",
                        clientId, ticket.SessionId, earlier);
                }

                return DisconnectReason.SessionEnded;
            }

            endpoint = UnknownSession?.Invoke(ticket)!;
            if (endpoint is null)
            {
                Unroutable++;
                if (notHostedLog.TryLog(out long earlier))
                {
                    logger.LogInformation("Refused client {ClientId}: session {Session} is not hosted here ({Earlier} more refused for a session not hosted here since the last such line; logged at most once a second, SessionRouter.Unroutable counts every one).",
                        clientId, ticket.SessionId, earlier);
                }

                return DisconnectReason.Rejected;
            }
        }

        if (endpoint.Refusal(clientId, userData, address) is { } refused)
        {
            return refused; // the session's own reason (its relay's SessionEnded once it ended)
        }

        // The transport adds the connection right after a successful approval, in the same Update.
        approved[clientId] = endpoint;
        return null;
    }
}

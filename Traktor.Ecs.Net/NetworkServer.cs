using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// The server plugin: add it to the server world's system group. In <see cref="BeforeUpdate"/> it
/// receives (connections, acknowledgements, and messages routed to registered handlers) so gameplay
/// systems see this tick's input; in <see cref="AfterUpdate"/> it replicates the world and sends.
/// It registers itself as a resource (<c>world.Resources.Get&lt;NetworkServer&gt;()</c>).
/// </summary>
public sealed class NetworkServer : ISystem<float>, ISnapshotSink
{
    private readonly MessageHandlers<ServerMessageHandler> handlers = new();
    private readonly MessageBudgets budgets;
    private readonly ILogger logger;

    /// <summary>Messages of a kind no handler is registered for: a connected client decides how many it sends.</summary>
    private readonly RateLimitedLog unknownKindLog;

    /// <summary>Creates the plugin over a transport server.</summary>
    /// <param name="world">The authoritative world.</param>
    /// <param name="transport">The transport: a <see cref="NetServer"/> (UDP, or in-memory for tests and single-process games), or a session's endpoint from a <see cref="Sessions.SessionRouter"/>.</param>
    /// <param name="registry">The replicated types.</param>
    /// <param name="options">Replication budgets and rules.</param>
    /// <param name="logger">Diagnostics.</param>
    /// <param name="time">The clock of the rate-limited log lines a client can cause (a fake one in tests).</param>
    public NetworkServer(World world, IServerEndpoint transport, ReplicationRegistry registry, ServerReplicationOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    {
        World = world;
        Transport = transport;
        this.logger = logger ?? NullLogger.Instance;
        unknownKindLog = new RateLimitedLog(time ?? TimeProvider.System);
        Replication = new ServerReplication(world, registry, options, this.logger);
        Players = new PlayerRegistry(world);
        Replication.MaxMessageBytes = transport.MaxUnfragmentedMessageSize;
        budgets = new MessageBudgets(Replication.Options.TickRate);
        // Snapshots are acknowledged by the packets that carry them (Delivered events). A client sends an
        // acknowledgement message only after it dropped a delivered snapshot, a few per second at most (each costs
        // work in proportion to the entities it knows): the budget is twice an honest client's pace.
        RegisterHandler(SnapshotFormat.AckMessage, (connection, message) => Replication.ReceiveAck(connection, message),
            new MessageBudget(ServerReplication.AckLength, 2 * SnapshotFormat.CorrectionsPerSecond, 2 * SnapshotFormat.CorrectionBurst));
        world.Resources.Add(this);
    }

    /// <summary>The world this server replicates.</summary>
    public World World { get; }

    /// <summary>The transport endpoint.</summary>
    public IServerEndpoint Transport { get; }

    /// <summary>The replication engine (counters, tick, options).</summary>
    public ServerReplication Replication { get; }

    /// <summary>The connections currently connected.</summary>
    public IReadOnlyCollection<ConnectionId> Connections => connected;

    private readonly HashSet<ConnectionId> connected = new();

    /// <summary>
    /// Raised when a client completes the handshake, with its connection and client id, before
    /// <see cref="PlayerConnected"/>. Plugins (the RPC layer's reconnect grace) hook in here; games spawn
    /// their player in <see cref="PlayerConnected"/>, which tells a first connect from a reconnect.
    /// </summary>
    public event Action<ConnectionId, ulong>? ClientConnected;

    /// <summary>
    /// Raised when a client completes the handshake, after the reconnect grace (if any) handed its entities
    /// back. <see cref="ClientConnectedEvent.Reconnected"/> is true when this client id already has a live
    /// player entity (<see cref="SetPlayerEntity"/>): spawn a player only when it is false, so a reconnect
    /// never duplicates one. The player entity's <see cref="NetworkOwner"/> names the new connection.
    /// </summary>
    public event Action<ClientConnectedEvent>? PlayerConnected;

    /// <summary>
    /// Raised when a client leaves or is dropped, with the reason. Not raised once the session this server serves ended on
    /// a player's host (<see cref="MigratingPeer.EndSession"/>, a <see cref="Multiplayer"/>'s hosted session, a Lua game's
    /// host): its world is that player's end screen, frozen at the end's tick, and a handler that destroys a leaving
    /// player's entities would empty it while the players are let go (docs/sessions.md, "When a session ends").
    /// </summary>
    public event Action<ConnectionId, DisconnectReason>? ClientDisconnected;

    /// <summary>
    /// Raised, once the session this server serves ended on a player's host (<see cref="MigratingPeer.EndSession"/>, a
    /// <see cref="Multiplayer"/>'s hosted session, a Lua game's host), for each remote player whose connection closes while
    /// the host lets its players go, in place of the <see cref="ClientDisconnected"/> held back then: the player was let go
    /// (<see cref="DisconnectReason.SessionEnded"/>) or went first, and <see cref="PlayerReleasedAfterEndEvent.HeldFinalWorld"/>
    /// says whether it held the final world. Tick thread, in <see cref="BeforeUpdate"/>. Not raised for players still
    /// connected when the ended host stops (disposed before its delivery was over): they are told at once and the server goes.
    /// </summary>
    public event Action<PlayerReleasedAfterEndEvent>? PlayerReleasedAfterEnd;

    /// <summary>
    /// Raised for every connection that closes, before <see cref="ClientDisconnected"/>, also once the disconnects are held
    /// back (<see cref="HoldsBackDisconnects"/>): the bookkeeping of the layers on this server (RPCs, inputs, sessions).
    /// </summary>
    internal event Action<ConnectionId, DisconnectReason>? ConnectionClosed;

    /// <summary>
    /// True once the session ended on a player's host, whose world is the player's end screen: connections that close from
    /// then on raise <see cref="ConnectionClosed"/> only, not <see cref="ClientDisconnected"/> nor an RPC layer's
    /// <see cref="ClientDisconnectedEvent"/>, and their players' entities are not held for a reconnect grace (whose expiry
    /// would destroy them). Such a server never serves again: it goes once its players are let go.
    /// </summary>
    internal bool HoldsBackDisconnects { get; set; }

    // Hooks for plugins layered on the server (RPCs, reconnect grace, sessions). They let those
    // plugins run at fixed points of the tick without being systems the user must order by hand.

    /// <summary>Raised at the end of <see cref="BeforeUpdate"/>, after every received message was dispatched: plugins turn queued work into event entities here.</summary>
    public event Action? Received;

    /// <summary>
    /// Raised in <see cref="AfterUpdate"/> after this tick's snapshots were written and before the transport
    /// sends, so plugin messages (RPCs) leave with them and can be stamped with the snapshot tick.
    /// </summary>
    public event Action? Sending;

    /// <summary>Raised for each snapshot handed to the transport, with its connection and tick.</summary>
    public event Action<ConnectionId, uint>? SnapshotSent;

    /// <summary>
    /// Remembers <paramref name="entity"/> as the player of <paramref name="connection"/> (Photon Fusion's
    /// <c>SetPlayerObject</c>). The registry is keyed by the client's identity, so a reconnect finds the
    /// same entity and <see cref="PlayerConnected"/> reports it as <see cref="ClientConnectedEvent.Reconnected"/>.
    /// </summary>
    /// <param name="connection">A connected client.</param>
    /// <param name="entity">Its player entity in this world.</param>
    /// <exception cref="InvalidOperationException">The connection is not connected.</exception>
    public void SetPlayerEntity(ConnectionId connection, Entity entity) => Players.Set(connection, entity);

    /// <summary>The player entity of <paramref name="connection"/>, if one was set and is alive.</summary>
    /// <param name="connection">A connection.</param>
    /// <param name="entity">Its player entity, or <see cref="Entity.Null"/>.</param>
    /// <returns>True when found.</returns>
    public bool TryGetPlayerEntity(ConnectionId connection, out Entity entity) => Players.TryGet(connection, out entity);

    /// <summary>
    /// The client id of a connected client: its connect token's, which a session directory or an online login makes the
    /// player's user id (the id its leaderboard scores, achievements and saves are kept under). The same as
    /// <see cref="ClientConnectedEvent.ClientId"/>, for code that holds only a connection (an RPC's <see cref="RpcSource"/>,
    /// an entity's <see cref="NetworkOwner"/>).
    /// </summary>
    /// <param name="connection">A connection.</param>
    /// <param name="clientId">Its client id, or 0.</param>
    /// <returns>True while the connection is connected; false once it disconnected (a player entity kept for its
    /// reconnect grace still names the old connection: keep the id on the entity if it is needed after that).</returns>
    public bool TryGetClientId(ConnectionId connection, out ulong clientId) => Players.TryGetClientId(connection, out clientId);

    /// <summary>The player registry: connection ↔ client id ↔ player entity.</summary>
    internal PlayerRegistry Players { get; }

    /// <summary>
    /// Routes messages whose first byte is <paramref name="kind"/> to <paramref name="handler"/>, each connection held to
    /// <see cref="MessageBudget.Default"/> for that kind.
    /// </summary>
    /// <param name="kind">The message kind; the replication layer owns 0x51–0x5F.</param>
    /// <param name="handler">The handler.</param>
    public void RegisterHandler(byte kind, ServerMessageHandler handler) => RegisterHandler(kind, handler, MessageBudget.Default);

    /// <summary>
    /// Routes messages whose first byte is <paramref name="kind"/> to <paramref name="handler"/>; a connection's messages of
    /// that kind beyond <paramref name="budget"/> are dropped before the handler runs (see <see cref="MessageBudget"/>).
    /// </summary>
    /// <param name="kind">The message kind.</param>
    /// <param name="handler">The handler.</param>
    /// <param name="budget">What one connection may send of this kind.</param>
    public void RegisterHandler(byte kind, ServerMessageHandler handler, MessageBudget budget)
    {
        budget.Validate();
        handlers.Register(kind, handler);
        budgets.Set(kind, budget);
    }

    /// <summary>Replaces the budget of a registered kind (for example to allow a bulk transfer, or to tighten a layer's default).</summary>
    /// <param name="kind">A registered message kind.</param>
    /// <param name="budget">What one connection may send of this kind from now on.</param>
    public void SetMessageBudget(byte kind, MessageBudget budget)
    {
        if (budgets.Get(kind) is null) throw new InvalidOperationException($"Message kind 0x{kind:X2} has no handler.");
        budgets.Set(kind, budget);
    }

    /// <summary>The budget a registered kind is held to, or null for a kind nobody registered.</summary>
    /// <param name="kind">The message kind.</param>
    public MessageBudget? MessageBudgetOf(byte kind) => budgets.Get(kind);

    /// <summary>Messages refused by the per-kind budgets before any handler ran.</summary>
    public MessageBudgetCounters MessageCounters => budgets.Counters;

    /// <inheritdoc />
    public void Initialize()
    {
    }

    /// <summary>Receives: connection events and messages, before gameplay runs.</summary>
    /// <param name="state">The frame's delta time.</param>
    public void BeforeUpdate(in float state)
    {
        Transport.Receive(); // sending waits for AfterUpdate: one packet per connection and tick
        budgets.BeginTick();
        PollEvents();
        var offenders = budgets.EndTick();
        if (offenders.Count > 0)
        {
            foreach (var connection in offenders)
            {
                logger.LogWarning("Client connection {Connection} kept exceeding its message budgets; disconnected.", connection);
                Transport.Disconnect(connection, DisconnectReason.ProtocolViolation);
            }

            PollEvents(); // their Disconnected events, this tick
        }

        if (unknownKindLog.TryFlush(out long heldBack))
        {
            LogUnknownKindsHeldBack(heldBack);
        }

        Received?.Invoke();
    }

    private void PollEvents()
    {
        while (Transport.TryPollEvent(out var netEvent))
        {
            switch (netEvent.Type)
            {
                case NetEventType.Connected:
                    connected.Add(netEvent.Connection);
                    budgets.Add(netEvent.Connection);
                    if (!IsLocal(netEvent.Connection))
                    {
                        // A host's own player reads this world: no snapshots. The transport's timeout tells replication
                        // how long a client may go dark before it is the transport's to drop, not replication's to cut.
                        Replication.AddConnection(netEvent.Connection, Transport.TryGetStats(netEvent.Connection, out var stats) ? stats.Timeout : TimeSpan.Zero);
                    }

                    bool returning = Players.OnConnected(netEvent.Connection, netEvent.ClientId);
                    ClientConnected?.Invoke(netEvent.Connection, netEvent.ClientId); // the reconnect grace restores here
                    returning |= Players.TakeRestored(netEvent.Connection);
                    PlayerConnected?.Invoke(new ClientConnectedEvent(netEvent.Connection, netEvent.ClientId, returning));
                    break;
                case NetEventType.Disconnected:
                    connected.Remove(netEvent.Connection);
                    budgets.Remove(netEvent.Connection);
                    bool released = HoldsBackDisconnects && !IsLocal(netEvent.Connection);
                    bool held = released && Replication.HoldsFinalWorld(netEvent.Connection); // before its acknowledgements go
                    Replication.RemoveConnection(netEvent.Connection);
                    ConnectionClosed?.Invoke(netEvent.Connection, netEvent.Reason);
                    if (!HoldsBackDisconnects)
                    {
                        ClientDisconnected?.Invoke(netEvent.Connection, netEvent.Reason);
                    }
                    else if (released)
                    {
                        PlayerReleasedAfterEnd?.Invoke(new PlayerReleasedAfterEndEvent(netEvent.Connection, netEvent.ClientId, netEvent.Reason, held));
                    }

                    Players.OnDisconnected(netEvent.Connection);
                    break;
                case NetEventType.Message:
                    Dispatch(netEvent.Connection, netEvent.Data.Span);
                    break;
                case NetEventType.Delivered:
                    Replication.ReceiveDelivery(netEvent.Connection, netEvent.Receipt);
                    break;
            }
        }
    }

    /// <inheritdoc />
    public void Update(in float state)
    {
    }

    /// <summary>Replicates this tick's state and sends everything queued.</summary>
    /// <param name="state">The frame's delta time.</param>
    public void AfterUpdate(in float state)
    {
        Replication.Update(this);
        if (Replication.CutConnections.Count > 0)
        {
            foreach (var connection in Replication.CutConnections) Transport.Disconnect(connection, DisconnectReason.SendQueueOverflow);
            Replication.CutConnections.Clear();
        }

        Sending?.Invoke();
        Transport.Flush(); // the socket is read once per tick, in BeforeUpdate
    }

    /// <summary>
    /// Sends every remote client a snapshot of the world as it is now, due or not, and flushes it: the last thing a listen
    /// server sends before it ends the session (<see cref="MigratingPeer.EndSession"/>), so the disconnect notices follow the
    /// final world on the wire.
    /// </summary>
    internal void SendFinalSnapshots()
    {
        Replication.UpdateForEveryone(this);
        Transport.Flush();
    }

    /// <inheritdoc />
    void ISnapshotSink.Send(ConnectionId connection, ReadOnlySpan<byte> snapshot)
    {
        // The receipt is the tick: the Delivered event of the packet that carries it acknowledges the snapshot.
        Transport.SendTracked(connection, snapshot, Replication.Tick);
        SnapshotSent?.Invoke(connection, Replication.Tick);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (unknownKindLog.TryFlushAll(out long heldBack))
        {
            LogUnknownKindsHeldBack(heldBack);
        }

        World.Resources.Remove<NetworkServer>();
    }

    /// <summary>
    /// True for the local player of a host (<see cref="NetworkHost"/>): a connection without a network path, which gets
    /// no snapshots because it lives in this world.
    /// </summary>
    /// <param name="connection">A connection of this server.</param>
    public bool IsLocal(ConnectionId connection) => Transport is Peers.LoopbackEndpoint loopback && loopback.IsLocal(connection);

    private void LogUnknownKindsHeldBack(long count) =>
        logger.LogDebug("Dropped {Count} more messages of unknown kind from clients since the last such line", count);

    private void Dispatch(ConnectionId connection, ReadOnlySpan<byte> message)
    {
        if (handlers.For(message) is not { } handler)
        {
            if (!message.IsEmpty) budgets.TryAdmit(connection, message); // counts the unknown kind
            if (unknownKindLog.TryLog(out long earlier))
            {
                // Formatted only when it goes out: a line per message let a client fill the log, and boxed its arguments
                // (an allocation on the receive path) even with Debug off.
                logger.LogDebug("Dropped a message of unknown kind {Kind} from {Connection} ({Earlier} more from any client since the last such line)",
                    message.IsEmpty ? "(empty)" : $"0x{message[0]:X2}", connection, earlier);
            }

            return;
        }

        if (!budgets.TryAdmit(connection, message))
        {
            return;
        }

        handler(connection, message);
    }
}

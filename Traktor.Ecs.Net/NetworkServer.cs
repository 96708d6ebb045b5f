using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    private readonly ILogger logger;

    /// <summary>Creates the plugin over a transport server.</summary>
    /// <param name="world">The authoritative world.</param>
    /// <param name="transport">The transport: a <see cref="NetServer"/> (UDP, or in-memory for tests and single-process games), or a session's endpoint from a <see cref="Sessions.SessionRouter"/>.</param>
    /// <param name="registry">The replicated types.</param>
    /// <param name="options">Replication budgets and rules.</param>
    /// <param name="logger">Diagnostics.</param>
    public NetworkServer(World world, IServerEndpoint transport, ReplicationRegistry registry, ServerReplicationOptions? options = null, ILogger? logger = null)
    {
        World = world;
        Transport = transport;
        this.logger = logger ?? NullLogger.Instance;
        Replication = new ServerReplication(world, registry, options, this.logger);
        handlers.Register(SnapshotFormat.AckMessage, (connection, message) => Replication.ReceiveAck(connection, message));
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

    /// <summary>Raised when a client completes the handshake.</summary>
    public event Action<ConnectionId, ulong>? ClientConnected;

    /// <summary>Raised when a client leaves or is dropped, with the reason.</summary>
    public event Action<ConnectionId, DisconnectReason>? ClientDisconnected;

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

    /// <summary>Routes messages whose first byte is <paramref name="kind"/> to <paramref name="handler"/>.</summary>
    /// <param name="kind">The message kind; the replication layer owns 0x51–0x5F.</param>
    /// <param name="handler">The handler.</param>
    public void RegisterHandler(byte kind, ServerMessageHandler handler) => handlers.Register(kind, handler);

    /// <inheritdoc />
    public void Initialize()
    {
    }

    /// <summary>Receives: connection events and messages, before gameplay runs.</summary>
    /// <param name="state">The frame's delta time.</param>
    public void BeforeUpdate(in float state)
    {
        Transport.Update();
        while (Transport.TryPollEvent(out var netEvent))
        {
            switch (netEvent.Type)
            {
                case NetEventType.Connected:
                    connected.Add(netEvent.Connection);
                    Replication.AddConnection(netEvent.Connection);
                    ClientConnected?.Invoke(netEvent.Connection, netEvent.ClientId);
                    break;
                case NetEventType.Disconnected:
                    connected.Remove(netEvent.Connection);
                    Replication.RemoveConnection(netEvent.Connection);
                    ClientDisconnected?.Invoke(netEvent.Connection, netEvent.Reason);
                    break;
                case NetEventType.Message:
                    Dispatch(netEvent.Connection, netEvent.Data.Span);
                    break;
            }
        }

        Received?.Invoke();
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
        Sending?.Invoke();
        Transport.Flush(); // the socket is read once per tick, in BeforeUpdate
    }

    /// <inheritdoc />
    void ISnapshotSink.Send(ConnectionId connection, ReadOnlySpan<byte> snapshot)
    {
        Transport.Send(connection, ChannelKind.Unreliable, snapshot);
        SnapshotSent?.Invoke(connection, Replication.Tick);
    }

    /// <inheritdoc />
    public void Dispose() => World.Resources.Remove<NetworkServer>();

    private void Dispatch(ConnectionId connection, ReadOnlySpan<byte> message)
    {
        if (handlers.For(message) is not { } handler)
        {
            logger.LogDebug("Dropped a message of unknown kind from {Connection}", connection);
            return;
        }

        handler(connection, message);
    }
}

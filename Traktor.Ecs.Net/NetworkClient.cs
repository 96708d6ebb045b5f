using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// The client plugin: add it to the client world's system group. In <see cref="BeforeUpdate"/> it
/// receives snapshots and applies them to the world and acknowledges them; in <see cref="AfterUpdate"/>
/// it presents interpolated components and sends. It registers itself as a resource.
/// </summary>
public sealed class NetworkClient : ISystem<float>
{
    private readonly MessageHandlers<ClientMessageHandler> handlers = new();
    private readonly TimeProvider time;
    private readonly long startTimestamp;
    private readonly byte[] ack = new byte[16];
    private readonly ILogger logger;
    private bool wasConnected;

    /// <summary>Creates the plugin over a transport client.</summary>
    /// <param name="world">The client world.</param>
    /// <param name="transport">The transport client (connect it with a token).</param>
    /// <param name="registry">The replicated types (the server's).</param>
    /// <param name="tickRate">The server's tick rate: 1 to <see cref="ServerReplicationOptions.TickRateLimit"/> (1,000).</param>
    /// <param name="time">The clock (a fake one in tests).</param>
    /// <param name="logger">Diagnostics.</param>
    public NetworkClient(World world, NetClient transport, ReplicationRegistry registry, int tickRate = 60, TimeProvider? time = null, ILogger? logger = null)
    {
        World = world;
        Transport = transport;
        this.time = time ?? TimeProvider.System;
        this.logger = logger ?? NullLogger.Instance;
        startTimestamp = this.time.GetTimestamp();
        Replication = new ClientReplication(world, registry, tickRate, this.logger);
        handlers.Register(SnapshotFormat.SnapshotMessage, message =>
            Replication.ReceiveSnapshot(message, LocalSeconds, Transport.GetStats().RoundTripTimeMs / 1000.0));
        world.Resources.Add(this);
    }

    /// <summary>The client world.</summary>
    public World World { get; }

    /// <summary>The transport.</summary>
    public NetClient Transport { get; }

    /// <summary>The replication engine (entities, clock, counters).</summary>
    public ClientReplication Replication { get; }

    /// <summary>
    /// When true a disconnect leaves the replicated entities in the world (a <see cref="MigratingPeer"/> keeps them: a
    /// successor host continues from them, the other peers keep showing them until the successor answers).
    /// </summary>
    internal bool KeepEntitiesOnDisconnect { get; set; }

    /// <summary>Seconds since this client was created, on its clock.</summary>
    public double LocalSeconds => time.GetElapsedTime(startTimestamp).TotalSeconds;

    /// <summary>Raised when the connection is established.</summary>
    public event Action? Connected;

    /// <summary>Raised when the connection ends, with the reason; replicated entities are removed first.</summary>
    public event Action<DisconnectReason>? Disconnected;

    /// <summary>
    /// Raised right after <see cref="Disconnected"/>, with the reason and whether the server's packet ended the connection
    /// (<see cref="DisconnectedEvent.ByServer"/>): a cut the host sent (it is alive) and this end's own timeout (the host may
    /// be gone) differ only there. Read it here rather than the transport's <c>LastDisconnectByServer</c>, which belongs to
    /// the latest end and may already be another one's when the events drain.
    /// </summary>
    public event Action<DisconnectedEvent>? ConnectionEnded;

    // Hooks for plugins layered on the client (RPCs): fixed points of the tick, no extra systems to order.

    /// <summary>Raised at the end of <see cref="BeforeUpdate"/>, after this tick's snapshots were applied: plugins release held messages here.</summary>
    public event Action? Received;

    /// <summary>Raised in <see cref="AfterUpdate"/> before the transport sends: plugins queue their messages here.</summary>
    public event Action? Sending;

    /// <summary>Routes messages whose first byte is <paramref name="kind"/> to <paramref name="handler"/>.</summary>
    /// <param name="kind">The message kind; the replication layer owns 0x51–0x5F.</param>
    /// <param name="handler">The handler.</param>
    public void RegisterHandler(byte kind, ClientMessageHandler handler) => handlers.Register(kind, handler);

    /// <inheritdoc />
    public void Initialize()
    {
    }

    /// <summary>Receives and applies snapshots (their packets' acks acknowledge them; a correction follows a dropped one).</summary>
    /// <param name="state">The frame's delta time.</param>
    public void BeforeUpdate(in float state)
    {
        Transport.Receive(); // sending waits for AfterUpdate: inputs, acks and RPCs leave in one packet
        while (Transport.TryPollEvent(out var netEvent))
        {
            switch (netEvent.Type)
            {
                case NetEventType.Connected:
                    wasConnected = true;
                    Connected?.Invoke();
                    break;
                case NetEventType.Disconnected:
                    if (!KeepEntitiesOnDisconnect) Replication.Reset();

                    // The next connection's server has a timeline of its own (a successor host continues the lost one's
                    // ticks from its replica, seconds behind the estimate, which ran on through the timeout; another
                    // server counts its own): nothing predicts or presents against this one until its first snapshot.
                    Replication.Clock.Reset();
                    wasConnected = false;
                    Disconnected?.Invoke(netEvent.Reason);
                    ConnectionEnded?.Invoke(new DisconnectedEvent(netEvent.Reason) { ByServer = netEvent.ByServer });
                    break;
                case NetEventType.Message:
                    Dispatch(netEvent.Data.Span);
                    break;
            }
        }

        if (wasConnected && Replication.TakeCorrection(LocalSeconds))
        {
            int length = Replication.WriteAck(ack);
            if (length > 0)
            {
                // Reliable: a correction lost for good leaves the server believing in a snapshot this client never
                // applied (its despawns never repeated); it is sent once per drop, so the transport must repeat it.
                Transport.Send(ChannelKind.ReliableUnordered, ack.AsSpan(0, length));
            }
        }

        Received?.Invoke();
    }

    /// <summary>
    /// Routes one message from the server to the handler of its kind (the fuzz harness calls this directly).
    /// </summary>
    /// <returns>True when it was a snapshot (an acknowledgement is then owed).</returns>
    internal bool Dispatch(ReadOnlySpan<byte> data)
    {
        if (handlers.For(data) is not { } handler)
        {
            logger.LogDebug("Dropped a message of unknown kind from the server");
            return false;
        }

        bool snapshot = data[0] == SnapshotFormat.SnapshotMessage;
        handler(data);
        return snapshot;
    }

    /// <inheritdoc />
    public void Update(in float state)
    {
    }

    /// <summary>Presents interpolated components and sends what is queued.</summary>
    /// <param name="state">The frame's delta time.</param>
    public void AfterUpdate(in float state)
    {
        Replication.Interpolate(LocalSeconds);
        Sending?.Invoke();
        Transport.Flush(); // the socket is read once per tick, in BeforeUpdate
    }

    /// <inheritdoc />
    public void Dispose() => World.Resources.Remove<NetworkClient>();
}

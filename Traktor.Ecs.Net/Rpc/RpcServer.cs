using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>
/// The server's RPC layer, attached to a <see cref="NetworkServer"/> (no system to add): received RPCs
/// become entities with an <see cref="RpcSource"/> during the server's BeforeUpdate; RPCs queued with
/// <see cref="RpcWorldExtensions.SendRpc{T}(World, in T, RpcTarget)"/> are sent after the snapshots in its
/// AfterUpdate; then this tick's RPC and connection event entities are destroyed. It also raises
/// <see cref="ClientConnectedEvent"/>/<see cref="ClientDisconnectedEvent"/> entities and runs the
/// <see cref="ReconnectGrace"/>. Registered as a world resource.
/// </summary>
public sealed class RpcServer
{
    private readonly NetworkServer server;
    private readonly RpcOptions options;
    private readonly TimeProvider time;
    private readonly long startTimestamp;
    private readonly ILogger logger;
    private readonly bool[] allowedFromClients;
    private readonly Dictionary<ConnectionId, RpcConnectionState> connections = new();
    private readonly RpcStaging staging;
    private readonly byte[] message;
    private readonly bool hasLogger;
    private readonly bool[] announced = new bool[Enum.GetValues<RpcDropReason>().Length + 1];
    // One per reason and per server, not per connection: every client decides how often it is dropped, and a budget per
    // connection let N connections (or one reconnecting) write N times the lines.
    private readonly RateLimitedLog[] dropLogs;
    private readonly RpcEventCleanup cleanup = new(
        new QueryDescription().WithAll<RpcSource>(),
        new QueryDescription().WithAll<ClientConnectedEvent>(),
        new QueryDescription().WithAll<ClientDisconnectedEvent>(),
        new QueryDescription().WithAll<PlayerReleasedAfterEndEvent>());

    /// <summary>Attaches the RPC layer to <paramref name="server"/>.</summary>
    /// <param name="server">The server plugin.</param>
    /// <param name="registry">The RPC types (the same on every client).</param>
    /// <param name="options">Limits.</param>
    /// <param name="time">The clock of the rate limits and the grace period.</param>
    /// <param name="logger">Drops are logged here with their reason.</param>
    public RpcServer(NetworkServer server, RpcRegistry registry, RpcOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(registry);
        this.server = server;
        Registry = registry;
        this.options = options ?? new RpcOptions();
        this.options.Validate();
        this.time = time ?? TimeProvider.System;
        startTimestamp = this.time.GetTimestamp();
        dropLogs = new RateLimitedLog[announced.Length];
        for (int i = 0; i < dropLogs.Length; i++)
        {
            dropLogs[i] = new RateLimitedLog(this.time);
        }

        this.logger = logger ?? NullLogger.Instance;
        hasLogger = logger is not null && logger is not NullLogger;
        allowedFromClients = new bool[registry.Types.Count];
        staging = new RpcStaging(this.options.MaxRpcBytes - RpcFormat.ServerHeaderSize);
        message = new byte[this.options.MaxRpcBytes];
        Grace = new ReconnectGrace(server.World, this.options.ReconnectGracePeriod, this.time, this.logger, this.options.MaxReconnectWaiting);

        // Hard limits before any work: twice the soft rate this layer enforces itself (whose excess is only dropped), so
        // a client that keeps sending far beyond it is disconnected; a server-to-client kind is never sent by a client.
        server.RegisterHandler(RpcFormat.ClientRpcMessage, Receive,
            new MessageBudget(this.options.MaxRpcBytes, 2 * this.options.RatePerSecond, 2 * this.options.Burst));
        server.RegisterHandler(RpcFormat.ServerRpcMessage, (connection, _) => Drop(connection, StateOf(connection), RpcDropReason.WrongDirection, -1),
            new MessageBudget(this.options.MaxRpcBytes, 1, 4));
        server.ClientConnected += OnConnected;
        server.ConnectionClosed += OnDisconnected;
        server.PlayerReleasedAfterEnd += released => server.World.Create(released); // what game systems read of an ended session's leavers
        server.SnapshotSent += (connection, tick) => StateOf(connection).SnapshotTick = tick;
        server.Sending += Send;
        server.World.Resources.Add(this);
    }

    /// <summary>The server plugin this layer is attached to.</summary>
    public NetworkServer Server => server;

    /// <summary>The RPC types.</summary>
    public RpcRegistry Registry { get; }

    /// <summary>Totals over every connection, plus drops of RPCs this server tried to send.</summary>
    public RpcCounters Counters { get; } = new();

    /// <summary>The reconnect grace keeper (entities of disconnected players).</summary>
    public ReconnectGrace Grace { get; }

    /// <summary>Accepts <typeparamref name="T"/> from clients. Every other type is server-only: a client sending it is dropped.</summary>
    /// <typeparam name="T">An <c>[Rpc]</c> struct.</typeparam>
    /// <returns>This, to chain calls.</returns>
    public RpcServer AllowFromClients<T>()
        where T : struct
    {
        allowedFromClients[Registry.Get<T>().Id] = true;
        return this;
    }

    /// <summary>The RPC counts of one connected client.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="counters">Its counters.</param>
    /// <returns>False when it is not connected.</returns>
    public bool TryGetCounters(ConnectionId connection, out RpcCounters counters)
    {
        bool found = connections.TryGetValue(connection, out var state);
        counters = state?.Counters ?? Counters;
        return found;
    }

    private double NowSeconds => time.GetElapsedTime(startTimestamp).TotalSeconds;

    private RpcConnectionState StateOf(ConnectionId connection)
    {
        if (!connections.TryGetValue(connection, out var state))
        {
            state = new RpcConnectionState(0, new TokenBucket(options.RatePerSecond, options.Burst, NowSeconds));
            connections.Add(connection, state);
        }

        return state;
    }

    private void OnConnected(ConnectionId connection, ulong clientId)
    {
        connections[connection] = new RpcConnectionState(clientId, new TokenBucket(options.RatePerSecond, options.Burst, NowSeconds));
        bool reconnected = Grace.Restore(connection, clientId);
        if (reconnected)
        {
            server.Players.NoteRestored(connection);
        }

        reconnected |= server.TryGetPlayerEntity(connection, out _);
        server.World.Create(new ClientConnectedEvent(connection, clientId, reconnected));
    }

    private void OnDisconnected(ConnectionId connection, DisconnectReason reason)
    {
        ulong clientId = connections.Remove(connection, out var state) ? state.ClientId : 0;
        if (server.HoldsBackDisconnects)
        {
            return; // an ended session's player, let go: its entities stay on its host's end screen; the game hears PlayerReleasedAfterEnd
        }

        Grace.Hold(connection, clientId);
        server.World.Create(new ClientDisconnectedEvent(connection, clientId, reason));
    }

    // Untrusted bytes: every check drops and counts, nothing throws.
    private void Receive(ConnectionId connection, ReadOnlySpan<byte> data)
    {
        var state = StateOf(connection);
        if (data.Length > options.MaxRpcBytes)
        {
            Drop(connection, state, RpcDropReason.Oversized, data.Length);
            return;
        }

        if (data.Length < RpcFormat.ClientHeaderSize)
        {
            Drop(connection, state, RpcDropReason.Malformed, data.Length);
            return;
        }

        if (!state.Bucket.TryTake(NowSeconds))
        {
            Drop(connection, state, RpcDropReason.RateLimited, data.Length);
            return;
        }

        ushort typeId = BinaryPrimitives.ReadUInt16LittleEndian(data[1..]);
        if (!Registry.TryGet(typeId, out var type))
        {
            Drop(connection, state, RpcDropReason.UnknownType, typeId);
            return;
        }

        if (!allowedFromClients[typeId])
        {
            Drop(connection, state, RpcDropReason.WrongDirection, typeId);
            return;
        }

        if (!type.Deliver(server.World, data[RpcFormat.ClientHeaderSize..], new RpcSource(connection)))
        {
            Drop(connection, state, RpcDropReason.Malformed, typeId);
            return;
        }

        state.Counters.Received++;
        Counters.Received++;
    }

    private void Drop(ConnectionId connection, RpcConnectionState state, RpcDropReason reason, int detail)
    {
        long count = state.Counters.CountDrop(reason);
        Counters.CountDrop(reason);

        // The first drop of each reason at once, then at most one line a second per reason for the whole server: every reason
        // is seen, a flood from any number of connections is not echoed (the rest are told by the next line or by FlushDropLogs).
        if (dropLogs[(int)reason].TryLog(out long earlier))
        {
            logger.LogWarning("Dropped an RPC from {Connection} (client {ClientId}): {Reason} ({Detail}); {Count} so far for this reason from this client, {Earlier} more from any client since the last such line (logged at most once a second per reason, RpcServer.Counters counts every drop).",
                connection, state.ClientId, reason, detail, count, earlier);
        }

        // Without a logger a drop would be silent, and a forgotten AllowFromClients<T>() looks like a lost
        // message: say it once per reason on the standard error, with the counter to watch.
        if (!hasLogger && !announced[(int)reason])
        {
            announced[(int)reason] = true;
            string what = reason == RpcDropReason.WrongDirection && Registry.TryGet((ushort)detail, out var type)
                ? $"{type.MessageType.Name} is not accepted from clients: call rpcs.AllowFromClients<{type.MessageType.Name}>()"
                : $"{reason} (detail {detail})";
            Console.Error.WriteLine($"Traktor.Ecs.Net: an RPC from {connection} was dropped: {what}. Shown once per reason; RpcServer.Counters counts every drop, and an ILogger passed to RpcServer logs them.");
        }
    }

    private void Send()
    {
        var world = server.World;
        staging.Collect(world, Registry);
        var replication = server.Replication;
        foreach (var (connection, state) in connections)
        {
            // What waited for this connection's snapshot tick leaves first, in order, stamped with that snapshot.
            if (state.Outbox.Count > 0 && replication.SendsSnapshotThisTick(connection))
            {
                for (int i = 0; i < state.Outbox.Count; i++)
                {
                    SendTo(connection, state, state.Outbox.TypeAt(i), state.Outbox.PayloadAt(i));
                }

                state.Outbox.Clear();
            }
        }

        for (int i = 0; i < staging.Count; i++)
        {
            ref readonly var record = ref staging[i];
            if (record.Length < 0)
            {
                Counters.CountDrop(RpcDropReason.Oversized);
                logger.LogError("An outgoing {Type} is larger than {Max} bytes and was not sent.", record.Type.MessageType.Name, options.MaxRpcBytes);
                continue;
            }

            var payload = staging.Payload(in record);
            foreach (var (connection, state) in connections)
            {
                if (!record.Outgoing.Target.Includes(connection))
                {
                    continue;
                }

                if (!replication.SendsSnapshotThisTick(connection))
                {
                    state.Outbox.Add(record.Type, payload); // below the tick rate: with the connection's next snapshot
                    continue;
                }

                SendTo(connection, state, record.Type, payload);
            }
        }

        staging.DestroyAndClear(world);
        cleanup.Run(world);
        Grace.Expire();
        FlushDropLogs();
    }

    /// <summary>Logs, per reason, the drops held back once a second has passed since that reason's last line (each tick).</summary>
    private void FlushDropLogs()
    {
        for (int i = 0; i < dropLogs.Length; i++)
        {
            if (dropLogs[i].TryFlush(out long count))
            {
                logger.LogWarning("Dropped {Count} more RPCs from clients since the last such line: {Reason} (logged at most once a second per reason, RpcServer.Counters counts every drop).",
                    count, (RpcDropReason)i);
            }
        }
    }

    private void SendTo(ConnectionId connection, RpcConnectionState state, RpcType type, ReadOnlySpan<byte> payload)
    {
        RpcFormat.WriteServerHeader(message, state.SnapshotTick, type.Id);
        payload.CopyTo(message.AsSpan(RpcFormat.ServerHeaderSize));
        int length = RpcFormat.ServerHeaderSize + payload.Length;
        if (server.Transport.Send(connection, type.Channel.ToTransport(), message.AsSpan(0, length)) == SendResult.Queued)
        {
            state.Counters.Sent++;
            Counters.Sent++;
        }
        else
        {
            state.Counters.CountDrop(RpcDropReason.SendFailed);
            Counters.CountDrop(RpcDropReason.SendFailed);
        }
    }
}

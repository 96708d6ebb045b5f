using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>
/// The client's RPC layer, attached to a <see cref="NetworkClient"/> (no system to add). RPCs from the
/// server are held until the snapshot they were sent after is applied, so an RPC sent in the same tick as
/// a spawn finds the spawned entity (<see cref="Replication.Client.ClientReplication.Find"/>); they then
/// become entities with an <see cref="RpcSource"/> at the end of the client's BeforeUpdate. RPCs queued with
/// <see cref="RpcWorldExtensions.SendRpc{T}(World, in T, RpcTarget)"/> go to the server in its AfterUpdate;
/// then this tick's RPC and connection event entities (<see cref="ConnectedEvent"/>, <see cref="DisconnectedEvent"/>)
/// are destroyed. Registered as a world resource.
/// </summary>
public sealed class RpcClient
{
    private readonly NetworkClient client;
    private readonly RpcOptions options;
    private readonly ILogger logger;
    private readonly bool hasLogger;
    private readonly bool[] announced = new bool[Enum.GetValues<RpcDropReason>().Length];
    private readonly HeldRpcQueue held = new();
    private readonly RpcStaging staging;
    private readonly byte[] message;
    private readonly RpcRelease release;
    private readonly RpcEventCleanup cleanup = new(
        new QueryDescription().WithAll<RpcSource>(),
        new QueryDescription().WithAll<ConnectedEvent>(),
        new QueryDescription().WithAll<DisconnectedEvent>());

    /// <summary>Attaches the RPC layer to <paramref name="client"/>.</summary>
    /// <param name="client">The client plugin.</param>
    /// <param name="registry">The RPC types (the server's).</param>
    /// <param name="options">Limits.</param>
    /// <param name="logger">Drops are logged here with their reason.</param>
    public RpcClient(NetworkClient client, RpcRegistry registry, RpcOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(registry);
        this.client = client;
        Registry = registry;
        this.options = options ?? new RpcOptions();
        this.options.Validate();
        this.logger = logger ?? NullLogger.Instance;
        hasLogger = logger is not null && logger is not NullLogger;
        staging = new RpcStaging(this.options.MaxRpcBytes - RpcFormat.ClientHeaderSize);
        message = new byte[this.options.MaxRpcBytes];
        release = Deliver;

        client.RegisterHandler(RpcFormat.ServerRpcMessage, Receive);
        client.RegisterHandler(RpcFormat.ClientRpcMessage, data => Drop(RpcDropReason.WrongDirection, data.Length));
        client.Connected += () => client.World.Create(new ConnectedEvent());
        client.ConnectionEnded += OnDisconnected;
        client.Received += Release;
        client.Sending += Send;
        client.World.Resources.Add(this);
    }

    /// <summary>The RPC types.</summary>
    public RpcRegistry Registry { get; }

    /// <summary>Counts of sent, received, held-too-long and dropped RPCs.</summary>
    public RpcCounters Counters { get; } = new();

    /// <summary>RPCs waiting for their snapshot.</summary>
    public int HeldCount => held.Count;

    private void OnDisconnected(DisconnectedEvent ended)
    {
        // The replicated entities these RPCs refer to are gone with the connection.
        int discarded = held.Clear();
        if (discarded > 0)
        {
            logger.LogDebug("Discarded {Count} held RPCs on disconnect.", discarded);
        }

        client.World.Create(ended);
    }

    // Bytes from the server: still validated, because a bug or a mismatched build must not throw here.
    private void Receive(ReadOnlySpan<byte> data)
    {
        if (data.Length > options.MaxRpcBytes)
        {
            Drop(RpcDropReason.Oversized, data.Length);
            return;
        }

        if (data.Length < RpcFormat.ServerHeaderSize)
        {
            Drop(RpcDropReason.Malformed, data.Length);
            return;
        }

        uint tick = BinaryPrimitives.ReadUInt32LittleEndian(data[1..]);
        ushort typeId = BinaryPrimitives.ReadUInt16LittleEndian(data[5..]);
        if (!Registry.TryGet(typeId, out var type))
        {
            Drop(RpcDropReason.UnknownType, typeId);
            return;
        }

        held.Add(type, tick, data[RpcFormat.ServerHeaderSize..], client.LocalSeconds);
    }

    private void Release()
    {
        if (held.Count > 0)
        {
            double deadline = client.LocalSeconds - options.MaxHoldTime.TotalSeconds;
            held.Release(client.Replication, options.SpawnResendTicks, options.LostSnapshotWaitTicks, deadline, options.MaxHeldRpcs, release);
        }
    }

    private void Deliver(RpcType type, ReadOnlySpan<byte> payload, bool early)
    {
        if (!type.Deliver(client.World, payload, default))
        {
            Drop(RpcDropReason.Malformed, type.Id);
            return;
        }

        Counters.Received++;
        if (early)
        {
            Counters.ReleasedEarly++;
        }
    }

    private void Drop(RpcDropReason reason, int detail)
    {
        long count = Counters.CountDrop(reason);
        if ((count & (count - 1)) == 0)
        {
            logger.LogWarning("Dropped an RPC from the server: {Reason} ({Detail}); {Count} so far for this reason.", reason, detail, count);
        }
    }

    // An RPC sent before the connection exists looks like a lost message (a greeting sent on the first tick):
    // log the 1st, 2nd, 4th… drop, and without a logger say it once per reason on the standard error.
    private void DropOutgoing(RpcDropReason reason, RpcType type)
    {
        long count = Counters.CountDrop(reason);
        string why = reason == RpcDropReason.NotConnected
            ? "the client is not connected (send RPCs once connected: in C# after a ConnectedEvent has appeared or NetworkClient.Connected was raised, "
                + "in Lua after multiplayer:joinSession has returned; nothing is kept for a later connection)"
            : "the transport did not queue it (send queue full or connection closing)";
        if ((count & (count - 1)) == 0)
        {
            logger.LogWarning("Dropped an outgoing {Type}: {Why}; {Count} so far for this reason.", type.MessageType.Name, why, count);
        }

        if (!hasLogger && !announced[(int)reason])
        {
            announced[(int)reason] = true;
            Console.Error.WriteLine($"Traktor.Ecs.Net: an outgoing {type.MessageType.Name} was dropped: {why}. Shown once per reason; RpcClient.Counters counts every drop, and an ILogger passed to RpcClient logs them.");
        }
    }

    private void Send()
    {
        var world = client.World;
        if (world.Resources.TryGet<RpcServer>(out _))
        {
            // The world hosts too (a player hosting with Multiplayer, its client idle meanwhile): the outgoing RPCs are the
            // server's to send (world.SendRpc checks them against the server). Were this idle client to take them first, it
            // would drop them as not connected, and none of the host's RPCs (PlayerJoined, the game's) would reach its players.
            return;
        }

        staging.Collect(world, Registry);
        for (int i = 0; i < staging.Count; i++)
        {
            ref readonly var record = ref staging[i];
            if (record.Length < 0)
            {
                Counters.CountDrop(RpcDropReason.Oversized);
                logger.LogError("An outgoing {Type} is larger than {Max} bytes and was not sent.", record.Type.MessageType.Name, options.MaxRpcBytes);
                continue;
            }

            // A client talks to the server only, whatever target the game named.
            var payload = staging.Payload(in record);
            RpcFormat.WriteClientHeader(message, record.Type.Id);
            payload.CopyTo(message.AsSpan(RpcFormat.ClientHeaderSize));
            int length = RpcFormat.ClientHeaderSize + payload.Length;
            if (client.Transport.State != ClientState.Connected)
            {
                DropOutgoing(RpcDropReason.NotConnected, record.Type);
            }
            else if (client.Transport.Send(record.Type.Channel.ToTransport(), message.AsSpan(0, length)) == SendResult.Queued)
            {
                Counters.Sent++;
            }
            else
            {
                DropOutgoing(RpcDropReason.SendFailed, record.Type);
            }
        }

        staging.DestroyAndClear(world);
        cleanup.Run(world);
    }
}

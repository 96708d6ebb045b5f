using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net;

/// <summary>
/// Listen-server (host) mode: one process runs the authoritative world and plays in it. Add this system to the world's
/// group in place of a <see cref="NetworkServer"/>; it builds one (<see cref="Server"/>) over the transport, so remote
/// players connect, get snapshots and send inputs exactly as to a dedicated server, and adds a local player that has no
/// network path. The local player is an ordinary connection of the server (<see cref="LocalConnection"/>): it connects
/// in the first tick (the server's <see cref="NetworkServer.PlayerConnected"/> spawns its entity as any player's), its
/// inputs (<see cref="HostInputs{TInput, TSerializer}"/>) and RPCs (<see cref="SendRpc{T}"/>) are serialized and handed
/// to the server's message handlers in memory, where they pass the same budgets and validation as a remote player's,
/// and it reads its state from the world itself: no loopback packets, no snapshots, no prediction. Entities it owns
/// carry <see cref="LocalOwner"/> here as they would on a client. Registered as a world resource.
/// </summary>
public sealed class NetworkHost : ISystem<float>
{
    private readonly LoopbackEndpoint loopback;
    private readonly QueryDescription owned = new QueryDescription().WithAll<NetworkOwner>().WithNone<LocalOwner>();
    private readonly QueryDescription marked = new QueryDescription().WithAll<LocalOwner>();
    private readonly List<Entity> changes = new();
    private byte[] rpcBuffer = [];

    /// <summary>Creates the host over a transport server (remote players) with a local player.</summary>
    /// <param name="world">The authoritative world, which is also the local player's.</param>
    /// <param name="transport">The transport remote players connect to: a <see cref="NetServer"/> (UDP, WebSocket, in-memory) or a session's endpoint.</param>
    /// <param name="registry">The replicated types.</param>
    /// <param name="options">Replication budgets and rules.</param>
    /// <param name="localClientId">The local player's client id (its account id, as a token would carry for a remote player).</param>
    /// <param name="logger">Diagnostics.</param>
    public NetworkHost(World world, IServerEndpoint transport, ReplicationRegistry registry, ServerReplicationOptions? options = null, ulong localClientId = 0, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(transport);
        loopback = new LoopbackEndpoint(transport, localClientId);
        Server = new NetworkServer(world, loopback, registry, options, logger);
        loopback.ConnectLocal();
        world.Resources.Add(this);
    }

    /// <summary>The server plugin: attach <see cref="ServerInputs{TInput, TSerializer}"/>, <see cref="RpcServer"/> and the game's events to it.</summary>
    public NetworkServer Server { get; }

    /// <summary>The world (the server's, and the local player's).</summary>
    public World World => Server.World;

    /// <summary>The transport remote players connect to.</summary>
    public IServerEndpoint Transport => loopback.Inner;

    /// <summary>The local player's connection (slot -1, never a transport's); valid while <see cref="IsLocalPlayerConnected"/>.</summary>
    public ConnectionId LocalConnection => loopback.LocalConnection;

    /// <summary>The local player's client id.</summary>
    public ulong LocalClientId => loopback.LocalClientId;

    /// <summary>True while the local player is connected (from construction until <see cref="LeaveLocalPlayer"/>).</summary>
    public bool IsLocalPlayerConnected => loopback.LocalConnected;

    /// <summary>Messages the server addressed to the local player (input status, RPCs): counted, not delivered, since the local player reads the world.</summary>
    public long LocalSendsDiscarded => loopback.LocalSendsDiscarded;

    /// <summary>Messages of the local player refused because its per-tick budget (256 messages, 64 KiB) was spent.</summary>
    public long LocalMessagesRefused => loopback.LocalMessagesRefused;

    /// <summary>How many ticks the host received in (its <see cref="BeforeUpdate"/> calls): zero until its first tick.</summary>
    internal long Receives { get; private set; }

    /// <summary>
    /// Raised at the start of every tick, before the server receives: the local player samples its input and queues
    /// its messages here, so they are handled in this tick like a remote player's that arrived in time.
    /// </summary>
    public event Action? Sampling;

    /// <summary>
    /// Sends a message from the local player to the server: it arrives in the next receive as a message of
    /// <see cref="LocalConnection"/>, routed to the handler of its kind under that kind's budget.
    /// </summary>
    /// <param name="message">The message bytes (copied).</param>
    /// <returns>Whether it was queued.</returns>
    public SendResult SendFromLocalPlayer(ReadOnlySpan<byte> message) => loopback.SendFromLocal(message);

    /// <summary>
    /// Sends an RPC from the local player to the server, serialized as a client would send it: it becomes an entity with
    /// an <see cref="RpcSource"/> naming <see cref="LocalConnection"/> only if the <see cref="RpcServer"/> accepts it
    /// from clients (<see cref="RpcServer.AllowFromClients{T}"/>) within its rate limits.
    /// </summary>
    /// <typeparam name="T">An <c>[Rpc]</c> struct of the server's registry.</typeparam>
    /// <param name="message">The RPC.</param>
    /// <returns>Whether it was queued.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="RpcServer"/> is attached to the server.</exception>
    public SendResult SendRpc<T>(in T message)
        where T : struct
    {
        if (!World.Resources.TryGet<RpcServer>(out var rpcs))
        {
            throw new InvalidOperationException("SendRpc needs an RpcServer attached to the host's server.");
        }

        var type = rpcs.Registry.Get<T>();
        if (rpcBuffer.Length == 0)
        {
            rpcBuffer = new byte[Server.Transport.MaxUnfragmentedMessageSize];
        }

        RpcFormat.WriteClientHeader(rpcBuffer, type.Id);
        int length = ((IRpcWriter<T>)type).Write(in message, rpcBuffer.AsSpan(RpcFormat.ClientHeaderSize));
        return length < 0 ? SendResult.TooLarge : loopback.SendFromLocal(rpcBuffer.AsSpan(0, RpcFormat.ClientHeaderSize + length));
    }

    /// <summary>
    /// True when <paramref name="rpc"/> is an RPC this world is sending (<c>World.SendRpc</c> on the host, not yet sent)
    /// whose target includes the local player: <see cref="RpcTarget.AllClients"/>, <c>RpcTarget.To(LocalConnection)</c>, or
    /// <c>RpcTarget.AllExcept</c> another connection. Nothing is delivered to the local player's connection (it lives in this
    /// world), so the host's game handles such an RPC for its own player from the outgoing entity, in a system after the one
    /// that sent it: <c>World.Query(WithAll&lt;T&gt;().WithNone&lt;RpcSource&gt;(), (Entity e, ref T rpc) =&gt; { if
    /// (host.IsForLocalPlayer(e)) … })</c>, where a client's game queries <c>WithAll&lt;T, RpcSource&gt;()</c>.
    /// </summary>
    /// <param name="rpc">An entity of this world.</param>
    /// <returns>False for received RPCs (they carry an <see cref="RpcSource"/>), other entities, and while the local player is not connected.</returns>
    public bool IsForLocalPlayer(Entity rpc) =>
        IsLocalPlayerConnected && World.IsAlive(rpc) && World.TryGet<RpcOutgoing>(rpc, out var outgoing) && outgoing.Target.Includes(LocalConnection);

    /// <summary>The local player leaves (a Disconnected event follows in the next tick, as for a remote player); the host keeps serving.</summary>
    public void LeaveLocalPlayer() => loopback.Disconnect(loopback.LocalConnection, DisconnectReason.ClientDisconnected);

    /// <summary>The local player joins again after <see cref="LeaveLocalPlayer"/>, under a new <see cref="LocalConnection"/>.</summary>
    public void JoinLocalPlayer() => loopback.ConnectLocal();

    /// <inheritdoc />
    public void Initialize() => Server.Initialize();

    /// <summary>Lets the local player queue its input, then receives everything (the network's and the local player's).</summary>
    /// <param name="state">The frame's delta time.</param>
    public void BeforeUpdate(in float state)
    {
        Sampling?.Invoke();
        Server.BeforeUpdate(in state);
        MarkLocalOwnership();
        Receives++;
    }

    /// <inheritdoc />
    public void Update(in float state) => Server.Update(in state);

    /// <summary>Replicates to the remote players and sends.</summary>
    /// <param name="state">The frame's delta time.</param>
    public void AfterUpdate(in float state) => Server.AfterUpdate(in state);

    /// <inheritdoc />
    public void Dispose()
    {
        Server.Dispose();
        World.Resources.Remove<NetworkHost>();
    }

    /// <summary>
    /// Tags what the local player owns with <see cref="LocalOwner"/> (and untags what it no longer owns), so "my ship"
    /// queries read the same on the host as on a client.
    /// </summary>
    private void MarkLocalOwnership()
    {
        var local = loopback.LocalConnected ? LocalConnection : new ConnectionId(int.MinValue, 0);
        foreach (ref var chunk in World.Query(in owned))
        {
            var owners = chunk.GetReadOnlySpan<NetworkOwner>();
            var entities = chunk.Entities.AsSpan();
            for (int i = 0; i < owners.Length; i++)
            {
                if (owners[i].Connection == local) changes.Add(entities[i]);
            }
        }

        foreach (var entity in changes) World.Add(entity, new LocalOwner());
        changes.Clear();
        foreach (ref var chunk in World.Query(in marked))
        {
            var entities = chunk.Entities.AsSpan();
            for (int i = 0; i < entities.Length; i++)
            {
                if (!World.TryGet<NetworkOwner>(entities[i], out var owner) || owner.Connection != local) changes.Add(entities[i]);
            }
        }

        foreach (var entity in changes) World.Remove<LocalOwner>(entity);
        changes.Clear();
    }
}

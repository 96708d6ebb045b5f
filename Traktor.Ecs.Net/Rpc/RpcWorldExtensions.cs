using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>Sending RPCs from gameplay code.</summary>
public static class RpcWorldExtensions
{
    /// <summary>
    /// Queues <paramref name="rpc"/> (an <see cref="RpcAttribute"/> struct) for <paramref name="target"/>: it becomes an
    /// entity that the RPC plugin serializes on the RPC's channel at the end of this tick and then destroys.
    /// Inside a query the entity is created when the outermost query ends (structural changes are deferred);
    /// inside a parallel query use the <see cref="CommandBuffer"/> overload.
    /// </summary>
    /// <typeparam name="T">The RPC struct.</typeparam>
    /// <param name="world">The world with an <see cref="RpcServer"/> or <see cref="RpcClient"/> attached.</param>
    /// <param name="rpc">The message.</param>
    /// <param name="target">
    /// The recipients (a client always sends to the server). On a listen server (<see cref="NetworkHost"/>),
    /// <see cref="RpcTarget.Server"/> is the local player's RPC to the server, so a player's game sends the same way
    /// whether it hosts or joins (a <c>Multiplayer</c> player may do both in one session).
    /// </param>
    /// <returns>
    /// The event entity; <see cref="Entity.Null"/> for the local player's RPC on a listen server, which is handed to
    /// <see cref="NetworkHost.SendRpc{T}(in T)"/> and appears, with its <see cref="RpcSource"/>, in the server's next receive.
    /// </returns>
    /// <exception cref="InvalidOperationException">No RPC layer is attached to the world.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an RPC type of the attached registry, or a dedicated server targets itself.</exception>
    public static Entity SendRpc<T>(this World world, in T rpc, RpcTarget target)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(world);
        if (target.Kind == RpcTargetKind.Server && world.Resources.TryGet<NetworkHost>(out var host) && world.Resources.Has<RpcServer>())
        {
            host.SendRpc(in rpc);   // judged by the server's rules as a remote player's (AllowFromClients, rate limits)
            return Entity.Null;
        }

        EnsureSendable<T>(world, target);
        return world.Create(in rpc, new RpcOutgoing(target, OrderOf(world).Next()));
    }

    /// <summary>Queues an RPC through a command buffer (e.g. one per thread in a parallel query); it is sent when the buffer is played back before the send pass.</summary>
    /// <typeparam name="T">The RPC struct.</typeparam>
    /// <param name="commands">The command buffer.</param>
    /// <param name="world">The world the buffer is played back into.</param>
    /// <param name="rpc">The message.</param>
    /// <param name="target">The recipients.</param>
    /// <exception cref="InvalidOperationException">No RPC layer is attached to the world.</exception>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is not an RPC type of the attached registry, or the server targets itself.</exception>
    public static void SendRpc<T>(this CommandBuffer commands, World world, in T rpc, RpcTarget target)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(world);
        EnsureSendable<T>(world, target);
        var entity = commands.Create();
        commands.Add(entity, in rpc);
        commands.Add(entity, new RpcOutgoing(target, OrderOf(world).Next()));
    }

    // An RPC nobody sends would stay an entity forever: refuse it where the mistake is made.
    private static void EnsureSendable<T>(World world, RpcTarget target)
        where T : struct
    {
        if (world.Resources.TryGet<RpcServer>(out var server))
        {
            server.Registry.Get<T>();
            if (target.Kind == RpcTargetKind.Server)
            {
                throw new ArgumentException(world.Resources.Has<NetworkHost>()
                    ? "The local player's RPC to the server is sent with world.SendRpc(rpc, RpcTarget.Server) or host.SendRpc(rpc), not through a command buffer."
                    : "The server cannot send an RPC to itself; create the event entity with RpcSource.Local instead.", nameof(target));
            }
        }
        else if (world.Resources.TryGet<RpcClient>(out var client))
        {
            client.Registry.Get<T>();
        }
        else
        {
            throw new InvalidOperationException("Attach an RpcServer or RpcClient to the world before sending RPCs.");
        }
    }

    private static RpcSendOrder OrderOf(World world)
    {
        if (!world.Resources.TryGet<RpcSendOrder>(out var order))
        {
            order = new RpcSendOrder();
            world.Resources.Add(order);
        }

        return order;
    }
}

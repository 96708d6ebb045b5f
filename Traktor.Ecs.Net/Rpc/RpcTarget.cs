using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>Where <see cref="RpcWorldExtensions.SendRpc{T}(World, in T, RpcTarget)"/> sends an RPC.</summary>
/// <param name="Kind">The kind of target.</param>
/// <param name="Connection">The connection for <see cref="RpcTargetKind.Connection"/> and <see cref="RpcTargetKind.AllExcept"/>.</param>
public readonly record struct RpcTarget(RpcTargetKind Kind, ConnectionId Connection)
{
    /// <summary>The server; on a client every RPC goes there whatever the target (the server cannot target itself).</summary>
    public static RpcTarget Server => new(RpcTargetKind.Server, default);

    /// <summary>Every connected client.</summary>
    public static RpcTarget AllClients => new(RpcTargetKind.AllClients, default);

    /// <summary>One client.</summary>
    /// <param name="connection">Its connection.</param>
    /// <returns>The target.</returns>
    public static RpcTarget To(ConnectionId connection) => new(RpcTargetKind.Connection, connection);

    /// <summary>Every connected client except <paramref name="connection"/> (typically the sender of what is relayed).</summary>
    /// <param name="connection">The connection to skip.</param>
    /// <returns>The target.</returns>
    public static RpcTarget AllExcept(ConnectionId connection) => new(RpcTargetKind.AllExcept, connection);

    /// <summary>True when a message for this target goes to <paramref name="connection"/>.</summary>
    /// <param name="connection">A connected client.</param>
    /// <returns>True when it is addressed.</returns>
    public bool Includes(ConnectionId connection) => Kind switch
    {
        RpcTargetKind.Connection => Connection == connection,
        RpcTargetKind.AllClients => true,
        RpcTargetKind.AllExcept => Connection != connection,
        _ => false,
    };
}

using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>Why a received or queued RPC was dropped.</summary>
public enum RpcDropReason
{
    /// <summary>The type id names no registered RPC.</summary>
    UnknownType = 0,

    /// <summary>The message is larger than <see cref="RpcOptions.MaxRpcBytes"/>.</summary>
    Oversized = 1,

    /// <summary>The payload is truncated, out of range, or followed by extra bytes.</summary>
    Malformed = 2,

    /// <summary>A client sent a type the server did not allow from clients, or a server-only message kind.</summary>
    WrongDirection = 3,

    /// <summary>The connection exceeded its RPC rate.</summary>
    RateLimited = 4,

    /// <summary>The transport refused to queue it (send queue full, or the connection closing).</summary>
    SendFailed = 5,

    /// <summary>
    /// A client's RPC was to leave while the client was not connected (before its <see cref="ConnectedEvent"/>,
    /// or after a disconnect): nothing is kept for a later connection.
    /// </summary>
    NotConnected = 6,
}

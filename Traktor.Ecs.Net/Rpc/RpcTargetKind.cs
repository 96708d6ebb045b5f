using Traktor.Ecs.Net.Rpc;

namespace Traktor.Ecs.Net;

/// <summary>Who receives an RPC.</summary>
public enum RpcTargetKind : byte
{
    /// <summary>The server (the only target a client can use).</summary>
    Server = 0,

    /// <summary>One client connection.</summary>
    Connection = 1,

    /// <summary>Every connected client.</summary>
    AllClients = 2,

    /// <summary>Every connected client but one.</summary>
    AllExcept = 3,
}


namespace Traktor.Ecs.Net.Sessions;

/// <summary>RPC event: a player left the session this server hosts. Appears on the server and on every client.</summary>
[Rpc(Channel = Channel.ReliableOrdered)]
public struct PlayerLeft
{
    /// <summary>The player's id (the client id of the connect token).</summary>
    public ulong PlayerId;

    /// <summary>Players in the session after the leave.</summary>
    [Range(0, 65535)]
    public int PlayerCount;
}

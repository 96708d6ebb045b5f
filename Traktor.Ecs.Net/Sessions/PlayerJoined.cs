using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// RPC event: a player joined the session this server hosts (<c>rpc("onPlayerJoined", …)</c> in the
/// engine). Appears on the server (with a local <see cref="RpcSource"/>) and on every client.
/// </summary>
[Rpc(Channel = Channel.ReliableOrdered)]
public struct PlayerJoined
{
    /// <summary>The player's id (the client id of the connect token).</summary>
    public ulong PlayerId;

    /// <summary>
    /// Players in the session once this join is known, the joiner included: what a UI shows as "n in the session". A
    /// newcomer is first told of each player already there (in join order, before its own join): those events carry the
    /// count with the newcomer too, the same as its own, not the count at the time each of them joined. Players that
    /// connect in the same tick are announced one after the other: a later one is told of an earlier one this way (the
    /// count now), while the earlier one's own event counted only the players before it.
    /// </summary>
    [Range(0, 65535)]
    public int PlayerCount;

    /// <summary>The player's display name.</summary>
    public FixedString32 Name;
}

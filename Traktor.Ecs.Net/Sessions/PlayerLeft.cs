using Traktor.Ecs.Net.Serialization;


namespace Traktor.Ecs.Net.Sessions;

/// <summary>RPC event: a player left the session this server hosts. Appears on the server and on every client.</summary>
[Rpc(Channel = Channel.ReliableOrdered)]
public struct PlayerLeft
{
    /// <summary>The player's id (the client id of the connect token).</summary>
    public ulong PlayerId;

    /// <summary>Players still in the session after the leave (the one who left not counted).</summary>
    [Range(0, 65535)]
    public int PlayerCount;

    /// <summary>The player's display name, as <see cref="PlayerJoined.Name"/> gave it (so a client can say who left without keeping a roster).</summary>
    public FixedString32 Name;
}

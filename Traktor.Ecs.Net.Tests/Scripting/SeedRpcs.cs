using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>The RPC the seed's <c>multiplayer:rpc("onPlayerJoined", { playerId = …, playerName = … })</c> sends, declared by the game.</summary>
[Rpc]
public struct SeedPlayerJoined
{
    public int PlayerId;
    public FixedString32 PlayerName;
}

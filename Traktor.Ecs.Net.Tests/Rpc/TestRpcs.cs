
namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>A numbered RPC on the default reliable-ordered channel.</summary>
[Rpc]
public struct OrderedPing
{
    public uint Index;

    public uint SentTick;
}

/// <summary>A numbered RPC that may be lost.</summary>
[Rpc(Channel = Channel.Unreliable)]
public struct UnreliablePing
{
    public uint Index;

    public uint SentTick;
}

/// <summary>A command clients may send (the server allows it).</summary>
[Rpc]
public struct FireCommand
{
    [Range(0, 1000)]
    public int Weapon;
}

/// <summary>A server-only announcement (never allowed from clients).</summary>
[Rpc]
public struct ScoreAnnouncement
{
    public int Score;
}

/// <summary>Sent in the same tick as the spawn of the entity whose badge color it names.</summary>
[Rpc]
public struct SpawnNotice
{
    [Range(0, 255)]
    public int Color;
}

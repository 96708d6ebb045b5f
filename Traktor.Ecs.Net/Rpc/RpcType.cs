
namespace Traktor.Ecs.Net.Rpc;

/// <summary>One RPC type: its wire id, channel and the typed code that moves it between entities and bytes.</summary>
public abstract class RpcType
{
    /// <summary>Creates the description.</summary>
    /// <param name="id">The wire id (index in the registry).</param>
    /// <param name="messageType">The RPC struct.</param>
    /// <param name="channel">Its declared channel.</param>
    private protected RpcType(ushort id, Type messageType, Channel channel)
    {
        Id = id;
        MessageType = messageType;
        Channel = channel;
    }

    /// <summary>The wire id: the type's index across every registered schema.</summary>
    public ushort Id { get; }

    /// <summary>The RPC struct.</summary>
    public Type MessageType { get; }

    /// <summary>The declared delivery guarantee.</summary>
    public Channel Channel { get; }

    /// <summary>Serializes every pending RPC of this type into <paramref name="staging"/> and collects the entities to destroy.</summary>
    /// <param name="world">The sending world.</param>
    /// <param name="staging">Where the payloads go.</param>
    internal abstract void Stage(World world, RpcStaging staging);

    /// <summary>Reads a payload and creates the received entity. Never throws on bad bytes.</summary>
    /// <param name="world">The receiving world.</param>
    /// <param name="payload">The bytes after the header.</param>
    /// <param name="source">Where it came from.</param>
    /// <returns>False when the payload is malformed (truncated, out of range or with trailing bytes).</returns>
    internal abstract bool Deliver(World world, ReadOnlySpan<byte> payload, in RpcSource source);
}

using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Delivery guarantees of a message; each kind is one channel with its own sequence space.</summary>
public enum ChannelKind : byte
{
    /// <summary>May be lost, duplicated never, order not kept.</summary>
    Unreliable = 0,
    /// <summary>May be lost; older messages arriving after newer ones are dropped.</summary>
    UnreliableSequenced = 1,
    /// <summary>Delivered exactly once, in send order.</summary>
    ReliableOrdered = 2,
    /// <summary>Delivered exactly once, as soon as it arrives.</summary>
    ReliableUnordered = 3,
}


namespace Traktor.Ecs.Net;

/// <summary>Delivery guarantee of a message stream. Shared by RPCs and the transport's channels.</summary>
public enum Channel : byte
{
    /// <summary>Delivered once, in send order (the default for RPCs).</summary>
    ReliableOrdered = 0,

    /// <summary>Delivered once, in any order.</summary>
    ReliableUnordered = 1,

    /// <summary>May be lost, duplicated-free, in any order.</summary>
    Unreliable = 2,

    /// <summary>May be lost; anything older than the newest received is dropped.</summary>
    UnreliableSequenced = 3,
}

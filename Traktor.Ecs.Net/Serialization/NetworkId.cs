using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net;

/// <summary>
/// An entity reference on the wire. The replication layer maps local entities to these ids;
/// serialization only moves the number. <see cref="None"/> (0) is the null reference.
/// </summary>
/// <param name="Value">The id; 0 means no entity.</param>
public readonly record struct NetworkId(uint Value)
{
    /// <summary>The null reference.</summary>
    public static NetworkId None => default;

    /// <summary>True unless this is <see cref="None"/>.</summary>
    public bool IsValid => Value != 0;
}

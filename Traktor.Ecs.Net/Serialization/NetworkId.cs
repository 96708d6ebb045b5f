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

    /// <summary>Short, for logs and debuggers: <c>net:42</c>, or <c>net:none</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Value == 0 ? "net:none" : $"net:{Value}";
}

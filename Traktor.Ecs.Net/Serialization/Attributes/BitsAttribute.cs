
namespace Traktor.Ecs.Net;

/// <summary>
/// Sends the field in exactly <see cref="Count"/> bits: integers and enums as two's complement
/// (values that do not fit wrap), ranged floats as a code of that width, quaternions with that
/// many bits per smallest-three component (default 9).
/// </summary>
/// <param name="count">1 to 32 (2 to 30 for quaternions).</param>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class BitsAttribute(int count) : Attribute
{
    /// <summary>Width in bits.</summary>
    public int Count { get; } = count;
}

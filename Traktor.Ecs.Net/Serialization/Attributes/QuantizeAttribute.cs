
namespace Traktor.Ecs.Net;

/// <summary>
/// Sends a float (or each component of a vector) as a whole number of <see cref="Precision"/> steps.
/// With <see cref="RangeAttribute"/> the value uses the fewest bits that reach that precision over
/// the range; without it, a zig-zag varint of the step count.
/// </summary>
/// <param name="precision">Largest acceptable step; the error is at most half of it.</param>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class QuantizeAttribute(float precision) : Attribute
{
    /// <summary>Largest acceptable step.</summary>
    public float Precision { get; } = precision;
}

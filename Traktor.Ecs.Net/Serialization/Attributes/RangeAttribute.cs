
namespace Traktor.Ecs.Net;

/// <summary>
/// Declares the values a field can take: integers are sent as value − min in just enough bits and
/// clamped; floats and vectors need <see cref="QuantizeAttribute"/> or <see cref="BitsAttribute"/> too.
/// </summary>
/// <param name="min">Smallest value.</param>
/// <param name="max">Largest value.</param>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class RangeAttribute(double min, double max) : Attribute
{
    /// <summary>Smallest value.</summary>
    public double Min { get; } = min;

    /// <summary>Largest value.</summary>
    public double Max { get; } = max;
}

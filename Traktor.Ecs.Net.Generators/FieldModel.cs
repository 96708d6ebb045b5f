using System;

namespace Traktor.Ecs.Net.Generators;

/// <summary>One replicated field, with everything the emitter needs (no symbols, so it caches).</summary>
internal sealed record FieldModel(
    string Name,
    FieldKind Kind,
    string TypeName,
    string SchemaTypeName,
    string? UnderlyingTypeName,
    bool IsSigned,
    int NaturalBits,
    IntegerEncoding IntegerEncoding,
    FloatEncoding FloatEncoding,
    long RangeMinimum,
    long RangeMaximum,
    double FloatMinimum,
    double FloatMaximum,
    float Precision,
    int Bits)
{
    /// <summary>Canonical text of the field's wire encoding, part of the protocol hash.</summary>
    public string Describe()
    {
        string encoding = Kind switch
        {
            FieldKind.Float or FieldKind.Vector2 or FieldKind.Vector3 or FieldKind.Vector4 => FloatEncoding switch
            {
                FloatEncoding.RangedPrecision => $"range({Format(FloatMinimum)},{Format(FloatMaximum)})precision({Precision.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})",
                FloatEncoding.RangedBits => $"range({Format(FloatMinimum)},{Format(FloatMaximum)})bits({Bits})",
                FloatEncoding.Unbounded => $"precision({Precision.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})",
                _ => "raw",
            },
            FieldKind.Bool or FieldKind.Integer or FieldKind.Enum or FieldKind.NetworkId => IntegerEncoding switch
            {
                IntegerEncoding.Range => $"range({RangeMinimum},{RangeMaximum})",
                IntegerEncoding.FixedBits => $"bits({Bits})",
                _ => "varint",
            },
            FieldKind.Quaternion => $"smallest3({Bits})",
            _ => "raw",
        };
        return $"{Name}:{SchemaTypeName}:{encoding}";
    }

    private static string Format(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

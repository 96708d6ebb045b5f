using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Traktor.Ecs.Net.Generators;

/// <summary>Classifies one field and validates its attributes against its type.</summary>
internal static class FieldModelBuilder
{
    private const int DefaultQuaternionBits = 9;

    public static FieldModel? Build(IFieldSymbol field, List<DiagnosticInfo> diagnostics)
    {
        var location = field.Locations.FirstOrDefault();
        var fieldType = field.Type;
        string typeName = fieldType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        string schemaType = fieldType.ToDisplayString();

        var quantize = TypeModelBuilder.FindAttribute(field, "QuantizeAttribute");
        var range = TypeModelBuilder.FindAttribute(field, "RangeAttribute");
        var bitsAttribute = TypeModelBuilder.FindAttribute(field, "BitsAttribute");
        float? precision = quantize?.ConstructorArguments.FirstOrDefault().Value is float p ? p : null;
        double? min = range is { ConstructorArguments.Length: 2 } ? ToDouble(range.ConstructorArguments[0].Value) : null;
        double? max = range is { ConstructorArguments.Length: 2 } ? ToDouble(range.ConstructorArguments[1].Value) : null;
        int? bits = bitsAttribute?.ConstructorArguments.FirstOrDefault().Value is int b ? b : null;

        bool Invalid(string message)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.InvalidFieldAttribute, location, field.Name, message));
            return false;
        }

        if (precision is not null && !(precision > 0 && !float.IsInfinity(precision.Value)))
        {
            Invalid("[Quantize] precision must be positive and finite");
            return null;
        }

        if (min is not null && !(min < max && !double.IsInfinity(min.Value) && !double.IsInfinity(max!.Value)))
        {
            Invalid("[Range] needs finite min < max");
            return null;
        }

        var kind = Classify(fieldType, out var underlying);
        if (kind is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(GeneratorDiagnostics.UnsupportedFieldType, location, field.Name, schemaType));
            return null;
        }

        var model = new FieldModel(field.Name, kind.Value, typeName, schemaType, null, false, 0, IntegerEncoding.VarInt, FloatEncoding.Raw, 0, 0, 0, 0, 0, 0);
        switch (kind.Value)
        {
            case FieldKind.Float or FieldKind.Vector2 or FieldKind.Vector3 or FieldKind.Vector4:
                return BuildFloat(model, precision, min, max, bits, Invalid);
            case FieldKind.Quaternion:
                if (precision is not null || min is not null)
                {
                    Invalid("Quaternion takes only [Bits(n)] (bits per smallest-three component)");
                    return null;
                }

                int quaternionBits = bits ?? DefaultQuaternionBits;
                if (quaternionBits is < 2 or > 30)
                {
                    Invalid("Quaternion [Bits] must be 2 to 30");
                    return null;
                }

                return model with { Bits = quaternionBits };
            case FieldKind.Bool or FieldKind.Integer or FieldKind.Enum or FieldKind.NetworkId:
                return BuildInteger(model, fieldType, underlying, precision, min, max, bits, Invalid);
            default:
                if (precision is not null || min is not null || bits is not null)
                {
                    Invalid($"{schemaType} fields take no [Quantize], [Range] or [Bits]");
                    return null;
                }

                return model;
        }
    }

    /// <summary>
    /// The codes FloatQuantizer.FromPrecision needs (keep the two in step): a range around zero is two grids that meet
    /// at zero, each with a whole number of steps, so it may need two steps more than the even grid over the range.
    /// </summary>
    private static double RangedSteps(float min, float max, float precision) => min < 0 && max > 0
        ? Math.Ceiling(-(double)min / precision) + Math.Ceiling((double)max / precision)
        : Math.Ceiling(((double)max - min) / precision);

    private static FieldModel? BuildFloat(FieldModel model, float? precision, double? min, double? max, int? bits, Func<string, bool> invalid)
    {
        if (min is not null)
        {
            if (precision is not null && bits is not null)
            {
                invalid("use either [Quantize] or [Bits] with [Range], not both");
                return null;
            }

            if (precision is null && bits is null)
            {
                invalid("a float [Range] needs [Quantize(precision)] or [Bits(n)] as well");
                return null;
            }

            if (bits is not null && bits is < 1 or > 32)
            {
                invalid("[Bits] must be 1 to 32");
                return null;
            }

            if (precision is not null && RangedSteps((float)min.Value, (float)max!.Value, precision.Value) > uint.MaxValue)
            {
                invalid("[Range] / [Quantize] needs more than 32 bits");
                return null;
            }

            return model with
            {
                FloatEncoding = precision is not null ? FloatEncoding.RangedPrecision : FloatEncoding.RangedBits,
                FloatMinimum = min.Value,
                FloatMaximum = max!.Value,
                Precision = precision ?? 0,
                Bits = bits ?? 0,
            };
        }

        if (bits is not null)
        {
            invalid("[Bits] on a float needs a [Range]");
            return null;
        }

        return precision is not null
            ? model with { FloatEncoding = FloatEncoding.Unbounded, Precision = precision.Value }
            : model;
    }

    private static FieldModel? BuildInteger(FieldModel model, ITypeSymbol type, ITypeSymbol? underlying, float? precision, double? min, double? max, int? bits, Func<string, bool> invalid)
    {
        if (precision is not null)
        {
            invalid("[Quantize] applies to floats and vectors only");
            return null;
        }

        var numeric = underlying ?? type;
        bool signed = numeric.SpecialType is SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_Int32;
        int natural = numeric.SpecialType switch
        {
            SpecialType.System_Boolean => 1,
            SpecialType.System_Byte or SpecialType.System_SByte => 8,
            SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Char => 16,
            _ => 32,
        };
        model = model with
        {
            IsSigned = signed,
            NaturalBits = natural,
            UnderlyingTypeName = underlying?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
        };

        if (min is not null)
        {
            if (model.Kind is FieldKind.Bool or FieldKind.NetworkId || bits is not null)
            {
                invalid("[Range] on an integer cannot be combined with [Bits], and bool/NetworkId take no [Range]");
                return null;
            }

            long low = (long)min.Value, high = (long)max!.Value;
            double typeMin = signed ? -Math.Pow(2, natural - 1) : 0;
            double typeMax = signed ? Math.Pow(2, natural - 1) - 1 : Math.Pow(2, natural) - 1;
            if (low != min.Value || high != max.Value || min < typeMin || max > typeMax || high - low > uint.MaxValue)
            {
                invalid($"[Range] must be whole numbers within {model.SchemaTypeName}'s range, spanning at most 2^32 values");
                return null;
            }

            int rangeBits = Math.Max(1, (int)Math.Ceiling(Math.Log(high - low + 1.0, 2)));
            return model with { IntegerEncoding = IntegerEncoding.Range, RangeMinimum = low, RangeMaximum = high, Bits = rangeBits };
        }

        if (bits is not null)
        {
            if (bits is < 1 or > 32 || bits > natural || model.Kind is FieldKind.Bool)
            {
                invalid($"[Bits] must be 1 to {natural} for {model.SchemaTypeName}");
                return null;
            }

            return model with { IntegerEncoding = IntegerEncoding.FixedBits, Bits = bits.Value };
        }

        return natural < 32
            ? model with { IntegerEncoding = IntegerEncoding.FixedBits, Bits = natural }
            : model with { IntegerEncoding = IntegerEncoding.VarInt };
    }

    private static FieldKind? Classify(ITypeSymbol type, out ITypeSymbol? underlying)
    {
        underlying = null;
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } enumType })
        {
            underlying = enumType;
            return enumType.SpecialType is SpecialType.System_Int64 or SpecialType.System_UInt64 ? null : FieldKind.Enum;
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return FieldKind.Bool;
            case SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_UInt16
                or SpecialType.System_Char or SpecialType.System_Int32 or SpecialType.System_UInt32:
                return FieldKind.Integer;
            case SpecialType.System_Int64 or SpecialType.System_UInt64: return FieldKind.Int64;
            case SpecialType.System_Single: return FieldKind.Float;
            case SpecialType.System_Double: return FieldKind.Double;
        }

        return type.ToDisplayString() switch
        {
            "System.Numerics.Vector2" => FieldKind.Vector2,
            "System.Numerics.Vector3" => FieldKind.Vector3,
            "System.Numerics.Vector4" => FieldKind.Vector4,
            "System.Numerics.Quaternion" => FieldKind.Quaternion,
            "Traktor.Ecs.Net.NetworkId" => FieldKind.NetworkId,
            "Traktor.Ecs.Net.FixedString32" => FieldKind.FixedString32,
            "Traktor.Ecs.Net.FixedString64" => FieldKind.FixedString64,
            _ => null,
        };
    }

    private static double? ToDouble(object? value) => value switch
    {
        null => null,
        IConvertible convertible => convertible.ToDouble(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };
}

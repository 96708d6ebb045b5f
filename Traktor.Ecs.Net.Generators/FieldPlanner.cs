using System.Globalization;

namespace Traktor.Ecs.Net.Generators;

/// <summary>Decides the snapshot lanes and code fragments for each field kind and encoding.</summary>
internal static class FieldPlanner
{
    private const string Ser = "global::Traktor.Ecs.Net.Serialization.";

    public static FieldPlan Plan(FieldModel field)
    {
        var plan = new FieldPlan();
        string f = field.Name;
        switch (field.Kind)
        {
            case FieldKind.Float:
                PlanFloat(plan, field, $"component.{f}", f, f);
                plan.Interpolate = $"result.{f} = from.{f} + ((to.{f} - from.{f}) * t);";
                break;
            case FieldKind.Vector2 or FieldKind.Vector3 or FieldKind.Vector4:
                string[] axes = field.Kind switch
                {
                    FieldKind.Vector2 => ["X", "Y"],
                    FieldKind.Vector3 => ["X", "Y", "Z"],
                    _ => ["X", "Y", "Z", "W"],
                };
                foreach (string axis in axes)
                {
                    PlanFloat(plan, field, $"component.{f}.{axis}", $"{f}_{axis}", $"{f}.{axis}");
                }

                plan.Interpolate = $"result.{f} = {field.TypeName}.Lerp(from.{f}, to.{f}, t);";
                break;
            case FieldKind.Quaternion:
                PlanQuaternion(plan, field);
                break;
            case FieldKind.Int64 or FieldKind.Double:
                PlanSixtyFourBits(plan, field);
                break;
            case FieldKind.FixedString32 or FieldKind.FixedString64:
                string size = field.Kind == FieldKind.FixedString32 ? "32" : "64";
                int maxBits = field.Kind == FieldKind.FixedString32 ? 5 + (31 * 8) : 6 + (63 * 8);
                plan.Lanes.Add(new Lane(f, $"<c>{f}</c> as sent", $"{Ser}FixedStringExtensions.WriteFixedString{size}(ref writer, snapshot.{f});", $"{Ser}FixedStringExtensions.ReadFixedString{size}(ref reader)", maxBits.ToString(CultureInfo.InvariantCulture), LanePrediction.Hold, field.TypeName));
                plan.Quantize.Add($"snapshot.{f} = component.{f};");
                plan.Dequantize.Add($"component.{f} = snapshot.{f};");
                plan.Interpolate = Discrete(f);
                break;
            default:
                PlanInteger(plan, field);
                plan.Interpolate = Discrete(f);
                break;
        }

        return plan;
    }

    private static string Discrete(string f) => $"result.{f} = t < 0.5f ? from.{f} : to.{f};";

    private static void PlanFloat(FieldPlan plan, FieldModel field, string source, string lane, string target)
    {
        string quantizer = "s_" + field.Name;
        switch (field.FloatEncoding)
        {
            case FloatEncoding.RangedPrecision or FloatEncoding.RangedBits:
                if (!plan.Statics.Exists(s => s.Contains(" " + quantizer + " ")))
                {
                    string factory = field.FloatEncoding == FloatEncoding.RangedPrecision
                        ? $"FromPrecision({Float(field.FloatMinimum)}, {Float(field.FloatMaximum)}, {Float(field.Precision)})"
                        : $"FromBits({Float(field.FloatMinimum)}, {Float(field.FloatMaximum)}, {field.Bits})";
                    plan.Statics.Add($"private static readonly {Ser}FloatQuantizer {quantizer} = {Ser}FloatQuantizer.{factory};");
                }

                plan.Quantize.Add($"snapshot.{lane} = unchecked((int){quantizer}.Quantize({source}));");
                plan.Dequantize.Add($"component.{target} = {quantizer}.Dequantize(unchecked((uint)snapshot.{lane}));");
                plan.Lanes.Add(new Lane(lane, $"<c>{target}</c> as a {quantizer.Substring(2)} quantizer code", $"writer.WriteBits(unchecked((uint)snapshot.{lane}), {quantizer}.BitCount);", $"unchecked((int)reader.ReadUInt32({quantizer}.BitCount))", $"{quantizer}.BitCount", LanePrediction.Linear));
                break;
            case FloatEncoding.Unbounded:
                string precision = Float(field.Precision);
                plan.Quantize.Add($"snapshot.{lane} = {Ser}UnboundedQuantizer.Quantize({source}, {precision});");
                plan.Dequantize.Add($"component.{target} = {Ser}UnboundedQuantizer.Dequantize(snapshot.{lane}, {precision});");
                plan.Lanes.Add(new Lane(lane, $"<c>{target}</c> in steps of {precision}", $"{Ser}VarIntExtensions.WriteVarInt32(ref writer, snapshot.{lane});", $"{Ser}VarIntExtensions.ReadVarInt32(ref reader)", "40", LanePrediction.Linear));
                break;
            default:
                plan.Quantize.Add($"snapshot.{lane} = global::System.BitConverter.SingleToInt32Bits({source});");
                plan.Dequantize.Add($"component.{target} = global::System.BitConverter.Int32BitsToSingle(snapshot.{lane});");
                plan.Lanes.Add(new Lane(lane, $"<c>{target}</c>'s IEEE-754 bits", $"writer.WriteBits(unchecked((uint)snapshot.{lane}), 32);", "unchecked((int)reader.ReadUInt32(32))", "32", LanePrediction.Hold));
                break;
        }
    }

    private static void PlanQuaternion(FieldPlan plan, FieldModel field)
    {
        string f = field.Name;
        string bits = field.Bits.ToString(CultureInfo.InvariantCulture);
        plan.Quantize.Add($"var {f}Code = {Ser}SmallestThree.Encode(component.{f}, {bits});");
        plan.Quantize.Add($"snapshot.{f}_Index = {f}Code.LargestIndex;");
        plan.Quantize.Add($"snapshot.{f}_A = unchecked((int){f}Code.A);");
        plan.Quantize.Add($"snapshot.{f}_B = unchecked((int){f}Code.B);");
        plan.Quantize.Add($"snapshot.{f}_C = unchecked((int){f}Code.C);");
        plan.Dequantize.Add($"component.{f} = {Ser}SmallestThree.Decode(new {Ser}QuantizedQuaternion(unchecked((byte)(snapshot.{f}_Index & 3)), unchecked((uint)snapshot.{f}_A), unchecked((uint)snapshot.{f}_B), unchecked((uint)snapshot.{f}_C)), {bits});");
        plan.Lanes.Add(new Lane($"{f}_Index", $"index of <c>{f}</c>'s dropped (largest) component", $"writer.WriteBits(unchecked((uint)snapshot.{f}_Index), 2);", "unchecked((int)reader.ReadUInt32(2))", "2", LanePrediction.Hold));
        foreach (string part in new[] { "A", "B", "C" })
        {
            plan.Lanes.Add(new Lane($"{f}_{part}", $"smallest-three component {part} of <c>{f}</c>", $"writer.WriteBits(unchecked((uint)snapshot.{f}_{part}), {bits});", $"unchecked((int)reader.ReadUInt32({bits}))", bits, LanePrediction.LinearIfSameQuaternionIndex, GuardField: f));
        }

        plan.Interpolate = $"result.{f} = global::System.Numerics.Quaternion.Slerp(from.{f}, to.{f}, t);";
    }

    private static void PlanSixtyFourBits(FieldPlan plan, FieldModel field)
    {
        string f = field.Name;
        bool isDouble = field.Kind == FieldKind.Double;
        string toBits = isDouble ? $"global::System.BitConverter.DoubleToUInt64Bits(component.{f})" : $"unchecked((ulong)component.{f})";
        plan.Quantize.Add($"ulong {f}Bits = {toBits};");
        plan.Quantize.Add($"snapshot.{f}_Low = unchecked((int){f}Bits);");
        plan.Quantize.Add($"snapshot.{f}_High = unchecked((int)({f}Bits >> 32));");
        string combined = $"(((ulong)unchecked((uint)snapshot.{f}_High) << 32) | unchecked((uint)snapshot.{f}_Low))";
        plan.Dequantize.Add(isDouble
            ? $"component.{f} = global::System.BitConverter.UInt64BitsToDouble({combined});"
            : $"component.{f} = unchecked(({field.TypeName}){combined});");
        foreach (string half in new[] { "Low", "High" })
        {
            plan.Lanes.Add(new Lane($"{f}_{half}", $"{half.ToLowerInvariant()} 32 bits of <c>{f}</c>", $"writer.WriteBits(unchecked((uint)snapshot.{f}_{half}), 32);", "unchecked((int)reader.ReadUInt32(32))", "32", LanePrediction.Hold));
        }

        plan.Interpolate = isDouble ? $"result.{f} = from.{f} + ((to.{f} - from.{f}) * t);" : Discrete(f);
    }

    private static void PlanInteger(FieldPlan plan, FieldModel field)
    {
        string f = field.Name;
        string numeric = field.Kind == FieldKind.Enum ? $"(({field.UnderlyingTypeName})component.{f})" : $"component.{f}";
        string asInt = field.Kind switch
        {
            FieldKind.Bool => $"(component.{f} ? 1 : 0)",
            FieldKind.NetworkId => $"unchecked((int)component.{f}.Value)",
            _ => $"unchecked((int){numeric})",
        };
        string bits = field.Bits.ToString(CultureInfo.InvariantCulture);
        var prediction = field.Kind == FieldKind.Integer ? LanePrediction.Linear : LanePrediction.Hold;
        switch (field.IntegerEncoding)
        {
            case IntegerEncoding.Range:
                string min = field.RangeMinimum.ToString(CultureInfo.InvariantCulture) + "L";
                string max = field.RangeMaximum.ToString(CultureInfo.InvariantCulture) + "L";
                plan.Quantize.Add($"snapshot.{f} = unchecked((int)(global::System.Math.Clamp((long){numeric}, {min}, {max}) - {min}));");
                plan.Dequantize.Add($"component.{f} = unchecked(({field.TypeName})global::System.Math.Clamp((long)unchecked((uint)snapshot.{f}) + {min}, {min}, {max}));");
                plan.Lanes.Add(new Lane(f, $"<c>{f}</c> − {field.RangeMinimum}", $"writer.WriteBits(unchecked((uint)snapshot.{f}), {bits});", $"unchecked((int)reader.ReadUInt32({bits}))", bits, prediction));
                return;
            case IntegerEncoding.FixedBits:
                plan.Quantize.Add($"snapshot.{f} = {asInt};");
                plan.Dequantize.Add($"component.{f} = {FromInt(field, $"snapshot.{f}")};");
                string read = field.IsSigned ? $"reader.ReadInt32({bits})" : $"unchecked((int)reader.ReadUInt32({bits}))";
                plan.Lanes.Add(new Lane(f, $"<c>{f}</c> in {bits} bits", $"writer.WriteBits(unchecked((uint)snapshot.{f}), {bits});", read, bits, prediction));
                return;
            default:
                plan.Quantize.Add($"snapshot.{f} = {asInt};");
                plan.Dequantize.Add($"component.{f} = {FromInt(field, $"snapshot.{f}")};");
                plan.Lanes.Add(field.IsSigned
                    ? new Lane(f, $"<c>{f}</c>", $"{Ser}VarIntExtensions.WriteVarInt32(ref writer, snapshot.{f});", $"{Ser}VarIntExtensions.ReadVarInt32(ref reader)", "40", prediction)
                    : new Lane(f, $"<c>{f}</c>", $"{Ser}VarIntExtensions.WriteVarUInt32(ref writer, unchecked((uint)snapshot.{f}));", $"unchecked((int){Ser}VarIntExtensions.ReadVarUInt32(ref reader))", "40", prediction));
                return;
        }
    }

    private static string FromInt(FieldModel field, string lane) => field.Kind switch
    {
        FieldKind.Bool => $"{lane} != 0",
        FieldKind.NetworkId => $"new global::Traktor.Ecs.Net.NetworkId(unchecked((uint){lane}))",
        FieldKind.Enum => $"unchecked(({field.TypeName})({field.UnderlyingTypeName}){lane})",
        _ => $"unchecked(({field.TypeName}){lane})",
    };

    private static string Float(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
}

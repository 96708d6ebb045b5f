using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Float and double fields: raw (bit-exact, NaN payloads and infinities kept), quantized over a
/// range (see <see cref="FloatQuantizer"/>), or quantized by precision alone (see <see cref="UnboundedQuantizer"/>).
/// </summary>
public static class FloatExtensions
{
    /// <summary>Writes the 32 IEEE-754 bits of <paramref name="value"/>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">Any float, kept bit for bit.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteSingle(this ref BitWriter writer, float value) => writer.WriteBits(BitConverter.SingleToUInt32Bits(value), 32);

    /// <summary>Reads a float written by <see cref="WriteSingle"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The float, or 0 when failed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReadSingle(this ref BitReader reader) => BitConverter.UInt32BitsToSingle((uint)reader.ReadBits(32));

    /// <summary>Writes the 64 IEEE-754 bits of <paramref name="value"/>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">Any double, kept bit for bit.</param>
    public static void WriteDouble(this ref BitWriter writer, double value) => writer.WriteBits(BitConverter.DoubleToUInt64Bits(value), 64);

    /// <summary>Reads a double written by <see cref="WriteDouble"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The double, or 0 when failed.</returns>
    public static double ReadDouble(this ref BitReader reader) => BitConverter.UInt64BitsToDouble(reader.ReadBits(64));

    /// <summary>Writes <paramref name="value"/> as a <see cref="FloatQuantizer.BitCount"/>-bit code.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">Any float.</param>
    /// <param name="quantizer">Range and width.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteQuantized(this ref BitWriter writer, float value, in FloatQuantizer quantizer) =>
        writer.WriteBits(quantizer.Quantize(value), quantizer.BitCount);

    /// <summary>Reads a float written by <see cref="WriteQuantized(ref BitWriter, float, in FloatQuantizer)"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="quantizer">The quantizer used to write.</param>
    /// <returns>The value, or <see cref="FloatQuantizer.Min"/> when failed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReadQuantized(this ref BitReader reader, in FloatQuantizer quantizer) =>
        quantizer.Dequantize((uint)reader.ReadBits(quantizer.BitCount));

    /// <summary>Writes <paramref name="value"/> as a zig-zag varint count of <paramref name="precision"/> steps.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">Any float.</param>
    /// <param name="precision">The step; positive.</param>
    public static void WriteQuantized(this ref BitWriter writer, float value, float precision) =>
        writer.WriteVarInt32(UnboundedQuantizer.Quantize(value, precision));

    /// <summary>Reads a float written by <see cref="WriteQuantized(ref BitWriter, float, float)"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="precision">The step used to write.</param>
    /// <returns>The value, or 0 when failed.</returns>
    public static float ReadQuantized(this ref BitReader reader, float precision) =>
        UnboundedQuantizer.Dequantize(reader.ReadVarInt32(), precision);
}

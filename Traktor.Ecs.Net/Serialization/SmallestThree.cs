using System.Numerics;
using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// "Smallest three" rotation code: the index of the largest-magnitude component (2 bits), then the
/// other three, each in [−1/√2, 1/√2], quantized to <c>bitsPerComponent</c> bits; the largest one
/// is rebuilt from unit length. q and −q are the same rotation, so the sign is chosen to make the
/// largest component positive. Policy: a quaternion with a NaN/∞ component or near-zero length
/// encodes as identity; others are normalized first.
/// </summary>
public static class SmallestThree
{
    /// <summary>Smallest supported component width.</summary>
    public const int MinBitsPerComponent = 2;

    /// <summary>Largest supported component width.</summary>
    public const int MaxBitsPerComponent = 30;

    private const float ComponentLimit = 0.70710678f;

    // Quantizers per width, built once: encoding is on the per-entity hot path.
    private static readonly FloatQuantizer[] Quantizers = BuildQuantizers();

    /// <summary>Encodes <paramref name="rotation"/>.</summary>
    /// <param name="rotation">Any quaternion.</param>
    /// <param name="bitsPerComponent"><see cref="MinBitsPerComponent"/> to <see cref="MaxBitsPerComponent"/>.</param>
    /// <returns>The code.</returns>
    public static QuantizedQuaternion Encode(Quaternion rotation, int bitsPerComponent)
    {
        float lengthSquared = rotation.LengthSquared();
        if (!float.IsFinite(lengthSquared) || lengthSquared < 1e-12f)
        {
            rotation = Quaternion.Identity;
        }
        else
        {
            rotation = Quaternion.Normalize(rotation);
        }

        int largest = 0;
        float largestAbs = Math.Abs(rotation.X);
        if (Math.Abs(rotation.Y) > largestAbs) { largest = 1; largestAbs = Math.Abs(rotation.Y); }
        if (Math.Abs(rotation.Z) > largestAbs) { largest = 2; largestAbs = Math.Abs(rotation.Z); }
        if (Math.Abs(rotation.W) > largestAbs) { largest = 3; }

        float sign = Component(rotation, largest) < 0 ? -1f : 1f;
        ref readonly var quantizer = ref Quantizers[Math.Clamp(bitsPerComponent, MinBitsPerComponent, MaxBitsPerComponent)];
        int first = largest == 0 ? 1 : 0;
        int second = largest <= 1 ? 2 : 1;
        int third = largest <= 2 ? 3 : 2;
        return new QuantizedQuaternion(
            (byte)largest,
            quantizer.Quantize(Component(rotation, first) * sign),
            quantizer.Quantize(Component(rotation, second) * sign),
            quantizer.Quantize(Component(rotation, third) * sign));
    }

    /// <summary>Decodes a code; always yields a unit quaternion.</summary>
    /// <param name="code">The code.</param>
    /// <param name="bitsPerComponent">The width used to encode.</param>
    /// <returns>The rotation.</returns>
    public static Quaternion Decode(in QuantizedQuaternion code, int bitsPerComponent)
    {
        ref readonly var quantizer = ref Quantizers[Math.Clamp(bitsPerComponent, MinBitsPerComponent, MaxBitsPerComponent)];
        float a = quantizer.Dequantize(code.A);
        float b = quantizer.Dequantize(code.B);
        float c = quantizer.Dequantize(code.C);
        float d = MathF.Sqrt(Math.Max(0f, 1f - (a * a) - (b * b) - (c * c)));
        var q = (code.LargestIndex & 3) switch
        {
            0 => new Quaternion(d, a, b, c),
            1 => new Quaternion(a, d, b, c),
            2 => new Quaternion(a, b, d, c),
            _ => new Quaternion(a, b, c, d),
        };
        return Quaternion.Normalize(q);
    }

    /// <summary>Writes the code: 2 bits of index, then three components of <paramref name="bitsPerComponent"/> bits.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="rotation">Any quaternion.</param>
    /// <param name="bitsPerComponent">Component width.</param>
    public static void WriteQuaternion(this ref BitWriter writer, Quaternion rotation, int bitsPerComponent)
    {
        var code = Encode(rotation, bitsPerComponent);
        writer.WriteBits(code.LargestIndex, 2);
        writer.WriteBits(code.A, bitsPerComponent);
        writer.WriteBits(code.B, bitsPerComponent);
        writer.WriteBits(code.C, bitsPerComponent);
    }

    /// <summary>Reads a rotation written by <see cref="WriteQuaternion"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="bitsPerComponent">Component width used to write.</param>
    /// <returns>A unit quaternion.</returns>
    public static Quaternion ReadQuaternion(this ref BitReader reader, int bitsPerComponent)
    {
        var code = new QuantizedQuaternion(
            (byte)reader.ReadBits(2),
            (uint)reader.ReadBits(bitsPerComponent),
            (uint)reader.ReadBits(bitsPerComponent),
            (uint)reader.ReadBits(bitsPerComponent));
        return Decode(code, bitsPerComponent);
    }

    /// <summary>The quantizer used for each of the three transmitted components.</summary>
    /// <param name="bitsPerComponent">Component width.</param>
    /// <returns>A quantizer over [−1/√2, 1/√2].</returns>
    public static FloatQuantizer QuantizerFor(int bitsPerComponent) =>
        Quantizers[Math.Clamp(bitsPerComponent, MinBitsPerComponent, MaxBitsPerComponent)];

    private static FloatQuantizer[] BuildQuantizers()
    {
        var quantizers = new FloatQuantizer[MaxBitsPerComponent + 1];
        for (int bits = MinBitsPerComponent; bits <= MaxBitsPerComponent; bits++)
        {
            quantizers[bits] = FloatQuantizer.FromBits(-ComponentLimit, ComponentLimit, bits);
        }

        return quantizers;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Component(Quaternion q, int index) => index switch
    {
        0 => q.X,
        1 => q.Y,
        2 => q.Z,
        _ => q.W,
    };
}

namespace Traktor.Ecs.Net.Generators;

/// <summary>How a float (or each vector component) is quantized.</summary>
internal enum FloatEncoding
{
    /// <summary>The 32 IEEE bits.</summary>
    Raw,

    /// <summary>[Range] with [Quantize]: FloatQuantizer.FromPrecision.</summary>
    RangedPrecision,

    /// <summary>[Range] with [Bits]: FloatQuantizer.FromBits.</summary>
    RangedBits,

    /// <summary>[Quantize] alone: zig-zag varint of the step count.</summary>
    Unbounded,
}

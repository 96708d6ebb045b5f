namespace Traktor.Ecs.Net.Generators;

/// <summary>How a single-lane integer field (bool, integer, enum, network id) is written in full.</summary>
internal enum IntegerEncoding
{
    /// <summary>value − min in just enough bits for [min, max].</summary>
    Range,

    /// <summary>Exactly N bits, two's complement.</summary>
    FixedBits,

    /// <summary>Zig-zag varint (signed) or plain varint (unsigned).</summary>
    VarInt,
}

namespace Traktor.Ecs.Net.Serialization.Delta;

/// <summary>
/// Decoder matching an <see cref="IDeltaEncoder"/>. Like <see cref="BitReader"/> it never throws:
/// on bad input it sets <see cref="IsFailed"/> and returns zeros.
/// </summary>
public interface IDeltaDecoder
{
    /// <summary>True once the input ended early or held an impossible code.</summary>
    bool IsFailed { get; }

    /// <summary>Marks the input invalid (a decoded value was impossible); later reads return zeros.</summary>
    void Fail();

    /// <summary>Decodes a residual written by <see cref="IDeltaEncoder.WriteDelta"/>.</summary>
    /// <param name="context">The context used to write.</param>
    /// <returns>The residual, or 0 when failed.</returns>
    int ReadDelta(int context);

    /// <summary>Decodes a flag written by <see cref="IDeltaEncoder.WriteFlag"/>.</summary>
    /// <param name="context">The context used to write.</param>
    /// <returns>The flag, or false when failed.</returns>
    bool ReadFlag(int context);

    /// <summary>Reads bits written by <see cref="IDeltaEncoder.WriteRaw"/>.</summary>
    /// <param name="bitCount">1 to 64.</param>
    /// <returns>The value, or 0 when failed.</returns>
    ulong ReadRaw(int bitCount);
}

namespace Traktor.Ecs.Net.Serialization.Delta;

/// <summary>
/// Entropy coder for the residuals of delta coding (value − prediction). Implementations are ref
/// structs used through generic parameters (<c>where T : IDeltaEncoder, allows ref struct</c>), so
/// calls are direct and nothing is boxed or allocated.
/// </summary>
public interface IDeltaEncoder
{
    /// <summary>True once output space ran out; the message must then be dropped or resent larger.</summary>
    bool IsOverflowed { get; }

    /// <summary>Codes a residual. Small magnitudes are cheap.</summary>
    /// <param name="delta">value − prediction, wrapping.</param>
    /// <param name="context">Which statistics to use (adaptive coders); any non-negative number.</param>
    void WriteDelta(int delta, int context);

    /// <summary>Codes a yes/no decision such as "changed".</summary>
    /// <param name="value">The decision.</param>
    /// <param name="context">Which statistics to use (adaptive coders).</param>
    void WriteFlag(bool value, int context);

    /// <summary>Writes bits with no modelling (ids, payloads).</summary>
    /// <param name="value">The value; its low <paramref name="bitCount"/> bits are written.</param>
    /// <param name="bitCount">1 to 64.</param>
    void WriteRaw(ulong value, int bitCount);
}

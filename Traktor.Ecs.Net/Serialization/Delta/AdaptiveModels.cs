namespace Traktor.Ecs.Net.Serialization.Delta;

/// <summary>
/// Layout of the per-packet context models of the adaptive coder. Each context owns
/// <see cref="PerContext"/> 11-bit probabilities: slot 0 for flags, slots 1–15 for the binary tree
/// over the 4-bit bucket symbol, and from slot 16 three per bucket for a 2-level tree over the two
/// most significant offset bits. Models start at ½ at the beginning of every packet, so a packet
/// decodes on its own even when earlier ones were lost.
/// </summary>
public static class AdaptiveModels
{
    /// <summary>Probabilities per context.</summary>
    public const int PerContext = 64;

    /// <summary>Default number of contexts; <see cref="DefaultSize"/> probabilities fit easily in a stackalloc.</summary>
    public const int DefaultContextCount = 64;

    /// <summary>Probabilities for <see cref="DefaultContextCount"/> contexts.</summary>
    public const int DefaultSize = DefaultContextCount * PerContext;

    internal const int ProbabilityBits = 11;
    internal const int OffsetTreeStart = 16;
    internal const int ModelledOffsetBits = 2;
    internal const ushort Half = 1 << (ProbabilityBits - 1);

    /// <summary>Probabilities needed for <paramref name="contextCount"/> contexts.</summary>
    /// <param name="contextCount">How many contexts the schema uses.</param>
    /// <returns>The span length to provide.</returns>
    public static int Size(int contextCount) => Math.Max(1, contextCount) * PerContext;

    internal static void Reset(Span<ushort> models) => models.Fill(Half);
}

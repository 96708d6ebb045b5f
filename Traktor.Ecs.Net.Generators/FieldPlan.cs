using System.Collections.Generic;

namespace Traktor.Ecs.Net.Generators;

/// <summary>The generated code fragments for one field.</summary>
internal sealed class FieldPlan
{
    public List<Lane> Lanes { get; } = [];

    /// <summary>Static members (quantizers) of the serializer.</summary>
    public List<string> Statics { get; } = [];

    /// <summary>Statements filling <c>snapshot</c> from <c>component</c>.</summary>
    public List<string> Quantize { get; } = [];

    /// <summary>Statements filling <c>component</c> from <c>snapshot</c>.</summary>
    public List<string> Dequantize { get; } = [];

    /// <summary>Statement setting <c>result.Field</c> from <c>from</c>, <c>to</c> and <c>t</c>.</summary>
    public string Interpolate { get; set; } = string.Empty;
}

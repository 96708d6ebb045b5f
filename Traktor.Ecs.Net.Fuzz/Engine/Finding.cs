namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>An input that broke the oracle, and how.</summary>
internal sealed record Finding(string Target, string Kind, string Message, string? Detail, byte[] Input)
{
    /// <summary>What makes two findings the same bug: kind, exception type and the innermost frame in our code.</summary>
    public string Signature => $"{Kind}: {Message.Split('\n')[0]}";
}

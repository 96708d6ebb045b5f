using System.Text;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>Shared UTF-8 truncation for the fixed-capacity strings.</summary>
internal static class FixedUtf8
{
    /// <summary>Encodes as many whole characters of <paramref name="text"/> as fit in <paramref name="destination"/>.</summary>
    /// <param name="text">Any text (null is empty).</param>
    /// <param name="destination">The inline storage.</param>
    /// <returns>Bytes written.</returns>
    public static int Encode(string? text, Span<byte> destination)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        // Encoder with flush=true and a bounded destination stops at a whole-character boundary.
        var encoder = Encoding.UTF8.GetEncoder();
        encoder.Convert(text.AsSpan(), destination, flush: true, out _, out int bytesUsed, out _);
        return bytesUsed;
    }
}

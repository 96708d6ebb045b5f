namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Fixed-capacity strings: the byte length in just enough bits for the capacity (5 bits for
/// <see cref="FixedString32"/>, 6 for <see cref="FixedString64"/>), then the UTF-8 bytes, 8 bits each.
/// </summary>
public static class FixedStringExtensions
{
    /// <summary>Writes a <see cref="FixedString32"/>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The string.</param>
    public static void WriteFixedString32(this ref BitWriter writer, in FixedString32 value) =>
        writer.WriteBytes(value.Utf8, FixedString32.Capacity);

    /// <summary>Reads a <see cref="FixedString32"/>; a length over capacity fails the reader.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The string, or empty when failed.</returns>
    public static FixedString32 ReadFixedString32(this ref BitReader reader)
    {
        Span<byte> bytes = stackalloc byte[FixedString32.Capacity];
        int length = reader.ReadBytes(bytes, FixedString32.Capacity);
        FixedString32.TryFromUtf8(bytes[..length], out var value);
        return value;
    }

    /// <summary>Writes a <see cref="FixedString64"/>.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The string.</param>
    public static void WriteFixedString64(this ref BitWriter writer, in FixedString64 value) =>
        writer.WriteBytes(value.Utf8, FixedString64.Capacity);

    /// <summary>Reads a <see cref="FixedString64"/>; a length over capacity fails the reader.</summary>
    /// <param name="reader">The reader.</param>
    /// <returns>The string, or empty when failed.</returns>
    public static FixedString64 ReadFixedString64(this ref BitReader reader)
    {
        Span<byte> bytes = stackalloc byte[FixedString64.Capacity];
        int length = reader.ReadBytes(bytes, FixedString64.Capacity);
        FixedString64.TryFromUtf8(bytes[..length], out var value);
        return value;
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net;

/// <summary>
/// A UTF-8 string of at most 63 bytes stored inline in 64 bytes (one length byte plus storage), so
/// components and RPC events that hold text stay unmanaged and allocation-free.
/// </summary>
public struct FixedString64 : IEquatable<FixedString64>
{
    /// <summary>Maximum length in UTF-8 bytes.</summary>
    public const int Capacity = 63;

    private byte _length;
    private Storage _bytes;

    /// <summary>Creates the string from <paramref name="text"/>, cut at a character boundary if longer than <see cref="Capacity"/> bytes.</summary>
    /// <param name="text">Any text.</param>
    public FixedString64(string text)
    {
        _length = (byte)FixedUtf8.Encode(text, _bytes);
    }

    /// <summary>Length in UTF-8 bytes.</summary>
    public readonly int Length => _length;

    /// <summary>The UTF-8 bytes.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> Utf8 => ((ReadOnlySpan<byte>)_bytes)[..Math.Min((int)_length, Capacity)];

    /// <summary>Creates the string from UTF-8 bytes.</summary>
    /// <param name="utf8">At most <see cref="Capacity"/> bytes.</param>
    /// <param name="value">The string, or empty when too long.</param>
    /// <returns>False when <paramref name="utf8"/> is longer than <see cref="Capacity"/>.</returns>
    public static bool TryFromUtf8(ReadOnlySpan<byte> utf8, out FixedString64 value)
    {
        value = default;
        if (utf8.Length > Capacity)
        {
            return false;
        }

        utf8.CopyTo(value._bytes);
        value._length = (byte)utf8.Length;
        return true;
    }

    /// <summary>Converts from <see cref="string"/>, truncating.</summary>
    /// <param name="text">Any text.</param>
    public static implicit operator FixedString64(string text) => new(text);

    /// <inheritdoc />
    public override readonly string ToString() => Encoding.UTF8.GetString(Utf8);

    /// <inheritdoc />
    public readonly bool Equals(FixedString64 other) => Utf8.SequenceEqual(other.Utf8);

    /// <inheritdoc />
    public override readonly bool Equals(object? obj) => obj is FixedString64 other && Equals(other);

    /// <inheritdoc />
    public override readonly int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(Utf8);
        return hash.ToHashCode();
    }

    /// <summary>Compares the bytes of two strings.</summary>
    /// <param name="left">One string.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when equal.</returns>
    public static bool operator ==(FixedString64 left, FixedString64 right) => left.Equals(right);

    /// <summary>Negation of <see cref="op_Equality"/>.</summary>
    /// <param name="left">One string.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when different.</returns>
    public static bool operator !=(FixedString64 left, FixedString64 right) => !left.Equals(right);

    [InlineArray(Capacity)]
    private struct Storage
    {
        private byte _element0;
    }
}

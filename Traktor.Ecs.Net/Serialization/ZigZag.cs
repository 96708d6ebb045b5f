using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// Zig-zag mapping of signed to unsigned integers (0, -1, 1, -2, … → 0, 1, 2, 3, …) so that
/// values of small magnitude get small codes whatever their sign.
/// </summary>
public static class ZigZag
{
    /// <summary>Maps a signed 32-bit value to its zig-zag code.</summary>
    /// <param name="value">Any value.</param>
    /// <returns>The code.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Encode(int value) => unchecked((uint)((value << 1) ^ (value >> 31)));

    /// <summary>Inverse of <see cref="Encode(int)"/>.</summary>
    /// <param name="code">Any code.</param>
    /// <returns>The signed value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Decode(uint code) => unchecked((int)(code >> 1) ^ -(int)(code & 1));

    /// <summary>Maps a signed 64-bit value to its zig-zag code.</summary>
    /// <param name="value">Any value.</param>
    /// <returns>The code.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Encode(long value) => unchecked((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Inverse of <see cref="Encode(long)"/>.</summary>
    /// <param name="code">Any code.</param>
    /// <returns>The signed value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Decode(ulong code) => unchecked((long)(code >> 1) ^ -(long)(code & 1));
}

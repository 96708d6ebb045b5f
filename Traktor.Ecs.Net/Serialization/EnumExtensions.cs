using System.Runtime.CompilerServices;

namespace Traktor.Ecs.Net.Serialization;

/// <summary>Enums are written as their underlying integer in a declared number of bits, two's complement.</summary>
public static class EnumExtensions
{
    /// <summary>Writes <paramref name="value"/> in <paramref name="bitCount"/> bits.</summary>
    /// <typeparam name="TEnum">Any enum.</typeparam>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The value.</param>
    /// <param name="bitCount">1 to 64.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteEnum<TEnum>(this ref BitWriter writer, TEnum value, int bitCount)
        where TEnum : unmanaged, Enum => writer.WriteBits(ToUInt64(value), bitCount);

    /// <summary>Reads an enum written by <see cref="WriteEnum"/>; the value is sign-extended for signed enums.</summary>
    /// <typeparam name="TEnum">The enum.</typeparam>
    /// <param name="reader">The reader.</param>
    /// <param name="bitCount">The width used to write.</param>
    /// <returns>The value (possibly undefined in the enum: validate where it matters).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TEnum ReadEnum<TEnum>(this ref BitReader reader, int bitCount)
        where TEnum : unmanaged, Enum => FromUInt64<TEnum>(reader.ReadBits(bitCount));

    /// <summary>The underlying value of <paramref name="value"/>, zero-extended.</summary>
    /// <typeparam name="TEnum">Any enum.</typeparam>
    /// <param name="value">The value.</param>
    /// <returns>Its bits.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ToUInt64<TEnum>(TEnum value) where TEnum : unmanaged, Enum => Unsafe.SizeOf<TEnum>() switch
    {
        1 => Unsafe.As<TEnum, byte>(ref value),
        2 => Unsafe.As<TEnum, ushort>(ref value),
        4 => Unsafe.As<TEnum, uint>(ref value),
        _ => Unsafe.As<TEnum, ulong>(ref value),
    };

    /// <summary>The enum whose low bits are <paramref name="bits"/>.</summary>
    /// <typeparam name="TEnum">Any enum.</typeparam>
    /// <param name="bits">The value.</param>
    /// <returns>The enum.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TEnum FromUInt64<TEnum>(ulong bits) where TEnum : unmanaged, Enum
    {
        switch (Unsafe.SizeOf<TEnum>())
        {
            case 1: { byte b = (byte)bits; return Unsafe.As<byte, TEnum>(ref b); }
            case 2: { ushort s = (ushort)bits; return Unsafe.As<ushort, TEnum>(ref s); }
            case 4: { uint i = (uint)bits; return Unsafe.As<uint, TEnum>(ref i); }
            default: return Unsafe.As<ulong, TEnum>(ref bits);
        }
    }
}

namespace Traktor.Ecs.Net.Serialization.Delta;

/// <summary>
/// Fixed strings inside delta-coded snapshots: a "changed" flag in the field's context; when set,
/// the byte length in raw bits (5 for 32, 6 for 64) and the UTF-8 bytes, 8 raw bits each.
/// </summary>
public static class FixedStringDelta
{
    /// <summary>Writes <paramref name="current"/> against <paramref name="predicted"/>.</summary>
    /// <typeparam name="TEncoder">The entropy coder.</typeparam>
    /// <param name="encoder">The encoder.</param>
    /// <param name="current">Value to send.</param>
    /// <param name="predicted">Value the receiver predicts.</param>
    /// <param name="context">The field's context.</param>
    public static void Write<TEncoder>(ref TEncoder encoder, in FixedString32 current, in FixedString32 predicted, int context)
        where TEncoder : IDeltaEncoder, allows ref struct =>
        WriteUtf8(ref encoder, current.Utf8, current != predicted, FixedString32.Capacity, context);

    /// <summary>Writes <paramref name="current"/> against <paramref name="predicted"/>.</summary>
    /// <typeparam name="TEncoder">The entropy coder.</typeparam>
    /// <param name="encoder">The encoder.</param>
    /// <param name="current">Value to send.</param>
    /// <param name="predicted">Value the receiver predicts.</param>
    /// <param name="context">The field's context.</param>
    public static void Write<TEncoder>(ref TEncoder encoder, in FixedString64 current, in FixedString64 predicted, int context)
        where TEncoder : IDeltaEncoder, allows ref struct =>
        WriteUtf8(ref encoder, current.Utf8, current != predicted, FixedString64.Capacity, context);

    /// <summary>Reads a value written by <see cref="Write{TEncoder}(ref TEncoder, in FixedString32, in FixedString32, int)"/>.</summary>
    /// <typeparam name="TDecoder">The entropy decoder.</typeparam>
    /// <param name="decoder">The decoder.</param>
    /// <param name="predicted">The prediction used by the sender.</param>
    /// <param name="context">The field's context.</param>
    /// <param name="value">The decoded string.</param>
    public static void Read<TDecoder>(ref TDecoder decoder, in FixedString32 predicted, int context, out FixedString32 value)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        value = predicted;
        Span<byte> bytes = stackalloc byte[FixedString32.Capacity];
        int length = ReadUtf8(ref decoder, bytes, context);
        if (length >= 0)
        {
            FixedString32.TryFromUtf8(bytes[..length], out value);
        }
    }

    /// <summary>Reads a value written by <see cref="Write{TEncoder}(ref TEncoder, in FixedString64, in FixedString64, int)"/>.</summary>
    /// <typeparam name="TDecoder">The entropy decoder.</typeparam>
    /// <param name="decoder">The decoder.</param>
    /// <param name="predicted">The prediction used by the sender.</param>
    /// <param name="context">The field's context.</param>
    /// <param name="value">The decoded string.</param>
    public static void Read<TDecoder>(ref TDecoder decoder, in FixedString64 predicted, int context, out FixedString64 value)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        value = predicted;
        Span<byte> bytes = stackalloc byte[FixedString64.Capacity];
        int length = ReadUtf8(ref decoder, bytes, context);
        if (length >= 0)
        {
            FixedString64.TryFromUtf8(bytes[..length], out value);
        }
    }

    private static void WriteUtf8<TEncoder>(ref TEncoder encoder, scoped ReadOnlySpan<byte> utf8, bool changed, int capacity, int context)
        where TEncoder : IDeltaEncoder, allows ref struct
    {
        encoder.WriteFlag(changed, context);
        if (!changed)
        {
            return;
        }

        encoder.WriteRaw((ulong)utf8.Length, ByteArrayExtensions.LengthBits(capacity));
        foreach (byte b in utf8)
        {
            encoder.WriteRaw(b, 8);
        }
    }

    /// <returns>The new length, or −1 when unchanged (or failed).</returns>
    private static int ReadUtf8<TDecoder>(ref TDecoder decoder, scoped Span<byte> destination, int context)
        where TDecoder : IDeltaDecoder, allows ref struct
    {
        if (!decoder.ReadFlag(context))
        {
            return -1;
        }

        int length = (int)decoder.ReadRaw(ByteArrayExtensions.LengthBits(destination.Length));
        if (length > destination.Length)
        {
            decoder.Fail();
            return -1;
        }

        for (int i = 0; i < length; i++)
        {
            destination[i] = (byte)decoder.ReadRaw(8);
        }

        return decoder.IsFailed ? -1 : length;
    }
}

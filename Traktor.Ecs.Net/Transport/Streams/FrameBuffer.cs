using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Transport.Streams;

/// <summary>
/// The stream transports' fixed buffers of frames, each a 2-byte big-endian length and the datagram, between
/// <c>start</c> and <c>end</c>: the TCP stream's send buffer and the WebSocket channel's send and receive buffers.
/// Appending moves what is buffered to the front only when the frame would not fit behind it, so the buffer never
/// grows and nothing is allocated. The caller keeps the offsets (and any lock).
/// </summary>
internal static class FrameBuffer
{
    /// <summary>The length prefix of each frame.</summary>
    public const int HeaderSize = 2;

    /// <summary>
    /// Appends <paramref name="datagram"/> as one frame; false (nothing changed) when <paramref name="buffer"/> has no
    /// room for it even with what is buffered moved to the front. <paramref name="shifted"/>: how far that move took
    /// the buffered bytes toward the front (0 when they stayed), for a caller that keeps another offset into them.
    /// </summary>
    public static bool TryAppend(Span<byte> buffer, ref int start, ref int end, ReadOnlySpan<byte> datagram, out int shifted)
    {
        shifted = 0;
        int needed = HeaderSize + datagram.Length;
        if (end + needed > buffer.Length)
        {
            if (end - start + needed > buffer.Length) return false;
            buffer[start..end].CopyTo(buffer);
            shifted = start;
            end -= start;
            start = 0;
        }
        BinaryPrimitives.WriteUInt16BigEndian(buffer[end..], (ushort)datagram.Length);
        datagram.CopyTo(buffer[(end + HeaderSize)..]);
        end += needed;
        return true;
    }

    /// <summary>
    /// Takes the first frame: <see cref="FrameTake.Frame"/> with its datagram copied into <paramref name="into"/> and its
    /// <paramref name="length"/> (0 for a zero-length frame, which is still a frame); <see cref="FrameTake.Oversized"/>
    /// when it is larger than <paramref name="into"/> (taken all the same, not copied); <see cref="FrameTake.None"/> when
    /// the buffer holds none. An emptied buffer starts again at the front.
    /// </summary>
    public static FrameTake TryTake(ReadOnlySpan<byte> buffer, ref int start, ref int end, Span<byte> into, out int length)
    {
        length = 0;
        if (end - start < HeaderSize) return FrameTake.None;
        int frame = BinaryPrimitives.ReadUInt16BigEndian(buffer[start..]);
        bool fits = frame <= into.Length;
        if (fits) buffer.Slice(start + HeaderSize, frame).CopyTo(into);
        start += HeaderSize + frame;
        if (start == end) start = end = 0;
        if (!fits) return FrameTake.Oversized;
        length = frame;
        return FrameTake.Frame;
    }
}

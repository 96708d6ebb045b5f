namespace Traktor.Ecs.Net.Transport.Streams;

/// <summary>
/// What <see cref="FrameBuffer.TryTake"/> (the WebSocket channel's buffers) or a TCP stream's read found. Its own
/// answer for "none", so that a zero-length frame (which the buffer holds like any other; the transports never frame
/// one, and the peers' framing closes a stream that sends one) cannot be mistaken for an empty buffer.
/// </summary>
internal enum FrameTake
{
    /// <summary>The buffer holds no frame.</summary>
    None,

    /// <summary>A frame was taken and its datagram copied out (its length may be 0).</summary>
    Frame,

    /// <summary>A frame larger than the caller's buffer was taken and dropped, not copied.</summary>
    Oversized,
}

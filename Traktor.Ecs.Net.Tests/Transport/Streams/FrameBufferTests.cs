using CsCheck;
using Traktor.Ecs.Net.Transport.Streams;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// The stream transports' frame buffer (<see cref="FrameBuffer"/>) against a queue of datagrams: any run of appends and
/// takes on any buffer size hands out the same datagrams in order, an append fails exactly when the frames already
/// buffered leave no room for it, a take into too small a buffer skips that datagram, and a
/// zero-length datagram is a frame like any other, never taken for an empty buffer.
/// </summary>
public sealed class FrameBufferTests
{
    [Fact]
    public void Appends_and_takes_behave_as_a_bounded_queue_of_datagrams()
    {
        var operation = Gen.Select(Gen.Bool, Gen.Byte.Array[0, 40], Gen.Int[0, 50]);
        Gen.Select(Gen.Int[2, 128], operation.List[1, 200]).Sample((capacity, operations) =>
        {
            var buffer = new byte[capacity];
            int start = 0, end = 0;
            var model = new Queue<byte[]>();
            int used = 0;
            foreach (var (append, datagram, intoSize) in operations)
            {
                if (append)
                {
                    int keptAt = end - start;
                    bool fits = used + FrameBuffer.HeaderSize + datagram.Length <= capacity;
                    Assert.Equal(fits, FrameBuffer.TryAppend(buffer, ref start, ref end, datagram, out int shifted));
                    if (!fits) continue;
                    model.Enqueue(datagram);
                    used += FrameBuffer.HeaderSize + datagram.Length;
                    Assert.True(shifted >= 0 && end - start == used && keptAt + FrameBuffer.HeaderSize + datagram.Length == used);
                }
                else
                {
                    var into = new byte[intoSize];
                    var taken = FrameBuffer.TryTake(buffer, ref start, ref end, into, out int length);
                    if (!model.TryDequeue(out var expected))
                    {
                        Assert.Equal((FrameTake.None, 0), (taken, length));
                        continue;
                    }
                    used -= FrameBuffer.HeaderSize + expected.Length;
                    if (expected.Length <= intoSize)
                    {
                        Assert.Equal(FrameTake.Frame, taken);
                        Assert.Equal(expected, into[..length]);
                    }
                    else Assert.Equal((FrameTake.Oversized, 0), (taken, length));
                }
                Assert.True(0 <= start && start <= end && end <= capacity && end - start == used);
                if (used == 0) Assert.Equal((0, 0), (start, end));
            }
        });
    }

    [Fact]
    public void An_append_that_moves_the_frames_to_the_front_says_how_far()
    {
        var buffer = new byte[10];
        int start = 0, end = 0;
        Assert.True(FrameBuffer.TryAppend(buffer, ref start, ref end, [1, 2, 3], out int shifted)); // 5 bytes
        Assert.True(FrameBuffer.TryAppend(buffer, ref start, ref end, [4], out shifted));           // 8 bytes
        Assert.Equal(FrameTake.Frame, FrameBuffer.TryTake(buffer, ref start, ref end, new byte[8], out int length));
        Assert.Equal(3, length);
        Assert.Equal((5, 8, 0), (start, end, shifted));
        Assert.True(FrameBuffer.TryAppend(buffer, ref start, ref end, [5, 6, 7], out shifted)); // 3 + 5 > 10 - 8: moved by 5
        Assert.Equal((0, 8, 5), (start, end, shifted));
        Assert.Equal(new byte[] { 0, 1, 4, 0, 3, 5, 6, 7 }, buffer[..8]);
    }

    [Fact]
    public void A_zero_length_frame_is_taken_as_a_frame_not_as_none()
    {
        // Before, TryTake answered a zero-length frame with 0, its answer for "no frame": a caller stopped there with
        // the frames behind it still held (the WebSocket send task went idle with datagrams queued).
        var buffer = new byte[16];
        int start = 0, end = 0;
        Assert.True(FrameBuffer.TryAppend(buffer, ref start, ref end, [], out _));
        Assert.True(FrameBuffer.TryAppend(buffer, ref start, ref end, [7], out _));
        var into = new byte[8];
        Assert.Equal((FrameTake.Frame, 0), (FrameBuffer.TryTake(buffer, ref start, ref end, into, out int length), length));
        Assert.Equal((FrameTake.Frame, 1), (FrameBuffer.TryTake(buffer, ref start, ref end, into, out length), length));
        Assert.Equal(7, into[0]);
        Assert.Equal((FrameTake.None, 0, 0), (FrameBuffer.TryTake(buffer, ref start, ref end, into, out length), start, end));
    }
}

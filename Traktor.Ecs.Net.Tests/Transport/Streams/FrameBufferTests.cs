using CsCheck;
using Traktor.Ecs.Net.Transport.Streams;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// The stream transports' frame buffer (<see cref="FrameBuffer"/>) against a queue of datagrams: any run of appends and
/// takes on any buffer size hands out the same datagrams in order, an append fails exactly when the frames already
/// buffered leave no room for it, and a take into too small a buffer skips that datagram.
/// </summary>
public sealed class FrameBufferTests
{
    [Fact]
    public void Appends_and_takes_behave_as_a_bounded_queue_of_datagrams()
    {
        var operation = Gen.Select(Gen.Bool, Gen.Byte.Array[1, 40], Gen.Int[0, 50]);
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
                    int taken = FrameBuffer.TryTake(buffer, ref start, ref end, into);
                    if (!model.TryDequeue(out var expected))
                    {
                        Assert.Equal(0, taken);
                        continue;
                    }
                    used -= FrameBuffer.HeaderSize + expected.Length;
                    if (expected.Length <= intoSize) Assert.Equal(expected, into[..taken]);
                    else Assert.Equal(-1, taken);
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
        Assert.Equal(3, FrameBuffer.TryTake(buffer, ref start, ref end, new byte[8]));
        Assert.Equal((5, 8, 0), (start, end, shifted));
        Assert.True(FrameBuffer.TryAppend(buffer, ref start, ref end, [5, 6, 7], out shifted)); // 3 + 5 > 10 - 8: moved by 5
        Assert.Equal((0, 8, 5), (start, end, shifted));
        Assert.Equal(new byte[] { 0, 1, 4, 0, 3, 5, 6, 7 }, buffer[..8]);
    }
}

using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Channels;

namespace Traktor.Ecs.Net.Tests.Transport.Channels;

/// <summary>
/// <see cref="MessageBufferPool"/>: a full fragment takes a buffer of exactly the fragment size (not the 1,536-byte step
/// above 1,159), what the send queue charges for a message is the buffers it really rents, and returned buffers are
/// reused from their own class.
/// </summary>
public class MessageBufferPoolTests
{
    private const int FragmentSize = 1_159;

    [Theory]
    [InlineData(1_159, 1_159)]
    [InlineData(1_100, 1_159)]
    [InlineData(1_025, 1_159)]
    [InlineData(1_024, 1_024)]
    [InlineData(700, 768)]
    [InlineData(17, 24)]
    [InlineData(1, 16)]
    public void A_buffer_is_the_smallest_class_that_holds_the_data(int length, int expected)
    {
        var pool = new MessageBufferPool(FragmentSize);
        var buffer = pool.Rent(length);
        Assert.Equal(expected, buffer.Length);
        Assert.Equal(expected, MessageBufferPool.ClassSize(length, FragmentSize));
    }

    [Fact]
    public void A_returned_fragment_buffer_is_rented_again()
    {
        var pool = new MessageBufferPool(FragmentSize);
        var first = pool.Rent(FragmentSize);
        pool.Return(first);
        Assert.Same(first, pool.Rent(1_050));
        Assert.NotSame(first, pool.Rent(FragmentSize));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1_159)]
    [InlineData(1_160)]
    [InlineData(5_000)]
    [InlineData(256 * 1024)]
    public void The_charge_of_a_message_is_the_buffers_it_rents_and_their_overhead(int length)
    {
        var pool = new MessageBufferPool(FragmentSize);
        var channel = new ReliableSendChannel(ChannelKind.ReliableOrdered, pool);
        channel.Enqueue(new byte[length], FragmentSize);
        int fragments = (length + FragmentSize - 1) / FragmentSize;
        Assert.Equal(ReliableSendChannel.Cost(length, FragmentSize), channel.QueuedBytes);
        long rented = channel.QueuedBytes - fragments * (long)ReliableSendChannel.PerMessageOverhead;
        Assert.True(rented < length + fragments * 16L + 16, $"{length} B in {fragments} fragments rented {rented:N0} bytes of buffers");
    }
}

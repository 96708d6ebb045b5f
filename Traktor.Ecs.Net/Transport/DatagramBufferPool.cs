using System.Numerics;

namespace Traktor.Ecs.Net.Transport;

/// <summary>
/// Copies of datagrams held by one link simulator or queued by one in-memory endpoint, in power-of-two sizes from
/// 64 bytes to 64 KiB that this owner reuses. Not the shared ArrayPool: with it, a client's tick allocates whenever
/// another thread of the process (sockets, HTTP clients) has just taken that size from the pool's shared stacks, and
/// whenever more than a few dozen of a size are held at once (a flood, a slow link). What is kept for reuse is capped
/// at <see cref="MaxRetainedBytes"/>: a flood's buffers beyond it go to the garbage collector rather than staying with
/// the endpoint for good (an uncapped pool would keep them, past the attack tests' memory bounds). Not thread-safe: the
/// owner serialises its calls.
/// </summary>
internal sealed class DatagramBufferPool
{
    /// <summary>The most bytes of free buffers kept for reuse (128 full-MTU datagrams' worth of 2 KiB buffers).</summary>
    public const int MaxRetainedBytes = 256 * 1024;

    private const int MinimumShift = 6;   // 64 bytes
    private const int MaximumShift = 16;  // 64 KiB, any UDP datagram
    private readonly Stack<byte[]>?[] _classes = new Stack<byte[]>?[MaximumShift - MinimumShift + 1];

    /// <summary>Bytes of free buffers kept for reuse.</summary>
    public int RetainedBytes { get; private set; }

    /// <summary>A buffer of at least <paramref name="minimumLength"/> bytes (exactly that many above 64 KiB, never kept).</summary>
    public byte[] Rent(int minimumLength)
    {
        int index = ClassOf(minimumLength);
        if (index < 0) return new byte[minimumLength];
        if (_classes[index] is { } stack && stack.TryPop(out var buffer))
        {
            RetainedBytes -= buffer.Length;
            return buffer;
        }

        return new byte[1 << (index + MinimumShift)];
    }

    /// <summary>Keeps <paramref name="buffer"/> for reuse while under the cap; a buffer not rented here is ignored.</summary>
    public void Return(byte[] buffer)
    {
        int index = ClassOf(buffer.Length);
        if (index < 0 || buffer.Length != 1 << (index + MinimumShift) || RetainedBytes + buffer.Length > MaxRetainedBytes) return;
        (_classes[index] ??= new Stack<byte[]>()).Push(buffer);
        RetainedBytes += buffer.Length;
    }

    /// <summary>Lets every kept buffer go (the owner is disposed).</summary>
    public void Clear()
    {
        Array.Clear(_classes);
        RetainedBytes = 0;
    }

    private static int ClassOf(int length)
    {
        int shift = Math.Max(MinimumShift, BitOperations.Log2((uint)Math.Max(1, length - 1)) + 1);
        return shift <= MaximumShift ? shift - MinimumShift : -1;
    }
}

using System.Numerics;

namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// Buffers for messages in flight, in size classes of 2^k and 1.5 × 2^k bytes plus one class of exactly the peer's
/// fragment size, owned by one client or server (single-threaded). A full fragment (1,159 bytes at the default MTU)
/// takes a buffer of its own size rather than the 1,536-byte class above it, so bulk reliable traffic is charged what it
/// really holds (<see cref="ReliableSendChannel.Cost"/>). The shared ArrayPool keeps only a few dozen arrays per size
/// per core, so a window of a thousand reliable messages would allocate; this pool keeps what a connection's windows and
/// queues have needed before.
/// </summary>
internal sealed class MessageBufferPool
{
    private const int MinimumShift = 4;   // 16 bytes
    private const int MaximumShift = 16;  // 64 KiB, above the largest MTU
    private const int MaxRetainedPerClass = 16_384;

    // Class 2k holds 2^k bytes, class 2k + 1 holds 1.5 × 2^k bytes.
    private readonly Stack<byte[]>[] _classes = new Stack<byte[]>[2 * MaximumShift + 2];
    private readonly Stack<byte[]> _fragments = new();
    private readonly int _fragmentSize;

    /// <param name="fragmentSize">Bytes of a full fragment (<see cref="NetPeerOptions.FragmentSize"/>): buffers of
    /// this exact size are a class of their own.</param>
    public MessageBufferPool(int fragmentSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fragmentSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fragmentSize, 1 << MaximumShift);
        _fragmentSize = fragmentSize;
        for (int i = 2 * MinimumShift; i < _classes.Length; i++) _classes[i] = new Stack<byte[]>();
    }

    /// <summary>
    /// The size of the buffer <see cref="Rent"/> returns for <paramref name="minimumLength"/> bytes from a pool for
    /// fragments of <paramref name="fragmentSize"/>: the fragment size itself when the data fits it and the step
    /// above would be larger, otherwise the smallest 2^k or 1.5 × 2^k that holds it.
    /// </summary>
    public static int ClassSize(int minimumLength, int fragmentSize)
    {
        int size = StepSize(minimumLength);
        return minimumLength <= fragmentSize && size > fragmentSize ? fragmentSize : size;
    }

    public byte[] Rent(int minimumLength)
    {
        int size = ClassSize(minimumLength, _fragmentSize);
        var stack = StackFor(size);
        if (stack is null) return new byte[minimumLength];
        return stack.TryPop(out var buffer) ? buffer : new byte[size];
    }

    public void Return(byte[] buffer)
    {
        var stack = StackFor(buffer.Length);
        if (stack is not null && stack.Count < MaxRetainedPerClass) stack.Push(buffer);
    }

    private static int StepSize(int minimumLength)
    {
        int shift = Math.Max(MinimumShift, BitOperations.Log2((uint)Math.Max(1, minimumLength - 1)) + 1);
        int halfStep = (1 << (shift - 1)) + (1 << (shift - 2));
        return minimumLength <= halfStep && shift > MinimumShift ? halfStep : 1 << shift;
    }

    /// <summary>The stack for buffers of exactly <paramref name="size"/> bytes, or null when it is not a class size.</summary>
    private Stack<byte[]>? StackFor(int size)
    {
        int index = ClassIndex(size);
        if (index >= 0) return _classes[index];
        return size == _fragmentSize ? _fragments : null;
    }

    /// <summary>The step class of a buffer of exactly <paramref name="size"/> bytes, or −1 when it is not a step size.</summary>
    private static int ClassIndex(int size)
    {
        if (BitOperations.IsPow2(size))
        {
            int shift = BitOperations.Log2((uint)size);
            return shift is >= MinimumShift and <= MaximumShift ? 2 * shift : -1;
        }
        if (size % 3 != 0 || !BitOperations.IsPow2(size / 3)) return -1;
        int halfShift = BitOperations.Log2((uint)(size / 3)) + 2; // 1.5 × 2^(k−1) = 3 × 2^(k−2), class of 2^(k−1)…2^k
        return halfShift - 1 is >= MinimumShift and < MaximumShift ? 2 * (halfShift - 1) + 1 : -1;
    }
}

using System.Numerics;

namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// Buffers for messages in flight, in size classes of 2^k and 1.5 × 2^k bytes (so a full 1,159-byte record takes
/// 1,536 bytes, not 2,048), owned by one client or server (single-threaded). The shared ArrayPool keeps only a few
/// dozen arrays per size per core, so a window of a thousand reliable messages would allocate; this pool keeps what
/// a connection's windows and queues have needed before.
/// </summary>
internal sealed class MessageBufferPool
{
    private const int MinimumShift = 4;   // 16 bytes
    private const int MaximumShift = 16;  // 64 KiB, above the largest MTU
    private const int MaxRetainedPerClass = 16_384;

    // Class 2k holds 2^k bytes, class 2k + 1 holds 1.5 × 2^k bytes.
    private readonly Stack<byte[]>[] _classes = new Stack<byte[]>[2 * MaximumShift + 2];

    public MessageBufferPool()
    {
        for (int i = 2 * MinimumShift; i < _classes.Length; i++) _classes[i] = new Stack<byte[]>();
    }

    /// <summary>The size of the buffer <see cref="Rent"/> returns for <paramref name="minimumLength"/> bytes.</summary>
    public static int ClassSize(int minimumLength)
    {
        int shift = Math.Max(MinimumShift, BitOperations.Log2((uint)Math.Max(1, minimumLength - 1)) + 1);
        int halfStep = (1 << (shift - 1)) + (1 << (shift - 2));
        return minimumLength <= halfStep && shift > MinimumShift ? halfStep : 1 << shift;
    }

    public byte[] Rent(int minimumLength)
    {
        int size = ClassSize(minimumLength);
        int index = ClassIndex(size);
        if (index < 0) return new byte[minimumLength];
        return _classes[index].TryPop(out var buffer) ? buffer : new byte[size];
    }

    public void Return(byte[] buffer)
    {
        int index = ClassIndex(buffer.Length);
        if (index < 0) return;
        var stack = _classes[index];
        if (stack.Count < MaxRetainedPerClass) stack.Push(buffer);
    }

    /// <summary>The class of a buffer of exactly <paramref name="size"/> bytes, or −1 when it is not a class size.</summary>
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

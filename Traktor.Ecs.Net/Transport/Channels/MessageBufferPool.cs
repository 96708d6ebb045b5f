using System.Numerics;

namespace Traktor.Ecs.Net.Transport.Channels;

/// <summary>
/// Buffers for messages in flight, in power-of-two size classes, owned by one client or server (single-threaded).
/// The shared ArrayPool keeps only a few dozen arrays per size per core, so a window of a thousand reliable
/// messages would allocate; this pool keeps what a connection's windows and queues have needed before.
/// </summary>
internal sealed class MessageBufferPool
{
    private const int MinimumShift = 4;   // 16 bytes
    private const int MaximumShift = 16;  // 64 KiB, above the largest MTU
    private const int MaxRetainedPerClass = 16_384;
    private readonly Stack<byte[]>[] _classes = new Stack<byte[]>[MaximumShift + 1];

    public MessageBufferPool()
    {
        for (int i = MinimumShift; i <= MaximumShift; i++) _classes[i] = new Stack<byte[]>();
    }

    public byte[] Rent(int minimumLength)
    {
        int shift = Math.Max(MinimumShift, BitOperations.Log2((uint)Math.Max(1, minimumLength - 1)) + 1);
        if (shift > MaximumShift) return new byte[minimumLength];
        return _classes[shift].TryPop(out var buffer) ? buffer : new byte[1 << shift];
    }

    public void Return(byte[] buffer)
    {
        if (!BitOperations.IsPow2(buffer.Length)) return;
        int shift = BitOperations.Log2((uint)buffer.Length);
        if (shift < MinimumShift || shift > MaximumShift) return;
        var stack = _classes[shift];
        if (stack.Count < MaxRetainedPerClass) stack.Push(buffer);
    }
}

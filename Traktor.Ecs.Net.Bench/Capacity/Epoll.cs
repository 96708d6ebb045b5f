using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Traktor.Ecs.Net.Bench.Capacity;

/// <summary>
/// Which of many sockets have datagrams waiting, with one <c>epoll_wait</c> call (Linux), so the load generator touches
/// only the clients that received something instead of polling a thousand sockets every pass (a system call each).
/// Level-triggered: a socket stays ready until its client has read everything. Allocates nothing per wait.
/// </summary>
internal sealed class Epoll : IDisposable
{
    private const int EpollCtlAdd = 1;
    private const uint EpollIn = 0x001;

    // struct epoll_event is packed on x86-64 (4 + 8 bytes), naturally aligned elsewhere (4 + 4 padding + 8).
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = EventSize - 8;
    private readonly int handle;
    private readonly byte[] events;
    private readonly byte[] control = new byte[16];

    public Epoll(int maxEvents)
    {
        handle = epoll_create1(0);
        if (handle < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        events = GC.AllocateArray<byte>(maxEvents * EventSize, pinned: true);
        MaxEvents = maxEvents;
    }

    /// <summary>On Linux (x86-64 and 64-bit ARM, whose event layouts this knows).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public int MaxEvents { get; }

    /// <summary>Watches <paramref name="socket"/> for readable data; <paramref name="token"/> comes back from <see cref="Wait"/>.</summary>
    public void Add(nint socket, int token)
    {
        control.AsSpan().Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(control, EpollIn);
        BinaryPrimitives.WriteInt64LittleEndian(control.AsSpan(DataOffset), token);
        if (epoll_ctl(handle, EpollCtlAdd, (int)socket, control) != 0)
            throw new InvalidOperationException($"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> and writes the tokens of ready sockets; returns their count.</summary>
    public int Wait(Span<int> tokens, int timeoutMilliseconds)
    {
        int count = epoll_wait(handle, events, Math.Min(MaxEvents, tokens.Length), timeoutMilliseconds);
        if (count < 0) return 0; // EINTR
        for (int i = 0; i < count; i++)
            tokens[i] = (int)BinaryPrimitives.ReadInt64LittleEndian(events.AsSpan((i * EventSize) + DataOffset));
        return count;
    }

    public void Dispose() => close(handle);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epoll, int operation, int fd, byte[] ev);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_wait(int epoll, byte[] events, int maxEvents, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}

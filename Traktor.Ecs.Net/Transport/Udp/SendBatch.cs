using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Traktor.Ecs.Net.Transport.Udp;

/// <summary>
/// Queues datagrams and sends up to <see cref="Capacity"/> of them with one <c>sendmmsg</c> system call (64-bit Linux),
/// where a <c>sendto</c> per datagram is the largest single cost of a busy server tick (about 15 % at 1,000 clients).
/// Datagrams are packed back to back into one pinned array allocated once, so queueing and sending allocate
/// nothing. The caller (<see cref="UdpTransport"/>) checks the destination before queueing and sends the queue when it
/// is full or at its flush point.
/// </summary>
internal sealed class SendBatch
{
    /// <summary>The most datagrams sent per system call.</summary>
    public const int Capacity = 64;

    /// <summary>Bytes of queued datagrams; any UDP datagram (at most 65,507 bytes) fits an empty queue.</summary>
    public const int DataSize = 96 * 1024;

    private const int HeaderSize = 64; // struct mmsghdr on LP64: msghdr (56) + msg_len (4) + padding
    private const int IoVectorSize = 16; // struct iovec: base, length
    private const int NameSize = 128; // struct sockaddr_storage

    private readonly byte[] headers = GC.AllocateArray<byte>(Capacity * HeaderSize, pinned: true);
    private readonly byte[] ioVectors = GC.AllocateArray<byte>(Capacity * IoVectorSize, pinned: true);
    private readonly byte[] names = GC.AllocateArray<byte>(Capacity * NameSize, pinned: true);
    private readonly byte[] data = GC.AllocateArray<byte>(DataSize, pinned: true);
    private readonly IntPtr headersAddress;
    private readonly IntPtr dataAddress;
    private int used; // bytes of data taken by the queued datagrams

    /// <summary>Points every header at its name and I/O vector (their addresses never change: the arrays are pinned).</summary>
    public SendBatch()
    {
        headersAddress = Marshal.UnsafeAddrOfPinnedArrayElement(headers, 0);
        dataAddress = Marshal.UnsafeAddrOfPinnedArrayElement(data, 0);
        IntPtr namesAddress = Marshal.UnsafeAddrOfPinnedArrayElement(names, 0);
        IntPtr ioVectorsAddress = Marshal.UnsafeAddrOfPinnedArrayElement(ioVectors, 0);
        for (int i = 0; i < Capacity; i++)
        {
            var header = headers.AsSpan(i * HeaderSize, HeaderSize);
            BinaryPrimitives.WriteInt64LittleEndian(header, (namesAddress + (i * NameSize)).ToInt64()); // msg_name
            BinaryPrimitives.WriteInt64LittleEndian(header[16..], (ioVectorsAddress + (i * IoVectorSize)).ToInt64()); // msg_iov
            BinaryPrimitives.WriteInt64LittleEndian(header[24..], 1); // msg_iovlen
        }
    }

    /// <summary>True on 64-bit Linux, where the structures above have this layout.</summary>
    public static bool IsSupported => ReceiveBatch.IsSupported;

    /// <summary>Datagrams queued and not yet sent.</summary>
    public int Count { get; private set; }

    /// <summary>Whether a datagram of <paramref name="length"/> bytes fits beside those already queued.</summary>
    public bool HasRoom(int length) => Count < Capacity && length <= DataSize - used;

    /// <summary>
    /// Queues <paramref name="datagram"/> for <paramref name="destination"/> (a native sockaddr, written by
    /// <see cref="NetAddress.TryWrite"/>); the caller made room first (<see cref="HasRoom"/>).
    /// </summary>
    public void Add(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        int index = Count++;
        var name = destination.Buffer.Span[..destination.Size];
        name.CopyTo(names.AsSpan(index * NameSize, NameSize));
        datagram.CopyTo(data.AsSpan(used));
        var vector = ioVectors.AsSpan(index * IoVectorSize, IoVectorSize);
        BinaryPrimitives.WriteInt64LittleEndian(vector, (dataAddress + used).ToInt64());
        BinaryPrimitives.WriteInt64LittleEndian(vector[8..], datagram.Length);
        var header = headers.AsSpan(index * HeaderSize, HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], name.Length); // msg_namelen
        used += datagram.Length;
    }

    /// <summary>The <paramref name="index"/>th queued datagram (for the portable path when <c>sendmmsg</c> is unavailable).</summary>
    public ReadOnlySpan<byte> Datagram(int index, out ReadOnlySpan<byte> destination)
    {
        var vector = ioVectors.AsSpan(index * IoVectorSize, IoVectorSize);
        int offset = (int)(BinaryPrimitives.ReadInt64LittleEndian(vector) - dataAddress.ToInt64());
        int length = (int)BinaryPrimitives.ReadInt64LittleEndian(vector[8..]);
        int nameLength = BinaryPrimitives.ReadInt32LittleEndian(headers.AsSpan((index * HeaderSize) + 8));
        destination = names.AsSpan(index * NameSize, nameLength);
        return data.AsSpan(offset, length);
    }

    /// <summary>
    /// Sends the queued datagrams from <paramref name="first"/> on without blocking: the number sent (the kernel may
    /// take fewer than asked), or −1 with <paramref name="error"/> set (the errno of the datagram at
    /// <paramref name="first"/>, which was not sent).
    /// </summary>
    public int Send(SafeHandle socket, int first, out int error)
    {
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            int count = sendmmsg((int)socket.DangerousGetHandle(), headersAddress + (first * HeaderSize), (uint)(Count - first), 0);
            error = count < 0 ? Marshal.GetLastPInvokeError() : 0;
            return count;
        }
        finally
        {
            if (added) socket.DangerousRelease();
        }
    }

    /// <summary>Empties the queue (after it was sent, or dropped).</summary>
    public void Clear()
    {
        Count = 0;
        used = 0;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sendmmsg(int socket, IntPtr messages, uint length, int flags);
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Traktor.Ecs.Net.Transport.Udp;

/// <summary>
/// Reads up to <see cref="Capacity"/> datagrams with one <c>recvmmsg</c> system call (64-bit Linux), where
/// <see cref="Socket.Poll(int, SelectMode)"/> followed by <see cref="Socket.ReceiveFrom(Span{byte}, SocketFlags, SocketAddress)"/>
/// costs two calls per datagram: at 1,000 clients that is a tenth of the server's tick. The buffers are
/// pinned arrays allocated once, so a read allocates nothing. The caller (<see cref="UdpTransport"/>) hands out the
/// datagrams one by one with the same checks as the portable path (too large, unreadable source) and falls back to the portable
/// path when <see cref="IsSupported"/> is false or the call turns out unavailable.
/// </summary>
internal sealed class ReceiveBatch
{
    /// <summary>The most datagrams read per system call.</summary>
    public const int MaxCapacity = 64;

    private const int HeaderSize = 64; // struct mmsghdr on LP64: msghdr (56) + msg_len (4) + padding
    private const int IoVectorSize = 16; // struct iovec: base, length
    private const int NameSize = 128; // struct sockaddr_storage
    private const int MsgDontWait = 0x40;
    private const int MsgTrunc = 0x20;

    private readonly byte[] headers;
    private readonly byte[] ioVectors;
    private readonly byte[] names;
    private readonly byte[] data;
    private readonly IntPtr headersAddress;
    private readonly IntPtr namesAddress;

    /// <summary>Prepares the buffers for <paramref name="capacity"/> datagrams of up to <paramref name="slotSize"/> bytes each.</summary>
    public ReceiveBatch(int capacity, int slotSize)
    {
        Capacity = capacity;
        SlotSize = slotSize;
        headers = GC.AllocateArray<byte>(capacity * HeaderSize, pinned: true);
        ioVectors = GC.AllocateArray<byte>(capacity * IoVectorSize, pinned: true);
        names = GC.AllocateArray<byte>(capacity * NameSize, pinned: true);
        data = GC.AllocateArray<byte>(capacity * slotSize, pinned: true);
        headersAddress = Marshal.UnsafeAddrOfPinnedArrayElement(headers, 0);
        namesAddress = Marshal.UnsafeAddrOfPinnedArrayElement(names, 0);
        IntPtr ioVectorsAddress = Marshal.UnsafeAddrOfPinnedArrayElement(ioVectors, 0);
        IntPtr dataAddress = Marshal.UnsafeAddrOfPinnedArrayElement(data, 0);
        for (int i = 0; i < Capacity; i++)
        {
            var vector = ioVectors.AsSpan(i * IoVectorSize, IoVectorSize);
            BinaryPrimitives.WriteInt64LittleEndian(vector, (dataAddress + (i * slotSize)).ToInt64());
            BinaryPrimitives.WriteInt64LittleEndian(vector[8..], slotSize);
            var header = headers.AsSpan(i * HeaderSize, HeaderSize);
            BinaryPrimitives.WriteInt64LittleEndian(header, (namesAddress + (i * NameSize)).ToInt64()); // msg_name
            BinaryPrimitives.WriteInt64LittleEndian(header[16..], (ioVectorsAddress + (i * IoVectorSize)).ToInt64()); // msg_iov
            BinaryPrimitives.WriteInt64LittleEndian(header[24..], 1); // msg_iovlen
        }
    }

    /// <summary>True on 64-bit Linux, where the structures above have this layout.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess && BitConverter.IsLittleEndian;

    /// <summary>Datagrams read per system call.</summary>
    public int Capacity { get; }

    /// <summary>The largest datagram a slot holds; a longer one is reported as truncated.</summary>
    public int SlotSize { get; }

    /// <summary>
    /// Reads what is pending without blocking: the number of datagrams (1 to <see cref="Capacity"/>), 0 when none is
    /// pending, or −1 with <paramref name="error"/> set (the errno: ICMP-reported errors for earlier sends among them).
    /// </summary>
    public int Receive(SafeHandle socket, out int error)
    {
        for (int i = 0; i < Capacity; i++)
        {
            var header = headers.AsSpan(i * HeaderSize, HeaderSize);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], NameSize); // msg_namelen: in-out
            BinaryPrimitives.WriteInt32LittleEndian(header[48..], 0); // msg_flags
        }

        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            int count = recvmmsg((int)socket.DangerousGetHandle(), headersAddress, (uint)Capacity, MsgDontWait, IntPtr.Zero);
            error = count < 0 ? Marshal.GetLastPInvokeError() : 0;
            return count < 0 && (error == Errno.Again || error == Errno.WouldBlock) ? 0 : count;
        }
        finally
        {
            if (added) socket.DangerousRelease();
        }
    }

    /// <summary>The <paramref name="index"/>th datagram read, and whether the kernel cut it to fit its slot.</summary>
    public ReadOnlySpan<byte> Datagram(int index, out bool truncated)
    {
        var header = headers.AsSpan(index * HeaderSize, HeaderSize);
        truncated = (BinaryPrimitives.ReadInt32LittleEndian(header[48..]) & MsgTrunc) != 0;
        int length = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(header[56..]), (uint)SlotSize);
        return data.AsSpan(index * SlotSize, length);
    }

    /// <summary>Copies the <paramref name="index"/>th datagram's source (a native sockaddr) into <paramref name="address"/>.</summary>
    public bool TryCopySource(int index, SocketAddress address)
    {
        int length = BinaryPrimitives.ReadInt32LittleEndian(headers.AsSpan((index * HeaderSize) + 8));
        var destination = address.Buffer.Span;
        if (length <= 0 || length > NameSize || length > destination.Length)
        {
            return false;
        }

        names.AsSpan(index * NameSize, length).CopyTo(destination);
        address.Size = length;
        return true;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int recvmmsg(int socket, IntPtr messages, uint length, int flags, IntPtr timeout);

    /// <summary>The errno values the caller tells apart (Linux).</summary>
    public static class Errno
    {
        public const int Interrupted = 4;
        public const int BadDescriptor = 9;
        public const int Again = 11;
        public const int WouldBlock = 11;
        public const int Fault = 14;
        public const int Invalid = 22;
        public const int NotImplemented = 38;
        public const int NotSocket = 88;
        public const int NotSupported = 95;
    }
}

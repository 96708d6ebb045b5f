using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>Reads and writes the 19-byte address records of connect tokens: [1 = present][16 IPv6 bytes][port BE].</summary>
internal static class TokenAddress
{
    public static void Write(Span<byte> destination, in NetAddress address)
    {
        destination[0] = 1;
        address.WriteBytes(destination[1..17]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[17..], address.Port);
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out NetAddress address)
    {
        if (source[0] != 1)
        {
            address = default;
            return false;
        }
        address = new NetAddress(source[1..17], BinaryPrimitives.ReadUInt16BigEndian(source[17..]));
        return true;
    }
}

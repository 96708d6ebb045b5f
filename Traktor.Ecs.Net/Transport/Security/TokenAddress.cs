using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>
/// Reads and writes the 19-byte address records of connect tokens: [type][16 IPv6 bytes][port BE], where the type is
/// 1 + <see cref="TransportKind"/> (1 UDP, 2 TCP, 3 WebSocket); 0 and anything above 3 are refused.
/// </summary>
internal static class TokenAddress
{
    public static void Write(Span<byte> destination, in NetAddress address)
    {
        destination[0] = (byte)(1 + (int)address.Kind);
        address.WriteBytes(destination[1..17]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[17..], address.Port);
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out NetAddress address)
    {
        if (source[0] is < 1 or > 1 + (int)TransportKind.WebSocket)
        {
            address = default;
            return false;
        }
        address = new NetAddress(source[1..17], BinaryPrimitives.ReadUInt16BigEndian(source[17..]), 0, (TransportKind)(source[0] - 1));
        return true;
    }
}

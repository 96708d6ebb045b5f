using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Rpc;

/// <summary>
/// The bytes of RPC messages (docs/PROTOCOL.md, "RPC messages"). Server to client:
/// kind 0x60, the snapshot tick the RPC must not overtake (u32 LE), the RPC type id (u16 LE), then the
/// payload the generated serializer wrote. Client to server: kind 0x61, type id (u16 LE), payload.
/// </summary>
public static class RpcFormat
{
    /// <summary>Kind byte of an RPC from the server.</summary>
    public const byte ServerRpcMessage = 0x60;

    /// <summary>Kind byte of an RPC from a client.</summary>
    public const byte ClientRpcMessage = 0x61;

    /// <summary>Header bytes of a server RPC: kind, tick, type id.</summary>
    public const int ServerHeaderSize = 1 + 4 + 2;

    /// <summary>Header bytes of a client RPC: kind, type id.</summary>
    public const int ClientHeaderSize = 1 + 2;

    /// <summary>Writes a server RPC header.</summary>
    /// <param name="destination">At least <see cref="ServerHeaderSize"/> bytes.</param>
    /// <param name="tick">The snapshot tick to wait for.</param>
    /// <param name="typeId">The RPC type id.</param>
    internal static void WriteServerHeader(Span<byte> destination, uint tick, ushort typeId)
    {
        destination[0] = ServerRpcMessage;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[1..], tick);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[5..], typeId);
    }

    /// <summary>Writes a client RPC header.</summary>
    /// <param name="destination">At least <see cref="ClientHeaderSize"/> bytes.</param>
    /// <param name="typeId">The RPC type id.</param>
    internal static void WriteClientHeader(Span<byte> destination, ushort typeId)
    {
        destination[0] = ClientRpcMessage;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], typeId);
    }
}

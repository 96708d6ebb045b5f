using System.Buffers.Binary;
using L = Traktor.Ecs.Net.Transport.Security.ConnectTokenLayout;

namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>The client's view of a connect token: what it needs to connect, plus the sealed part it forwards.</summary>
public sealed class ConnectToken
{
    private readonly byte[] _bytes;

    private ConnectToken(byte[] bytes, NetAddress[] servers)
    {
        _bytes = bytes;
        ServerAddresses = servers;
    }

    /// <summary>The protocol id the token was issued for.</summary>
    public ulong ProtocolId => BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(L.PublicProtocolId));

    /// <summary>Issue time, Unix seconds.</summary>
    public ulong CreatedUnixSeconds => BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(L.PublicCreated));

    /// <summary>Expiry, Unix seconds.</summary>
    public ulong ExpiresUnixSeconds => BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(L.PublicExpires));

    /// <summary>Seconds of silence after which the connection times out.</summary>
    public int TimeoutSeconds => BinaryPrimitives.ReadInt32LittleEndian(_bytes.AsSpan(L.PublicTimeout));

    /// <summary>The servers to try, in order.</summary>
    public IReadOnlyList<NetAddress> ServerAddresses { get; }

    internal ReadOnlySpan<byte> Nonce => _bytes.AsSpan(L.PublicNonce, L.NonceSize);
    internal ReadOnlySpan<byte> SealedPrivateToken => _bytes.AsSpan(L.PublicPrivateToken, L.PrivateEncryptedSize);
    internal ReadOnlySpan<byte> ClientToServerKey => _bytes.AsSpan(L.PublicClientToServerKey, PacketCipher.KeySize);
    internal ReadOnlySpan<byte> ServerToClientKey => _bytes.AsSpan(L.PublicServerToClientKey, PacketCipher.KeySize);

    /// <summary>Parses token bytes from the authentication service; false when they are malformed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out ConnectToken? token)
    {
        token = null;
        if (bytes.Length != L.PublicSize || !bytes[..L.VersionSize].SequenceEqual(L.Version)) return false;
        int count = bytes[L.PublicAddressCount];
        if (count is 0 or > L.MaxAddresses || BinaryPrimitives.ReadInt32LittleEndian(bytes[L.PublicTimeout..]) <= 0) return false;
        var servers = new NetAddress[count];
        for (int i = 0; i < count; i++)
        {
            if (!TokenAddress.TryRead(bytes.Slice(L.PublicAddresses + i * L.AddressSize, L.AddressSize), out servers[i])) return false;
        }
        token = new ConnectToken(bytes.ToArray(), servers);
        return true;
    }
}

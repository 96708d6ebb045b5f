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

    /// <summary>
    /// Why <paramref name="bytes"/> are not a token this build reads, for an exception's message: a token of another
    /// protocol version (its issuer — the backend, a session directory — runs another version of the library: the usual
    /// case after an upgrade of one side only) names both versions.
    /// </summary>
    internal static string WhyNotAToken(ReadOnlySpan<byte> bytes)
    {
        var family = L.Version[..6];
        if (bytes.Length >= L.VersionSize && bytes[..family.Length].SequenceEqual(family) && !bytes[..L.VersionSize].SequenceEqual(L.Version))
        {
            string theirs = System.Text.Encoding.ASCII.GetString(bytes[..L.VersionSize]);
            string ours = System.Text.Encoding.ASCII.GetString(L.Version);
            if (theirs.All(c => c is >= '0' and <= '9' or >= 'A' and <= 'Z'))
            {
                return $"The connect token is of protocol version {theirs} and this build speaks {ours}: its issuer (the online backend, "
                    + "the session directory or the token issuer of the game server) runs another version of Traktor.Ecs.Net.";
            }
        }

        // The newcomer's usual case: a login's AuthSession.ConnectToken is empty when the services issue no tokens.
        if (bytes.IsEmpty)
        {
            return "No connect token (0 bytes). A session join returns one (SessionJoinResult.ConnectInfo.ConnectToken); a login "
                + "returns one (AuthSession.ConnectToken) only when the online services have a connect-token issuer "
                + "(OnlineServicesOptions.ConnectTokenIssuer, or the backend's Online:ConnectTokens settings). Without tokens "
                + "(a LAN, a test) set Insecure = true on client and server and call ConnectInsecure.";
        }

        return bytes.Length == L.PublicSize
            ? "Malformed connect token: pass the bytes the issuer returned unchanged (base64-decoded, when they came as text)."
            : $"Malformed connect token: {bytes.Length} bytes, where a connect token has {L.PublicSize}; pass the bytes the issuer "
                + "returned unchanged (base64-decoded, when they came as text).";
    }

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

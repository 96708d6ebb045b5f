using System.Buffers.Binary;
using L = Traktor.Ecs.Net.Transport.Security.ConnectTokenLayout;

namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>The server's view of a connect token after decryption (lives on the stack of the handshake).</summary>
internal ref struct PrivateConnectToken
{
    public ulong ClientId;
    public int TimeoutSeconds;
    public ReadOnlySpan<byte> Plaintext;

    public readonly ReadOnlySpan<byte> ClientToServerKey => Plaintext.Slice(L.PrivateClientToServerKey, PacketCipher.KeySize);
    public readonly ReadOnlySpan<byte> ServerToClientKey => Plaintext.Slice(L.PrivateServerToClientKey, PacketCipher.KeySize);
    public readonly ReadOnlySpan<byte> UserData => Plaintext.Slice(L.PrivateUserData, L.UserDataSize);

    public static void WriteAssociatedData(Span<byte> destination, ulong protocolId, ulong expires)
    {
        L.Version.CopyTo(destination);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], protocolId);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], expires);
    }

    /// <summary>Decrypts and validates a sealed private token into <paramref name="plaintext"/> (496 bytes).</summary>
    public static bool TryOpen(PacketCipher serverCipher, ulong protocolId, ulong expires, ReadOnlySpan<byte> nonce,
        ReadOnlySpan<byte> sealedToken, Span<byte> plaintext, out PrivateConnectToken token)
    {
        token = default;
        if (sealedToken.Length != L.PrivateEncryptedSize || nonce.Length != L.NonceSize || plaintext.Length < L.PrivatePlaintextSize) return false;
        Span<byte> associated = stackalloc byte[L.AssociatedDataSize];
        WriteAssociatedData(associated, protocolId, expires);
        var plain = plaintext[..L.PrivatePlaintextSize];
        if (!serverCipher.TryOpen(nonce, associated, sealedToken[..L.PrivatePlaintextSize], sealedToken[L.PrivatePlaintextSize..], plain)) return false;
        int timeout = BinaryPrimitives.ReadInt32LittleEndian(plain[L.PrivateTimeout..]);
        int addresses = plain[L.PrivateAddressCount];
        if (timeout <= 0 || addresses is 0 or > L.MaxAddresses) return false;
        token = new PrivateConnectToken
        {
            ClientId = BinaryPrimitives.ReadUInt64LittleEndian(plain),
            TimeoutSeconds = timeout,
            Plaintext = plain,
        };
        return true;
    }

    public readonly bool Names(in NetAddress address)
    {
        int count = Plaintext[L.PrivateAddressCount];
        for (int i = 0; i < count; i++)
        {
            if (TokenAddress.TryRead(Plaintext.Slice(L.PrivateAddresses + i * L.AddressSize, L.AddressSize), out var listed) && listed == address) return true;
        }
        return false;
    }
}

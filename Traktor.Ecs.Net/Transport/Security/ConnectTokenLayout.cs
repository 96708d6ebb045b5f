namespace Traktor.Ecs.Net.Transport.Security;

/// <summary>Byte offsets and sizes of connect tokens (see docs/PROTOCOL.md, "Connect tokens").</summary>
internal static class ConnectTokenLayout
{
    public const int VersionSize = 8;
    public static ReadOnlySpan<byte> Version => "TRKNET19"u8;
    public const int NonceSize = 12;
    public const int MaxAddresses = 8;
    public const int AddressSize = 19;
    public const int UserDataSize = 256;

    // Private part (plaintext, encrypted with the server key).
    public const int PrivateClientId = 0;
    public const int PrivateTimeout = 8;
    public const int PrivateAddressCount = 12;
    public const int PrivateAddresses = 13;
    public const int PrivateClientToServerKey = PrivateAddresses + MaxAddresses * AddressSize; // 165
    public const int PrivateServerToClientKey = PrivateClientToServerKey + PacketCipher.KeySize; // 197
    public const int PrivateUserData = PrivateServerToClientKey + PacketCipher.KeySize; // 229
    public const int PrivatePlaintextSize = 496;
    public const int PrivateEncryptedSize = PrivatePlaintextSize + PacketCipher.TagSize; // 512

    // Public part (what the client receives).
    public const int PublicVersion = 0;
    public const int PublicProtocolId = 8;
    public const int PublicCreated = 16;
    public const int PublicExpires = 24;
    public const int PublicNonce = 32;
    public const int PublicPrivateToken = 44;
    public const int PublicTimeout = PublicPrivateToken + PrivateEncryptedSize; // 556
    public const int PublicAddressCount = 560;
    public const int PublicAddresses = 561;
    public const int PublicClientToServerKey = PublicAddresses + MaxAddresses * AddressSize; // 713
    public const int PublicServerToClientKey = PublicClientToServerKey + PacketCipher.KeySize; // 745
    public const int PublicSize = 1024;

    /// <summary>Associated data that binds the private token to version, protocol and expiry.</summary>
    public const int AssociatedDataSize = 24;
}

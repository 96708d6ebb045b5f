using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Traktor.Ecs.Net.Transport.Security;
using L = Traktor.Ecs.Net.Transport.Security.ConnectTokenLayout;

// In namespace Traktor.Ecs.Net (its folder is the transport's security layer) because every game in secure mode
// calls it: the game servers' key, and the tokens of a login service or a directory of its own. That is the layout's
// one exception to folder = namespace (README, repository layout; NamespaceLayoutTests): what a game uses is in the
// game namespace whatever its folder. ConnectToken, the client's parse of a token that a game only passes on as
// bytes, is machinery and stays in this folder's namespace.
namespace Traktor.Ecs.Net;

/// <summary>
/// Issues connect tokens (called by the authentication service after it has authenticated a player):
/// the client id, expiry, fresh per-connection keys and user data, sealed with the key shared by the game
/// servers so that only they can read it and nobody can alter it.
/// </summary>
public sealed class ConnectTokenIssuer
{
    private readonly byte[] _serverKey;
    private readonly ulong _protocolId;
    private readonly TimeProvider _time;

    /// <summary>Creates an issuer for the game servers sharing <paramref name="serverKey"/> (32 bytes) and <paramref name="protocolId"/>.</summary>
    public ConnectTokenIssuer(ReadOnlySpan<byte> serverKey, ulong protocolId, TimeProvider? time = null)
    {
        if (serverKey.Length != PacketCipher.KeySize) throw new ArgumentException($"The server key has {PacketCipher.KeySize} bytes.", nameof(serverKey));
        _serverKey = serverKey.ToArray();
        _protocolId = protocolId;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Fills bytes with random ones: the token's nonce and keys.</summary>
    internal delegate void RandomFill(Span<byte> bytes);

    // Where the nonce and the keys come from: the system's cryptographic generator, unless a test replaced it through
    // RandomForTests. Production code reads only this field, never the test-named property.
    private readonly RandomFill _fillRandom = RandomNumberGenerator.Fill;

    /// <summary>
    /// A test seam, never set outside tests: a seeded generator for the nonce and the keys, so that two runs of a scenario
    /// issue the same tokens (a client spreads its first keep-alive by its token's nonce, so a scenario that compares two
    /// runs packet for packet needs them equal). Set-only, and named so that nobody mistakes a seeded generator for a
    /// production option.
    /// </summary>
    internal RandomFill RandomForTests
    {
        init => _fillRandom = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Size of every token in bytes.</summary>
    public const int TokenSize = L.PublicSize;

    /// <summary>The most user data bytes a token carries.</summary>
    public const int MaxUserDataSize = L.UserDataSize;

    /// <summary>Generates a random 32-byte server key.</summary>
    public static byte[] GenerateServerKey() => RandomNumberGenerator.GetBytes(PacketCipher.KeySize);

    /// <summary>
    /// Issues a token of <see cref="TokenSize"/> bytes for <paramref name="clientId"/>, valid for
    /// <paramref name="lifetime"/> on up to 8 <paramref name="serverAddresses"/>, tried in order by the client.
    /// </summary>
    /// <param name="clientId">The authenticated player's id; the server refuses a second connection with the same id.</param>
    /// <param name="userData">Up to 256 bytes the server's approval callback receives (for example a session ticket).</param>
    /// <param name="lifetime">How long the token can be used to connect.</param>
    /// <param name="serverAddresses">The game servers the token is valid for.</param>
    /// <param name="timeoutSeconds">Seconds of silence after which either side drops the connection; 1 to 86,400.</param>
    public byte[] Issue(ulong clientId, ReadOnlySpan<byte> userData, TimeSpan lifetime, IReadOnlyList<IPEndPoint> serverAddresses, int timeoutSeconds = 10)
    {
        ArgumentNullException.ThrowIfNull(serverAddresses);
        var addresses = new NetAddress[serverAddresses.Count];
        for (int i = 0; i < addresses.Length; i++) addresses[i] = NetAddress.FromEndPoint(serverAddresses[i]);
        return Issue(clientId, userData, lifetime, addresses, timeoutSeconds);
    }

    /// <summary>
    /// Issues a token for servers reached over any <see cref="TransportKind"/>: for example a UDP address followed by
    /// a WebSocket address of the same server, which a client behind a UDP-blocking network falls back to.
    /// </summary>
    /// <param name="clientId">The authenticated player's id; the server refuses a second connection with the same id.</param>
    /// <param name="userData">Up to 256 bytes the server's approval callback receives (for example a session ticket).</param>
    /// <param name="lifetime">How long the token can be used to connect.</param>
    /// <param name="serverAddresses">1 to 8 addresses with their transport kinds, tried in order by the client.</param>
    /// <param name="timeoutSeconds">
    /// Seconds of silence after which either side drops the connection; 1 to 86,400 (one day, <see cref="NetPeerOptions.TimeoutLimit"/>:
    /// in secure mode the token's timeout is the connection's).
    /// </param>
    public byte[] Issue(ulong clientId, ReadOnlySpan<byte> userData, TimeSpan lifetime, IReadOnlyList<NetAddress> serverAddresses, int timeoutSeconds = 10)
    {
        ArgumentNullException.ThrowIfNull(serverAddresses);
        if (userData.Length > L.UserDataSize) throw new ArgumentException($"User data is at most {L.UserDataSize} bytes.", nameof(userData));
        if (serverAddresses.Count is 0 or > L.MaxAddresses) throw new ArgumentException($"A token names 1 to {L.MaxAddresses} servers.", nameof(serverAddresses));
        if (lifetime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lifetime));
        if (timeoutSeconds <= 0 || timeoutSeconds > NetPeerOptions.TimeoutLimit.TotalSeconds) throw new ArgumentOutOfRangeException(nameof(timeoutSeconds));

        var token = new byte[L.PublicSize];
        ulong created = (ulong)_time.GetUtcNow().ToUnixTimeSeconds();
        ulong expires = created + (ulong)Math.Ceiling(lifetime.TotalSeconds);
        L.Version.CopyTo(token);
        BinaryPrimitives.WriteUInt64LittleEndian(token.AsSpan(L.PublicProtocolId), _protocolId);
        BinaryPrimitives.WriteUInt64LittleEndian(token.AsSpan(L.PublicCreated), created);
        BinaryPrimitives.WriteUInt64LittleEndian(token.AsSpan(L.PublicExpires), expires);
        _fillRandom(token.AsSpan(L.PublicNonce, L.NonceSize));
        var clientToServer = token.AsSpan(L.PublicClientToServerKey, PacketCipher.KeySize);
        var serverToClient = token.AsSpan(L.PublicServerToClientKey, PacketCipher.KeySize);
        _fillRandom(clientToServer);
        _fillRandom(serverToClient);
        BinaryPrimitives.WriteInt32LittleEndian(token.AsSpan(L.PublicTimeout), timeoutSeconds);
        token[L.PublicAddressCount] = (byte)serverAddresses.Count;

        Span<byte> plain = stackalloc byte[L.PrivatePlaintextSize];
        plain.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(plain[L.PrivateClientId..], clientId);
        BinaryPrimitives.WriteInt32LittleEndian(plain[L.PrivateTimeout..], timeoutSeconds);
        plain[L.PrivateAddressCount] = (byte)serverAddresses.Count;
        for (int i = 0; i < serverAddresses.Count; i++)
        {
            var address = serverAddresses[i];
            TokenAddress.Write(plain.Slice(L.PrivateAddresses + i * L.AddressSize, L.AddressSize), address);
            TokenAddress.Write(token.AsSpan(L.PublicAddresses + i * L.AddressSize, L.AddressSize), address);
        }
        clientToServer.CopyTo(plain[L.PrivateClientToServerKey..]);
        serverToClient.CopyTo(plain[L.PrivateServerToClientKey..]);
        userData.CopyTo(plain[L.PrivateUserData..]);

        Span<byte> associated = stackalloc byte[L.AssociatedDataSize];
        PrivateConnectToken.WriteAssociatedData(associated, _protocolId, expires);
        using var cipher = new PacketCipher(CipherSuites.ChaCha20Poly1305, _serverKey); // tokens are always ChaCha20-Poly1305: every server can open them
        cipher.Seal(token.AsSpan(L.PublicNonce, L.NonceSize), associated, plain,
            token.AsSpan(L.PublicPrivateToken, L.PrivatePlaintextSize),
            token.AsSpan(L.PublicPrivateToken + L.PrivatePlaintextSize, PacketCipher.TagSize));
        CryptographicOperations.ZeroMemory(plain);
        return token;
    }
}

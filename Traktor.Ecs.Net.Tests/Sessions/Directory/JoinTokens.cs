using System.Buffers.Binary;
using System.Net;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;
using L = Traktor.Ecs.Net.Transport.Security.ConnectTokenLayout;

namespace Traktor.Ecs.Net.Tests.Sessions.Directory;

/// <summary>Opens a join's connect token the way a game server does, to check what the directory sealed into it.</summary>
internal static class JoinTokens
{
    public static (ulong ClientId, SessionTicket Ticket, IPEndPoint[] Addresses) Open(SessionConnectInfo info, byte[] serverKey, ulong protocolId)
    {
        byte[] token = info.ConnectToken;
        Assert.Equal(ConnectTokenIssuer.TokenSize, token.Length);
        ulong expires = BinaryPrimitives.ReadUInt64LittleEndian(token.AsSpan(L.PublicExpires));
        using var cipher = new PacketCipher(CipherSuites.ChaCha20Poly1305, serverKey);
        var plain = new byte[L.PrivatePlaintextSize];
        Assert.True(PrivateConnectToken.TryOpen(cipher, protocolId, expires, token.AsSpan(L.PublicNonce, L.NonceSize),
            token.AsSpan(L.PublicPrivateToken, L.PrivateEncryptedSize), plain, out var opened), "the token does not open with the game servers' key");
        Assert.True(SessionTicket.TryRead(opened.UserData, out var ticket), "the token carries no session ticket");
        var addresses = new List<IPEndPoint>();
        for (int i = 0; i < plain[L.PrivateAddressCount]; i++)
        {
            Assert.True(TokenAddress.TryRead(plain.AsSpan(L.PrivateAddresses + i * L.AddressSize, L.AddressSize), out NetAddress address));
            addresses.Add(address.ToEndPoint());
        }

        return (opened.ClientId, ticket, addresses.ToArray());
    }
}

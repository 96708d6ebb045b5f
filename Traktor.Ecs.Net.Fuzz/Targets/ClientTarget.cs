using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;
using P = Traktor.Ecs.Net.Transport.Packets.PacketLayout;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// The client's side of the wire, as a hostile or spoofed server sends it: raw datagrams, challenges and denials
/// sealed with the token's server-to-client key around fuzz-chosen plaintext, then payload packets of the
/// connection (acks, records, fragments, compression) sealed with the suite the challenge chose.
/// </summary>
internal sealed class ClientTarget : IFuzzTarget
{
    private static readonly byte[] TokenBytes = Wire.Issuer(1)
        .Issue(9, [], TimeSpan.FromHours(1), [Wire.Server]);

    private static readonly ConnectToken Token = ConnectToken.TryParse(TokenBytes, out var token) ? token! : throw new InvalidOperationException("token");

    public string Name => "client";

    public string Description => "client: challenge, denied, payload and disconnect packets from the server (sealed with the token's keys)";

    public long AllocationBudget => 3 * 1024 * 1024;

    public void Execute(ReadOnlySpan<byte> input, Probe probe)
    {
        var time = Wire.Clock();
        using var transport = new ScriptedTransport(Wire.Peers[0]);
        using var client = new NetClient(transport, new NetClientOptions { ProtocolId = Wire.ProtocolId, Compression = true }, time);
        client.Connect(TokenBytes);
        client.Update();
        var suite = CipherSuites.ChaCha20Poly1305;
        ulong sequence = 0; // a connection's sequences start at 0 (docs/PROTOCOL.md §5)
        ulong stateless = 0;
        Span<byte> challenge = stackalloc byte[P.ChallengePlaintextSize];

        probe.Begin();
        var r = new FuzzReader(input);
        while (!r.IsEmpty)
        {
            switch (r.Byte() % 6)
            {
                case 0: // anything, from the server's address or another
                    transport.Deliver(r.Block(P.MaximumMtu), (r.Byte() & 7) == 0 ? Wire.Peers[1] : Wire.Server);
                    break;
                case 1: // a challenge: cookie and chosen suite, sealed as the server seals it
                    {
                        byte prefix = (byte)((byte)PacketType.Challenge | (r.Byte() & 0xF0));
                        challenge.Clear();
                        challenge[P.CookieSize] = (byte)CipherSuites.ChaCha20Poly1305;
                        r.Patch(challenge);
                        var chosen = (CipherSuites)challenge[P.CookieSize];
                        if (chosen is CipherSuites.ChaCha20Poly1305 or CipherSuites.Aes256Gcm && (chosen & PacketCipher.LocallySupported) != 0) suite = chosen;
                        using var handshake = new PacketCipher(CipherSuites.ChaCha20Poly1305, Token.ServerToClientKey);
                        transport.Deliver(Wire.Seal(handshake, prefix, 1UL << 63 | ++stateless, challenge), Wire.Server);
                        break;
                    }
                case 2: // a denial with any reason
                    {
                        using var handshake = new PacketCipher(CipherSuites.ChaCha20Poly1305, Token.ServerToClientKey);
                        transport.Deliver(Wire.Seal(handshake, (byte)PacketType.Denied, 1UL << 63 | ++stateless, [r.Byte()]), Wire.Server);
                        break;
                    }
                case 3:
                case 4: // a payload (or disconnect) of the connection
                    {
                        using var cipher = ConnectionCipher(transport, suite);
                        transport.Deliver(Wire.Payload(cipher, r.Byte(), ref sequence, r.Block(P.MaximumMtu)), Wire.Server);
                        break;
                    }
                default:
                    time.Advance(TimeSpan.FromMilliseconds(r.Byte() * 4));
                    client.Update();
                    while (client.TryPollEvent(out _)) { }
                    break;
            }
        }
        client.Update();
        while (client.TryPollEvent(out _)) { }
        probe.End();
        Probe.Check(client.InternalErrors == 0, "the client caught an exception while handling a datagram (see the log)");
    }

    public IEnumerable<byte[]> Seeds() => Seeding.ScriptSeeds.Client();

    /// <summary>
    /// The server-to-client cipher a real server would use: derived from the client's last response (its cookie and
    /// random); before any response, the token's key, which the client then rightly refuses.
    /// </summary>
    private static PacketCipher ConnectionCipher(ScriptedTransport transport, CipherSuites suite)
    {
        if (Wire.LastSent(transport, Wire.Server, PacketType.ChallengeResponse) is not { Length: P.ResponseSize } response)
        {
            return new PacketCipher(suite, Token.ServerToClientKey);
        }

        var named = (CipherSuites)response[P.ResponseSuite]; // the suite the client will use
        if (named is CipherSuites.ChaCha20Poly1305 or CipherSuites.Aes256Gcm && (named & PacketCipher.LocallySupported) != 0) suite = named;
        var (clientToServer, serverToClient) = ConnectionKeys.Derive(suite, Token.ClientToServerKey, Token.ServerToClientKey,
            response.AsSpan(P.ResponseCookie, P.CookieSize), response.AsSpan(P.ResponseRandom, P.ClientRandomSize));
        clientToServer.Dispose();
        return serverToClient;
    }
}

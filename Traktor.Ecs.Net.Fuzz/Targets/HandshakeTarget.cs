using System.Buffers.Binary;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;
using L = Traktor.Ecs.Net.Transport.Security.ConnectTokenLayout;
using P = Traktor.Ecs.Net.Transport.Packets.PacketLayout;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// The server's handshake, secure and insecure: raw datagrams from unknown addresses, connection requests whose
/// private token the harness re-seals with the server key around fuzz-chosen plaintext (so the token decoder after
/// decryption is reached, not only the AEAD's refusal), challenge responses built from the server's real challenge
/// with fuzz-chosen fields and a valid tag, and the first payloads of a connection so admitted.
/// </summary>
internal sealed class HandshakeTarget : IFuzzTarget
{
    private static readonly Template Token = Template.Create();

    public string Name => "handshake";

    public string Description => "server handshake: requests (token plaintext re-sealed), challenge responses, insecure handshake, first payloads";

    // Two servers' connections (each with its channels and reassembler) plus their first packets.
    public long AllocationBudget => 3 * 1024 * 1024;

    public void Execute(ReadOnlySpan<byte> input, Probe probe)
    {
        var time = Wire.Clock();
        using var transport = new ScriptedTransport(Wire.Server);
        using var server = new NetServer(transport, new NetServerOptions
        {
            PrivateKey = Wire.ServerKey,
            ProtocolId = Wire.ProtocolId,
            Compression = true,
            MaxClients = 2,
            PublicAddresses = [Wire.Server],
            // Approval sees the token's user data: refuse one value, as a game refusing a ticket would.
            ApproveConnection = (clientId, userData, _) => userData.IsEmpty || userData[0] != 0xEE,
            RandomForTests = Wire.Random(4),
        }, time);
        var insecureAddress = NetAddress.Parse("127.0.0.1:40001");
        using var insecureTransport = new ScriptedTransport(insecureAddress);
        using var insecure = new NetServer(insecureTransport, new NetServerOptions { Insecure = true, Compression = true, ProtocolId = Wire.ProtocolId, MaxClients = 2, RandomForTests = Wire.Random(5) }, time);
        var state = new PeerState[Wire.Peers.Length];
        for (int i = 0; i < state.Length; i++) state[i] = new PeerState();

        probe.Begin();
        var r = new FuzzReader(input);
        while (!r.IsEmpty)
        {
            int op = r.Byte() % 8;
            int who = r.Byte() % Wire.Peers.Length;
            var source = Wire.Peers[who];
            var peer = state[who];
            switch (op)
            {
                case 0: // anything at all
                    transport.Deliver(r.Block(P.MaximumMtu), source);
                    break;
                case 1: // a connection request around a fuzz-chosen token plaintext, validly sealed
                    {
                        peer.Request = Token.Request.ToArray();
                        peer.Plaintext = Token.Plaintext.ToArray();
                        r.Patch(peer.Request.AsSpan(0, P.RequestToken));
                        r.Patch(peer.Request.AsSpan(P.RequestSuites, 1));
                        r.Patch(peer.Plaintext);
                        Template.SealToken(peer.Request, peer.Plaintext);
                        transport.Deliver(peer.Request, source);
                        break;
                    }
                case 2: // a response to the server's last challenge to this address, validly tagged
                    transport.Deliver(Respond(transport, source, peer, ref r), source);
                    break;
                case 3:
                    Step(time, server, insecure, r.Byte());
                    break;
                case 4: // a payload on the connection this address may have by now
                    if (peer.ClientToServer is not null)
                    {
                        transport.Deliver(Wire.Payload(peer.ClientToServer, r.Byte(), ref peer.Sequence, r.Block(P.MaximumMtu)), source);
                    }
                    break;
                case 5: // a valid request or response template with bytes overwritten and not re-sealed
                    {
                        var packet = (r.Byte() & 1) == 0 ? Token.Request.ToArray() : Respond(transport, source, peer, ref r);
                        r.Patch(packet);
                        transport.Deliver(packet, source);
                        break;
                    }
                case 6: // anything at all, to the insecure server
                    insecureTransport.Deliver(r.Block(P.MaximumMtu), source);
                    break;
                default: // the insecure handshake with fuzz-chosen fields
                    insecureTransport.Deliver(Insecure(insecureTransport, source, ref r), source);
                    break;
            }
        }
        Step(time, server, insecure, 1);
        foreach (var peer in state) peer.ClientToServer?.Dispose();
        probe.End();
        Probe.Check(server.Counters.InternalErrors == 0 && insecure.Counters.InternalErrors == 0, "a server caught an exception while handling a datagram (see the log)");
    }

    private static void Step(Microsoft.Extensions.Time.Testing.FakeTimeProvider time, NetServer server, NetServer insecure, int tens)
    {
        time.Advance(TimeSpan.FromMilliseconds(tens * 10));
        server.Update();
        insecure.Update();
        while (server.TryPollEvent(out _)) { }
        while (insecure.TryPollEvent(out _)) { }
    }

    private static byte[] Respond(ScriptedTransport transport, NetAddress source, PeerState peer, ref FuzzReader r)
    {
        var response = new byte[P.ResponseSize];
        peer.Request.AsSpan().CopyTo(response);
        response[0] = (byte)((byte)PacketType.ChallengeResponse | (peer.Request[0] & P.CompressedFlag));
        var serverToClient = peer.Plaintext.AsSpan(L.PrivateServerToClientKey, PacketCipher.KeySize);
        var challenge = Wire.LastSent(transport, source, PacketType.Challenge);
        Span<byte> plain = stackalloc byte[P.ChallengePlaintextSize];
        plain.Clear();
        if (challenge is not null)
        {
            using var handshake = new PacketCipher(CipherSuites.ChaCha20Poly1305, serverToClient);
            SealedPacket.Open(handshake, challenge, plain);
        }
        plain.CopyTo(response.AsSpan(P.ResponseCookie));
        BinaryPrimitives.WriteUInt64LittleEndian(response.AsSpan(P.ResponseRandom), ++peer.Responses); // a distinct client random each time
        r.Patch(response.AsSpan(0, P.ResponseTag));
        var random = response.AsSpan(P.ResponseRandom, P.ClientRandomSize);
        var suite = (CipherSuites)response[P.ResponseSuite];
        var clientToServerKey = peer.Plaintext.AsSpan(L.PrivateClientToServerKey, PacketCipher.KeySize);
        peer.ClientToServer?.Dispose();
        peer.ClientToServer = null;
        if (suite is CipherSuites.ChaCha20Poly1305 or CipherSuites.Aes256Gcm && (suite & PacketCipher.LocallySupported) != 0)
        {
            // The keys the server derives if it accepts this response, so later payloads open there.
            var (clientToServer, serverToClientCipher) = ConnectionKeys.Derive(suite, clientToServerKey, serverToClient, response.AsSpan(P.ResponseCookie, P.CookieSize), random);
            serverToClientCipher.Dispose();
            peer.ClientToServer = clientToServer;
        }
        using var tag = new PacketCipher(CipherSuites.ChaCha20Poly1305, clientToServerKey);
        tag.Encrypt(ConnectionKeys.ResponseNonce(random), response.AsSpan(0, P.ResponseTag), [], [], response.AsSpan(P.ResponseTag, PacketCipher.TagSize));
        return response;
    }

    private static byte[] Insecure(ScriptedTransport transport, NetAddress source, ref FuzzReader r)
    {
        bool response = (r.Byte() & 1) != 0;
        var packet = new byte[response ? P.InsecureResponseSize : P.InsecureRequestSize];
        packet[0] = (byte)((byte)(response ? PacketType.InsecureResponse : PacketType.InsecureRequest) | P.CompressedFlag);
        Wire.WriteVersions(packet, Wire.ProtocolId, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(packet.AsSpan(P.InsecureRequestClientId), 5);
        if (response && Wire.LastSent(transport, source, PacketType.Challenge) is { } challenge && challenge.Length == P.InsecureChallengeSize)
        {
            challenge.AsSpan(1).CopyTo(packet.AsSpan(P.InsecureRequestSize));
        }
        r.Patch(packet);
        return packet;
    }

    private sealed class PeerState
    {
        public byte[] Request = Token.Request.ToArray();
        public byte[] Plaintext = Token.Plaintext.ToArray();
        public ulong Sequence = 5_000;
        public ulong Responses;
        public PacketCipher? ClientToServer;
    }

    /// <summary>A real token's request and private plaintext, made once; ops patch copies and re-seal them.</summary>
    private sealed class Template
    {
        public required byte[] Request { get; init; }
        public required byte[] Plaintext { get; init; }

        public static Template Create()
        {
            var issuer = Wire.Issuer(3);
            byte[] userData = [1, 2, 3];
            var bytes = issuer.Issue(42, userData, TimeSpan.FromHours(1), [Wire.Server]);
            if (!ConnectToken.TryParse(bytes, out var token)) throw new InvalidOperationException("the issuer's token does not parse");
            var request = new byte[P.RequestSize];
            request[0] = (byte)PacketType.ConnectionRequest | P.CompressedFlag;
            Wire.WriteVersions(request, Wire.ProtocolId, 0);
            BinaryPrimitives.WriteUInt64LittleEndian(request.AsSpan(P.RequestExpires), token!.ExpiresUnixSeconds);
            token.Nonce.CopyTo(request.AsSpan(P.RequestNonce));
            token.SealedPrivateToken.CopyTo(request.AsSpan(P.RequestToken));
            request[P.RequestSuites] = (byte)PacketCipher.LocallySupported;
            var plaintext = new byte[L.PrivatePlaintextSize];
            using var cipher = new PacketCipher(CipherSuites.ChaCha20Poly1305, Wire.ServerKey);
            if (!PrivateConnectToken.TryOpen(cipher, Wire.ProtocolId, token.ExpiresUnixSeconds, token.Nonce, token.SealedPrivateToken, plaintext, out _))
                throw new InvalidOperationException("the issuer's private token does not open");
            return new Template { Request = request, Plaintext = plaintext };
        }

        /// <summary>Seals <paramref name="plaintext"/> into the request as the issuer would, under its (patched) nonce, protocol and expiry.</summary>
        public static void SealToken(byte[] request, byte[] plaintext)
        {
            Span<byte> associated = stackalloc byte[L.AssociatedDataSize];
            PrivateConnectToken.WriteAssociatedData(associated,
                BinaryPrimitives.ReadUInt64LittleEndian(request.AsSpan(P.RequestProtocolId)),
                BinaryPrimitives.ReadUInt64LittleEndian(request.AsSpan(P.RequestExpires)));
            using var cipher = new PacketCipher(CipherSuites.ChaCha20Poly1305, Wire.ServerKey);
            cipher.Seal(request.AsSpan(P.RequestNonce, L.NonceSize), associated, plaintext,
                request.AsSpan(P.RequestToken, L.PrivatePlaintextSize), request.AsSpan(P.RequestToken + L.PrivatePlaintextSize, PacketCipher.TagSize));
        }
    }

    public IEnumerable<byte[]> Seeds() => Seeding.ScriptSeeds.Handshake();
}

using System.Security.Cryptography;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;
using P = Traktor.Ecs.Net.Transport.Packets.PacketLayout;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// The VersionMismatch answer (packet type 8, docs/PROTOCOL.md §3.7) as a client reads it while it sends its connection
/// request: never sealed, so anyone who can reach the client's socket may send one. The input builds answers around the
/// request the client really sent (prefix, version, echo and length fuzz-chosen; the echo right or not), sends raw
/// datagrams, from the dialled server or from elsewhere, the server's real challenge (after which no answer counts), and lets time pass (the request is resent, the attempt may time
/// out). The oracle is the specification, computed here apart from the client's code: after each datagram the attempt
/// ends with <see cref="DisconnectReason.ProtocolVersionMismatch"/> exactly when that datagram is an answer the client
/// must accept (while it sends its request, from the dialled address, 17 bytes, prefix 0x08, a version of the family
/// other than its own, the echo of a request it sent), and nothing else ends it so.
/// </summary>
internal sealed class VersionAnswerTarget : IFuzzTarget
{
    private static readonly byte[] TokenBytes = Wire.Issuer(2)
        .Issue(9, [], TimeSpan.FromHours(1), [Wire.Server]);

    private static readonly ConnectToken Token = ConnectToken.TryParse(TokenBytes, out var token) ? token! : throw new InvalidOperationException("token");

    public string Name => "version-answer";

    public string Description => "client: VersionMismatch answers (type 8) to its connection request, from the server or a spoofer";

    public long AllocationBudget => 3 * 1024 * 1024;

    public void Execute(ReadOnlySpan<byte> input, Probe probe)
    {
        var time = Wire.Clock();
        using var transport = new ScriptedTransport(Wire.Peers[0]);
        using var client = new NetClient(transport, new NetClientOptions { ProtocolId = Wire.ProtocolId }, time);
        client.Connect(TokenBytes);
        client.Update();
        Span<byte> answer = stackalloc byte[P.VersionAnswerSize + 2];
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> challenge = stackalloc byte[P.ChallengePlaintextSize];
        ulong stateless = 0;

        probe.Begin();
        var r = new FuzzReader(input);
        while (!r.IsEmpty)
        {
            var before = client.State;
            switch (r.Byte() % 5)
            {
                case 0:
                case 1: // an answer built on the request the client sent: [shape] [version] [patches]
                    {
                        byte shape = r.Byte();
                        var request = Wire.LastSent(transport, Wire.Server, PacketType.ConnectionRequest) ?? [];
                        answer.Clear();
                        answer[0] = (byte)PacketType.VersionMismatch;
                        VersionOf(r.Byte(), answer.Slice(P.VersionAnswerVersion, ConnectTokenLayout.VersionSize));
                        SHA256.HashData(request, digest);
                        digest[..P.VersionAnswerEchoSize].CopyTo(answer[P.VersionAnswerEcho..]);
                        r.Patch(answer);
                        int length = P.VersionAnswerSize + (shape & 3) switch { 1 => -1, 2 => 1, _ => 0 };
                        Deliver(transport, client, answer[..length], (shape & 4) == 0 ? Wire.Server : Wire.Peers[1], before);
                        break;
                    }
                case 2: // anything, from the server's address or another: [block] [source]
                    Deliver(transport, client, r.Block(P.MaximumMtu), (r.Byte() & 7) == 0 ? Wire.Peers[1] : Wire.Server, before);
                    break;
                case 3: // the server's real challenge (its version spoken): an answer after it must be ignored
                    {
                        challenge.Clear();
                        challenge[P.CookieSize] = (byte)CipherSuites.ChaCha20Poly1305;
                        r.Patch(challenge);
                        using var handshake = new PacketCipher(CipherSuites.ChaCha20Poly1305, Token.ServerToClientKey);
                        Deliver(transport, client, Wire.Seal(handshake, (byte)PacketType.Challenge, 1UL << 63 | ++stateless, challenge), Wire.Server, before);
                        break;
                    }
                default: // time passes: the request is resent (its echo stays the same) or the attempt times out
                    time.Advance(TimeSpan.FromMilliseconds(r.Byte() * 4));
                    client.Update();
                    while (client.TryPollEvent(out _)) { }
                    Probe.Check(before == ClientState.Disconnected || client.LastDisconnectReason != DisconnectReason.ProtocolVersionMismatch,
                        "the attempt ended ProtocolVersionMismatch with no answer delivered");
                    break;
            }
        }
        probe.End();
        Probe.Check(client.InternalErrors == 0, "the client caught an exception while handling a datagram (see the log)");
    }

    public IEnumerable<byte[]> Seeds() => Seeding.ScriptSeeds.VersionAnswers();

    /// <summary>A version string for the answer: the family with two fuzz-chosen bytes, the client's own, or not the family.</summary>
    private static void VersionOf(byte choice, Span<byte> version)
    {
        switch (choice % 4)
        {
            case 0:
            case 1:
                "TRKNET"u8.CopyTo(version);
                version[6] = (byte)('0' + choice / 4 % 10);
                version[7] = (byte)('0' + choice / 40 % 10);
                break;
            case 2:
                ConnectTokenLayout.Version.CopyTo(version);
                break;
            default:
                "XYZNET20"u8.CopyTo(version);
                break;
        }
    }

    /// <summary>Delivers one datagram, lets the client read it, and checks its outcome against the specification.</summary>
    private static void Deliver(ScriptedTransport transport, NetClient client, ReadOnlySpan<byte> datagram, NetAddress source, ClientState before)
    {
        bool mustAccept = before == ClientState.SendingRequest && source == Wire.Server && IsAcceptable(datagram, transport);
        transport.Deliver(datagram, source);
        client.Update();
        while (client.TryPollEvent(out _)) { }
        bool ended = before != ClientState.Disconnected && client.State == ClientState.Disconnected
            && client.LastDisconnectReason == DisconnectReason.ProtocolVersionMismatch;
        if (mustAccept)
        {
            Probe.Check(ended, $"a valid answer from the server was ignored (state {client.State}, reason {client.LastDisconnectReason})");
            Probe.Check(client.LastDisconnectByServer, "a version mismatch was not reported as the server's");
        }
        else
        {
            Probe.Check(!ended, $"a datagram that is no valid answer ({datagram.Length} bytes from {source}, before {before}) ended the attempt");
        }
    }

    /// <summary>
    /// §3.7, as written: 17 bytes, 0x08, a family version not the client's, and the echo of the request the client sends
    /// the server (one request per attempt, resent unchanged: the last one sent). Hashed into the stack: the oracle must
    /// not spend the target's allocation budget.
    /// </summary>
    private static bool IsAcceptable(ReadOnlySpan<byte> datagram, ScriptedTransport transport)
    {
        if (datagram.Length != 17 || datagram[0] != 0x08) return false;
        var version = datagram.Slice(1, 8);
        if (!version.StartsWith("TRKNET"u8) || version.SequenceEqual(ConnectTokenLayout.Version)) return false;
        if (Wire.LastSent(transport, Wire.Server, PacketType.ConnectionRequest) is not { } request) return false;
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(request, digest);
        return digest[..8].SequenceEqual(datagram.Slice(9, 8));
    }
}

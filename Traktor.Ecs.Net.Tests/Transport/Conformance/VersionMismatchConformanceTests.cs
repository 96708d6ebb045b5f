using System.Security.Cryptography;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport.Conformance;

/// <summary>
/// A client and a server of different protocol versions (docs/PROTOCOL.md §3.7), over real UDP, TCP and WebSocket
/// sockets on virtual time: the client is told <see cref="DisconnectReason.ProtocolVersionMismatch"/> by the server's
/// answer (before, it heard nothing and ended with <see cref="DisconnectReason.ConnectTimedOut"/>), whichever end is the
/// newer; one source flooding such requests gets answers at the budget's rate only; and an answer that does not echo the
/// client's own request is ignored. The other build is this build with another version string (an internal option):
/// the request's first 9 bytes and the answer are the layouts every version keeps.
/// </summary>
public sealed class VersionMismatchConformanceTests
{
    private static readonly byte[] Newer = "TRKNET99"u8.ToArray();

    public static TheoryData<WireKind> Sockets => new(WireKind.Udp, WireKind.Tcp, WireKind.WebSocket);

    [Theory]
    [MemberData(nameof(Sockets))]
    public void A_client_of_another_version_is_told_ProtocolVersionMismatch(WireKind wire)
    {
        using var h = new TransportHarness(wire: wire);
        var client = h.AddClient(configure: o => o.ProtocolVersion = Newer);

        client.Connect(h.IssueToken(7));
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 1000), $"still {client.State}");

        Assert.Equal(DisconnectReason.ProtocolVersionMismatch, client.LastDisconnectReason);
        Assert.True(client.LastDisconnectByServer);
        Assert.InRange(h.Server.Counters.VersionMismatchesAnswered, 1, (long)new NetServerOptions().VersionAnswerBurst);
        Assert.Equal(0, h.Server.Counters.ChallengesSent);
        Assert.Equal(0, h.Server.ConnectionCount);
    }

    [Theory]
    [InlineData(WireKind.Udp, false)]
    [InlineData(WireKind.Tcp, false)]
    [InlineData(WireKind.WebSocket, false)]
    [InlineData(WireKind.Udp, true)]
    public void A_client_of_this_version_is_told_ProtocolVersionMismatch_by_a_newer_server(WireKind wire, bool insecure)
    {
        using var h = new TransportHarness(configure: o =>
        {
            o.ProtocolVersion = Newer;
            o.Insecure = insecure;
            if (insecure) o.PrivateKey = null;
        }, wire: wire);
        var client = h.AddClient();

        if (insecure) client.ConnectInsecure(h.ServerAddress, 7);
        else client.Connect(h.IssueToken(7));
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 1000), $"still {client.State}");

        Assert.Equal(DisconnectReason.ProtocolVersionMismatch, client.LastDisconnectReason);
        Assert.Equal(0, h.Server.ConnectionCount);
    }

    [Theory]
    [MemberData(nameof(Sockets))]
    public void A_flood_of_requests_of_another_version_from_one_source_gets_answers_at_the_budgets_rate(WireKind wire)
    {
        using var h = new TransportHarness(wire: wire);
        var attacker = h.Wire.CreateClient();
        h.Disposables.Add(attacker);
        var request = new byte[PacketLayout.RequestSize];
        RandomNumberGenerator.Fill(request);
        request[0] = (byte)PacketType.ConnectionRequest;
        Newer.CopyTo(request, PacketLayout.RequestVersion);

        // 100 requests at one instant: the burst is answered, nothing more.
        var answers = Flood(h, attacker, request, 100);
        Assert.Equal((int)new NetServerOptions().VersionAnswerBurst, answers.Count);
        Span<byte> echo = stackalloc byte[PacketLayout.VersionAnswerEchoSize];
        VersionMismatchAnswer.Echo(request, echo);
        foreach (var answer in answers)
        {
            Assert.Equal(PacketLayout.VersionAnswerSize, answer.Length); // 17 bytes for 558: no amplification
            Assert.Equal((byte)PacketType.VersionMismatch, answer[0]);
            Assert.Equal(ConnectTokenLayout.Version.ToArray(), answer[1..9]);
            Assert.Equal(echo.ToArray(), answer[9..17]);
        }

        // Two seconds later: two more answers (1 a second) for another 100 requests.
        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, Flood(h, attacker, request, 100).Count);

        // A datagram shorter than the answer is never answered, however much budget is left.
        h.Time.Advance(TimeSpan.FromSeconds(3)); // the burst back (a stream without a connection is closed after 10 s)
        Assert.Empty(Flood(h, attacker, request[..(PacketLayout.VersionAnswerSize - 1)], 1));
        Assert.Equal(3 + 2, h.Server.Counters.VersionMismatchesAnswered);
    }

    [Theory]
    [MemberData(nameof(Sockets))]
    public void An_answer_that_does_not_echo_the_clients_request_is_ignored(WireKind wire)
    {
        using var h = new TransportHarness(wire: wire);
        h.ServerWire.Enabled = true;
        var client = h.AddClient(configure: o => o.ConnectTimeout = TimeSpan.FromMinutes(1));
        // A token this server cannot open: it never answers, so the client keeps sending its request.
        var stranger = new ConnectTokenIssuer(ConnectTokenIssuer.GenerateServerKey(), TransportHarness.ProtocolId, h.Time);
        client.Connect(stranger.Issue(7, [], TimeSpan.FromMinutes(5), [h.ServerAddress]));
        Assert.True(h.RunUntil(() => h.ServerWire.Received.Count > 0, maxSteps: 100));
        var (request, clientAddress) = h.ServerWire.Received[0];

        // Forged answers from the server's own address (what an off-path party spoofing it could send): a guessed echo,
        // and the echo of another request. The client ignores both and keeps trying.
        var guessed = Answer(new byte[PacketLayout.VersionAnswerEchoSize]);
        var other = (byte[])request.Clone();
        other[^1] ^= 1;
        var otherEcho = new byte[PacketLayout.VersionAnswerEchoSize];
        VersionMismatchAnswer.Echo(other, otherEcho);
        foreach (var forged in new[] { guessed, Answer(otherEcho) })
        {
            Assert.True(h.ServerWire.TrySend(forged, clientAddress));
            for (int i = 0; i < 5; i++) h.Step();
            Assert.Equal(ClientState.SendingRequest, client.State);
        }

        // The control: the same answer echoing the request it sent ends the attempt with the typed reason.
        var echo = new byte[PacketLayout.VersionAnswerEchoSize];
        VersionMismatchAnswer.Echo(request, echo);
        Assert.True(h.ServerWire.TrySend(Answer(echo), clientAddress));
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 20), $"still {client.State}");
        Assert.Equal(DisconnectReason.ProtocolVersionMismatch, client.LastDisconnectReason);
    }

    private static byte[] Answer(byte[] echo)
    {
        var answer = new byte[PacketLayout.VersionAnswerSize];
        answer[0] = (byte)PacketType.VersionMismatch;
        Newer.CopyTo(answer, PacketLayout.VersionAnswerVersion);
        echo.CopyTo(answer, PacketLayout.VersionAnswerEcho);
        return answer;
    }

    /// <summary>
    /// Sends <paramref name="count"/> copies of <paramref name="request"/> without advancing the clock, lets the server
    /// read them all, and returns the datagrams the attacker got back.
    /// </summary>
    private static List<byte[]> Flood(TransportHarness h, IDatagramTransport attacker, byte[] request, int count)
    {
        long before = h.Server.Counters.Malformed;
        for (int i = 0; i < count; i++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!attacker.TrySend(request, h.ServerAddress))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the attacker's transport refused a datagram for 10 s");
                h.Wire.Settle();
                h.Server.Update();
            }
            // The server reads them in small batches, so no socket buffer overflows on a busy machine: every one arrives.
            if (i % 20 == 19)
            {
                h.Wire.Settle();
                h.Server.Update();
            }
        }
        for (int pass = 0; pass < 1000 && h.Server.Counters.Malformed - before < count; pass++)
        {
            h.Wire.Settle();
            h.Server.Update();
        }
        Assert.Equal(count, h.Server.Counters.Malformed - before);
        h.Wire.Settle();
        var received = new List<byte[]>();
        var buffer = new byte[2048];
        while (attacker.TryReceive(buffer, out int length, out var source))
        {
            Assert.Equal(h.ServerAddress, source);
            received.Add(buffer[..length]);
        }
        return received;
    }
}

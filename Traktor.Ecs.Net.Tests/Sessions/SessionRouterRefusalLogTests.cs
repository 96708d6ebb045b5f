using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A router refuses every handshake whose ticket names a session not hosted here, or one that ended, on every try and from
/// every address the sender has: those refusals are logged at most once a second, the rest counted into the next line or
/// into the one the router's update writes once the second has passed. Failed before: one Information line per refusal
/// (1,000 lines for 1,000 handshakes).
/// </summary>
public sealed class SessionRouterRefusalLogTests
{
    private readonly FakeTimeProvider time = new(TransportHarness.Start);
    private readonly CapturingLogger log = new();

    private SessionRouter Router() => new(new InMemoryNetwork().CreateTransport(), new NetServerOptions
    {
        ProtocolId = TransportHarness.ProtocolId,
        PrivateKey = ConnectTokenIssuer.GenerateServerKey(),
    }, time, log);

    private byte[] Ticket(SessionId session)
    {
        var bytes = new byte[SessionTicket.MaxSize];
        int length = new SessionTicket(session, time.GetUtcNow(), 4, "mallory").Write(bytes);
        return bytes[..length];
    }

    [Fact]
    public void A_thousand_handshakes_for_sessions_not_hosted_here_from_a_hundred_addresses_give_a_line_a_second()
    {
        using var router = Router();
        long unroutable = router.Unroutable;
        for (int i = 0; i < 1000; i++)
        {
            var source = NetAddress.Parse($"198.51.100.{i % 100 + 1}:5000");
            Assert.Equal(DisconnectReason.Rejected, router.Server.Refusal((ulong)i, Ticket(SessionId.New()), source));
            if (i % 100 == 99)
            {
                time.Advance(TimeSpan.FromMilliseconds(50)); // 1,000 in half a second
                router.Update();
            }
        }
        Assert.Equal(1000, router.Unroutable - unroutable);
        Assert.Single(Lines("Refused client"));
        Assert.Contains("(0 more refused", Lines("Refused client")[0], StringComparison.Ordinal);
        Assert.Empty(Lines("Refused 999"));

        // A second after the first line, the router's update tells the 999 held back; a later one adds nothing.
        time.Advance(TimeSpan.FromMilliseconds(600));
        router.Update();
        time.Advance(TimeSpan.FromSeconds(1));
        router.Update();
        Assert.Single(Lines("Refused 999 more clients since the last such line: their session is not hosted here"));
        Assert.Equal(2, Lines("Refused").Count);
    }

    [Fact]
    public void Refusals_for_an_ended_session_are_logged_at_most_once_a_second_and_the_rest_when_the_router_is_disposed()
    {
        var ended = SessionId.New();
        var router = Router();
        router.EndedSession = id => id == ended;
        for (int i = 0; i < 1000; i++)
        {
            var source = NetAddress.Parse($"198.51.100.{i % 100 + 1}:5000");
            Assert.Equal(DisconnectReason.SessionEnded, router.Server.Refusal((ulong)i, Ticket(ended), source));
        }
        Assert.Single(Lines("Refused client"));
        Assert.Contains("has ended (0 more refused", Lines("Refused client")[0], StringComparison.Ordinal);

        router.Dispose();
        Assert.Single(Lines("Refused 999 more clients since the last such line: their session has ended"));
        Assert.Equal(2, Lines("Refused").Count);
    }

    private List<string> Lines(string start)
    {
        lock (log.Lines)
        {
            return [.. log.Lines.Where(l => l.Level == LogLevel.Information && l.Message.StartsWith(start, StringComparison.Ordinal)).Select(l => l.Message)];
        }
    }
}

using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A refused connection request is logged at most once a second, the refusals between added up into the next line
/// (attack review 32). Failed before: a player's used connect token, or a request someone saw on the wire, replayed from
/// as many addresses as the sender has, wrote one Information line per refusal (each address has its own handshake budget).
/// The refusals held back are told by the server's update once the second has passed, or by its disposal: failed before,
/// they waited for the next refusal, which might never come, so the log never said how big the flood was.
/// </summary>
public sealed class DenialLogTests
{
    [Fact]
    public void A_used_connect_token_replayed_from_many_addresses_is_logged_at_most_once_a_second()
    {
        using var h = new TransportHarness();
        var request = UsedRequest(h);

        long denied = Flood(h, request);
        Assert.Single(Refusals(h));

        // A second later the server's update tells the refusals it held back, with no refusal to carry them.
        h.Step(1000);
        var refusals = Refusals(h);
        Assert.Equal(2, refusals.Count);
        Assert.Equal($"Refused {denied - 1} more connections since the last such line (logged at most once a second, NetServer.Counters.Denied counts every one).", refusals[1]);

        // Nothing more held back: later updates add no line, and the next refusal a second on is logged with none before it.
        h.Step(1000);
        Assert.Equal(2, Refusals(h).Count);
        h.Network.Inject(request, NetAddress.Parse("198.51.100.200:5000"), h.ServerAddress);
        h.Step(10);
        refusals = Refusals(h);
        Assert.Equal(3, refusals.Count);
        Assert.Contains("TokenUsed (0 more refused since the last such line", refusals[2], StringComparison.Ordinal);
    }

    [Fact]
    public void The_refusals_held_back_are_logged_when_the_server_is_disposed()
    {
        using var h = new TransportHarness();
        var request = UsedRequest(h);

        long denied = Flood(h, request);
        h.Server.Dispose();

        var refusals = Refusals(h);
        Assert.Equal(2, refusals.Count);
        Assert.StartsWith($"Refused {denied - 1} more connections since the last such line", refusals[1], StringComparison.Ordinal);
    }

    /// <summary>Connects a client and returns the connection request that did it, now carrying a used token.</summary>
    private static byte[] UsedRequest(TransportHarness h)
    {
        var first = h.AddClient();
        h.ClientWires[^1].Enabled = true;
        first.Connect(h.IssueToken(5));
        Assert.True(h.RunUntil(() => first.State == ClientState.Connected));
        return h.ClientWires[^1].Sent.Where(d => d.Data[0] == 0).MaxBy(d => d.Data.Length)!.Data;
    }

    /// <summary>Replays <paramref name="request"/> from 100 addresses within 100 ms; returns how many were refused.</summary>
    private static long Flood(TransportHarness h, byte[] request)
    {
        long deniedBefore = h.Server.Counters.Denied;
        for (int i = 1; i <= 100; i++)
        {
            h.Network.Inject(request, NetAddress.Parse($"198.51.100.{i}:5000"), h.ServerAddress);
            if (i % 10 == 0) h.Step(10);
        }
        long denied = h.Server.Counters.Denied - deniedBefore;
        Assert.True(denied >= 50, $"only {denied} of 100 replays were refused");
        return denied;
    }

    private static List<string> Refusals(TransportHarness h)
    {
        lock (h.ServerLog.Lines)
        {
            return [.. h.ServerLog.Lines.Where(l => l.Level == LogLevel.Information && l.Message.StartsWith("Refused ", StringComparison.Ordinal)).Select(l => l.Message)];
        }
    }
}

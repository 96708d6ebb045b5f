using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A refused connection request is logged at most once a second, the refusals between added up into the next line
/// (attack review 32). Failed before: a player's used connect token, or a request someone saw on the wire, replayed from
/// as many addresses as the sender has, wrote one Information line per refusal (each address has its own handshake budget).
/// </summary>
public sealed class DenialLogTests
{
    [Fact]
    public void A_used_connect_token_replayed_from_many_addresses_is_logged_at_most_once_a_second()
    {
        using var h = new TransportHarness();
        var first = h.AddClient();
        h.ClientWires[^1].Enabled = true;
        first.Connect(h.IssueToken(5));
        Assert.True(h.RunUntil(() => first.State == ClientState.Connected));
        var request = h.ClientWires[^1].Sent.Where(d => d.Data[0] == 0).MaxBy(d => d.Data.Length)!.Data;

        long deniedBefore = h.Server.Counters.Denied;
        for (int i = 1; i <= 100; i++)
        {
            h.Network.Inject(request, NetAddress.Parse($"198.51.100.{i}:5000"), h.ServerAddress);
            if (i % 10 == 0) h.Step(10);
        }
        long denied = h.Server.Counters.Denied - deniedBefore;
        Assert.True(denied >= 50, $"only {denied} of 100 replays were refused");
        Assert.Single(Refusals(h));

        // A second later the next refusal is logged, with the ones not logged since added up.
        h.Step(1000);
        h.Network.Inject(request, NetAddress.Parse("198.51.100.200:5000"), h.ServerAddress);
        h.Step(10);
        var refusals = Refusals(h);
        Assert.Equal(2, refusals.Count);
        Assert.Contains($"TokenUsed ({denied - 1} more refused since the last such line", refusals[1], StringComparison.Ordinal);
    }

    private static List<string> Refusals(TransportHarness h)
    {
        lock (h.ServerLog.Lines)
        {
            return [.. h.ServerLog.Lines.Where(l => l.Level == LogLevel.Information && l.Message.StartsWith("Refused a connection from", StringComparison.Ordinal)).Select(l => l.Message)];
        }
    }
}

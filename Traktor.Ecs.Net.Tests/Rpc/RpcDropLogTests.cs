using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Tests.Diagnostics;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>
/// Dropped RPCs are logged at most once a second per reason for the whole server, every drop counted in the lines.
/// Failed before: the 1st, 2nd, 4th, 8th… drop was logged per reason and per connection, so ten connections flooding
/// malformed RPCs wrote ten times the lines (70 for 1,000 drops), and more connections more.
/// </summary>
public sealed partial class RpcDropLogTests
{
    [Fact]
    public void A_thousand_malformed_rpcs_from_ten_connections_give_a_line_a_second_that_add_up_to_every_drop()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { RatePerSecond = 100_000, Burst = 100_000 });
        var players = Enumerable.Range(1, 10).Select(i => setup.Connect((ulong)i, seed: i + 1)).ToList();
        foreach (var player in players)
        {
            for (int i = 0; i < 100; i++)
            {
                player.Client.Transport.Send(ChannelKind.ReliableUnordered, [RpcFormat.ClientRpcMessage, 0]); // shorter than a header
            }
        }

        Assert.True(setup.TickUntil(() => setup.ServerRpcs.Counters.DroppedFor(RpcDropReason.Malformed) == 1000, 50));
        var (lines, told) = Drops(setup);
        Assert.True(lines <= 2, $"{lines} lines within the first second of the flood");

        setup.Tick(70); // past the second: the tick tells what was held back
        (lines, told) = Drops(setup);
        Assert.Equal(1000, told);
        Assert.True(lines <= 3, $"{lines} lines for 1,000 drops in under two seconds");
        setup.Tick(70);
        Assert.Equal(lines, Drops(setup).Lines); // nothing held back, nothing more said
        Assert.Equal(10, setup.Server.Connections.Count); // dropped, never disconnected
    }

    /// <summary>The lines about dropped malformed RPCs, and the drops they tell of (each first line is one, plus those held back before it).</summary>
    private static (int Lines, long Told) Drops(RpcWorld setup) =>
        RateLimitedLines.Count(setup.ServerLog, LogLevel.Warning, FirstLine(), HeldBackLine());

    [GeneratedRegex(@"^Dropped an RPC from .*: Malformed .* (\d+) more from any client since the last such line")]
    private static partial Regex FirstLine();

    [GeneratedRegex(@"^Dropped (\d+) more RPCs from clients since the last such line: Malformed")]
    private static partial Regex HeldBackLine();
}

using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Tests.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>
/// Messages of a kind no handler is registered for are dropped (counted, never a violation) and logged at most once a
/// second for the whole server, every drop told in the lines. Failed before: each such message wrote its own Debug line,
/// so ten connected clients sending 100 each wrote 1,000 lines, and boxed the line's arguments on the receive path even
/// with Debug off.
/// </summary>
public sealed partial class UnknownKindLogTests
{
    [Fact]
    public void A_thousand_unknown_kind_messages_from_ten_clients_give_a_line_a_second_that_add_up_to_every_drop()
    {
        using var setup = new RpcWorld(new LinkConditions());
        var players = Enumerable.Range(1, 10).Select(i => setup.Connect((ulong)i, seed: i + 1)).ToList();
        foreach (var player in players)
        {
            for (int i = 0; i < 100; i++)
            {
                player.Client.Transport.Send(ChannelKind.ReliableUnordered, [0xEE, 1, 2]);
            }
        }

        Assert.True(setup.TickUntil(() => setup.Server.MessageCounters.UnknownKind == 1000, 50));
        var (lines, told) = Lines(setup);
        Assert.True(lines <= 2, $"{lines} lines within the first second of the flood");

        setup.Tick(70); // past the second: the server's tick tells what was held back
        (lines, told) = Lines(setup);
        Assert.Equal(1000, told);
        Assert.True(lines <= 3, $"{lines} lines for 1,000 drops in under two seconds");
        setup.Tick(70);
        Assert.Equal(lines, Lines(setup).Lines); // nothing held back, nothing more said
        Assert.Equal(10, setup.Server.Connections.Count); // dropped, never disconnected
    }

    [Fact]
    public void Drops_held_back_when_the_server_is_disposed_are_told_then()
    {
        using var setup = new RpcWorld(new LinkConditions());
        var player = setup.Connect(1, seed: 2);
        for (int i = 0; i < 5; i++)
        {
            player.Client.Transport.Send(ChannelKind.ReliableUnordered, [0xEE]);
        }

        Assert.True(setup.TickUntil(() => setup.Server.MessageCounters.UnknownKind == 5, 50));
        Assert.Equal(1, Lines(setup).Told); // the first at once, four held back within the second
        setup.Server.Dispose();
        Assert.Equal(5, Lines(setup).Told);
    }

    /// <summary>The lines about unknown kinds, and the drops they tell of (a first line is one plus those held back before it).</summary>
    private static (int Lines, long Told) Lines(RpcWorld setup) =>
        RateLimitedLines.Count(setup.ServerLog, LogLevel.Debug, FirstLine(), HeldBackLine());

    [GeneratedRegex(@"^Dropped a message of unknown kind 0xEE from .* \((\d+) more from any client since the last such line\)$")]
    private static partial Regex FirstLine();

    [GeneratedRegex(@"^Dropped (\d+) more messages of unknown kind from clients since the last such line$")]
    private static partial Regex HeldBackLine();
}

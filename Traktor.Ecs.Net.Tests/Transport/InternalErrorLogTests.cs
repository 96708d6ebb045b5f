using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// An unexpected error while handling a datagram is a bug, but whoever found an input that causes it can send that input
/// as often as they like: its Error line (with a stack trace) is logged at most once a second, the rest added up into the
/// next line, every one counted in <see cref="NetServerCounters.InternalErrors"/>. Failed before (review 46): each such
/// datagram wrote its own Error line with a stack trace. The failure here is a packet capture whose stream fails after its
/// header, which throws inside the handling of every datagram from an unknown address.
/// </summary>
public sealed class InternalErrorLogTests
{
    [Fact]
    public void A_hundred_datagrams_that_each_hit_an_internal_error_give_a_line_a_second_that_add_up_to_every_one()
    {
        using var h = new TransportHarness();
        h.ServerOptions.Capture = new PcapngWriter(new FailingAfterHeaderStream());
        Flood(h);
        Assert.Equal(100, h.Server.Counters.InternalErrors);
        Assert.Single(Errors(h));

        h.Step(1000); // a second on, the server's update tells what it held back
        var errors = Errors(h);
        Assert.Equal(2, errors.Count);
        Assert.Equal("Unexpected errors handling 99 more datagrams since the last such line (logged at most once a second, NetServer.Counters.InternalErrors counts every one).", errors[1]);
        h.Step(1000);
        Assert.Equal(2, Errors(h).Count); // nothing held back, nothing more said
    }

    [Fact]
    public void The_errors_held_back_are_logged_when_the_server_is_disposed()
    {
        using var h = new TransportHarness();
        h.ServerOptions.Capture = new PcapngWriter(new FailingAfterHeaderStream());
        Flood(h);
        h.Server.Dispose();

        var errors = Errors(h);
        Assert.Equal(2, errors.Count);
        Assert.StartsWith("Unexpected errors handling 99 more datagrams", errors[1], StringComparison.Ordinal);
    }

    /// <summary>100 datagrams from 100 unknown addresses within 100 ms.</summary>
    private static void Flood(TransportHarness h)
    {
        for (int i = 1; i <= 100; i++)
        {
            h.Network.Inject([0x7F, 1, 2, 3], NetAddress.Parse($"198.51.100.{i}:5000"), h.ServerAddress);
            if (i % 10 == 0) h.Step(10);
        }
    }

    private static List<string> Errors(TransportHarness h)
    {
        lock (h.ServerLog.Lines)
        {
            return [.. h.ServerLog.Lines.Where(l => l.Level == LogLevel.Error && l.Message.StartsWith("Unexpected error", StringComparison.Ordinal)).Select(l => l.Message)];
        }
    }

    /// <summary>Takes the capture's header, then fails every write (a full disk, say).</summary>
    private sealed class FailingAfterHeaderStream : MemoryStream
    {
        private bool headerWritten;

        // A derived MemoryStream's span writes come here too (Stream.Write(ReadOnlySpan) copies into an array).
        public override void Write(byte[] buffer, int offset, int count)
        {
            if (headerWritten) throw new IOException("disk full");
            headerWritten = true;
            base.Write(buffer, offset, count);
        }
    }
}

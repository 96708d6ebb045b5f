using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Streams;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// Streams closed for a framing violation (TCP and WebSocket share the table) are logged at most once a second, the rest
/// counted into the next line or the one the transport's next maintenance pass (or its disposal) writes. Anyone who can
/// open a stream can break its framing, from every address it has. Failed before: one Information line per stream closed.
/// </summary>
public sealed class StreamViolationLogTests
{
    private readonly FakeTimeProvider time = new(TransportHarness.Start);
    private readonly CapturingLogger log = new();

    [Fact]
    public void A_thousand_streams_from_a_hundred_addresses_breaking_their_framing_give_a_line_a_second()
    {
        var counters = new StreamTransportCounters();
        var table = new StreamPeerTable<BrokenPeer>(new StreamTransportOptions(), counters, log, "TCP stream", time);
        for (int i = 0; i < 1000; i++)
        {
            var peer = new BrokenPeer(NetAddress.Parse($"198.51.100.{i % 100 + 1}:{5000 + i / 100}"));
            table.Add(peer);
            table.Remove(peer, PeerCloseCause.Broken, 0);
            if (i % 100 == 99)
            {
                time.Advance(TimeSpan.FromMilliseconds(50));
                table.FlushViolationLog(); // each maintenance pass: nothing to say within the second
            }
        }

        Assert.Equal(1000, counters.FramingViolations);
        Assert.Single(Lines());
        Assert.Contains("(0 more closed for framing violations", Lines()[0], StringComparison.Ordinal);

        time.Advance(TimeSpan.FromMilliseconds(500));
        table.FlushViolationLog();
        table.FlushViolationLog(all: true); // nothing left for the disposal
        Assert.Equal(2, Lines().Count);
        Assert.Equal("Closed 999 more TCP stream peers for framing violations since the last such line (logged at most once a second, the transport's counters count every one).", Lines()[1]);
    }

    [Fact]
    public void The_closes_held_back_are_logged_when_the_transport_is_disposed()
    {
        var table = new StreamPeerTable<BrokenPeer>(new StreamTransportOptions(), new StreamTransportCounters(), log, "WebSocket", time);
        for (int i = 0; i < 10; i++)
        {
            var peer = new BrokenPeer(NetAddress.Parse($"203.0.113.{i + 1}:6000"));
            table.Add(peer);
            table.Remove(peer, PeerCloseCause.Broken, 0);
        }

        table.FlushViolationLog(all: true);
        Assert.Equal(2, Lines().Count);
        Assert.StartsWith("Closed 9 more WebSocket peers", Lines()[1], StringComparison.Ordinal);
    }

    private List<string> Lines()
    {
        lock (log.Lines)
        {
            return [.. log.Lines.Where(l => l.Level == LogLevel.Information && l.Message.Contains("framing violation", StringComparison.Ordinal)).Select(l => l.Message)];
        }
    }

    /// <summary>A stream whose peer broke the framing: closed by the transport as a violation.</summary>
    private sealed class BrokenPeer(NetAddress address) : IStreamPeer
    {
        public NetAddress Address => address;
        public double OpenedAt => 0;
        public double LastReceivedAt => 0;
        public bool Accepted => true;
        public bool Established { get; set; }
        public double CloseAt { get; set; } = double.PositiveInfinity;
        public string? Violation => "the frame length announced (70000) is past the largest datagram";
        public long DrainedInPass { get; set; }
        public void DiscardUnsent() { }
        public PeerRead Read(Span<byte> buffer, double now, out int length)
        {
            length = 0;
            return PeerRead.Ended;
        }
    }
}

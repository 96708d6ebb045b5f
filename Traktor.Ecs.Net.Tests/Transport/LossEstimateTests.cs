using CsCheck;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// <see cref="NetStats.PacketLossPercent"/> against the link's own record of which of the client's datagrams it dropped
/// (docs/TRANSPORT.md, "Loss estimate"): the share lost of the last 256 packets whose fate the acks told.
/// </summary>
public class LossEstimateTests
{
    /// <summary>The packets the estimate covers (ConnectionStatistics.LossWindow).</summary>
    private const int Window = 256;

    /// <summary>The client's datagrams in the order sent, each with when it left and whether the link dropped it.</summary>
    private sealed class DropLedger(LinkSimulator link, TimeProvider time) : IDatagramTransport
    {
        public List<(double At, bool Dropped)> Sent { get; } = [];

        public NetAddress LocalAddress => link.LocalAddress;

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
        {
            long before = link.Dropped;
            bool sent = link.TrySend(datagram, destination);
            Sent.Add((time.GetTimestamp() / (double)time.TimestampFrequency, link.Dropped > before));
            return sent;
        }

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source) => link.TryReceive(buffer, out length, out source);

        public void Dispose() => link.Dispose();

        /// <summary>
        /// The share dropped of the last <paramref name="count"/> datagrams sent at least <paramref name="settle"/> seconds
        /// before <paramref name="now"/> (by then every one's fate is told), and how many that was.
        /// </summary>
        public (double Share, int Count) Dropped(double now, double settle, int count)
        {
            int end = Sent.Count;
            while (end > 0 && Sent[end - 1].At > now - settle) end--;
            int start = Math.Max(0, end - count), dropped = 0;
            for (int i = start; i < end; i++) if (Sent[i].Dropped) dropped++;
            return ((double)dropped / Math.Max(1, end - start), end - start);
        }
    }

    /// <summary>
    /// Runs a client that sends <paramref name="messagesPerSecond"/> unreliable messages for 12 s and then only what the
    /// protocol sends by itself (acks, keep-alives) for 2 s, over a link dropping <paramref name="lossPercent"/> of what
    /// it sends (5 % reordered) and <paramref name="ackLossPercent"/> of what the server sends back; returns the loss the
    /// client reports and the link's truth when the data stops and at the end.
    /// </summary>
    internal static (double Busy, double BusyTruth, double Thin, double ThinTruth) Run(int messagesPerSecond, int lossPercent, int ackLossPercent, int seed)
    {
        var back = new LinkConditions { LatencyMs = 40, JitterMs = 10, LossPercent = ackLossPercent };
        using var h = new TransportHarness(back, seed: seed);
        var link = new LinkSimulator(h.Wire.CreateClient(), new LinkConditions { LatencyMs = 40, JitterMs = 10, LossPercent = lossPercent, ReorderPercent = 5 }, h.Time, seed + 1);
        var ledger = new DropLedger(link, h.Time);
        var client = new NetClient(ledger, new NetClientOptions { ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash }, h.Time);
        h.Clients.Add(client);
        client.Connect(h.IssueToken(1));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected, maxSteps: 20_000), "client did not connect");
        byte[] message = [1, 2, 3, 4];
        const int Hz = 60, BusySteps = 12 * Hz, ThinSteps = 2 * Hz;
        double busy = 0, busyTruth = 0;
        for (int step = 0; step < BusySteps + ThinSteps; step++)
        {
            if (step < BusySteps)
            {
                for (int m = step * messagesPerSecond / Hz; m < (step + 1) * messagesPerSecond / Hz; m++) client.Send(ChannelKind.Unreliable, message);
            }
            h.Step(1000.0 / Hz);
            h.DrainServer();
            if (step == BusySteps - 1)
            {
                busy = client.GetStats().PacketLossPercent / 100;
                busyTruth = ledger.Dropped(Now(h), 0.5, Window).Share;
            }
        }
        double thinTruth = ledger.Dropped(Now(h), 0.5, Window).Share;
        return (busy, busyTruth, client.GetStats().PacketLossPercent / 100, thinTruth);
    }

    /// <summary>Messages a second the property draws from: a few (acks and keep-alives are most packets), to one an update.</summary>
    private static readonly int[] Rates = [2, 10, 30, 60];

    private static double Now(TransportHarness h) => h.Time.GetTimestamp() / (double)h.Time.TimestampFrequency;

    /// <summary>
    /// At every send rate, from a few messages a second (the protocol's own acks and keep-alives are most of the traffic)
    /// to one an update, the reported loss is the link's, while the data flows and 2 s after it stopped. Before, a packet
    /// counted as lost only 64 packets after it was sent while an acknowledged one counted at once, in a moving average
    /// of the last ~32 samples: off by up to 13 points (a 45 % link read 32 % two seconds after 2 messages a second
    /// stopped, a 30 % one 21 % while sending 10 a second); now within 3 over the same 64 cases.
    /// </summary>
    [Fact]
    public void Reported_loss_is_the_links_at_every_send_rate_and_after_the_traffic_thins()
    {
        // The estimate and the truth cover nearly the same 256 packets; what differs is the few at the window's edge
        // (fates told out of send order) and packets whose every ack was lost.
        const double Tolerance = 0.05;
        Gen.Select(Gen.Int[0, 3].Select(i => Rates[i]), Gen.Int[0, 45], Gen.Bool.Select(lossy => lossy ? 20 : 0), Gen.Int[1, 1_000_000]).Sample((rate, loss, ackLoss, seed) =>
        {
            var (busy, busyTruth, thin, thinTruth) = Run(rate, loss, ackLoss, seed);
            Assert.True(Math.Abs(busy - busyTruth) <= Tolerance, $"while sending {rate}/s: reported {busy:P1}, the link dropped {busyTruth:P1}");
            Assert.True(Math.Abs(thin - thinTruth) <= Tolerance, $"2 s after the data stopped ({rate}/s before): reported {thin:P1}, the link dropped {thinTruth:P1}");
        }, iter: 24);
    }
}

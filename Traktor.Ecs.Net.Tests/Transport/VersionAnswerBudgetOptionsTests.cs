using System.Security.Cryptography;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The budget of VersionMismatch answers (docs/PROTOCOL.md §3.7) is the server's options, not constants: a per-source
/// rate and burst and a total rate and burst, each validated when the server is made. Before, they were fixed at 1/s burst
/// 3 per source and 1,000/s in all, whatever the options said.
/// </summary>
public sealed class VersionAnswerBudgetOptionsTests
{
    [Fact]
    public void A_source_gets_the_configured_burst_then_the_configured_rate()
    {
        using var h = new TransportHarness(configure: o =>
        {
            o.VersionAnswerBurst = 5;
            o.VersionAnswerRatePerSecond = 2;
        });
        var attacker = Attacker(h);

        Assert.Equal(5, AnswersTo(h, attacker, 40)); // the defaults answered 3

        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(4, AnswersTo(h, attacker, 40)); // 2 a second (the defaults: 1)
    }

    [Fact]
    public void The_total_budget_holds_every_source_together()
    {
        using var h = new TransportHarness(configure: o =>
        {
            o.VersionAnswerTotalBurst = 4;
            o.VersionAnswerTotalRatePerSecond = 1;
        });
        var sources = Enumerable.Range(0, 3).Select(_ => Attacker(h)).ToList();

        // Three sources, each within its own budget of 3: 4 answers in all, then 1 a second in all.
        Assert.Equal(4, sources.Sum(source => AnswersTo(h, source, 3)));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, sources.Sum(source => AnswersTo(h, source, 3)));
    }

    [Fact]
    public void A_burst_below_one_answers_nobody()
    {
        using var h = new TransportHarness(configure: o => o.VersionAnswerBurst = 0);
        var attacker = Attacker(h);

        Assert.Equal(0, AnswersTo(h, attacker, 10));
        h.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, AnswersTo(h, attacker, 10));
        Assert.Equal(20, h.Server.Counters.Malformed); // read and counted, never answered
    }

    [Theory]
    [InlineData(nameof(NetServerOptions.VersionAnswerRatePerSecond), -1.0)]
    [InlineData(nameof(NetServerOptions.VersionAnswerBurst), double.NaN)]
    [InlineData(nameof(NetServerOptions.VersionAnswerTotalRatePerSecond), double.PositiveInfinity)]
    [InlineData(nameof(NetServerOptions.VersionAnswerTotalBurst), -0.5)]
    public void A_budget_that_is_negative_or_not_finite_is_refused_when_the_server_is_made(string option, double value)
    {
        var options = new NetServerOptions { ProtocolId = TransportHarness.ProtocolId, PrivateKey = new byte[32] };
        typeof(NetServerOptions).GetProperty(option)!.SetValue(options, value);
        var network = new InMemoryNetwork();
        using var socket = network.CreateTransport();

        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new NetServer(socket, options));
        Assert.Equal(option, refused.ParamName);
    }

    private static IDatagramTransport Attacker(TransportHarness h)
    {
        var attacker = h.Wire.CreateClient();
        h.Disposables.Add(attacker);
        return attacker;
    }

    /// <summary>Sends <paramref name="count"/> requests of another version from <paramref name="attacker"/> at one instant; returns the answers it got.</summary>
    private static int AnswersTo(TransportHarness h, IDatagramTransport attacker, int count)
    {
        var request = new byte[PacketLayout.RequestSize];
        RandomNumberGenerator.Fill(request);
        request[0] = (byte)PacketType.ConnectionRequest;
        "TRKNET99"u8.CopyTo(request.AsSpan(PacketLayout.RequestVersion));
        long before = h.Server.Counters.Malformed;
        for (int i = 0; i < count; i++)
        {
            Assert.True(attacker.TrySend(request, h.ServerAddress));
        }

        for (int pass = 0; pass < 100 && h.Server.Counters.Malformed - before < count; pass++)
        {
            h.Wire.Settle();
            h.Server.Update();
        }

        Assert.Equal(count, h.Server.Counters.Malformed - before);
        h.Wire.Settle();
        int answers = 0;
        var buffer = new byte[2048];
        while (attacker.TryReceive(buffer, out int length, out _))
        {
            Assert.Equal((byte)PacketType.VersionMismatch, buffer[0]);
            Assert.Equal(PacketLayout.VersionAnswerSize, length);
            answers++;
        }

        return answers;
    }
}

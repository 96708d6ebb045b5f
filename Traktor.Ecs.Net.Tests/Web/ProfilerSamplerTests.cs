using System.Text.Json;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Web.Profiler;

namespace Traktor.Ecs.Net.Tests.Web;

/// <summary>
/// The profiler's connection rows: every watched client's and server's connections, in the order they were watched,
/// with the values their statistics hold at the sample, taken in one walk per sample and none when nothing updated.
/// </summary>
public class ProfilerSamplerTests
{
    private sealed class Source(string role) : INetStatsSource
    {
        public readonly List<(ulong ClientId, NetStats Stats)> Connections = [];
        public int Walks;

        public long StatsVersion { get; set; }

        public void CollectStats(List<(ulong ClientId, string Role, NetStats Stats)> into)
        {
            Walks++;
            foreach (var (id, stats) in Connections) into.Add((id, role, stats));
        }
    }

    private static NetStats Stats(int seed, TransportKind transport = TransportKind.Udp) => new()
    {
        Transport = transport,
        RoundTripTimeMs = 40.123 + seed,
        PacketLossPercent = 1.005 * seed,
        BytesInPerSecond = 1_234.5678 * seed,
        BytesOutPerSecond = 98_765.4321 + seed,
        Resends = 3L * seed,
    };

    /// <summary>The rows the sampler must write: the format of docs/TRANSPORT.md, "Live profiler".</summary>
    private static List<string> Expected(params (string Name, string Role, Source Source)[] watched) =>
        watched.SelectMany(w => w.Source.Connections.Select(c =>
            $"{w.Name} {w.Role} {c.ClientId}|{c.Stats.Transport}|{Math.Round(c.Stats.RoundTripTimeMs, 2)}|{Math.Round(c.Stats.PacketLossPercent, 2)}|"
            + $"{Math.Round(c.Stats.KilobytesInPerSecond, 3)}|{Math.Round(c.Stats.KilobytesOutPerSecond, 3)}|{c.Stats.Resends}")).ToList();

    private static List<string> Rows(byte[] sample)
    {
        using var document = JsonDocument.Parse(sample);
        return document.RootElement.GetProperty("connections").EnumerateArray().Select(c =>
            $"{c.GetProperty("id").GetString()}|{c.GetProperty("transport").GetString()}|{c.GetProperty("rttMs").GetDouble()}|{c.GetProperty("lossPercent").GetDouble()}|"
            + $"{c.GetProperty("kbInPerSecond").GetDouble()}|{c.GetProperty("kbOutPerSecond").GetDouble()}|{c.GetProperty("resends").GetInt64()}").ToList();
    }

    [Fact]
    public void Connection_rows_hold_each_sources_current_values_walked_once_per_sample()
    {
        var server = new Source("server");
        var bots = new Source("client");
        for (int i = 0; i < 5; i++) server.Connections.Add((100UL + (ulong)i, Stats(i, i == 3 ? TransportKind.WebSocket : TransportKind.Udp)));
        for (int i = 0; i < 3; i++) bots.Connections.Add((7UL + (ulong)i, Stats(10 + i, TransportKind.Tcp)));
        var sampler = new ProfilerSampler();
        sampler.Add("server", server);
        sampler.Add("bots", bots);

        Assert.Equal(Expected(("server", "server", server), ("bots", "client", bots)), Rows(sampler.Take(1, 1)));
        Assert.Equal((1, 1), (server.Walks, bots.Walks));

        // An update changes values, a connection leaves and another takes its place: the rows follow, labels included.
        server.Connections[1] = (100, Stats(50));
        server.Connections.RemoveAt(0);
        server.Connections.Add((999, Stats(60, TransportKind.Tcp)));
        bots.Connections[2] = (9, Stats(70, TransportKind.Tcp));
        server.StatsVersion++;
        Assert.Equal(Expected(("server", "server", server), ("bots", "client", bots)), Rows(sampler.Take(2, 2)));
        Assert.Equal((2, 2), (server.Walks, bots.Walks));

        // Nothing updated since: no walk (no lock taken on the server), the same rows.
        var rows = Rows(sampler.Take(3, 3));
        Assert.Equal((2, 2), (server.Walks, bots.Walks));
        Assert.Equal(Expected(("server", "server", server), ("bots", "client", bots)), rows);

        // One source updates: both are walked in the one pass, each once.
        bots.Connections.Clear();
        bots.StatsVersion++;
        Assert.Equal(Expected(("server", "server", server)), Rows(sampler.Take(4, 4)));
        Assert.Equal((3, 3), (server.Walks, bots.Walks));
    }
}

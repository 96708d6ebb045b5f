using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Bench.Diagnostics;

/// <summary>
/// A server's worth of connections without sockets: every walk reports new values (as a busy server's would), so a
/// scrape or a profiler sample cannot reuse the last one's numbers.
/// </summary>
internal sealed class FakeStatsSource(int connections, ulong firstId, string role) : INetStatsSource
{
    private long _walks;

    public long StatsVersion { get; private set; }

    /// <summary>What an update does: the statistics may have changed.</summary>
    public void Update() => StatsVersion++;

    public void CollectStats(List<(ulong ClientId, string Role, NetStats Stats)> into)
    {
        long walk = ++_walks;
        for (int i = 0; i < connections; i++)
        {
            into.Add((firstId + (ulong)i, role, new NetStats
            {
                RoundTripTimeMs = 40 + i % 50 + walk * 0.01,
                JitterMs = 3 + walk % 7,
                PacketLossPercent = (i + walk) % 5,
                BytesInPerSecond = 2_000 + walk,
                BytesOutPerSecond = 30_000 + walk,
                Resends = walk / 3,
                CongestionWindowBytes = 12_000 + walk,
                BytesInFlight = walk % 4_000,
                LossEvents = walk / 100,
                SpuriousLossUndos = walk / 1_000,
            }));
        }
    }
}

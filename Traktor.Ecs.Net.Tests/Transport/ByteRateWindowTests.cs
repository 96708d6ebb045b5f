using Traktor.Ecs.Net.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// Byte rates over a rolling window (issue 15, item 7: KB/s read 0 for the first seconds, from a fixed
/// one-second window reset at its end). <see cref="NetworkId"/> prints short.
/// </summary>
public class ByteRateWindowTests
{
    [Fact]
    public void TheRateIsThereWithinATenthOfASecondFollowsTheTrafficAndFallsToZeroWhenItStops()
    {
        var statistics = new ConnectionStatistics();
        double now = 0;
        void Run(double seconds, int bytesPerTick)
        {
            for (double end = now + seconds; now < end - 1e-9; now += 1.0 / 60)
            {
                if (bytesPerTick > 0)
                {
                    statistics.OnSent(bytesPerTick);
                    statistics.OnReceived(bytesPerTick / 2);
                }

                statistics.Tick(now);
            }
        }

        Run(0.25, 1000); // 60,000 B/s out, 30,000 in
        Assert.InRange(statistics.BytesOutPerSecond, 50_000, 70_000);
        Assert.InRange(statistics.BytesInPerSecond, 25_000, 35_000);

        Run(2, 2000);
        Assert.InRange(statistics.BytesOutPerSecond, 110_000, 130_000);

        Run(1.2, 0);
        Assert.Equal(0, statistics.BytesOutPerSecond);
        Assert.Equal(0, statistics.BytesInPerSecond);
    }

    [Fact]
    public void ANetworkIdPrintsShort()
    {
        Assert.Equal("net:42", new NetworkId(42).ToString());
        Assert.Equal("net:none", NetworkId.None.ToString());
    }
}

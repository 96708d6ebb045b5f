using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport.Packets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>The congestion window's own rules, on its own (the link-level behaviour is in CongestionControlTests).</summary>
public class CongestionWindowTests
{
    private const int Packet = 1200;
    private const double Update = 1.0 / 60;

    /// <summary>Grows a fresh window to <paramref name="packets"/> in slow start (before any RTT sample, pacing is off).</summary>
    private static CongestionWindow Grown(int packets, ConnectionStatistics statistics)
    {
        var window = new CongestionWindow(Packet);
        while (window.Window < (long)packets * Packet)
        {
            window.Refill(0, statistics);
            int sent = 0;
            while (window.CanSend)
            {
                window.OnSent(Packet);
                sent++;
            }
            for (int i = 0; i < sent; i++) window.OnAcknowledged(Packet, sentAt: 0);
        }
        return window;
    }

    /// <summary>
    /// Packets the pacing lets leave now, each acknowledged at once: the window neither limits them nor grows (it grows
    /// only while it is used).
    /// </summary>
    private static int Burst(CongestionWindow window)
    {
        int sent = 0;
        while (window.CanSend && sent < 10_000)
        {
            window.OnSent(Packet);
            window.OnAcknowledged(Packet, sentAt: 0);
            sent++;
        }
        return sent;
    }

    [Fact]
    public void A_long_frame_hitch_earns_about_one_update_of_pacing_credit_not_a_window()
    {
        var statistics = new ConnectionStatistics();
        var window = Grown(40, statistics);
        statistics.AddRttSample(0.1);
        double now = 0;
        int perUpdate = 0;
        for (int i = 0; i < 120; i++)
        {
            now += Update;
            window.Refill(now, statistics);
            perUpdate = Burst(window);
        }
        Assert.InRange(perUpdate, 1, 20);
        now += 0.5; // a 500 ms hitch: before, its whole credit was kept (470 packets left at once here)
        window.Refill(now, statistics);
        int afterHitch = Burst(window);
        Assert.True(afterHitch <= 2 * perUpdate, $"{afterHitch} packets after the hitch, {perUpdate} an update before it");
        Assert.True((long)afterHitch * Packet < window.Window * 3 / 4, $"{afterHitch} packets after the hitch of a {window.Window / Packet}-packet window");
    }

    /// <summary>Packets paced out over 240 updates, each update refilling once or (Update then an explicit Flush) twice.</summary>
    private static int PacedOver240Updates(bool flushTwice)
    {
        var statistics = new ConnectionStatistics();
        var window = Grown(400, statistics);
        statistics.AddRttSample(0.1);
        double now = 0;
        int sent = 0;
        for (int i = 0; i < 240; i++)
        {
            now += Update;
            window.Refill(now, statistics);
            sent += Burst(window);
            if (!flushTwice) continue;
            window.Refill(now + 0.0002, statistics);
            sent += Burst(window);
        }
        return sent;
    }

    [Fact]
    public void A_second_flush_in_each_update_does_not_shrink_the_pacing_rate()
    {
        // Review31: the second refill 0.2 ms after the first was learned as an interval, the nominal interval settled near
        // half an update, and the credit cap (1.5 intervals) took a quarter of a bulk sender's pacing rate away.
        int once = PacedOver240Updates(flushTwice: false);
        int twice = PacedOver240Updates(flushTwice: true);
        Assert.True(twice >= once * 0.95, $"{twice} packets with a second flush each update, {once} with one");
    }
}

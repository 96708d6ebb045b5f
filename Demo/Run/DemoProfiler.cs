using Demo.Bots;
using Demo.Game;
using Traktor.Ecs.Net;

namespace Demo.Run;

/// <summary>The demo's live browser profiler: what it watches on the server and the bots.</summary>
public static class DemoProfiler
{
    /// <summary>Starts the profiler on 127.0.0.1:<paramref name="port"/> (0: any free port) watching <paramref name="server"/> and <paramref name="bots"/>.</summary>
    public static LiveProfiler Start(int port, ArenaServer? server, IReadOnlyList<BotClient> bots)
    {
        var profiler = LiveProfiler.Start(new LiveProfilerOptions { EndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port) });
        if (server is not null)
        {
            profiler.Watch(server.Transport)
                .Watch(server.Network.Replication.Counters, DemoProtocol.Registry)
                .Watch(server.Group, "server")
                .Watch(server.World, "server");
        }

        foreach (var bot in bots)
        {
            profiler.Watch(bot.Transport, bot.Name);
        }

        if (bots.Count > 0)
        {
            profiler.Watch(bots[0].World, $"{bots[0].Name} (client view)")
                .Track("prediction corrections (all bots)", () => bots.Sum(b => b.Smoothing.Corrections))
                .Track("prediction snaps (all bots)", () => bots.Sum(b => b.Smoothing.Snaps));
        }

        return profiler;
    }
}

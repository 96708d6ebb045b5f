using System.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// The ping-pong of <see cref="TransportBenchmarks"/> in a plain loop, for a profiler (perf, dotnet-trace):
/// <c>pingpong [secure|insecure|litenetlib] [unreliable|reliable] [seconds]</c>; prints round trips per second.
/// </summary>
internal static class PingPongLoop
{
    public const string Argument = "pingpong";

    public static int Run(string[] args)
    {
        string who = args.Length > 1 ? args[1] : "secure";
        bool reliable = args.Length > 2 && args[2] == "reliable";
        double seconds = args.Length > 3 ? double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 10;
        var message = new byte[32];
        Action<int> round;
        IDisposable owner;
        if (who == "litenetlib")
        {
            var lite = new LiteNetLibLoopback();
            var method = reliable ? LiteNetLib.DeliveryMethod.ReliableOrdered : LiteNetLib.DeliveryMethod.Unreliable;
            round = n => lite.PingPong(method, message, n);
            owner = lite;
        }
        else
        {
            var loopback = new TraktorLoopback(secure: who == "secure");
            var channel = reliable ? ChannelKind.ReliableOrdered : ChannelKind.Unreliable;
            round = n => loopback.PingPong(channel, message, n);
            owner = loopback;
        }
        using (owner)
        {
            round(20_000); // warm-up: tiered JIT settles
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            long trips = 0;
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                round(1000);
                trips += 1000;
            }
            double elapsed = clock.Elapsed.TotalSeconds;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Console.WriteLine($"{who} {(reliable ? "reliable" : "unreliable")}: {trips / elapsed:F0} round trips/s, {1e6 * elapsed / trips:F2} µs each, {allocated} B allocated");
        }
        return 0;
    }
}

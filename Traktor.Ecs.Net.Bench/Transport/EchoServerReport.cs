using System.Diagnostics;
using System.Globalization;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// <c>echo-cpu</c>: the server's CPU per message of an echo server ticking at 60 Hz, with N real UDP clients on
/// loopback each sending R messages of S bytes per second (issue 16's "50 clients × 60 msg/s × 100 B"). The server
/// runs on a thread of its own and its CPU is that thread's CPU time (user + kernel, so socket syscalls count); the
/// clients run on a second thread. LiteNetLib 2.1.5 runs in its fastest honest configuration (manual mode,
/// unsynced events, one IPv4 socket), Traktor insecure (no encryption, like LiteNetLib) and secure (AEAD on every
/// packet). Contenders alternate within each round, so a busy moment of the shared machine hits all of them.
/// </summary>
internal static class EchoServerReport
{
    /// <summary>The command-line word that selects this report.</summary>
    public const string Argument = "echo-cpu";

    private const int TickHz = 60;

    /// <summary>Runs the rounds and prints the table; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int clients = Option(args, "--clients", 50), rate = Option(args, "--rate", 60), size = Option(args, "--size", 100);
        int seconds = Option(args, "--seconds", 8), warmup = Option(args, "--warmup", 2), rounds = Option(args, "--rounds", 3);
        var contenders = new (string Name, Func<bool, IEchoContender> Create)[]
        {
            ("LiteNetLib 2.1.5 (no encryption)", reliable => new LiteNetLibEcho(clients, reliable)),
            ("Traktor insecure", reliable => new TraktorEcho(clients, secure: false, reliable)),
            ("Traktor secure (AEAD)", reliable => new TraktorEcho(clients, secure: true, reliable)),
        };
        Console.WriteLine($"echo server at {TickHz} Hz: {clients} clients × {rate} msg/s × {size} B, {warmup} s warm-up + {seconds} s measured, {rounds} rounds");
        byte[] message = new byte[size];
        Random.Shared.NextBytes(message);
        foreach (bool reliable in new[] { false, true })
        {
            var perMessage = contenders.ToDictionary(c => c.Name, _ => new List<double>());
            for (int round = 0; round < rounds; round++)
            {
                foreach (var (name, create) in contenders)
                {
                    using var contender = create(reliable);
                    var result = Measure(contender, message, rate, warmup, seconds);
                    perMessage[name].Add(result.CpuNanosecondsPerMessage);
                    Console.WriteLine($"  round {round + 1} {(reliable ? "reliable" : "unreliable"),-10} {name,-34} {result.CpuNanosecondsPerMessage,8:N0} ns CPU/msg  ({result.Echoed:N0} echoed, {result.Returned:N0} returned, server thread {result.ServerCpu.TotalMilliseconds:N0} ms CPU)");
                }
            }

            double baseline = Median(perMessage[contenders[0].Name]);
            Console.WriteLine();
            Console.WriteLine($"| {(reliable ? "reliable ordered" : "unreliable")} | server CPU per message (median) | LiteNetLib ÷ this (> 1: less CPU than LiteNetLib) |");
            Console.WriteLine("|---|---:|---:|");
            foreach (var (name, _) in contenders)
            {
                double median = Median(perMessage[name]);
                string all = string.Join(" / ", perMessage[name].Select(v => v.ToString("N0", CultureInfo.InvariantCulture)));
                Console.WriteLine($"| {name} | {median:N0} ns ({all}) | {baseline / median:0.00}× |");
            }

            Console.WriteLine();
        }

        return 0;
    }

    private static EchoResult Measure(IEchoContender contender, byte[] message, int rate, int warmupSeconds, int seconds)
    {
        contender.Connect(TimeSpan.FromSeconds(30));
        using var stop = new CancellationTokenSource();
        var clients = new Thread(() => RunAt(rate, stop.Token, () => contender.ClientsTick(message))) { IsBackground = true, Name = "echo clients" };
        clients.Start();
        EchoResult result = default;
        var server = new Thread(() =>
        {
            using var serverStop = new CancellationTokenSource(TimeSpan.FromSeconds(warmupSeconds));
            RunAt(TickHz, serverStop.Token, contender.ServerTick);
            double cpu0 = ThreadCpuMilliseconds();
            long echoed0 = contender.Echoed, returned0 = contender.Returned;
            using var measured = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            RunAt(TickHz, measured.Token, contender.ServerTick);
            TimeSpan cpu = TimeSpan.FromMilliseconds(ThreadCpuMilliseconds() - cpu0);
            long echoed = contender.Echoed - echoed0;
            result = new EchoResult(cpu, echoed, contender.Returned - returned0, cpu.TotalNanoseconds / Math.Max(1, echoed));
        }) { Name = "echo server" };
        server.Start();
        server.Join();
        stop.Cancel();
        clients.Join();
        return result;
    }

    /// <summary>Calls <paramref name="tick"/> <paramref name="hz"/> times a second on the calling thread, sleeping between ticks.</summary>
    private static void RunAt(int hz, CancellationToken token, Action tick)
    {
        long period = Stopwatch.Frequency / hz, next = Stopwatch.GetTimestamp();
        while (!token.IsCancellationRequested)
        {
            tick();
            next += period;
            long wait = next - Stopwatch.GetTimestamp();
            if (wait > 0) Thread.Sleep(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
            else next = Stopwatch.GetTimestamp(); // late: no catch-up burst
        }
    }

    private static double ThreadCpuMilliseconds()
    {
        double now = Capacity.ThreadCpuClock.Milliseconds();
        return double.IsNaN(now) ? throw new PlatformNotSupportedException("echo-cpu needs Linux's per-thread CPU clock.") : now;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private readonly record struct EchoResult(TimeSpan ServerCpu, long Echoed, long Returned, double CpuNanosecondsPerMessage);
}

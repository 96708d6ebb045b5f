using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Bench.Capacity;

/// <summary>
/// Server capacity over real sockets: for each client count, starts <see cref="CapacityServer"/> as its own process
/// (pinned to CPU 0 with taskset where available) and drives that many real UDP clients from this process (its
/// polling thread pinned to the last CPU), then prints the server's tick percentiles, allocation per tick and traffic
/// per client, and whether the load generator kept up (snapshots its clients applied against those the server sent).
/// <c>capacity [--clients 250,500,1000] [--seconds 8] [--warmup 3] [--allocations] [--no-batch] [--no-send-batch] [--poll-clients]
/// [--huge-pages] [--ticks PREFIX]</c>: <c>--huge-pages</c> gives the server transparent huge pages (<see cref="HugePages"/>);
/// <c>--ticks PREFIX</c> makes it write every measured tick (wall, CPU, phases) to PREFIX-CLIENTS.txt.
/// </summary>
internal static class CapacityRun
{
    public const string Argument = "capacity";
    public const ulong ProtocolId = 0xCA9AC17;

    public static int Run(string[] args)
    {
        int[] counts = [250, 500, 1000];
        double seconds = 8, warmup = 3;
        string? ticksPrefix = null;
        bool allocations = false, noBatch = false, noSendBatch = false, pollClients = false;
        var serverOptions = new List<string>(); // passed on to the server as they are
        for (int i = 1; i < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--allocations": allocations = true; i--; break;
                case "--no-batch": noBatch = true; i--; break;
                case "--no-send-batch": noSendBatch = true; i--; break;
                case "--poll-clients": pollClients = true; i--; break; // the old generator: every client polled every 5 ms
                case "--huge-pages": serverOptions.Add("--huge-pages"); i--; break;
                case "--ticks": ticksPrefix = args[i + 1]; break;
                case "--clients": counts = args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--seconds": seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        bool pinned = PinThisThreadToLastCpu();
        if (File.Exists("/proc/loadavg")) Console.WriteLine($"# load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"# {Environment.ProcessorCount} CPUs; server pinned to CPU 0 and load generator to CPU {Environment.ProcessorCount - 1}: {(pinned ? "yes" : "no")}");
        Console.WriteLine("| clients | tick p50 ms | tick p99 ms | max ms | late ticks | B alloc/tick (mean, max) | s→c pkt/s | s→c B/s | c→s pkt/s | c→s B/s | generator CPU | snapshots applied / sent | disconnects |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        int failures = 0;
        foreach (int count in counts)
        {
            var options = new List<string>(serverOptions);
            if (ticksPrefix is not null) options.AddRange(["--ticks", $"{ticksPrefix}-{count}.txt"]);
            if (!Measure(count, (int)(warmup * CapacityServer.TickRate), (int)(seconds * CapacityServer.TickRate), pinned, allocations, noBatch, noSendBatch, pollClients, options)) failures++;
        }

        return failures == 0 ? 0 : 1;
    }

    private static bool Measure(int clients, int warmupTicks, int measuredTicks, bool pin, bool allocations, bool noBatch, bool noSendBatch, bool pollClients, List<string> serverOptions)
    {
        byte[] key = ConnectTokenIssuer.GenerateServerKey();
        using var server = StartServer(clients, warmupTicks, measuredTicks, key, pin, allocations, noBatch, noSendBatch, serverOptions);
        var lines = new BlockingCollection<string>();
        server.OutputDataReceived += (_, e) => { if (e.Data is { } line) lines.Add(line); else lines.CompleteAdding(); };
        server.BeginOutputReadLine();
        if (!lines.TryTake(out var portLine, TimeSpan.FromSeconds(60)) || !portLine.StartsWith("port ", StringComparison.Ordinal))
        {
            Console.WriteLine($"| {clients} | server did not start: {portLine} |");
            return false;
        }

        var address = NetAddress.FromEndPoint(new IPEndPoint(IPAddress.Loopback, int.Parse(portLine[5..], CultureInfo.InvariantCulture)));
        using var generator = new LoadGenerator(key, address, clients, useEpoll: !pollClients);
        string? result = null;
        TimeSpan cpuAtStart = default;
        long wallAtStart = 0;
        double generatorCpu = double.NaN;
        long applied0 = 0, applied = -1, corrections0 = 0, corrections = 0;
        generator.RunUntil(() =>
        {
            while (lines.TryTake(out var line))
            {
                if (line == "measuring")
                {
                    cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                    wallAtStart = Stopwatch.GetTimestamp();
                    applied0 = generator.SnapshotsApplied;
                    corrections0 = generator.Corrections;
                }
                else if (line.StartsWith("allocations ", StringComparison.Ordinal))
                {
                    Console.WriteLine($"# {line}");
                }
                else
                {
                    result ??= line;
                    if (wallAtStart != 0 && applied < 0)
                    {
                        applied = generator.SnapshotsApplied - applied0;
                        corrections = generator.Corrections - corrections0;
                        generatorCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds / Stopwatch.GetElapsedTime(wallAtStart).TotalSeconds;
                    }
                }
            }

            return lines.IsCompleted;
        }, TimeSpan.FromMilliseconds(5));
        if (!server.WaitForExit(30_000)) server.Kill();
        if (result is null || !result.StartsWith("result ", StringComparison.Ordinal))
        {
            Console.WriteLine($"| {clients} | failed: {result ?? "server exited"} (generator connected {generator.Connected}) |");
            return false;
        }

        var r = result[7..].Split(' ').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]);
        // The server's sent traffic is what clients receive and vice versa; both are per client per second.
        Console.WriteLine($"# {clients} clients, generator {(generator.UsesEpoll ? "on epoll" : "polling every client")}: applied {applied:N0} of {r["snapshots"]} snapshots sent while measuring, {corrections} corrections");
        Console.WriteLine($"# {clients} clients, server thread CPU per tick p50 {r["cpuP50"]} ms, p99 {r["cpuP99"]} ms; mean ms per tick: receive {r["receiveMs"]}, move {r["moveMs"]}, replicate {r["replicateMs"]}, seal and send {r["flushMs"]}; p99 ms: receive {r["receiveP99"]}, replicate {r["replicateP99"]}, seal and send {r["flushP99"]}");
        Console.WriteLine($"| {clients} | {r["p50"]} | {r["p99"]} | {r["max"]} | {r["late"]} of {r["ticks"]} | {r["allocMean"]}, {r["allocMax"]} ({r["allocTicks"]} ticks, {r["allocReceive"]} in receive, {r["allocReplicate"]} in replication, gen0 {r["gen0"]}) " +
            $"| {r["sentPps"]} | {r["sentBps"]} | {r["recvPps"]} | {r["recvBps"]} | {generatorCpu.ToString("P0", CultureInfo.InvariantCulture)} | {applied / double.Parse(r["snapshots"], CultureInfo.InvariantCulture):P1} | {r["disconnects"]} |");
        return true;
    }

    private static Process StartServer(int clients, int warmupTicks, int measuredTicks, byte[] key, bool pin, bool allocations, bool noBatch, bool noSendBatch, List<string> serverOptions)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var arguments = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") arguments.Add(typeof(CapacityRun).Assembly.Location);
        arguments.AddRange([CapacityServer.Argument, clients.ToString(CultureInfo.InvariantCulture),
            warmupTicks.ToString(CultureInfo.InvariantCulture), measuredTicks.ToString(CultureInfo.InvariantCulture)]);
        if (allocations) arguments.Add("--allocations");
        if (noBatch) arguments.Add("--no-batch"); // the server reads one datagram per call (UdpTransport's switch)
        if (noSendBatch) arguments.Add("--no-send-batch"); // the server sends one datagram per call
        arguments.AddRange(serverOptions);
        var start = new ProcessStartInfo(pin ? "taskset" : self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (pin)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("0");
            start.ArgumentList.Add(self);
        }

        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment[CapacityServer.KeyVariable] = Convert.ToHexString(key);
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start the server process.");
    }

    // Linux applies sched_setaffinity of the process id to the main thread only, which is the thread that polls.
    private static bool PinThisThreadToLastCpu()
    {
        if (!OperatingSystem.IsLinux() || Environment.ProcessorCount < 2 || !File.Exists("/usr/bin/taskset")) return false;
        Process.GetCurrentProcess().ProcessorAffinity = (nint)(1L << (Environment.ProcessorCount - 1));
        return true;
    }
}

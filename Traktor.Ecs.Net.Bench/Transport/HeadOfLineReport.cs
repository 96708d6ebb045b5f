using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// Head-of-line blocking, measured: a server sends one 600-byte snapshot per tick (30 Hz, Unreliable channel, as
/// replication does) to a client over real sockets on loopback, and the client samples the age of the newest snapshot
/// it holds (now minus the time the server sent it) at every pass of its loop, about every millisecond, so a
/// percentile is a share of time. Over UDP a lost snapshot is simply replaced by the next
/// one; over TCP and WebSocket the kernel retransmits it and holds every later byte until it arrives. Loss comes from
/// the kernel, not from this program: run it in a network namespace whose loopback drops a share of packets
/// (tools/measure-head-of-line.sh does that with iptables' statistic match), so TCP's own recovery is what is measured.
/// Run: dotnet Traktor.Ecs.Net.Bench.dll head-of-line [seconds per transport]
/// </summary>
internal static class HeadOfLineReport
{
    public const string Argument = "head-of-line";
    private const int TickHz = 30;
    private const int SnapshotBytes = 600;

    public static void Print(double seconds)
    {
        Console.WriteLine($"snapshot age at the client: {SnapshotBytes}-byte snapshots at {TickHz} Hz, sampled every loop pass (~1 ms), {seconds:0} s per transport");
        Console.WriteLine("| Transport | samples | snapshots lost | age p50 | p90 | p99 | p99.9 | max | samples > 100 ms | longest stall |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var kind in new[] { TransportKind.Udp, TransportKind.Tcp, TransportKind.WebSocket })
        {
            var result = Measure(kind, seconds);
            var ages = result.Ages;
            ages.Sort();
            double P(double q) => ages[Math.Min(ages.Count - 1, (int)(q * ages.Count))];
            double over = ages.Count(a => a > 100) / (double)ages.Count;
            Console.WriteLine($"| {kind} | {ages.Count} | {result.Lost:P1} | {P(0.5):0.0} ms | {P(0.9):0.0} ms | {P(0.99):0.0} ms | {P(0.999):0.0} ms | {ages[^1]:0.0} ms | {over:P2} | {result.LongestGap:0} ms |");
        }
    }

    private sealed record Result(List<double> Ages, double Lost, double LongestGap);

    private static (IDatagramTransport Server, IDatagramTransport Client, NetAddress Address) Open(TransportKind kind)
    {
        var loopback = new IPEndPoint(IPAddress.Loopback, 0);
        switch (kind)
        {
            case TransportKind.Udp:
                var udp = new UdpTransport(loopback);
                return (udp, new UdpTransport(loopback), udp.LocalAddress);
            case TransportKind.Tcp:
                var tcp = TcpTransport.Listen(loopback);
                return (tcp, TcpTransport.CreateClient(), tcp.LocalAddress);
            default:
                var ws = WebSocketServerTransport.Listen(loopback);
                return (ws, WebSocketClientTransport.CreateClient(), ws.LocalAddress);
        }
    }

    private static Result Measure(TransportKind kind, double seconds)
    {
        var (serverSocket, clientSocket, address) = Open(kind);
        const ulong protocol = 0x401;
        using var server = new NetServer(serverSocket, new NetServerOptions { ProtocolId = protocol, Insecure = true });
        using var client = new NetClient(clientSocket, new NetClientOptions { ProtocolId = protocol, Insecure = true });
        client.ConnectInsecure(address, 1);
        ConnectionId connection = default;
        var connectBy = Stopwatch.StartNew();
        while (client.State != ClientState.Connected || connection == default)
        {
            if (connectBy.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{kind}: no connection");
            server.Update();
            client.Update();
            while (server.TryPollEvent(out var e)) if (e.Type == NetEventType.Connected) connection = e.Connection;
            while (client.TryPollEvent(out _)) { }
            Thread.Sleep(1);
        }

        var snapshot = new byte[SnapshotBytes];
        var ages = new List<double>((int)(seconds * 1000) + 16);
        long sent = 0, received = 0, newestSentAt = 0;
        double longestGap = 0;
        long lastArrival = 0;
        long start = Stopwatch.GetTimestamp();
        double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
        double nextTick = 0; // the first second settles; sampling starts after it
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            double elapsed = Ms(start, now) / 1000;
            if (elapsed >= seconds + 1) break;
            if (elapsed >= nextTick)
            {
                nextTick += 1.0 / TickHz;
                BinaryPrimitives.WriteInt64LittleEndian(snapshot, now);
                server.Send(connection, ChannelKind.Unreliable, snapshot);
                if (elapsed >= 1.0) sent++;
            }
            server.Update();
            client.Update();
            while (server.TryPollEvent(out _)) { }
            while (client.TryPollEvent(out var e))
            {
                if (e.Type != NetEventType.Message) continue;
                long sentAt = BinaryPrimitives.ReadInt64LittleEndian(e.Data.Span);
                if (sentAt < start + Stopwatch.Frequency) continue; // sent while settling
                received++;
                long arrival = Stopwatch.GetTimestamp();
                if (lastArrival != 0) longestGap = Math.Max(longestGap, Ms(lastArrival, arrival));
                lastArrival = arrival;
                newestSentAt = Math.Max(newestSentAt, sentAt);
            }
            if (elapsed >= 1.0 && newestSentAt != 0) ages.Add(Ms(newestSentAt, Stopwatch.GetTimestamp()));
            Thread.Sleep(1);
        }
        if (client.State != ClientState.Connected) throw new InvalidOperationException($"{kind}: the connection dropped during the measurement");
        serverSocket.Dispose();
        clientSocket.Dispose();
        return new Result(ages, sent == 0 ? 0 : Math.Max(0, sent - received) / (double)sent, longestGap);
    }
}

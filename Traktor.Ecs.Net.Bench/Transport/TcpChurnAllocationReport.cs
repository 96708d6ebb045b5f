using System.Net;
using System.Net.Sockets;
using Traktor.Ecs.Net.Bench.Capacity;

namespace Traktor.Ecs.Net.Bench.Transport;

/// <summary>
/// Where a TCP connection's churn allocates: the loop of <see cref="TcpChurnBenchmarks"/>, accepted and refused, with
/// the bytes the client's own connect and close allocate counted apart from the server's polls, and the runtime's
/// allocation samples of the accepted run (one per ~100 KB) named by type. <c>tcp-churn-allocations [connections]</c>.
/// </summary>
internal static class TcpChurnAllocationReport
{
    public const string Argument = "tcp-churn-allocations";

    public static int Run(string[] args)
    {
        int connections = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
        var buffer = new byte[2048];
        using var sampler = new AllocationSampler();
        foreach (bool refused in new[] { false, true })
        {
            using var server = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), new StreamTransportOptions
            {
                MaxConnectionsPerAddress = refused ? 1 : 8,
                ConnectionRatePerSecond = 1e9,
                ConnectionBurst = 1e9,
            });
            using var held = refused ? Connect(server) : null;
            while (refused && server.Counters.Accepted == 0) server.TryReceive(buffer, out _, out _);
            Churn(server, buffer, 2_000, refused, out _, out _); // warm: the JIT, the pools and the tables
            if (!refused) sampler.Start();
            Churn(server, buffer, connections, refused, out long client, out long serverBytes);
            if (!refused) sampler.Stop();
            Console.WriteLine($"{(refused ? "refused" : "accepted")} x {connections}: client {client / (double)connections:F0} B, server {serverBytes / (double)connections:F0} B per connection");
        }
        foreach (var (type, count) in sampler.Top(20)) Console.WriteLine($"  accepted, samples {count,5} {type}");
        return 0;
    }

    private static Socket Connect(TcpTransport server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { LingerState = new LingerOption(true, 0) };
        socket.Connect(server.LocalEndPoint!);
        return socket;
    }

    private static void Churn(TcpTransport server, byte[] buffer, int connections, bool refused, out long client, out long serverBytes)
    {
        client = serverBytes = 0;
        var counters = server.Counters;
        for (int i = 0; i < connections; i++)
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            var socket = Connect(server);
            long connected = GC.GetAllocatedBytesForCurrentThread();
            long handled = counters.Accepted + counters.Refused + 1;
            while (counters.Accepted + counters.Refused < handled) server.TryReceive(buffer, out _, out _);
            long accepted = GC.GetAllocatedBytesForCurrentThread();
            socket.Dispose();
            long closed = GC.GetAllocatedBytesForCurrentThread();
            while (!refused && server.StreamCount > 0) server.TryReceive(buffer, out _, out _);
            long gone = GC.GetAllocatedBytesForCurrentThread();
            client += (connected - start) + (closed - accepted);
            serverBytes += (accepted - connected) + (gone - closed);
        }
    }
}

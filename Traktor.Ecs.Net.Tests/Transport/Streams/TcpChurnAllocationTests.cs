using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// What a connection's churn (accept, a datagram, the peer's reset, the close) allocates on a listening TCP transport,
/// against what .NET's own accept of the same connection allocates (the socket, its handle and async context, the peer's
/// endpoint): measured side by side in this process, so the bound holds whatever the runtime's own share is. Counted on
/// this thread only (every call here is synchronous), so other tests' work does not blur it.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class TcpChurnAllocationTests
{
    private const int Connections = 300;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30); // guards a hang only; nothing is timed

    private static Socket Connect(EndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { LingerState = new LingerOption(true, 0) };
        socket.Connect(server);
        return socket;
    }

    private static void Wait(Func<bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (!done()) Assert.True(clock.Elapsed < Patience, "the loopback connection did not arrive");
    }

    /// <summary>Bytes this thread allocated per connection in the server's own calls (the client's connect and close left out).</summary>
    private static double ServerBytesPerConnection(EndPoint server, Action<Socket> serve)
    {
        long total = 0;
        for (int i = 0; i < Connections; i++)
        {
            var client = Connect(server);
            long before = GC.GetAllocatedBytesForCurrentThread();
            serve(client);
            total += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return total / (double)Connections;
    }

    [Fact]
    public void An_accepted_connection_allocates_no_more_than_the_runtime_accept_itself()
    {
        var buffer = new byte[2048];
        byte[] frame = [0, 3, 1, 2, 3];

        // The runtime's share: a plain non-blocking listener accepting, reading the peer's address, setting the options the
        // transport sets, reading the frame and closing.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        void ServeRaw(Socket client)
        {
            Wait(() => listener.Poll(0, SelectMode.SelectRead));
            var accepted = listener.Accept();
            _ = accepted.RemoteEndPoint;
            accepted.Blocking = false;
            accepted.NoDelay = true;
            client.Send(frame);
            int read = 0;
            Wait(() =>
            {
                read += Math.Max(0, accepted.Receive(buffer.AsSpan(read), SocketFlags.None, out _));
                return read >= frame.Length;
            });
            client.Dispose();
            Wait(() => accepted.Receive(buffer, SocketFlags.None, out var error) <= 0 && error != SocketError.WouldBlock);
            accepted.Dispose();
        }

        using var transport = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), new StreamTransportOptions
        {
            ConnectionRatePerSecond = 1e9,
            ConnectionBurst = 1e9,
        });
        int datagrams = 0;
        void ServeTransport(Socket client)
        {
            long accepted = transport.Counters.Accepted + 1;
            Wait(() =>
            {
                while (transport.TryReceive(buffer, out _, out _)) datagrams++;
                return transport.Counters.Accepted >= accepted;
            });
            client.Send(frame);
            long delivered = datagrams + 1;
            Wait(() =>
            {
                while (transport.TryReceive(buffer, out _, out _)) datagrams++;
                return datagrams >= delivered;
            });
            client.Dispose();
            Wait(() =>
            {
                while (transport.TryReceive(buffer, out _, out _)) datagrams++;
                return transport.StreamCount == 0;
            });
        }

        // Warm both (the JIT, the tables, the buffer pool), then measure them alternately.
        ServerBytesPerConnection(listener.LocalEndPoint!, ServeRaw);
        ServerBytesPerConnection(transport.LocalEndPoint!, ServeTransport);
        double runtime = ServerBytesPerConnection(listener.LocalEndPoint!, ServeRaw);
        double ours = ServerBytesPerConnection(transport.LocalEndPoint!, ServeTransport);

        Assert.Equal(2 * Connections, datagrams); // every frame was delivered: the churn did what it names
        // Before, each connection also allocated its stream (~150 B) and a mapped IPAddress for its address (~80 B).
        Assert.True(ours <= runtime + 32, $"the transport allocated {ours:F0} B per connection, .NET's accept alone {runtime:F0} B");
    }
}

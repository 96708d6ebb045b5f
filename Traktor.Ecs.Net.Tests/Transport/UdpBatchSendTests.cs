using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// Sending in batches (datagrams held between <see cref="UdpTransport.BeginSendBatch"/> and
/// <see cref="UdpTransport.FlushSends"/>, sent with sendmmsg on 64-bit Linux, one sendto each elsewhere or with the batch
/// turned off) delivers every datagram whole and in order to its own destination, skips only those the kernel refuses,
/// holds nothing back outside a batch, and allocates nothing.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class UdpBatchSendTests
{
    private static readonly bool BatchesHere = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Hundreds_of_batched_datagrams_to_several_destinations_arrive_whole_and_in_order(bool batched, bool dualMode)
    {
        using var transport = new UdpTransport(new IPEndPoint(dualMode ? IPAddress.IPv6Any : IPAddress.Loopback, 0)) { SendsInBatches = batched };
        var receivers = Enumerable.Range(0, 3).Select(_ => Receiver()).ToArray();
        try
        {
            var random = new Random(7);
            var sent = new List<byte[]>[receivers.Length];
            for (int r = 0; r < receivers.Length; r++) sent[r] = new List<byte[]>();
            transport.BeginSendBatch();
            // 300 datagrams: more than one batch of 64, and a few large ones that fill the queue's bytes before its slots.
            for (int i = 0; i < 300; i++)
            {
                int to = random.Next(receivers.Length);
                int size = random.Next(20) == 0 ? 2000 + random.Next(8000) : random.Next(2, 1200);
                var data = new byte[size];
                random.NextBytes(data);
                BinaryPrimitives.WriteUInt16LittleEndian(data, (ushort)i);
                Assert.True(transport.TrySend(data, NetAddress.FromEndPoint((IPEndPoint)receivers[to].LocalEndPoint!)));
                sent[to].Add(data);
            }

            transport.FlushSends();
            var buffer = new byte[65536];
            for (int r = 0; r < receivers.Length; r++)
            {
                foreach (var expected in sent[r])
                {
                    int length = receivers[r].Receive(buffer);
                    Assert.Equal(expected, buffer.AsSpan(0, length).ToArray());
                }

                Assert.Equal(0, receivers[r].Available);
            }

            Assert.Equal(0, transport.SocketErrors);
            Assert.Equal(batched && BatchesHere ? 300 : 0, transport.DatagramsSentInBatches);
        }
        finally
        {
            foreach (var receiver in receivers) receiver.Dispose();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_datagram_the_kernel_refuses_is_counted_and_the_rest_of_the_batch_still_leaves(bool batched)
    {
        using var transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)) { SendsInBatches = batched };
        using var receiver = Receiver();
        var destination = NetAddress.FromEndPoint((IPEndPoint)receiver.LocalEndPoint!);
        var refused = NetAddress.Parse("127.0.0.1:0"); // Linux refuses UDP to port 0 (EINVAL); other systems may too
        transport.BeginSendBatch();
        Assert.True(transport.TrySend([1], destination));
        transport.TrySend([2], refused);
        Assert.True(transport.TrySend([3], destination));
        transport.FlushSends();

        var buffer = new byte[16];
        Assert.Equal(1, receiver.Receive(buffer));
        Assert.Equal(1, buffer[0]);
        Assert.Equal(1, receiver.Receive(buffer));
        Assert.Equal(3, buffer[0]);
        if (OperatingSystem.IsLinux()) Assert.Equal(1, transport.SocketErrors);
    }

    [Fact]
    public void Nothing_is_held_outside_a_batch_and_a_batch_leaves_only_at_its_flush()
    {
        using var transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var receiver = Receiver();
        var destination = NetAddress.FromEndPoint((IPEndPoint)receiver.LocalEndPoint!);
        var buffer = new byte[16];

        Assert.True(transport.TrySend([1], destination));
        Assert.True(receiver.Poll(TimeSpan.FromSeconds(30), SelectMode.SelectRead)); // no flush needed
        Assert.Equal(1, receiver.Receive(buffer));

        transport.BeginSendBatch();
        for (byte i = 0; i < 10; i++) Assert.True(transport.TrySend([i], destination));
        if (BatchesHere)
        {
            // Held until the flush: nothing can arrive, however long we wait (so a slow machine cannot fail this).
            Assert.False(receiver.Poll(TimeSpan.FromMilliseconds(50), SelectMode.SelectRead));
        }

        transport.FlushSends();
        for (byte i = 0; i < 10; i++)
        {
            Assert.Equal(1, receiver.Receive(buffer));
            Assert.Equal(i, buffer[0]);
        }

        // After the flush sends go at once again.
        Assert.True(transport.TrySend([42], destination));
        Assert.True(receiver.Poll(TimeSpan.FromSeconds(30), SelectMode.SelectRead));
        Assert.Equal(1, receiver.Receive(buffer));
        Assert.Equal(42, buffer[0]);
    }

    [Fact]
    public void Steady_state_batched_sends_allocate_nothing()
    {
        using var transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var receiver = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        var payload = new byte[100];
        var buffer = new byte[1200];
        void Batches(int count)
        {
            for (int b = 0; b < count; b++)
            {
                transport.BeginSendBatch();
                for (int i = 0; i < 100; i++) transport.TrySend(payload, receiver.LocalAddress);
                transport.FlushSends();
                while (receiver.TryReceive(buffer, out _, out _)) { }
            }
        }

        Batches(10);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Batches(100);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(BatchesHere ? 11_000 : 0, transport.DatagramsSentInBatches);
    }

    [Fact]
    public void A_server_sends_its_tick_in_batches_and_answers_handshakes_without_a_flush()
    {
        var key = ConnectTokenIssuer.GenerateServerKey();
        using var socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var server = new NetServer(socket, new NetServerOptions { ProtocolId = 5, PrivateKey = key, PublicAddresses = [socket.LocalAddress] });
        var issuer = new ConnectTokenIssuer(key, 5);
        var clientSockets = Enumerable.Range(0, 3).Select(_ => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0))).ToArray();
        var clients = clientSockets.Select((s, i) => new NetClient(s, new NetClientOptions { ProtocolId = 5 })).ToArray();
        try
        {
            for (int i = 0; i < clients.Length; i++) clients[i].Connect(issuer.Issue((ulong)i + 1, [], TimeSpan.FromMinutes(1), [socket.LocalEndPoint]));
            // The server only receives: the handshake's replies (and a new connection's first packet) leave at once.
            Assert.True(Loop(() => clients.All(c => c.State == ClientState.Connected), server.Receive));
            Assert.Equal(0, socket.DatagramsSentInBatches);

            // A tick's messages leave at the flush, batched.
            Span<byte> message = stackalloc byte[4];
            for (int i = 0; i < 20; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(message, i);
                server.Broadcast(ChannelKind.ReliableOrdered, message);
            }

            server.Flush();
            var received = new int[clients.Length];
            Assert.True(Loop(() =>
            {
                for (int c = 0; c < clients.Length; c++)
                {
                    while (clients[c].TryPollEvent(out var e))
                    {
                        if (e.Type == NetEventType.Message) Assert.Equal(received[c]++, BinaryPrimitives.ReadInt32LittleEndian(e.Data.Span));
                    }
                }

                return received.All(r => r == 20);
            }, server.Update));
            if (BatchesHere) Assert.True(socket.DatagramsSentInBatches >= clients.Length);
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
            foreach (var clientSocket in clientSockets) clientSocket.Dispose();
        }

        bool Loop(Func<bool> done, Action serverPass)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                foreach (var client in clients) client.Update();
                serverPass();
                if (done()) return true;
                Thread.Sleep(1);
            }

            return false;
        }
    }

    private static Socket Receiver()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 * 1024 * 1024 };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveTimeout = 30_000;
        return socket;
    }
}

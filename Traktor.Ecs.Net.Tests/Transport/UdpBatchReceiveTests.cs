using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// Receiving many datagrams at once (recvmmsg batches on 64-bit Linux, one read per datagram elsewhere) hands out each
/// one whole, in order, with its own source, and drops only those too large for the caller's buffer.
/// </summary>
public class UdpBatchReceiveTests
{
    [Fact]
    public void Hundreds_of_queued_datagrams_from_several_senders_arrive_whole_in_order_with_their_sources()
    {
        using var transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        var senders = Enumerable.Range(0, 3).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)).ToArray();
        try
        {
            foreach (var sender in senders) sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var random = new Random(5);
            var sent = new List<(int Sender, byte[] Data)>();
            int oversized = 0;
            for (int i = 0; i < 300; i++)
            {
                int from = random.Next(senders.Length);
                // Sizes around the buffer's edge: 1,200 fits exactly, 1,201 and more do not.
                int size = random.Next(10) switch { 0 => 1200, 1 => 1201 + random.Next(3000), _ => random.Next(2, 200) };
                var data = new byte[size];
                random.NextBytes(data);
                BinaryPrimitives.WriteUInt16LittleEndian(data, (ushort)i);
                senders[from].SendTo(data, transport.LocalEndPoint);
                if (size > 1200) oversized++;
                else sent.Add((from, data));
            }

            var buffer = new byte[1200];
            var received = new List<(int Sender, byte[] Data)>();
            var deadline = Stopwatch.StartNew();
            while (received.Count < sent.Count && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (!transport.TryReceive(buffer, out int length, out var source))
                {
                    Thread.Sleep(1);
                    continue;
                }

                int from = Array.FindIndex(senders, s => ((IPEndPoint)s.LocalEndPoint!).Port == source.Port);
                Assert.True(from >= 0 && source.IsIPv4, $"unknown source {source}");
                received.Add((from, buffer.AsSpan(0, length).ToArray()));
            }

            Assert.Equal(sent.Count, received.Count);
            for (int i = 0; i < sent.Count; i++)
            {
                Assert.Equal(sent[i].Sender, received[i].Sender);
                Assert.Equal(sent[i].Data, received[i].Data);
            }

            Assert.False(transport.TryReceive(buffer, out _, out _));
            Assert.Equal(oversized, transport.OversizedDatagrams);
            Assert.Equal(OperatingSystem.IsLinux() && Environment.Is64BitProcess, transport.ReadsInBatches);
        }
        finally
        {
            foreach (var sender in senders) sender.Dispose();
        }
    }

    [Fact]
    public void A_larger_buffer_after_a_smaller_one_receives_what_the_smaller_could_not_hold()
    {
        using var transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var small = new byte[100];
        var large = new byte[4000];
        sender.SendTo(new byte[50], transport.LocalEndPoint);
        Assert.True(Receive(small, out int length));
        Assert.Equal(50, length);

        sender.SendTo(new byte[3000], transport.LocalEndPoint);
        Assert.True(Receive(large, out length));
        Assert.Equal(3000, length);
        Assert.Equal(0, transport.OversizedDatagrams);

        bool Receive(byte[] buffer, out int received)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                if (transport.TryReceive(buffer, out received, out _)) return true;
                Thread.Sleep(1);
            }

            received = 0;
            return false;
        }
    }
}

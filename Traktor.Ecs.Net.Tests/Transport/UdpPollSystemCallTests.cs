using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A poll (receives until one returns false) costs one <c>recvmmsg</c> when the batch it reads comes back short: the
/// socket was empty then, so asking again could only return EAGAIN. What arrives afterwards goes to the next poll.
/// </summary>
public class UdpPollSystemCallTests
{
    private static bool Batched => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    [Fact]
    public void A_poll_that_reads_a_short_batch_makes_one_receive_call()
    {
        using var transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = NewSender();
        for (int i = 0; i < 3; i++) sender.SendTo(new[] { (byte)i }, transport.LocalEndPoint);

        var buffer = new byte[1200];
        var received = new List<byte>();
        int polls = 0;
        var deadline = Stopwatch.StartNew();
        while (received.Count < 3 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            polls++;
            while (transport.TryReceive(buffer, out int length, out _))
            {
                Assert.Equal(1, length);
                received.Add(buffer[0]);
            }
            if (received.Count < 3) Thread.Sleep(1);
        }

        Assert.Equal(new byte[] { 0, 1, 2 }, received);
        Assert.Equal(Batched, transport.ReadsInBatches);
        // Before: every poll that found datagrams read again only to find the socket empty (two calls).
        Assert.Equal(Batched ? polls : 0, transport.BatchReceiveCalls);
    }

    [Fact]
    public void Datagrams_that_arrive_after_a_short_batch_are_read_by_the_next_poll()
    {
        using var transport = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var sender = NewSender();
        var buffer = new byte[1200];
        var received = new List<byte>();

        sender.SendTo(new byte[] { 0 }, transport.LocalEndPoint);
        PollUntil(1);
        // The short batch above is handed out; these arrive before its poll ends and are still delivered.
        sender.SendTo(new byte[] { 1 }, transport.LocalEndPoint);
        sender.SendTo(new byte[] { 2 }, transport.LocalEndPoint);
        PollUntil(3);
        sender.SendTo(new byte[] { 3 }, transport.LocalEndPoint);
        PollUntil(4);

        Assert.Equal(new byte[] { 0, 1, 2, 3 }, received);
        Assert.False(transport.TryReceive(buffer, out _, out _));

        void PollUntil(int count)
        {
            var deadline = Stopwatch.StartNew();
            while (received.Count < count && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                while (transport.TryReceive(buffer, out int length, out _)) received.Add(buffer[length - 1]);
                if (received.Count < count) Thread.Sleep(1);
            }
            Assert.Equal(count, received.Count);
        }
    }

    private static Socket NewSender()
    {
        var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return sender;
    }
}

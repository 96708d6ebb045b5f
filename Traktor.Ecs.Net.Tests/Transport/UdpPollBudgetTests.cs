using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A server's poll may end at its <see cref="NetPeerOptions.MaxDatagramsPerUpdate"/> budget right after the last datagram of
/// a short <c>recvmmsg</c> batch, before the call that would have found the batch's end. That end must not carry over: before,
/// the next update's first receive took it for the end of its own poll and read nothing, although datagrams were waiting.
/// </summary>
public class UdpPollBudgetTests
{
    [Fact]
    public void An_update_after_one_whose_budget_ended_with_a_short_batch_reads_the_datagrams_waiting()
    {
        using var socket = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        using var server = new NetServer(socket, new NetServerOptions { ProtocolId = 1, Insecure = true, MaxDatagramsPerUpdate = 2 });
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        // Two datagrams read by one update in one short batch, the budget ending the poll on the second. Loopback usually
        // queues a datagram before its send returns, but a loaded machine may deliver the second only after the update read
        // the first (the poll then ends on a short batch of one, not at the budget): that pair is read and another is sent.
        long expected = 0;
        var guard = Stopwatch.StartNew();
        while (true)
        {
            sender.SendTo(new byte[] { 0xFF, 1 }, socket.LocalEndPoint);
            sender.SendTo(new byte[] { 0xFF, 2 }, socket.LocalEndPoint);
            expected += 2;
            WaitUntilReadable(socket);
            server.Update();
            if (server.Counters.DatagramsReceived == expected) break;
            Assert.Equal(expected - 1, server.Counters.DatagramsReceived);
            WaitUntilReadable(socket);
            server.Update();
            Assert.Equal(expected, server.Counters.DatagramsReceived);
            Assert.True(guard.Elapsed < TimeSpan.FromSeconds(30), "loopback never queued two datagrams before an update read them");
        }

        sender.SendTo(new byte[] { 0xFF, 3 }, socket.LocalEndPoint);
        WaitUntilReadable(socket);
        server.Update();

        Assert.Equal(expected + 1, server.Counters.DatagramsReceived);
    }

    /// <summary>Waits (without reading) until a datagram waits in the socket; the bound only guards against a hang.</summary>
    private static void WaitUntilReadable(UdpTransport socket) =>
        Assert.True(socket.Socket.Poll(TimeSpan.FromSeconds(30), SelectMode.SelectRead), "no datagram arrived");
}

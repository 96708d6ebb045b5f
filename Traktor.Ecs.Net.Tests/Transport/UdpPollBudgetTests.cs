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

        sender.SendTo(new byte[] { 0xFF, 1 }, socket.LocalEndPoint);
        sender.SendTo(new byte[] { 0xFF, 2 }, socket.LocalEndPoint);
        Thread.Sleep(20); // loopback delivers at once: both are queued when the update reads
        server.Update(); // both in one short batch: the budget ends the poll on the second
        Assert.Equal(2, server.Counters.DatagramsReceived);

        sender.SendTo(new byte[] { 0xFF, 3 }, socket.LocalEndPoint);
        Thread.Sleep(20);
        server.Update();

        Assert.Equal(3, server.Counters.DatagramsReceived);
    }
}

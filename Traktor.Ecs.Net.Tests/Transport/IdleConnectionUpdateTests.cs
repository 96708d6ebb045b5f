using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A server update begins and ends only the connections that take part in it (a datagram arrived, or messages its budget
/// held back wait): what the others skip must not change what is delivered or when.
/// </summary>
public class IdleConnectionUpdateTests
{
    [Fact]
    public void Messages_the_budget_held_back_arrive_in_the_next_updates_though_the_client_sends_nothing_more()
    {
        const int Budget = 10;
        using var h = new TransportHarness(configure: o => o.MaxMessagesPerConnection = Budget);
        var client = h.Connect(1);
        h.Connect(2); // stays idle throughout
        h.DrainServer();

        for (byte i = 0; i < 45; i++) Assert.Equal(SendResult.Queued, client.Send(ChannelKind.ReliableOrdered, [i]));
        client.Update(); // the only datagrams of the test: the client is not updated again
        h.Wire.Settle();

        var perUpdate = new List<int>();
        int next = 0;
        for (int update = 0; update < 7; update++)
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(16));
            h.Server.Update();
            int delivered = 0;
            foreach (var e in h.DrainServer())
            {
                Assert.Equal(NetEventType.Message, e.Type);
                Assert.Equal(next++, e.Data.Span[0]);
                delivered++;
            }
            perUpdate.Add(delivered);
        }

        Assert.Equal([10, 10, 10, 10, 5, 0, 0], perUpdate);
        Assert.Equal(2, h.Server.ConnectionCount);
    }
}

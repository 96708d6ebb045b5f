using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The memory bound of repeated disconnect notices (<see cref="RepeatedNotices"/>) under churn: a game server repeats every
/// notice it sends (<see cref="NetServer.RepeatNoticesFor"/>), so each closed connection is kept for the repeat window, and
/// many sessions closing, many players leaving and rejoining, would keep that many. The table holds at most
/// <see cref="NetServerOptions.MaxClients"/> entries (the oldest goes first), and none past the window.
/// </summary>
public class RepeatedNoticeBoundTests
{
    private const int Slots = 4;
    private const int Closed = 20;

    /// <summary>
    /// Twenty clients, one after another, connect and are kicked, every notice lost, each going silent as it is kicked (so
    /// none draws an answer yet): the server keeps four of them, the four it closed last, and lets the sixteen older ones go
    /// (their connections disposed). Once the clients send again only those four are told; and at the window's end the
    /// table is empty.
    /// </summary>
    [Fact]
    public void Churn_keeps_at_most_the_servers_slots_of_closed_connections_newest_first_and_none_past_the_window()
    {
        var serverLink = new LinkConditions();
        using var harness = new TransportHarness(serverLink, o => o.MaxClients = Slots);
        harness.Server.RepeatNoticesFor = TimeSpan.FromSeconds(10); // longer than the churn: only the bound lets entries go
        var clientLinks = new List<LinkConditions>();
        var clients = new List<NetClient>();
        for (int i = 0; i < Closed; i++)
        {
            var link = new LinkConditions();
            var client = harness.Connect((ulong)(i + 1), link, seed: 100 + i);
            var connection = harness.Server.ConnectionOf((ulong)(i + 1))!.Id;
            link.LossPercent = 100; // it goes silent: nothing it sends reaches the server until the test says
            serverLink.LossPercent = 100; // and it hears none of the three datagrams of its notice
            harness.Server.Disconnect(connection, DisconnectReason.Kicked);
            serverLink.LossPercent = 0;
            clientLinks.Add(link);
            clients.Add(client);
            Assert.InRange(harness.Server.RepeatedNoticeCount, 1, Slots);
        }

        Assert.Equal(Slots, harness.Server.RepeatedNoticeCount);
        Assert.Equal(Closed - Slots, harness.Server.NoticesEvicted);
        Assert.All(clients, c => Assert.Equal(ClientState.Connected, c.State)); // none heard

        foreach (var link in clientLinks) link.LossPercent = 0;
        Assert.True(harness.RunUntil(() => clients.TakeLast(Slots).All(c => c.State == ClientState.Disconnected), 60), "the kept ones were not told");
        for (int i = 0; i < 30; i++) harness.Step(); // half a second more of the older ones' keep-alives: nobody answers them
        Assert.All(clients.TakeLast(Slots), c => Assert.Equal(DisconnectReason.Kicked, c.LastDisconnectReason));
        Assert.All(clients.Take(Closed - Slots), c => Assert.Equal(ClientState.Connected, c.State));

        harness.Step(10_000); // past the window
        Assert.Equal(0, harness.Server.RepeatedNoticeCount);
        Assert.False(harness.Server.RepeatsNotices);
    }

    /// <summary>A client closed for a protocol violation is not answered again: its address is refused for a while anyway.</summary>
    [Fact]
    public void A_violators_notice_is_not_repeated()
    {
        using var harness = new TransportHarness();
        harness.Server.RepeatNoticesFor = TimeSpan.FromSeconds(2);
        harness.Connect(7);
        harness.Connect(8);
        harness.Server.Disconnect(harness.Server.ConnectionOf(8)!.Id, DisconnectReason.Kicked);
        Assert.Equal(1, harness.Server.RepeatedNoticeCount);

        harness.Server.Disconnect(harness.Server.ConnectionOf(7)!.Id, DisconnectReason.ProtocolViolation);
        Assert.Equal(1, harness.Server.RepeatedNoticeCount); // the kicked one's only
    }
}

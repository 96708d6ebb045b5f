using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// Admission limits (issue 12 item 2): connections per address and per subnet, idle slots reclaimed when needed, and
/// single-use connect tokens (which also make a replayed ChallengeResponse useless).
/// </summary>
public class AdmissionTests
{
    private static TransportHarness Harness(bool insecure, Action<NetServerOptions>? configure = null) => new(configure: o =>
    {
        if (insecure)
        {
            o.Insecure = true;
            o.PrivateKey = null;
        }
        configure?.Invoke(o);
    });

    /// <summary>Starts a connection from each address at once and steps until every one has connected or been refused.</summary>
    private static List<NetClient> ConnectAll(TransportHarness h, IEnumerable<NetAddress> addresses, ulong firstClientId)
    {
        var clients = new List<NetClient>();
        ulong id = firstClientId;
        foreach (var address in addresses)
        {
            var client = h.AddClient(address: address);
            if (h.ServerOptions.Insecure) client.ConnectInsecure(h.ServerAddress, id++);
            else client.Connect(h.IssueToken(id++));
            clients.Add(client);
        }
        Assert.True(h.RunUntil(() => clients.All(c => c.State is ClientState.Connected or ClientState.Disconnected), maxSteps: 300));
        h.Step();
        return clients;
    }

    private static IEnumerable<NetAddress> Range(string prefix, int count, int from = 1) =>
        Enumerable.Range(from, count).Select(i => NetAddress.Parse(prefix.Replace("{i}", i.ToString())));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sixty_four_slots_cannot_be_filled_from_one_ipv4_slash_24(bool insecure)
    {
        using var h = Harness(insecure);
        Assert.Equal(64, h.ServerOptions.MaxClients);
        var clients = ConnectAll(h, Range("10.1.2.{i}:5000", 64), 100);
        Assert.Equal(32, clients.Count(c => c.State == ClientState.Connected));
        Assert.All(clients.Where(c => c.State != ClientState.Connected), c => Assert.Equal(DisconnectReason.AddressLimit, c.LastDisconnectReason));
        Assert.Equal(32, h.Server.ConnectionCount);
        Assert.True(h.Server.Counters.AddressLimited >= 32);

        // The next /24 is another network: its clients still get the remaining slots.
        var neighbours = ConnectAll(h, Range("10.1.3.{i}:5000", 8), 500);
        Assert.All(neighbours, c => Assert.Equal(ClientState.Connected, c.State));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void One_ipv6_slash_64_is_one_network(bool insecure)
    {
        // A /64 is one source for the handshake's rate too (SourcePortRotationTests): a burst that lets 40 clients
        // of one /64 handshake at once keeps this test about the connection limit.
        using var h = Harness(insecure, o => o.HandshakeBurst = 100);
        var clients = ConnectAll(h, Range("[2001:db8:7:1::{i}]:5000", 40), 100);
        Assert.Equal(32, clients.Count(c => c.State == ClientState.Connected));
        var other = ConnectAll(h, Range("[2001:db8:7:2::{i}]:5000", 4), 500);
        Assert.All(other, c => Assert.Equal(ClientState.Connected, c.State));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void One_address_holds_at_most_its_limit_whatever_the_ports(bool insecure)
    {
        using var h = Harness(insecure);
        var clients = ConnectAll(h, Range("192.0.2.7:{i}", 20, from: 6000), 100);
        Assert.Equal(16, clients.Count(c => c.State == ClientState.Connected));
        Assert.Equal(4, clients.Count(c => c.LastDisconnectReason == DisconnectReason.AddressLimit));

        // A slot freed by a disconnect is available again.
        clients.First(c => c.State == ClientState.Connected).Disconnect();
        h.RunUntil(() => h.Server.ConnectionCount == 15, maxSteps: 20);
        var again = ConnectAll(h, [NetAddress.Parse("192.0.2.7:7000")], 900);
        Assert.Equal(ClientState.Connected, again[0].State);
    }

    [Fact]
    public void Limits_are_configurable_for_a_lan_party()
    {
        using var h = Harness(insecure: true, o => o.MaxConnectionsPerSubnet = o.MaxClients);
        var clients = ConnectAll(h, Range("192.168.1.{i}:5000", 64), 100);
        Assert.All(clients, c => Assert.Equal(ClientState.Connected, c.State));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_idle_connection_gives_its_slot_to_a_newcomer_once_it_has_sent_nothing_for_the_reclaim_time(bool insecure)
    {
        using var h = Harness(insecure, o => o.MaxConnectionsPerAddress = 3);
        var held = ConnectAll(h, Range("198.51.100.9:{i}", 3, from: 6000), 100);
        Assert.All(held, c => Assert.Equal(ClientState.Connected, c.State));
        var busy = held[1];

        // 10 s later (keep-alives only from two of them, messages from the busy one): nobody is idle long enough yet.
        for (int i = 0; i < 10 * 60; i++)
        {
            busy.Send(ChannelKind.Unreliable, [1]);
            h.Step(1000.0 / 60);
        }
        var early = ConnectAll(h, [NetAddress.Parse("198.51.100.9:7000")], 500);
        Assert.Equal(DisconnectReason.AddressLimit, early[0].LastDisconnectReason);

        for (int i = 0; i < 6 * 60; i++)
        {
            busy.Send(ChannelKind.Unreliable, [1]);
            h.Step(1000.0 / 60);
        }
        h.DrainServer();
        var late = ConnectAll(h, [NetAddress.Parse("198.51.100.9:7001")], 600);
        Assert.Equal(ClientState.Connected, late[0].State);
        // The one idle the longest (the first, connected earliest) made room; the busy one was never a candidate.
        Assert.Equal(DisconnectReason.Idle, held[0].LastDisconnectReason);
        Assert.Equal(ClientState.Connected, busy.State);
        Assert.Equal(ClientState.Connected, held[2].State);
        Assert.Equal(1, h.Server.Counters.IdleReclaimed);
        Assert.Contains(h.DrainServer(), e => e.Type == NetEventType.Disconnected && e.Reason == DisconnectReason.Idle);
    }

    [Fact]
    public void Idle_connections_keep_their_slots_while_nobody_needs_them()
    {
        using var h = Harness(insecure: false);
        var client = h.Connect(1);
        for (int i = 0; i < 60 * 60; i++) h.Step(1000.0 / 60);
        Assert.Equal(ClientState.Connected, client.State);
    }

    [Fact]
    public void A_full_server_reclaims_an_idle_slot_and_refuses_when_everyone_is_busy()
    {
        using var h = Harness(insecure: false, o => o.MaxClients = 2);
        var a = h.Connect(1);
        var b = h.Connect(2);
        for (int i = 0; i < 16 * 60; i++)
        {
            a.Send(ChannelKind.Unreliable, [1]);
            b.Send(ChannelKind.Unreliable, [1]);
            h.Step(1000.0 / 60);
        }
        var refused = ConnectAll(h, [NetAddress.Parse("203.0.113.1:5000")], 10);
        Assert.Equal(DisconnectReason.ServerFull, refused[0].LastDisconnectReason);

        for (int i = 0; i < 16 * 60; i++)
        {
            a.Send(ChannelKind.Unreliable, [1]);
            h.Step(1000.0 / 60);
        }
        var admitted = ConnectAll(h, [NetAddress.Parse("203.0.113.2:5000")], 11);
        Assert.Equal(ClientState.Connected, admitted[0].State);
        Assert.Equal(DisconnectReason.Idle, b.LastDisconnectReason);
        Assert.Equal(ClientState.Connected, a.State);
    }

    [Fact]
    public void A_connect_token_is_single_use()
    {
        using var h = Harness(insecure: false);
        var token = h.IssueToken(5);
        var first = h.AddClient();
        first.Connect(token);
        Assert.True(h.RunUntil(() => first.State == ClientState.Connected));
        first.Disconnect();
        Assert.True(h.RunUntil(() => h.Server.ConnectionCount == 0, maxSteps: 20));

        var second = h.AddClient();
        second.Connect(token);
        Assert.True(h.RunUntil(() => second.State == ClientState.Disconnected, maxSteps: 100));
        Assert.Equal(DisconnectReason.TokenUsed, second.LastDisconnectReason);
        Assert.True(h.Server.Counters.TokensReused > 0);

        var fresh = h.AddClient();
        fresh.Connect(h.IssueToken(5));
        Assert.True(h.RunUntil(() => fresh.State == ClientState.Connected));
    }

    [Fact]
    public void A_replayed_challenge_response_after_the_victim_disconnects_creates_no_ghost()
    {
        using var h = Harness(insecure: false);
        var victim = h.AddClient();
        h.ClientWires[^1].Enabled = true;
        var victimAddress = h.ClientLinks[^1].LocalAddress;
        victim.Connect(h.IssueToken(42));
        Assert.True(h.RunUntil(() => victim.State == ClientState.Connected));
        var response = h.ClientWires[^1].Sent.First(d => d.Data[0] == 2 && d.Data.Length == 615).Data;
        victim.Disconnect();
        Assert.True(h.RunUntil(() => h.Server.ConnectionCount == 0, maxSteps: 20));
        h.DrainServer();

        // Within the cookie's 10 s, from the victim's address (the cookie is bound to it), as an on-path attacker could.
        for (int i = 0; i < 5; i++)
        {
            h.Network.Inject(response, victimAddress, h.ServerAddress);
            h.Step(100);
        }
        Assert.Equal(0, h.Server.ConnectionCount);
        Assert.DoesNotContain(h.DrainServer(), e => e.Type == NetEventType.Connected);
        Assert.True(h.Server.Counters.TokensReused > 0);

        // So the victim is not locked out by a ghost holding its client id: it reconnects at once with a new token.
        var back = h.AddClient();
        back.Connect(h.IssueToken(42));
        Assert.True(h.RunUntil(() => back.State == ClientState.Connected, maxSteps: 30));
    }
}

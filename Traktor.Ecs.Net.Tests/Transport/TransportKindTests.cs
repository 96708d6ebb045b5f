using Traktor.Ecs.Net;
using System.Net;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

public class TransportKindTests
{
    [Theory]
    [InlineData("127.0.0.1:4000", TransportKind.Udp, "127.0.0.1:4000")]
    [InlineData("udp://127.0.0.1:4000", TransportKind.Udp, "127.0.0.1:4000")]
    [InlineData("tcp://127.0.0.1:4000", TransportKind.Tcp, "tcp://127.0.0.1:4000")]
    [InlineData("ws://[::1]:443", TransportKind.WebSocket, "ws://[::1]:443")]
    public void Addresses_parse_and_print_their_transport_kind(string text, TransportKind kind, string printed)
    {
        var address = NetAddress.Parse(text);
        Assert.Equal(kind, address.Kind);
        Assert.Equal(printed, address.ToString());
        Assert.Equal(address, NetAddress.Parse(address.ToString()));
    }

    [Theory]
    [InlineData("ws://localhost:40002")]
    [InlineData("ws://127.0.0.1:40002/game")]
    [InlineData("wss://127.0.0.1:443")]
    [InlineData("game.example:40000")]
    public void A_text_that_is_no_address_is_refused_with_a_message_naming_it_and_the_accepted_forms(string text)
    {
        // A newcomer's usual mistakes; IPEndPoint's own message named neither the text nor what to write instead.
        var error = Assert.Throws<FormatException>(() => NetAddress.Parse(text));
        Assert.Contains($"'{text}'", error.Message);
        Assert.Contains("IP literal", error.Message);
        Assert.Contains("Host names are not resolved", error.Message);
        Assert.Contains("WebSocketConnectOptions.UseTls", error.Message);
        Assert.False(NetAddress.TryParse(text, out _));
    }

    [Fact]
    public void The_same_endpoint_over_two_kinds_is_two_addresses()
    {
        var udp = NetAddress.Parse("127.0.0.1:4000");
        var tcp = udp.WithKind(TransportKind.Tcp);
        Assert.NotEqual(udp, tcp);
        Assert.Equal(udp, tcp.WithKind(TransportKind.Udp));
        Assert.Equal(2, new HashSet<NetAddress> { udp, tcp }.Count);
    }

    [Fact]
    public void Tokens_carry_each_address_with_its_kind_and_refuse_unknown_types()
    {
        var key = ConnectTokenIssuer.GenerateServerKey();
        var issuer = new ConnectTokenIssuer(key, 5);
        NetAddress[] servers = [NetAddress.Parse("127.0.0.1:4000"), NetAddress.Parse("ws://127.0.0.1:4001"), NetAddress.Parse("tcp://[::1]:4002")];
        var bytes = issuer.Issue(1, [], TimeSpan.FromMinutes(1), servers);
        Assert.True(ConnectToken.TryParse(bytes, out var token));
        Assert.Equal(servers, token!.ServerAddresses);
        bytes[561 + 19] = 4; // the second record's type: no such transport
        Assert.False(ConnectToken.TryParse(bytes, out _));
        bytes[561 + 19] = 0;
        Assert.False(ConnectToken.TryParse(bytes, out _));
    }

    [Fact]
    public void A_token_naming_only_the_udp_address_is_refused_on_the_tcp_address_of_the_same_server()
    {
        using var h = new TransportHarness(configure: o => o.PublicAddresses = [NetAddress.Parse("[fd00:0:0:1::1]:40000").WithKind(TransportKind.Tcp)]);
        var client = h.AddClient(configure: o => o.ConnectTimeout = TimeSpan.FromSeconds(1));
        // The harness's server is at an in-memory (UDP-kind) address; the server's only public address is TCP.
        client.Connect(h.Issuer.Issue(1, [], TimeSpan.FromMinutes(1), [h.ServerAddress]));
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 200));
        Assert.Equal(DisconnectReason.TokenInvalid, client.LastDisconnectReason);
    }

    [Fact]
    public void A_composite_routes_by_kind_and_takes_turns_receiving()
    {
        var network = new InMemoryNetwork();
        using var udp = network.CreateTransport();
        using var tcpLike = new KindOverride(network.CreateTransport(), TransportKind.Tcp);
        using var composite = new CompositeTransport(udp, tcpLike);
        Assert.Throws<ArgumentException>(() => new CompositeTransport(udp, udp));
        using var peer = network.CreateTransport();
        for (int i = 0; i < 3; i++)
        {
            network.Inject([1, (byte)i], peer.LocalAddress, udp.LocalAddress);
            network.Inject([2, (byte)i], peer.LocalAddress, tcpLike.Inner.LocalAddress);
        }
        var buffer = new byte[16];
        var order = new List<byte>();
        while (composite.TryReceive(buffer, out _, out _)) order.Add(buffer[0]);
        Assert.Equal(new byte[] { 1, 2, 1, 2, 1, 2 }, order);
        Assert.False(composite.TrySend([9], NetAddress.Parse("ws://127.0.0.1:1")));
        Assert.Equal(1, composite.UnroutableDatagrams);
        Assert.True(composite.TrySend([9], peer.LocalAddress.WithKind(TransportKind.Tcp)));
        Assert.Equal(1, tcpLike.Sent);
    }

    /// <summary>An in-memory endpoint posing as another kind, to test routing without sockets.</summary>
    private sealed class KindOverride(IDatagramTransport inner, TransportKind kind) : IDatagramTransport
    {
        public IDatagramTransport Inner => inner;
        public int Sent { get; private set; }
        public NetAddress LocalAddress => inner.LocalAddress.WithKind(kind);
        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
        {
            Sent++;
            return inner.TrySend(datagram, destination.WithKind(TransportKind.Udp));
        }
        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source) => inner.TryReceive(buffer, out length, out source);
        public void Dispose() => inner.Dispose();
    }
}

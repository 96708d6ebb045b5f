using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport.Conformance;

/// <summary>
/// A client whose token lists a UDP address and then a WebSocket one connects over UDP when it can, and over WebSocket
/// after <see cref="NetClientOptions.ChallengeTimeout"/> when UDP is blocked: a UDP socket that swallows everything,
/// or a port where nothing listens. Real loopback sockets, virtual time.
/// </summary>
public sealed class TransportFallbackTests : IDisposable
{
    private static readonly TimeSpan ChallengeTimeout = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new(TransportHarness.Start);
    private readonly TestWire _udpWire;
    private readonly TestWire _webSocketWire;
    private readonly byte[] _key = ConnectTokenIssuer.GenerateServerKey();
    private readonly List<IDisposable> _disposables = [];

    public TransportFallbackTests()
    {
        _udpWire = new TestWire(WireKind.Udp, _time);
        _webSocketWire = new TestWire(WireKind.WebSocket, _time);
    }

    private enum Udp { Open, Swallowed, NothingListening }

    private sealed record Setup(NetServer Server, NetClient Client, NetAddress UdpAddress, NetAddress WebSocketAddress, WebSocketClientTransport ClientWebSocket);

    private Setup Create(Udp udp, bool insecure = false, Action<NetClientOptions>? configure = null)
    {
        var webSocketServer = _webSocketWire.CreateServer();
        IDatagramTransport serverTransport;
        NetAddress udpAddress;
        switch (udp)
        {
            case Udp.Open:
                var udpServer = _udpWire.CreateServer();
                udpAddress = udpServer.LocalAddress;
                serverTransport = new CompositeTransport(udpServer, webSocketServer);
                break;
            case Udp.Swallowed:
                var blackHole = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)); // bound, never read: a firewall that drops UDP
                _disposables.Add(blackHole);
                udpAddress = blackHole.LocalAddress;
                serverTransport = new CompositeTransport(webSocketServer);
                break;
            default:
                using (var probe = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0))) udpAddress = probe.LocalAddress;
                serverTransport = new CompositeTransport(webSocketServer);
                break;
        }
        var server = new NetServer(serverTransport, new NetServerOptions
        {
            ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash, PrivateKey = insecure ? [] : _key, Insecure = insecure,
            PublicAddresses = [udpAddress, webSocketServer.LocalAddress],
        }, _time);
        _disposables.Add(server);
        // The client's UDP socket is not wrapped for settling: its datagrams to a blocked port never arrive, by design.
        var clientWebSocket = (SettlingTransport)_webSocketWire.CreateClient();
        var clientUdp = udp == Udp.Open ? _udpWire.CreateClient() : new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        var options = new NetClientOptions { ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash, Insecure = insecure, ChallengeTimeout = ChallengeTimeout };
        configure?.Invoke(options);
        var client = new NetClient(new CompositeTransport(clientUdp, clientWebSocket), options, _time);
        _disposables.Insert(0, client);
        return new Setup(server, client, udpAddress, webSocketServer.LocalAddress, (WebSocketClientTransport)clientWebSocket.Inner);
    }

    private byte[] Token(Setup setup) =>
        new ConnectTokenIssuer(_key, TransportHarness.ProtocolId, _time).Issue(7, [], TimeSpan.FromMinutes(1), [setup.UdpAddress, setup.WebSocketAddress]);

    /// <summary>Ticks at 60 Hz until the client leaves the connecting states; returns the virtual time that took.</summary>
    private TimeSpan RunUntilSettled(Setup setup, int maxTicks = 600)
    {
        var start = _time.GetUtcNow();
        for (int tick = 0; tick < maxTicks && setup.Client.State is ClientState.SendingRequest or ClientState.SendingResponse; tick++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(16));
            Settle();
            setup.Client.Update();
            Settle();
            setup.Server.Update();
        }
        return _time.GetUtcNow() - start;
    }

    private void Settle()
    {
        _udpWire.Settle();
        _webSocketWire.Settle();
    }

    [Theory]
    [InlineData(Udp.Swallowed)]
    [InlineData(Udp.NothingListening)]
    public void A_client_falls_back_to_WebSocket_after_the_challenge_timeout_when_UDP_is_blocked(int blocked)
    {
        var setup = Create((Udp)blocked);
        setup.Client.Connect(Token(setup));
        var took = RunUntilSettled(setup);
        Assert.Equal(ClientState.Connected, setup.Client.State);
        Assert.Equal(setup.WebSocketAddress, setup.Client.ServerAddress);
        Assert.Equal(TransportKind.WebSocket, setup.Client.GetStats().Transport);
        Assert.InRange(took, ChallengeTimeout, ChallengeTimeout + TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, setup.Server.ConnectionCount);

        // The connection works both ways over the fallback.
        Assert.Equal(SendResult.Queued, setup.Client.Send(ChannelKind.ReliableOrdered, [5]));
        var messages = new List<byte>();
        for (int i = 0; i < 20 && messages.Count == 0; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(16));
            Settle();
            setup.Client.Update();
            Settle();
            setup.Server.Update();
            while (setup.Server.TryPollEvent(out var e))
            {
                if (e.Type == NetEventType.Connected)
                {
                    Assert.True(setup.Server.TryGetStats(e.Connection, out var stats));
                    Assert.Equal(TransportKind.WebSocket, stats.Transport);
                }
                if (e.Type == NetEventType.Message) messages.Add(e.Data.Span[0]);
            }
        }
        Assert.Equal([5], messages);
    }

    [Fact]
    public void An_insecure_client_given_several_addresses_falls_back_the_same_way()
    {
        var setup = Create(Udp.Swallowed, insecure: true);
        setup.Client.ConnectInsecure([setup.UdpAddress, setup.WebSocketAddress], clientId: 9);
        var took = RunUntilSettled(setup);
        Assert.Equal(ClientState.Connected, setup.Client.State);
        Assert.Equal(TransportKind.WebSocket, setup.Client.GetStats().Transport);
        Assert.InRange(took, ChallengeTimeout, ChallengeTimeout + TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void A_client_whose_UDP_gets_through_stays_on_UDP_and_never_opens_a_WebSocket()
    {
        var setup = Create(Udp.Open);
        setup.Client.Connect(Token(setup));
        var took = RunUntilSettled(setup);
        Assert.Equal(ClientState.Connected, setup.Client.State);
        Assert.Equal(TransportKind.Udp, setup.Client.GetStats().Transport);
        Assert.True(took < ChallengeTimeout, $"took {took}");
        Assert.Equal(0, setup.ClientWebSocket.StreamCount);
        Assert.Equal(0, setup.ClientWebSocket.Counters.Accepted);
    }

    [Fact]
    public void A_denial_over_UDP_ends_the_attempt_without_falling_back()
    {
        var setup = Create(Udp.Open, configure: o => o.SchemaHash++);
        setup.Client.Connect(Token(setup));
        RunUntilSettled(setup);
        Assert.Equal(ClientState.Disconnected, setup.Client.State);
        Assert.Equal(DisconnectReason.SchemaMismatch, setup.Client.LastDisconnectReason);
        Assert.Equal(0, setup.ClientWebSocket.Counters.Accepted);
    }

    [Fact]
    public void A_client_that_can_only_reach_WebSocket_skips_the_tokens_UDP_address_instead_of_waiting_on_it()
    {
        // A browser-like client (WebSocket only) given a fleet's token, which lists UDP first: it used to send its request
        // to the UDP address over its WebSocket transport and wait ChallengeTimeout for an answer that could never come.
        var setup = Create(Udp.Open);
        var webSocketOnly = new NetClient(_webSocketWire.CreateClient(), new NetClientOptions
        {
            ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash, ChallengeTimeout = ChallengeTimeout,
        }, _time, ownsTransport: true);
        _disposables.Insert(0, webSocketOnly);
        webSocketOnly.Connect(Token(setup));
        var took = RunUntilSettled(setup with { Client = webSocketOnly });
        Assert.Equal(ClientState.Connected, webSocketOnly.State);
        Assert.Equal(TransportKind.WebSocket, webSocketOnly.GetStats().Transport);
        Assert.True(took < ChallengeTimeout, $"took {took}");

        // What each transport says it carries: its own kind; a composite each of its kinds.
        using var udp = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
        IDatagramTransport udpOnly = udp;
        Assert.True(udpOnly.Carries(TransportKind.Udp));
        Assert.False(udpOnly.Carries(TransportKind.WebSocket));
        IDatagramTransport both = new CompositeTransport(udp, _webSocketWire.CreateClient());
        Assert.True(both.Carries(TransportKind.WebSocket) && both.Carries(TransportKind.Udp) && !both.Carries(TransportKind.Tcp));
    }

    public void Dispose()
    {
        foreach (var disposable in _disposables) disposable.Dispose();
        _udpWire.Dispose();
        _webSocketWire.Dispose();
    }
}

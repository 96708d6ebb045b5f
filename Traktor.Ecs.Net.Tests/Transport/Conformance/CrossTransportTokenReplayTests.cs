using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport.Conformance;

/// <summary>
/// One connect token, one connection (docs/PROTOCOL.md §3), whatever transport it arrives on: a server listening on UDP,
/// TCP and WebSocket at once (one <see cref="NetServer"/> over a <see cref="CompositeTransport"/>) keeps one memory of
/// used tokens, so a token replayed over another transport than the one it connected over is refused with
/// <see cref="DisconnectReason.TokenUsed"/>, and the same token offered over all three at the same moment connects
/// exactly one of them. Real loopback sockets, virtual time.
/// </summary>
public sealed class CrossTransportTokenReplayTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(TransportHarness.Start);
    private readonly byte[] _key = ConnectTokenIssuer.GenerateServerKey();
    private readonly Dictionary<WireKind, TestWire> _wires;
    private readonly List<IDisposable> _disposables = [];
    private readonly NetServer _server;
    private readonly NetAddress[] _addresses;

    public CrossTransportTokenReplayTests()
    {
        _wires = new[] { WireKind.Udp, WireKind.Tcp, WireKind.WebSocket }.ToDictionary(kind => kind, kind => new TestWire(kind, _time));
        var transports = _wires.Values.Select(wire => wire.CreateServer()).ToArray();
        _addresses = transports.Select(t => t.LocalAddress).ToArray();
        _server = new NetServer(new CompositeTransport(transports), new NetServerOptions
        {
            ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash, PrivateKey = _key, PublicAddresses = _addresses,
        }, _time, ownsTransport: true);
        _disposables.Add(_server);
    }

    private byte[] Token(ulong clientId) =>
        new ConnectTokenIssuer(_key, TransportHarness.ProtocolId, _time).Issue(clientId, [], TimeSpan.FromMinutes(1), _addresses);

    /// <summary>A client that carries only <paramref name="kind"/>, so it skips the token's other addresses.</summary>
    private NetClient Client(WireKind kind)
    {
        var client = new NetClient(_wires[kind].CreateClient(), new NetClientOptions
        {
            ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash, ChallengeTimeout = TimeSpan.FromSeconds(1),
        }, _time, ownsTransport: true);
        _disposables.Insert(0, client);
        return client;
    }

    private void RunUntilSettled(params NetClient[] clients)
    {
        for (int tick = 0; tick < 600 && clients.Any(c => c.State is ClientState.SendingRequest or ClientState.SendingResponse); tick++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(16));
            Settle();
            foreach (var client in clients) client.Update();
            Settle();
            _server.Update();
        }
        Settle();
        _server.Update();
    }

    /// <summary>Runs <paramref name="ticks"/> ticks of every client and the server (a disconnect reaching the server).</summary>
    private void Pump(int ticks, params NetClient[] clients)
    {
        for (int tick = 0; tick < ticks; tick++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(16));
            Settle();
            foreach (var client in clients) client.Update();
            Settle();
            _server.Update();
        }
    }

    private static TransportKind Kind(WireKind wire) => wire switch
    {
        WireKind.Udp => TransportKind.Udp,
        WireKind.Tcp => TransportKind.Tcp,
        _ => TransportKind.WebSocket,
    };

    private void Settle()
    {
        foreach (var wire in _wires.Values) wire.Settle();
    }

    [Theory]
    [InlineData(WireKind.Udp, WireKind.Tcp)]
    [InlineData(WireKind.Udp, WireKind.WebSocket)]
    [InlineData(WireKind.Tcp, WireKind.Udp)]
    [InlineData(WireKind.WebSocket, WireKind.Udp)]
    [InlineData(WireKind.Tcp, WireKind.WebSocket)]
    public void A_token_that_connected_over_one_transport_is_refused_over_another_while_connected_and_after(WireKind first, WireKind replay)
    {
        byte[] token = Token(41);
        var honest = Client(first);
        honest.Connect(token);
        RunUntilSettled(honest);
        Assert.Equal(ClientState.Connected, honest.State);
        Assert.Equal(Kind(first), honest.GetStats().Transport);

        // Replayed (the same bytes: a copied token) over another transport while its connection is open...
        var attacker = Client(replay);
        attacker.Connect(token);
        RunUntilSettled(attacker);
        Assert.Equal(ClientState.Disconnected, attacker.State);
        Assert.Equal(DisconnectReason.TokenUsed, attacker.LastDisconnectReason);

        // ...and after it closed.
        honest.Disconnect();
        Pump(10, honest);
        Assert.Equal(0, _server.ConnectionCount);
        var late = Client(replay);
        late.Connect(token);
        RunUntilSettled(late);
        Assert.Equal(ClientState.Disconnected, late.State);
        Assert.Equal(DisconnectReason.TokenUsed, late.LastDisconnectReason);
        Assert.Equal(0, _server.ConnectionCount);
    }

    [Fact]
    public void One_token_offered_over_UDP_TCP_and_WebSocket_at_the_same_moment_connects_exactly_one()
    {
        for (int round = 0; round < 3; round++)
        {
            byte[] token = Token(100 + (ulong)round);
            var clients = new[] { Client(WireKind.Udp), Client(WireKind.Tcp), Client(WireKind.WebSocket) };
            foreach (var client in clients) client.Connect(token);
            RunUntilSettled(clients);

            Assert.Single(clients, c => c.State == ClientState.Connected);
            Assert.All(clients.Where(c => c.State != ClientState.Connected), c => Assert.Equal(DisconnectReason.TokenUsed, c.LastDisconnectReason));
            Assert.Equal(1, _server.ConnectionCount);
            clients.Single(c => c.State == ClientState.Connected).Disconnect();
            Pump(10, clients);
            Assert.Equal(0, _server.ConnectionCount);
        }
    }

    public void Dispose()
    {
        foreach (var disposable in _disposables) disposable.Dispose();
        foreach (var wire in _wires.Values) wire.Dispose();
    }
}

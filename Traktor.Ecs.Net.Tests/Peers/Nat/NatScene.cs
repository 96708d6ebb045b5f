using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>
/// A host and a joiner, each behind its own simulated NAT on an in-memory "internet", and an introducer/relay with a
/// public address, all on one fake clock. The host runs a <see cref="NetServer"/>, the joiner a <see cref="NetClient"/>,
/// each over a <see cref="NatTraversal"/>.
/// </summary>
internal sealed class NatScene : IDisposable
{
    public const ulong ProtocolId = 0x4E41_5431;
    public static readonly NetAddress IntroducerAddress = NetAddress.Parse("198.51.100.1:3478");

    public FakeTimeProvider Time { get; }
    public InMemoryNetwork Internet { get; } = new();
    public RecordingTransport RelayWire { get; }
    public Introducer Introducer { get; }
    public NatSimulator HostNat { get; }
    public NatSimulator JoinerNat { get; }
    public NatTraversal HostSide { get; }
    public NatTraversal JoinerSide { get; }
    /// <summary>The options object both traversals were made with (each keeps its own copy).</summary>
    public NatTraversalOptions TraversalOptions { get; }
    public NetServer Server { get; }
    public NetClient Client { get; }
    public Guid Rendezvous { get; } = Guid.NewGuid();
    public byte[] Key { get; }

    public NatScene(NatKind hostNat, NatKind joinerNat, Func<IDatagramTransport, IDatagramTransport>? relaySocket = null, IntroducerOptions? introducer = null,
        FakeTimeProvider? time = null, byte[]? hostKey = null, ulong protocolId = ProtocolId)
    {
        Time = time ?? new FakeTimeProvider(TransportHarness.Start);
        Key = hostKey ?? ConnectTokenIssuer.GenerateServerKey();
        IDatagramTransport socket = Internet.CreateTransport(IntroducerAddress);
        if (relaySocket is not null) socket = relaySocket(socket);
        RelayWire = new RecordingTransport(socket);
        Introducer = new Introducer(RelayWire, introducer, Time);
        var options = TraversalOptions = new NatTraversalOptions { Introducer = IntroducerAddress };
        HostNat = new NatSimulator(Internet, NetAddress.Parse("203.0.113.10:50000"), hostNat, Time);
        JoinerNat = new NatSimulator(Internet, NetAddress.Parse("203.0.113.20:50000"), joinerNat, Time);
        HostSide = new NatTraversal(HostNat, options, Time);
        JoinerSide = new NatTraversal(JoinerNat, options, Time);
        Server = new NetServer(HostSide, new NetServerOptions { ProtocolId = protocolId, PrivateKey = Key }, Time);
        Client = new NetClient(JoinerSide, new NetClientOptions { ProtocolId = protocolId }, Time);
    }

    public void Step(double milliseconds = 10)
    {
        Time.Advance(TimeSpan.FromMilliseconds(milliseconds));
        Introducer.Update();
        HostSide.Update();
        JoinerSide.Update();
        Client.Update();
        Server.Update();
    }

    public bool RunUntil(Func<bool> condition, int maxSteps = 2000)
    {
        for (int i = 0; i < maxSteps; i++)
        {
            if (condition()) return true;
            Step();
        }
        return condition();
    }

    /// <summary>Host registers, joiner is introduced, the path is settled (punched or relayed), the client connects.</summary>
    public NatPath Connect(ulong clientId = 7)
    {
        HostSide.Host(Rendezvous);
        Assert.True(RunUntil(() => !HostSide.PublicAddress.IsNone), "the host registered with the introducer");
        JoinerSide.Join(Rendezvous);
        Assert.True(RunUntil(() => JoinerSide.GetPath(JoinerSide.HostAddress) is NatPath.Direct or NatPath.Relayed), "the joiner settled a path");
        Assert.Equal(HostSide.PublicAddress, JoinerSide.HostAddress);
        // The token a directory would issue: for the host's public endpoint, sealed with the session's key.
        var token = new ConnectTokenIssuer(Key, ProtocolId, Time).Issue(clientId, [], TimeSpan.FromMinutes(5), [HostSide.PublicAddress]);
        Client.Connect(token);
        Assert.True(RunUntil(() => Client.State == ClientState.Connected), $"the joiner connected (state {Client.State}, {Client.LastDisconnectReason})");
        return JoinerSide.GetPath(JoinerSide.HostAddress);
    }

    /// <summary>Sends <paramref name="count"/> reliable messages each way and returns what each side received.</summary>
    public (List<byte[]> AtHost, List<byte[]> AtJoiner) Exchange(int count, Func<int, byte[]> message)
    {
        var atHost = new List<byte[]>();
        var atJoiner = new List<byte[]>();
        var connection = default(ConnectionId);
        Assert.True(RunUntil(() =>
        {
            while (Server.TryPollEvent(out var e)) if (e.Type == NetEventType.Connected) connection = e.Connection;
            return connection != default;
        }), "the host saw the connection");
        // One message each way per step, as a game sends every tick: each travels in datagrams of its own.
        int sent = 0;
        RunUntil(() =>
        {
            if (sent < count)
            {
                Assert.Equal(SendResult.Queued, Client.Send(ChannelKind.ReliableOrdered, message(sent)));
                Assert.Equal(SendResult.Queued, Server.Send(connection, ChannelKind.ReliableOrdered, message(sent)));
                sent++;
            }
            while (Server.TryPollEvent(out var e)) if (e.Type == NetEventType.Message) atHost.Add(e.Data.ToArray());
            while (Client.TryPollEvent(out var e)) if (e.Type == NetEventType.Message) atJoiner.Add(e.Data.ToArray());
            return atHost.Count >= count && atJoiner.Count >= count;
        }, 2000 + count);
        return (atHost, atJoiner);
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        Introducer.Dispose();
    }
}

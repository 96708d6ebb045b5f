using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Tests.Transport.Conformance;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A server and clients with link simulators, all on one fake clock: on the in-memory network by default, or on
/// loopback sockets of another <see cref="WireKind"/> for the conformance suite.
/// </summary>
internal sealed class TransportHarness : IDisposable
{
    public const ulong ProtocolId = 0x5452_414B_544F_5231;
    public const ulong SchemaHash = 0xC0FFEE;
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; } = new(Start);
    public TestWire Wire { get; }
    public InMemoryNetwork Network => Wire.Network;
    public byte[] ServerKey { get; } = ConnectTokenIssuer.GenerateServerKey();
    public NetServer Server { get; }
    public LinkSimulator ServerLink { get; }
    public RecordingTransport ServerWire { get; }
    public CapturingLogger ServerLog { get; } = new();
    public NetServerOptions ServerOptions { get; }
    public List<NetClient> Clients { get; } = [];
    public List<IDisposable> Disposables { get; } = [];
    public List<LinkSimulator> ClientLinks { get; } = [];
    public List<RecordingTransport> ClientWires { get; } = [];
    public ConnectTokenIssuer Issuer { get; }
    public NetAddress ServerAddress => ServerLink.LocalAddress;

    public TransportHarness(LinkConditions? conditions = null, Action<NetServerOptions>? configure = null, int seed = 1, WireKind wire = WireKind.InMemory)
    {
        Wire = new TestWire(wire, Time);
        ServerOptions = new NetServerOptions { ProtocolId = ProtocolId, SchemaHash = SchemaHash, PrivateKey = ServerKey };
        configure?.Invoke(ServerOptions);
        ServerLink = new LinkSimulator(Wire.CreateServer(), conditions ?? new LinkConditions(), Time, seed);
        if (ServerOptions.PublicAddresses.Count == 0) ServerOptions.PublicAddresses = [ServerLink.LocalAddress];
        ServerWire = new RecordingTransport(ServerLink) { Enabled = false };
        Server = new NetServer(ServerWire, ServerOptions, Time, ServerLog);
        // Seeded: the same scenario issues the same tokens each run, and a token client's first keep-alive goes by its nonce.
        var tokenRandom = new Random(seed);
        Issuer = new ConnectTokenIssuer(ServerKey, ProtocolId, Time) { RandomForTests = tokenRandom.NextBytes };
    }

    public byte[] IssueToken(ulong clientId, byte[]? userData = null, TimeSpan? lifetime = null, int timeoutSeconds = 10) =>
        Issuer.Issue(clientId, userData ?? [], lifetime ?? TimeSpan.FromMinutes(5), [ServerAddress], timeoutSeconds);

    public NetClient AddClient(LinkConditions? conditions = null, Action<NetClientOptions>? configure = null, int seed = 2, NetAddress? address = null)
    {
        var options = new NetClientOptions { ProtocolId = ProtocolId, SchemaHash = SchemaHash, Insecure = ServerOptions.Insecure };
        configure?.Invoke(options);
        var link = new LinkSimulator(address is { } at ? Network.CreateTransport(at) : Wire.CreateClient(), conditions ?? new LinkConditions(), Time, seed);
        var wire = new RecordingTransport(link) { Enabled = false };
        var client = new NetClient(wire, options, Time);
        Clients.Add(client);
        ClientLinks.Add(link);
        ClientWires.Add(wire);
        return client;
    }

    /// <summary>Disposes a client with its link and wire and forgets it (a long test's departed clients must not pile up).</summary>
    public void RemoveClient(NetClient client)
    {
        int index = Clients.IndexOf(client);
        if (index < 0) throw new ArgumentException("Not a client of this harness.", nameof(client));
        client.Dispose();
        ClientLinks[index].Dispose();
        Clients.RemoveAt(index);
        ClientLinks.RemoveAt(index);
        ClientWires.RemoveAt(index);
    }

    /// <summary>Advances the clock and updates the server and every client once.</summary>
    public void Step(double milliseconds = 16)
    {
        Time.Advance(TimeSpan.FromMilliseconds(milliseconds));
        Wire.Settle();
        foreach (var client in Clients) client.Update();
        Wire.Settle();
        Server.Update();
    }

    /// <summary>Steps until <paramref name="condition"/> holds; false after <paramref name="maxSteps"/>.</summary>
    public bool RunUntil(Func<bool> condition, int maxSteps = 2000, double stepMs = 16)
    {
        for (int i = 0; i < maxSteps; i++)
        {
            if (condition()) return true;
            Step(stepMs);
        }
        return condition();
    }

    /// <summary>Connects a client with a fresh token (insecure: by client id) and drains the Connected events.</summary>
    public NetClient Connect(ulong clientId, LinkConditions? conditions = null, int seed = 2, bool record = false)
    {
        var client = AddClient(conditions, seed: seed);
        ClientWires[^1].Enabled = record;
        if (ServerOptions.Insecure) client.ConnectInsecure(ServerAddress, clientId);
        else client.Connect(IssueToken(clientId));
        Assert.True(RunUntil(() => client.State == ClientState.Connected), "client did not connect");
        Step();
        return client;
    }

    public static List<NetEvent> Drain(Func<(bool, NetEvent)> poll)
    {
        var events = new List<NetEvent>();
        while (true)
        {
            var (ok, e) = poll();
            if (!ok) return events;
            events.Add(e with { Data = e.Data.ToArray() });
        }
    }

    public List<NetEvent> DrainServer() => Drain(() => (Server.TryPollEvent(out var e), e));

    public static List<NetEvent> DrainClient(NetClient client) => Drain(() => (client.TryPollEvent(out var e), e));

    public void Dispose()
    {
        foreach (var client in Clients) client.Dispose();
        Server.Dispose();
        foreach (var disposable in Disposables) disposable.Dispose();
        foreach (var link in ClientLinks) link.Dispose();
        ServerLink.Dispose();
        Wire.Dispose();
    }
}

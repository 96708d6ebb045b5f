using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>Peers 1..n, each a world with a server, linked pairwise over the in-memory network behind link simulators, on one fake clock.</summary>
internal sealed class SharedMesh : IDisposable
{
    public const ulong Protocol = 0x5348_4152;

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly List<IDisposable> disposables = new();
    private readonly List<(NetAddress Address, ConnectTokenIssuer Issuer)> servers = new();
    private readonly int timeoutSeconds;
    private readonly InMemoryNetwork network = new();
    private readonly List<NetClient> rogue = new();

    public SharedMesh(int count, LinkConditions conditions, int seed, int timeoutSeconds = 10, int maxEntities = 4096, PcapngWriter? capture = null)
    {
        this.timeoutSeconds = timeoutSeconds;
        for (int p = 1; p <= count; p++)
        {
            var key = ConnectTokenIssuer.GenerateServerKey();
            var link = new LinkSimulator(network.CreateTransport(), conditions, time, seed * 100 + p);
            var server = new NetServer(link, new NetServerOptions { ProtocolId = Protocol, PrivateKey = key, PublicAddresses = [link.LocalAddress], Capture = capture }, time);
            servers.Add((link.LocalAddress, new ConnectTokenIssuer(key, Protocol, time)));
            var peerMesh = new PeerMesh((ulong)p, server);
            var world = World.Create();
            var shared = new SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>(world, peerMesh, maxEntities);
            var group = new Group<float>($"peer {p}", shared);
            group.Initialize();
            Peers.Add(new SharedPeer(world, peerMesh, shared, group));
            disposables.Add(link);
            for (int q = 1; q < p; q++)
            {
                var clientLink = new LinkSimulator(network.CreateTransport(), conditions, time, seed * 1000 + p * 10 + q);
                var client = new NetClient(clientLink, new NetClientOptions { ProtocolId = Protocol, Capture = capture }, time);
                peerMesh.AddOutgoing((ulong)q, client);
                Links[((ulong)p, (ulong)q)] = client;
                Connect(client, (ulong)p, (ulong)q);
                disposables.Add(clientLink);
            }
        }
    }

    /// <summary>Connects the link of peer <paramref name="from"/> to peer <paramref name="to"/>'s server again, with a fresh token (tokens are single-use).</summary>
    public void Reconnect(ulong from, ulong to)
    {
        var client = Links[(from, to)];
        client.Disconnect();
        Connect(client, from, to);
    }

    /// <summary>Cuts every link of <paramref name="peer"/> (its clients disconnect, the servers hear it) and ticks until no peer lists it and it lists none.</summary>
    public bool Cut(ulong peer, int maxTicks = 600)
    {
        foreach (var ((from, to), client) in Links)
        {
            if (from == peer || to == peer) client.Disconnect();
        }

        var cut = Peers[(int)peer - 1];
        return TickUntil(() => !cut.Mesh.ConnectedPeers.Any() && Live.All(p => !p.Mesh.ConnectedPeers.Contains(peer)), maxTicks);
    }

    /// <summary>Connects every link of <paramref name="peer"/> again with fresh tokens and ticks until each live peer lists all the others.</summary>
    public bool Rejoin(ulong peer, int maxTicks = 600)
    {
        foreach (var ((from, to), _) in Links.ToList())
        {
            if (from == peer || to == peer) Reconnect(from, to);
        }

        return TickUntil(() => Live.All(p => p.Mesh.ConnectedPeers.Count() == Live.Count - 1), maxTicks);
    }

    private void Connect(NetClient client, ulong from, ulong to)
    {
        var (address, issuer) = servers[(int)to - 1];
        client.Connect(issuer.Issue(from, [], TimeSpan.FromMinutes(30), [address], timeoutSeconds));
    }

    /// <summary>
    /// A link the mesh did not ask for: a client of peer <paramref name="from"/> (its own id in a valid token) connected to
    /// peer <paramref name="to"/>'s server in whichever direction, driven by <see cref="Tick"/> but read by nobody.
    /// </summary>
    public NetClient OpenRogueLink(ulong from, ulong to)
    {
        var client = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = Protocol }, time);
        rogue.Add(client);
        Connect(client, from, to);
        return client;
    }

    /// <summary>Connects a rogue link again with a fresh token.</summary>
    public void ReconnectRogue(NetClient client, ulong from, ulong to)
    {
        client.Disconnect();
        Connect(client, from, to);
    }

    public List<SharedPeer> Peers { get; } = new();

    /// <summary>The client of each link, by (the peer that connected, the peer it connected to).</summary>
    public Dictionary<(ulong From, ulong To), NetClient> Links { get; } = new();

    /// <summary>The peers not killed: a killed peer's process is gone, it sends nothing and answers nothing.</summary>
    public List<SharedPeer> Live => Peers.Where(p => !Killed.Contains(p)).ToList();

    public HashSet<SharedPeer> Killed { get; } = new();

    public void Tick()
    {
        time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
        float dt = 1f / 60f;
        foreach (var peer in Live) peer.Group.Tick(in dt);
        foreach (var client in rogue)
        {
            client.Update();
            while (client.TryPollEvent(out _))
            {
            }
        }
    }

    public bool TickUntil(Func<bool> done, int maxTicks)
    {
        for (int i = 0; i < maxTicks && !done(); i++) Tick();
        return done();
    }

    public bool Converged()
    {
        var live = Live;
        var reference = live[0].State();
        return live.All(p =>
        {
            var state = p.State();
            return state.Count == reference.Count && reference.All(r => state.TryGetValue(r.Key, out var s) && s.Owner == r.Value.Owner && ShipBodySerializer.SnapshotEquals(s.Body, r.Value.Body));
        });
    }

    public string Describe() => string.Join("; ", Peers.Select(p => $"peer {p.Mesh.PeerId}: {p.Shared.Count} entities, {p.State().Values.Count(s => s.Owner.Peer == p.Mesh.PeerId)} owned, {p.Shared.Applied} applied"));

    public void Dispose()
    {
        foreach (var peer in Peers)
        {
            peer.Mesh.Dispose();
            peer.World.Dispose();
        }

        foreach (var client in rogue) client.Dispose();
        foreach (var disposable in disposables) disposable.Dispose();
    }
}

/// <summary>One peer of a <see cref="SharedMesh"/>: its world, links and shared authority, ticked by its group.</summary>
internal sealed record SharedPeer(World World, PeerMesh Mesh, SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer> Shared, Group<float> Group)
{
    public List<Entity> Entities()
    {
        var result = new List<Entity>();
        foreach (ref var chunk in World.Query(new QueryDescription().WithAll<SharedId>()))
        {
            foreach (var entity in chunk.Entities) result.Add(entity);
        }

        return result;
    }

    public Dictionary<SharedId, (SharedOwner Owner, ShipBodySnapshot Body)> State()
    {
        var result = new Dictionary<SharedId, (SharedOwner, ShipBodySnapshot)>();
        foreach (ref var chunk in World.Query(new QueryDescription().WithAll<SharedId, SharedOwner, ShipBody>()))
        {
            var ids = chunk.GetReadOnlySpan<SharedId>();
            var owners = chunk.GetReadOnlySpan<SharedOwner>();
            var bodies = chunk.GetReadOnlySpan<ShipBody>();
            for (int i = 0; i < ids.Length; i++)
            {
                ShipBodySerializer.Quantize(in bodies[i], out var snapshot);
                result[ids[i]] = (owners[i], snapshot);
            }
        }

        return result;
    }
}

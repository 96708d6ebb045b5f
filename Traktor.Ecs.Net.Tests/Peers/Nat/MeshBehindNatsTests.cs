using System.Numerics;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport.Security;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>
/// Shared authority behind NATs: every peer's <see cref="NetServer"/> listens through a <see cref="NatTraversal"/> that hosts
/// a rendezvous of its own, and each of its links to a lower peer is a client whose traversal joins that peer's rendezvous,
/// so the introducer introduces every pair. <see cref="PeerMesh"/> needs nothing else: it takes the server and clients it is given.
/// </summary>
public class MeshBehindNatsTests
{
    private const ulong Protocol = 0x4D45_5348;

    [Fact]
    public void Three_peers_behind_their_nats_link_every_pair_punched_or_relayed_and_share_their_entities()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        var internet = new InMemoryNetwork();
        var introducerAddress = NetAddress.Parse("198.51.100.1:3478");
        using var introducer = new Introducer(internet.CreateTransport(introducerAddress), null, time);
        var options = new NatTraversalOptions { Introducer = introducerAddress };
        byte[] punchKey = RandomNumberGenerator.GetBytes(32);  // the session's, from the directory
        NatKind[] kinds = [NatKind.PortRestricted, NatKind.Symmetric, NatKind.PortRestricted];
        var disposables = new List<IDisposable>();
        var peers = new List<(NatTraversal Socket, ConnectTokenIssuer Issuer, Guid Rendezvous, PeerMesh Mesh, SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer> Shared, World World, Group<float> Group)>();
        var links = new List<(int From, int To, NatTraversal Socket, NetClient Client)>();
        void Tick(int ticks = 1)
        {
            for (int i = 0; i < ticks; i++)
            {
                time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
                introducer.Update();
                float dt = 1f / 60;
                foreach (var peer in peers) peer.Group.Tick(in dt);
            }
        }

        bool TickUntil(Func<bool> done, int maxTicks)
        {
            for (int i = 0; i < maxTicks && !done(); i++) Tick();
            return done();
        }

        try
        {
            for (int p = 1; p <= 3; p++)
            {
                // Each socket of a peer gets its own mapping of the peer's NAT (one public IP, its own ports).
                var socket = new NatTraversal(new NatSimulator(internet, NetAddress.Parse($"203.0.113.{10 + p}:50000"), kinds[p - 1], time), options, time);
                var key = ConnectTokenIssuer.GenerateServerKey();
                var server = new NetServer(socket, new NetServerOptions { ProtocolId = Protocol, PrivateKey = key }, time);
                var mesh = new PeerMesh((ulong)p, server);
                var world = World.Create();
                var shared = new SharedAuthority<ShipBody, ShipBodySnapshot, ShipBodySerializer>(world, mesh);
                var group = new Group<float>($"peer {p}", shared);
                group.Initialize();
                var rendezvous = Guid.NewGuid();
                socket.Host(rendezvous, punchKey);
                peers.Add((socket, new ConnectTokenIssuer(key, Protocol, time), rendezvous, mesh, shared, world, group));
                disposables.Add(server);
            }

            Assert.True(TickUntil(() => peers.All(p => !p.Socket.PublicAddress.IsNone), 600), "every peer registered its rendezvous");

            // Every pair: the higher peer joins the lower one's rendezvous from a socket of its own.
            for (int p = 2; p <= 3; p++)
            {
                for (int q = 1; q < p; q++)
                {
                    var socket = new NatTraversal(new NatSimulator(internet, NetAddress.Parse($"203.0.113.{10 + p}:{50000 + 100 * q}"), kinds[p - 1], time), options, time);
                    var client = new NetClient(socket, new NetClientOptions { ProtocolId = Protocol }, time);
                    peers[p - 1].Mesh.AddOutgoing((ulong)q, client);
                    socket.Join(peers[q - 1].Rendezvous, punchKey);
                    links.Add((p, q, socket, client));
                    disposables.Add(client);
                }
            }

            Assert.True(TickUntil(() => links.All(l => l.Socket.GetPath(l.Socket.HostAddress) is NatPath.Direct or NatPath.Relayed), 60 * 10), "every pair found a path");
            foreach (var link in links)
            {
                var host = peers[link.To - 1];
                Assert.Equal(host.Socket.PublicAddress, link.Socket.HostAddress);
                link.Client.Connect(host.Issuer.Issue((ulong)link.From, [], TimeSpan.FromMinutes(5), [host.Socket.PublicAddress]));
            }

            Assert.True(TickUntil(() => peers.All(p => p.Mesh.ConnectedPeers.Count() == 2), 60 * 20), "the mesh links every pair");

            // A port-restricted pair punches; a symmetric NAT on either side of a pair sends it through the relay.
            string Path(int from, int to) => links.Single(l => l.From == from && l.To == to) is var l ? l.Socket.GetPath(l.Socket.HostAddress).ToString() : "";
            Assert.Equal(("Relayed", "Direct", "Relayed"), (Path(2, 1), Path(3, 1), Path(3, 2)));
            Assert.True(introducer.Relayed > 0);

            // Shared authority over it: each peer's entities reach the others with their owner and state.
            for (int p = 0; p < 3; p++)
            {
                for (int i = 0; i < 2; i++) peers[p].Shared.Spawn(new ShipBody { Position = new Vector2(p * 100 + i, i) });
            }

            Assert.True(TickUntil(() => peers.All(p => p.Shared.Count == 6), 60 * 10), string.Join(", ", peers.Select(p => p.Shared.Count)));
            Assert.All(peers, p => Assert.Equal(0, p.Shared.Refused));
            Assert.All(peers, p => Assert.Equal(0, p.Socket.Forged));
        }
        finally
        {
            foreach (var peer in peers)
            {
                peer.Mesh.Dispose();
                peer.Group.Dispose();
                peer.World.Dispose();
            }

            foreach (var disposable in disposables) disposable.Dispose();
        }
    }
}

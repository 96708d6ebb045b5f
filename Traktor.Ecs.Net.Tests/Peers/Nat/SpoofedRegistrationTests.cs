using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Tests.Transport;
using L = Traktor.Ecs.Net.Transport.Traversal.TraversalLayout;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>
/// Registers from spoofed sources (docs/PROTOCOL.md §14, traversal version 3). Before the cookie, a Register from a
/// spoofed victim address created a route to the victim: the introducer then relayed whatever the attacker sent to the
/// victim (measured against a real `Demo --introducer` with a raw socket: 129,812 attacker-chosen bytes delivered from
/// the introducer's address), and a real host punched the victim 40 times (1,400 bytes for one 128-byte datagram).
/// </summary>
public class SpoofedRegistrationTests
{
    private static readonly NetAddress Victim = NetAddress.Parse("192.0.2.99:40999");

    private static byte[] Register(byte role, Guid rendezvous, ReadOnlySpan<byte> cookie = default)
    {
        var packet = new byte[L.RegisterSize];
        L.WriteHeader(packet, L.Register);
        packet[L.HeaderSize] = role;
        rendezvous.TryWriteBytes(packet.AsSpan(L.HeaderSize + 1));
        cookie.CopyTo(packet.AsSpan(L.RegisterCookieOffset));
        return packet;
    }

    private static List<byte[]> Drain(InMemoryTransport peer)
    {
        var got = new List<byte[]>();
        var buffer = new byte[2048];
        while (peer.TryReceive(buffer, out int length, out _)) got.Add(buffer[..length]);
        return got;
    }

    [Fact]
    public void A_joiner_spoofing_a_victims_address_makes_nobody_send_the_victim_more_than_one_small_cookie()
    {
        using var scene = new NatScene(NatKind.FullCone, NatKind.PortRestricted); // a full-cone host punches anyone
        using var victim = scene.Internet.CreateTransport(Victim);
        scene.HostSide.Host(scene.Rendezvous);
        Assert.True(scene.RunUntil(() => !scene.HostSide.PublicAddress.IsNone), "the host registered");

        // An admitted player knows the rendezvous id; it registers as a joiner "from" the victim.
        scene.Internet.Inject(Register(L.RoleJoiner, scene.Rendezvous), Victim, NatScene.IntroducerAddress);
        for (int i = 0; i < 300; i++) scene.Step();                       // 3 s: punching would have run its course

        var atVictim = Drain(victim);
        Assert.True(atVictim.Sum(d => d.Length) <= L.CookiePacketSize, $"the victim got {atVictim.Count} datagrams, {atVictim.Sum(d => d.Length)} bytes");
        Assert.Equal(0, scene.Introducer.RouteCount);
        Assert.Equal(0, scene.Introducer.Introductions);
        Assert.Equal(NatPath.None, scene.HostSide.GetPath(Victim));
    }

    [Fact]
    public void An_attacker_cannot_have_the_relay_forward_to_an_address_it_chose()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        var internet = new InMemoryNetwork();
        var introducerAddress = NetAddress.Parse("198.51.100.1:3478");
        using var introducer = new Introducer(internet.CreateTransport(introducerAddress), null, time);
        using var attacker = internet.CreateTransport();
        using var victim = internet.CreateTransport(Victim);
        var rendezvous = Guid.NewGuid();

        // The attacker hosts its own rendezvous from its real address (it receives there, so it can echo the cookie)...
        attacker.TrySend(Register(L.RoleHost, rendezvous), introducerAddress);
        introducer.Update();
        var cookie = Drain(attacker).Single(d => d[2] == L.Cookie);
        attacker.TrySend(Register(L.RoleHost, rendezvous, cookie.AsSpan(L.HeaderSize + 16, L.CookieSize)), introducerAddress);
        introducer.Update();
        Assert.Equal(1, introducer.RendezvousCount);
        Drain(attacker);

        // ...and registers a joiner from the victim's address, with every cookie it can make up (it never sees the victim's).
        internet.Inject(Register(L.RoleJoiner, rendezvous), Victim, introducerAddress);
        internet.Inject(Register(L.RoleJoiner, rendezvous, cookie.AsSpan(L.HeaderSize + 16, L.CookieSize)), Victim, introducerAddress);
        introducer.Update();
        var introduce = Drain(attacker).FirstOrDefault(d => d[2] == L.Introduce);
        ulong route = introduce is null ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(introduce.AsSpan(L.HeaderSize + 16));

        // Then it tries to relay a flood to "its joiner".
        var relay = new byte[1400];
        L.WriteHeader(relay, L.Relay);
        BinaryPrimitives.WriteUInt64LittleEndian(relay.AsSpan(L.HeaderSize), route);
        for (int i = 0; i < 200; i++) attacker.TrySend(relay, introducerAddress);
        introducer.Update();

        Assert.Null(introduce);
        Assert.Equal(0, introducer.Relayed);
        var atVictim = Drain(victim);
        Assert.True(atVictim.Sum(d => d.Length) <= 2 * L.CookiePacketSize, $"the victim got {atVictim.Sum(d => d.Length)} bytes");
        Assert.All(atVictim, d => Assert.Equal(L.Cookie, d[2]));
    }

    [Fact]
    public void Registers_from_ten_thousand_spoofed_sources_create_no_state_and_draw_fewer_bytes_than_they_cost()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        var internet = new InMemoryNetwork();
        var introducerAddress = NetAddress.Parse("198.51.100.1:3478");
        var wire = new RecordingTransport(internet.CreateTransport(introducerAddress));
        using var introducer = new Introducer(wire, null, time);
        var random = new Random(7);
        var shared = Guid.NewGuid();
        for (int i = 0; i < 10_000; i++)
        {
            var source = NetAddress.FromEndPoint(new System.Net.IPEndPoint(new System.Net.IPAddress(random.Next()), random.Next(1024, 65536)));
            var cookie = new byte[L.CookieSize];
            if (i % 2 == 0) random.NextBytes(cookie);
            internet.Inject(Register((byte)(i % 2), i % 3 == 0 ? shared : Guid.NewGuid(), cookie), source, introducerAddress);
            if (i % 1000 == 999)
            {
                introducer.Update();
                time.Advance(TimeSpan.FromMilliseconds(100));
            }
        }
        introducer.Update();

        Assert.Equal(0, introducer.RendezvousCount);
        Assert.Equal(0, introducer.RouteCount);
        long received = wire.Received.Sum(d => (long)d.Data.Length), sent = wire.Sent.Sum(d => (long)d.Data.Length);
        Assert.Equal(10_000L * L.RegisterSize, received);
        Assert.True(sent <= received * L.CookiePacketSize / L.RegisterSize, $"sent {sent} bytes for {received}");
        Assert.Equal(wire.Sent.Count, introducer.CookiesSent);
    }

    [Fact]
    public void Cookies_forged_from_the_introducers_address_draw_at_most_one_extra_register_each_interval()
    {
        using var scene = new NatScene(NatKind.FullCone, NatKind.PortRestricted);
        scene.HostSide.Host(scene.Rendezvous);
        Assert.True(scene.RunUntil(() => !scene.HostSide.PublicAddress.IsNone), "the host registered");
        int registersBefore = scene.RelayWire.Received.Count(d => d.Data[2] == L.Register);

        // Someone who knows the rendezvous id spoofs the introducer and floods the host with cookies.
        var forged = new byte[L.CookiePacketSize];
        L.WriteHeader(forged, L.Cookie);
        scene.Rendezvous.TryWriteBytes(forged.AsSpan(L.HeaderSize));
        for (int i = 0; i < 1000; i++)
        {
            Random.Shared.NextBytes(forged.AsSpan(L.HeaderSize + 16));
            scene.Internet.Inject(forged, NatScene.IntroducerAddress, scene.HostSide.PublicAddress);
            if (i % 10 == 9) scene.Step();
        }

        // 1 s of game time: two scheduled registers at most, each allowed one early retry, each retry answered by a real cookie.
        int registers = scene.RelayWire.Received.Count(d => d.Data[2] == L.Register) - registersBefore;
        Assert.InRange(registers, 0, 4);
        // And the host is still registered: its next register carries a real cookie again.
        for (int i = 0; i < 300; i++) scene.Step();
        Assert.Equal(1, scene.Introducer.RendezvousCount);
    }
}

using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>The introducer and relay under hostile input: no amplification, bounded tables and rates, no hijacking.</summary>
public class IntroducerTests
{
    private sealed class Setup : IDisposable
    {
        public FakeTimeProvider Time { get; } = new(TransportHarness.Start);
        public InMemoryNetwork Internet { get; } = new();
        public RecordingTransport Wire { get; }
        public Introducer Introducer { get; }
        public Guid Rendezvous { get; } = Guid.NewGuid();

        public Setup(IntroducerOptions? options = null)
        {
            Wire = new RecordingTransport(Internet.CreateTransport(NetAddress.Parse("198.51.100.1:3478")));
            Introducer = new Introducer(Wire, options, Time);
        }

        public InMemoryTransport Peer() => Internet.CreateTransport();

        public static byte[] Register(byte role, Guid rendezvous, byte[]? cookie = null)
        {
            var packet = new byte[128];
            packet[0] = 0x0F;
            packet[1] = 3; // traversal version 3
            packet[2] = 1;
            packet[3] = role;
            rendezvous.TryWriteBytes(packet.AsSpan(4));
            cookie?.CopyTo(packet.AsSpan(20));
            return packet;
        }

        /// <summary>Registers as a real peer does: the first Register draws the cookie for this address, the second echoes it.</summary>
        public void Registered(InMemoryTransport from, byte role, Guid rendezvous)
        {
            Send(from, Register(role, rendezvous));
            var cookie = Assert.Single(Drain(from));
            Assert.Equal(35, cookie.Length);
            Assert.Equal(7, cookie[2]);
            Send(from, Register(role, rendezvous, cookie[19..35]));
        }

        /// <summary>As <see cref="Registered"/>, when the first Register may not be answered (over the rate): echoes a cookie if one came.</summary>
        public void TryRegister(InMemoryTransport from, byte role, Guid rendezvous)
        {
            Send(from, Register(role, rendezvous));
            foreach (var reply in Drain(from).Where(d => d[2] == 7)) Send(from, Register(role, rendezvous, reply[19..35]));
        }

        public static byte[] Relay(ulong route, int payload)
        {
            var packet = new byte[11 + payload];
            packet[0] = 0x0F;
            packet[1] = 3; // traversal version 3
            packet[2] = 6;
            BinaryPrimitives.WriteUInt64LittleEndian(packet.AsSpan(3), route);
            return packet;
        }

        public void Send(InMemoryTransport from, byte[] packet)
        {
            from.TrySend(packet, Introducer.LocalAddress);
            Introducer.Update();
        }

        public static List<byte[]> Drain(InMemoryTransport peer)
        {
            var got = new List<byte[]>();
            var buffer = new byte[2048];
            while (peer.TryReceive(buffer, out int length, out _)) got.Add(buffer[..length]);
            return got;
        }

        /// <summary>Registers a host and a joiner and returns the route id both were introduced with.</summary>
        public ulong Introduce(InMemoryTransport host, InMemoryTransport joiner)
        {
            Registered(host, 0, Rendezvous);
            Registered(joiner, 1, Rendezvous);
            Drain(host);
            var introduce = Assert.Single(Drain(joiner));
            Assert.Equal(63, introduce.Length);
            return BinaryPrimitives.ReadUInt64LittleEndian(introduce.AsSpan(19));
        }

        public void Dispose() => Introducer.Dispose();
    }

    [Fact]
    public void Replies_never_outweigh_the_requests_that_caused_them()
    {
        using var s = new Setup();
        var host = s.Peer();
        var random = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            var sender = i % 3 == 0 ? host : s.Peer();
            switch (random.Next(5))
            {
                case 0: s.TryRegister(sender, 0, s.Rendezvous); break;
                case 1: s.TryRegister(sender, 1, s.Rendezvous); break;
                case 2: s.Send(sender, Setup.Register(1, s.Rendezvous)); break;
                case 3: s.Send(sender, Setup.Register((byte)random.Next(256), random.Next(2) == 0 ? s.Rendezvous : Guid.NewGuid(), RandomCookie(random))); break;
                default: s.Send(sender, RandomBytes(random)); break;
            }
            Setup.Drain(sender);
        }
        long received = s.Wire.Received.Sum(d => (long)d.Data.Length);
        long sent = s.Wire.Sent.Sum(d => (long)d.Data.Length);
        Assert.True(s.Introducer.Introductions > 0);
        Assert.True(sent <= received, $"sent {sent} bytes for {received} received");
        Assert.True(s.Introducer.Dropped > 0);
    }

    private static byte[] RandomCookie(Random random)
    {
        var cookie = new byte[16];
        random.NextBytes(cookie);
        return cookie;
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 200)];
        random.NextBytes(bytes);
        if (bytes.Length > 2 && random.Next(2) == 0)
        {
            bytes[0] = 0x0F;
            bytes[1] = 3;
        }
        return bytes;
    }

    [Fact]
    public void A_route_relays_only_between_its_two_peers_one_for_one()
    {
        using var s = new Setup();
        var host = s.Peer();
        var joiner = s.Peer();
        var stranger = s.Peer();
        ulong route = s.Introduce(host, joiner);

        s.Send(joiner, Setup.Relay(route, 100));
        Assert.Equal(111, Assert.Single(Setup.Drain(host)).Length);   // forwarded unchanged
        s.Send(host, Setup.Relay(route, 50));
        Assert.Equal(61, Assert.Single(Setup.Drain(joiner)).Length);

        s.Send(stranger, Setup.Relay(route, 100));                      // the right route id from the wrong address
        s.Send(joiner, Setup.Relay(route ^ 1, 100));                    // an unknown route
        s.Send(joiner, Setup.Relay(route, 5000));                       // over the size limit
        Assert.Empty(Setup.Drain(host));
        Assert.Empty(Setup.Drain(stranger));
        Assert.Equal(2, s.Introducer.Relayed);
    }

    [Fact]
    public void Each_side_of_a_route_is_held_to_its_relay_rate()
    {
        using var s = new Setup(new IntroducerOptions { RelayPacketsPerSecond = 100, RelayBytesPerSecond = 1_000_000 });
        var host = s.Peer();
        var joiner = s.Peer();
        ulong route = s.Introduce(host, joiner);
        for (int i = 0; i < 1000; i++) joiner.TrySend(Setup.Relay(route, 20), s.Introducer.LocalAddress);
        s.Introducer.Update();
        Assert.Equal(100, Setup.Drain(host).Count);                     // one second's burst, then nothing
        Assert.Equal(900, s.Introducer.RelayRateLimited);
        s.Send(host, Setup.Relay(route, 20));                           // the other side has its own budget
        Assert.Single(Setup.Drain(joiner));
        s.Time.Advance(TimeSpan.FromSeconds(0.5));
        for (int i = 0; i < 1000; i++) joiner.TrySend(Setup.Relay(route, 20), s.Introducer.LocalAddress);
        s.Introducer.Update();
        Assert.InRange(Setup.Drain(host).Count, 49, 50);                // refilled at the rate
    }

    [Fact]
    public void Tables_are_bounded_and_a_rendezvous_cannot_be_taken_over()
    {
        using var s = new Setup(new IntroducerOptions { MaxRendezvous = 3, MaxRoutesPerRendezvous = 2, MaxRoutes = 100 });
        var host = s.Peer();
        s.Registered(host, 0, s.Rendezvous);
        Assert.Single(Setup.Drain(host));
        var thief = s.Peer();
        s.Registered(thief, 0, s.Rendezvous);                           // another address claims the same rendezvous
        Assert.Empty(Setup.Drain(thief));
        for (int i = 0; i < 5; i++) s.Registered(s.Peer(), 0, Guid.NewGuid());
        Assert.Equal(3, s.Introducer.RendezvousCount);

        for (int i = 0; i < 5; i++) s.Registered(s.Peer(), 1, s.Rendezvous);
        Assert.Equal(2, s.Introducer.RouteCount);
        Assert.Equal(2, Setup.Drain(host).Count);                       // the host heard of two joiners only

        // A host that stops registering is forgotten with its routes; then its id is free again.
        s.Time.Advance(TimeSpan.FromSeconds(11));
        s.Introducer.Update();
        Assert.Equal(0, s.Introducer.RendezvousCount);
        Assert.Equal(0, s.Introducer.RouteCount);
        s.Registered(thief, 0, s.Rendezvous);
        Assert.Single(Setup.Drain(thief));
    }

    [Fact]
    public void One_address_cannot_fill_the_rendezvous_or_route_table_alone()
    {
        // Before the per-address caps, 41 IPv4 addresses registering 100 rendezvous each filled the 4,096 of the table,
        // and a host with two joiner addresses filled every route: nobody else could be introduced.
        using var s = new Setup(new IntroducerOptions { MaxRendezvousPerAddress = 3, MaxRoutesPerAddress = 2, RegistersPerSecond = 1000 });
        InMemoryTransport From(string address) => s.Internet.CreateTransport(NetAddress.Parse(address));
        var hosts = Enumerable.Range(0, 5).Select(i => From($"192.0.2.5:{1000 + i}")).ToList();
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        for (int i = 0; i < 5; i++) s.Registered(hosts[i], 0, ids[i]);
        Assert.Equal(3, s.Introducer.RendezvousCount);                  // whatever the ports
        s.Registered(s.Peer(), 0, s.Rendezvous);                        // another address still hosts
        Assert.Equal(4, s.Introducer.RendezvousCount);

        var joiners = Enumerable.Range(0, 4).Select(i => From($"192.0.2.6:{2000 + i}")).ToList();
        foreach (var joiner in joiners) s.Registered(joiner, 1, s.Rendezvous);
        Assert.Equal(2, s.Introducer.RouteCount);
        Assert.Equal(2, joiners.Count(j => Setup.Drain(j).Any(d => d[2] == 3)));   // two were introduced, two not
        s.Registered(s.Peer(), 1, s.Rendezvous);                        // another joiner address is
        Assert.Equal(3, s.Introducer.RouteCount);

        // Forgotten hosts and routes give their address its share back.
        s.Time.Advance(TimeSpan.FromSeconds(31));
        s.Introducer.Update();
        Assert.Equal(0, s.Introducer.RendezvousCount);
        Assert.Equal(0, s.Introducer.RouteCount);
        hosts.ForEach(host => Setup.Drain(host));
        for (int i = 0; i < 3; i++) s.Registered(hosts[i], 0, ids[i]);
        Assert.Equal(3, s.Introducer.RendezvousCount);
    }

    [Fact]
    public void Registrations_are_rate_limited_per_address()
    {
        using var s = new Setup(new IntroducerOptions { RegistersPerSecond = 10 });
        var host = s.Peer();
        for (int i = 0; i < 100; i++) host.TrySend(Setup.Register(0, s.Rendezvous), s.Introducer.LocalAddress);
        s.Introducer.Update();
        Assert.Equal(20, Setup.Drain(host).Count);                      // the burst, twice the rate
    }

    [Fact]
    public void Raising_the_table_limits_and_shortening_the_host_timeout_on_the_callers_options_leaves_a_running_introducer_as_made()
    {
        // The introducer keeps a copy: the caller's object changed after it started (each value valid) reaches nothing.
        var options = new IntroducerOptions { MaxRendezvous = 2, HostTimeout = TimeSpan.FromSeconds(10) };
        using var s = new Setup(options);
        options.MaxRendezvous = 100;
        options.HostTimeout = TimeSpan.FromSeconds(1);

        for (int i = 0; i < 4; i++) s.Registered(s.Peer(), 0, Guid.NewGuid());
        Assert.Equal(2, s.Introducer.RendezvousCount);                  // the table holds the two it was made with

        s.Time.Advance(TimeSpan.FromSeconds(5));                        // past the changed timeout, within the kept one
        s.Introducer.Update();
        Assert.Equal(2, s.Introducer.RendezvousCount);
        s.Time.Advance(TimeSpan.FromSeconds(6));                        // past the kept 10 s: forgotten
        s.Introducer.Update();
        Assert.Equal(0, s.Introducer.RendezvousCount);
    }

    [Fact]
    public void Changing_the_relay_rate_and_the_read_budget_on_the_callers_options_leaves_a_running_introducer_as_made()
    {
        var options = new IntroducerOptions { RelayPacketsPerSecond = 100, RelayBytesPerSecond = 1_000_000 };
        using var s = new Setup(options);
        options.RelayPacketsPerSecond = 10_000;                         // would relay all 1,000 below
        options.MaxDatagramsPerUpdate = 1;                              // would read one of them per update

        var host = s.Peer();
        var joiner = s.Peer();
        ulong route = s.Introduce(host, joiner);                        // its budget is made after the change
        for (int i = 0; i < 1000; i++) joiner.TrySend(Setup.Relay(route, 20), s.Introducer.LocalAddress);
        s.Introducer.Update();
        Assert.Equal(100, Setup.Drain(host).Count);                     // one second's burst of the kept rate, all read in one update
        Assert.Equal(900, s.Introducer.RelayRateLimited);
    }
}

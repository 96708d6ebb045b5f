using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>The simulated NAT's mapping and filtering, kind by kind (RFC 4787 behaviours).</summary>
public class NatSimulatorTests
{
    private static readonly NetAddress NatIp = NetAddress.Parse("203.0.113.5:50000");

    private sealed class Setup : IDisposable
    {
        public FakeTimeProvider Time { get; } = new(TransportHarness.Start);
        public InMemoryNetwork Internet { get; } = new();
        public NatSimulator Nat { get; }
        public InMemoryTransport A { get; }
        public InMemoryTransport APort2 { get; }
        public InMemoryTransport B { get; }

        public Setup(NatKind kind)
        {
            Nat = new NatSimulator(Internet, NatIp, kind, Time);
            A = Internet.CreateTransport(NetAddress.Parse("198.51.100.7:1000"));
            APort2 = Internet.CreateTransport(NetAddress.Parse("198.51.100.7:2000"));
            B = Internet.CreateTransport(NetAddress.Parse("198.51.100.9:1000"));
        }

        /// <summary>Whether a datagram from <paramref name="from"/> to the NAT's mapping <paramref name="to"/> reaches the inside host.</summary>
        public bool Reaches(InMemoryTransport from, NetAddress to)
        {
            from.TrySend([42], to);
            var buffer = new byte[16];
            bool got = false;
            while (Nat.TryReceive(buffer, out _, out var source)) got |= source == from.LocalAddress;
            return got;
        }

        public NetAddress MappingSeenBy(InMemoryTransport peer)
        {
            Assert.True(Nat.TrySend([1], peer.LocalAddress));
            Assert.True(peer.TryReceive(new byte[16], out _, out var source));
            return source;
        }

        public void Dispose() => Nat.Dispose();
    }

    [Theory]
    [InlineData(NatKind.FullCone, true, true, true)]
    [InlineData(NatKind.AddressRestricted, true, true, false)]
    [InlineData(NatKind.PortRestricted, true, false, false)]
    [InlineData(NatKind.Symmetric, true, false, false)]
    public void Filtering_lets_in_what_the_kind_allows(NatKind kind, bool sameEndpoint, bool sameIpOtherPort, bool otherIp)
    {
        using var s = new Setup(kind);
        var mapping = s.MappingSeenBy(s.A);
        Assert.Equal(sameEndpoint, s.Reaches(s.A, mapping));
        Assert.Equal(sameIpOtherPort, s.Reaches(s.APort2, mapping));
        Assert.Equal(otherIp, s.Reaches(s.B, mapping));
        Assert.Equal((sameIpOtherPort ? 0 : 1) + (otherIp ? 0 : 1), s.Nat.Filtered);
    }

    [Theory]
    [InlineData(NatKind.FullCone, false)]
    [InlineData(NatKind.PortRestricted, false)]
    [InlineData(NatKind.Symmetric, true)]
    public void Only_a_symmetric_nat_maps_each_destination_to_its_own_port(NatKind kind, bool perDestination)
    {
        using var s = new Setup(kind);
        var seenByA = s.MappingSeenBy(s.A);
        var seenByB = s.MappingSeenBy(s.B);
        Assert.Equal(NatIp.WithPort(0), seenByA.WithPort(0));
        Assert.Equal(perDestination, seenByA != seenByB);
        Assert.Equal(perDestination ? 2 : 1, s.Nat.MappingsCreated);
    }

    [Fact]
    public void An_idle_mapping_expires_and_lets_nothing_in()
    {
        using var s = new Setup(NatKind.FullCone);
        var mapping = s.MappingSeenBy(s.A);
        s.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(s.Reaches(s.B, mapping));
        s.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(s.Reaches(s.B, mapping));      // 31 s without outbound traffic: the router forgot it
        Assert.NotEqual(mapping, s.MappingSeenBy(s.A)); // sending again opens a new port
    }
}

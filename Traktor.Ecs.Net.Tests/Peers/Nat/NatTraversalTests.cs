using System.Text;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Peers.Nat;

/// <summary>Peers behind simulated NATs: introduced, punched through when the NATs allow it, relayed when not.</summary>
public class NatTraversalTests
{
    private static byte[] Message(int i) => Encoding.UTF8.GetBytes($"secret-move-{i:D4}-of-the-game");

    [Theory]
    [InlineData(NatKind.PortRestricted, NatKind.PortRestricted)]
    [InlineData(NatKind.AddressRestricted, NatKind.PortRestricted)]
    [InlineData(NatKind.FullCone, NatKind.PortRestricted)]
    [InlineData(NatKind.FullCone, NatKind.Symmetric)]   // the host learns the joiner's real mapping from its punch
    public void Punched_path_carries_the_game_peer_to_peer_and_not_through_the_relay(NatKind host, NatKind joiner)
    {
        using var scene = new NatScene(host, joiner);
        Assert.Equal(NatPath.Direct, scene.Connect());
        var (atHost, atJoiner) = scene.Exchange(50, Message);

        Assert.Equal(Enumerable.Range(0, 50).Select(Message), atHost);
        Assert.Equal(Enumerable.Range(0, 50).Select(Message), atJoiner);
        Assert.Equal(0, scene.Introducer.Relayed);                       // not one datagram through the relay
        Assert.Equal(0, scene.HostSide.RelayedSent + scene.JoinerSide.RelayedSent);
        Assert.True(scene.JoinerSide.DirectSent > 50 && scene.HostSide.DirectSent > 50);
        // The first punch of the one that punched first was filtered by the other's NAT: the holes were needed.
        Assert.True(scene.HostNat.Filtered + scene.JoinerNat.Filtered > 0, "a NAT filtered an early punch");
    }

    [Theory]
    [InlineData(NatKind.Symmetric, NatKind.Symmetric)]
    [InlineData(NatKind.Symmetric, NatKind.PortRestricted)]
    [InlineData(NatKind.PortRestricted, NatKind.Symmetric)]
    public void Symmetric_nat_falls_back_to_the_relay_and_the_connection_works(NatKind host, NatKind joiner)
    {
        using var scene = new NatScene(host, joiner);
        Assert.Equal(NatPath.Relayed, scene.Connect());
        Assert.Equal(NatPath.Relayed, scene.HostSide.GetPath(scene.JoinerSide.PublicAddress));
        var (atHost, atJoiner) = scene.Exchange(50, Message);

        Assert.Equal(Enumerable.Range(0, 50).Select(Message), atHost);
        Assert.Equal(Enumerable.Range(0, 50).Select(Message), atJoiner);
        Assert.True(scene.Introducer.Relayed > 100, $"relayed {scene.Introducer.Relayed}");
        Assert.True(scene.JoinerSide.RelayedReceived > 0 && scene.HostSide.RelayedReceived > 0);
    }

    [Fact]
    public void The_relay_only_ever_sees_sealed_bytes()
    {
        using var scene = new NatScene(NatKind.Symmetric, NatKind.Symmetric);
        Assert.Equal(NatPath.Relayed, scene.Connect());
        var (atHost, atJoiner) = scene.Exchange(20, Message);
        Assert.Equal(20, atHost.Count);
        Assert.Equal(20, atJoiner.Count);

        // Every byte the relay received or sent: the messages both peers read in clear never appear in it.
        var marker = Encoding.UTF8.GetBytes("secret-move-");
        var seen = scene.RelayWire.Received.Concat(scene.RelayWire.Sent).Select(d => d.Data).ToList();
        Assert.True(seen.Count > 40);
        Assert.DoesNotContain(seen, d => d.AsSpan().IndexOf(marker) >= 0);
        // And the Introducer API holds no key at all: it is built from a socket, limits and a clock.
        Assert.Single(typeof(Introducer).GetConstructors());
        Assert.DoesNotContain(typeof(Introducer).GetConstructors()[0].GetParameters(), p => p.ParameterType == typeof(byte[]));
    }

    [Fact]
    public void A_relay_that_tampers_with_datagrams_is_caught_by_the_peers()
    {
        TamperingTransport? tamper = null;
        using var scene = new NatScene(NatKind.Symmetric, NatKind.Symmetric, socket => tamper = new TamperingTransport(socket));
        Assert.Equal(NatPath.Relayed, scene.Connect());
        long rejectedBefore = scene.Server.Counters.RejectedFromConnected;
        tamper!.Enabled = true;  // from now on, every third relayed datagram has one bit flipped
        var (atHost, atJoiner) = scene.Exchange(40, Message);

        Assert.True(tamper.Tampered > 10, $"tampered {tamper.Tampered}");
        Assert.True(scene.Server.Counters.RejectedFromConnected > rejectedBefore, "the host rejected the tampered datagrams");
        // Nothing altered got through: what arrived is exactly what was sent (reliability resent what was dropped).
        Assert.Equal(Enumerable.Range(0, 40).Select(Message), atHost);
        Assert.Equal(Enumerable.Range(0, 40).Select(Message), atJoiner);
        Assert.Equal(ClientState.Connected, scene.Client.State);
    }

    [Fact]
    public void Lengthening_the_punch_timeout_on_the_callers_options_leaves_running_traversals_falling_back_to_the_relay_at_the_first()
    {
        using var scene = new NatScene(NatKind.Symmetric, NatKind.Symmetric);   // no hole can be punched between these
        scene.TraversalOptions.PunchTimeout = TimeSpan.FromHours(1);           // would punch for an hour before relaying
        scene.HostSide.Host(scene.Rendezvous);
        Assert.True(scene.RunUntil(() => !scene.HostSide.PublicAddress.IsNone), "the host registered");
        scene.JoinerSide.Join(scene.Rendezvous);
        Assert.True(scene.RunUntil(() => !scene.JoinerSide.HostAddress.IsNone), "the joiner was introduced");
        double introduced = scene.Time.GetTimestamp() / (double)scene.Time.TimestampFrequency;

        Assert.True(scene.RunUntil(() => scene.JoinerSide.GetPath(scene.JoinerSide.HostAddress) == NatPath.Relayed, maxSteps: 300),
            $"the joiner fell back to the relay within the kept 2 s punch timeout (path {scene.JoinerSide.GetPath(scene.JoinerSide.HostAddress)})");
        double relayed = scene.Time.GetTimestamp() / (double)scene.Time.TimestampFrequency;
        Assert.InRange(relayed - introduced, 1.9, 2.1);                         // the kept timeout, neither sooner nor later
    }

    [Fact]
    public void Moving_the_introducer_on_the_callers_options_leaves_running_traversals_registering_with_the_first()
    {
        using var scene = new NatScene(NatKind.PortRestricted, NatKind.PortRestricted);
        scene.TraversalOptions.Introducer = NetAddress.Parse("192.0.2.99:3478");    // nobody there: no registration would be answered
        Assert.Equal(NatPath.Direct, scene.Connect());
        Assert.Equal(1, scene.Introducer.RendezvousCount);
    }

    /// <summary>A relay's socket that flips a bit inside every third relayed datagram it sends, once enabled.</summary>
    private sealed class TamperingTransport(IDatagramTransport inner) : IDatagramTransport
    {
        private long sent;

        public bool Enabled { get; set; }

        public long Tampered { get; private set; }

        public NetAddress LocalAddress => inner.LocalAddress;

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
        {
            if (!Enabled || datagram.Length < 20 || datagram[2] != 6 || ++sent % 3 != 0) return inner.TrySend(datagram, destination);
            var copy = datagram.ToArray();
            copy[copy.Length - 1 - (int)(sent % 8)] ^= 0x10;
            Tampered++;
            return inner.TrySend(copy, destination);
        }

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source) => inner.TryReceive(buffer, out length, out source);

        public void Dispose() => inner.Dispose();
    }
}

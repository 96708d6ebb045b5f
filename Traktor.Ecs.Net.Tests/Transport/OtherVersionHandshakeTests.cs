using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// What a peer of another protocol version sees (docs/PROTOCOL.md, version history): a server drops a handshake whose
/// version string is not its own unanswered, counted as malformed, so the old client's attempt ends with
/// <see cref="DisconnectReason.ConnectTimedOut"/> (not <see cref="DisconnectReason.ProtocolMismatch"/>, which is for another
/// protocol id). The old client is this build's client whose requests carry the old version string, as an old build writes
/// them (the request's layout did not change); a control with the current string connects through the same rewriting wire.
/// </summary>
public sealed class OtherVersionHandshakeTests
{
    [Theory]
    [InlineData("TRKNET15")]   // the version before the disconnect reason HostGaveWay (20)
    [InlineData("TRKNET16")]   // the version before the disconnect reason LeftSession (21)
    [InlineData("TRKNET14")]
    public void A_handshake_of_another_version_is_dropped_unanswered_and_counted_and_the_client_times_out(string older)
    {
        using var h = new TransportHarness();
        var (client, wire) = OldClient(h, older);
        h.ServerWire.Enabled = true;

        client.Connect(h.IssueToken(7));
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 200), $"still {client.State}");

        Assert.Equal(DisconnectReason.ConnectTimedOut, client.LastDisconnectReason);
        Assert.True(wire.Rewritten >= 2, $"{wire.Rewritten} requests"); // the client did send, and resent, its request
        Assert.Equal(wire.Rewritten, h.Server.Counters.Malformed);   // every one of them dropped as malformed
        Assert.Empty(h.ServerWire.Sent);                              // and none answered: no challenge, no denial
        Assert.Equal(0, h.Server.Counters.ChallengesSent);
        Assert.Equal(0, h.Server.Counters.Denied);
        Assert.Equal(0, h.Server.ConnectionCount);
        Assert.Empty(h.DrainServer());
    }

    [Fact]
    public void The_same_wire_with_this_version_connects()
    {
        using var h = new TransportHarness();
        var (client, wire) = OldClient(h, System.Text.Encoding.ASCII.GetString(ConnectTokenLayout.Version));

        client.Connect(h.IssueToken(7));

        Assert.True(h.RunUntil(() => client.State == ClientState.Connected, maxSteps: 200), $"still {client.State}");
        Assert.True(wire.Rewritten >= 1);
        Assert.Equal(0, h.Server.Counters.Malformed);
    }

    /// <summary>A client on the harness's clock whose connection requests carry <paramref name="version"/>; a 1 s connect timeout.</summary>
    private static (NetClient Client, VersionWire Wire) OldClient(TransportHarness h, string version)
    {
        var link = new LinkSimulator(h.Wire.CreateClient(), new LinkConditions(), h.Time, 2);
        h.Disposables.Add(link);
        var wire = new VersionWire(link, System.Text.Encoding.ASCII.GetBytes(version));
        var client = new NetClient(wire, new NetClientOptions
        {
            ProtocolId = TransportHarness.ProtocolId,
            SchemaHash = TransportHarness.SchemaHash,
            ConnectTimeout = TimeSpan.FromSeconds(1),
        }, h.Time);
        h.Clients.Add(client); // stepped and disposed with the harness
        return (client, wire);
    }

    /// <summary>Writes <paramref name="version"/> over the version string of every connection request sent through it.</summary>
    private sealed class VersionWire(IDatagramTransport inner, byte[] version) : IDatagramTransport
    {
        private readonly byte[] copy = new byte[PacketLayout.RequestSize];

        /// <summary>Connection requests sent (with the version written over).</summary>
        public int Rewritten { get; private set; }

        public NetAddress LocalAddress => inner.LocalAddress;

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
        {
            if (datagram.Length != PacketLayout.RequestSize || (PacketType)(datagram[0] & PacketLayout.TypeMask) != PacketType.ConnectionRequest)
            {
                return inner.TrySend(datagram, destination);
            }

            datagram.CopyTo(copy);
            version.CopyTo(copy.AsSpan(PacketLayout.RequestVersion));
            Rewritten++;
            return inner.TrySend(copy, destination);
        }

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source) => inner.TryReceive(buffer, out length, out source);

        public void Dispose() => inner.Dispose();
    }
}

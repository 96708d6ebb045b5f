using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// A peer that has received no payload packet yet acknowledges none. Its ack header used to read "packet 0 received"
/// (the zero it started with), so when the client's first payload packet was lost, the server's next packets
/// acknowledged it anyway and the reliable messages it carried were never sent again: a reliable message lost for good
/// (found by the host-migration test under 10 % loss, where a peer's standby announcement never arrived).
/// </summary>
public class AckBeforeFirstPacketTests
{
    [Fact]
    public void A_reliable_message_in_the_clients_lost_first_packet_is_sent_again()
    {
        using var harness = new TransportHarness();
        var wire = new DroppingTransport(harness.Wire.CreateClient()) { Dropping = true };
        var client = new NetClient(wire, new NetClientOptions { ProtocolId = TransportHarness.ProtocolId, SchemaHash = TransportHarness.SchemaHash }, harness.Time);
        client.Connect(harness.IssueToken(7));

        // The message is queued in the update the client learns it is connected, so it leaves in the client's first
        // payload packet, which is lost (with every payload of the next half second). The server keeps sending
        // keep-alives meanwhile, whose ack headers must not acknowledge what it never got.
        var received = new List<byte[]>();
        bool sent = false;
        for (int step = 0; step < 400 && received.Count == 0; step++)
        {
            harness.Time.Advance(TimeSpan.FromMilliseconds(16));
            harness.Wire.Settle();
            client.Receive();
            if (client.State == ClientState.Connected && !sent)
            {
                Assert.Equal(SendResult.Queued, client.Send(ChannelKind.ReliableOrdered, [0x88, 1, 2, 3]));
                sent = true;
            }
            else if (sent && wire.Dropped >= 30)
            {
                wire.Dropping = false;
            }

            client.Flush();
            harness.Wire.Settle();
            harness.Server.Update();
            received.AddRange(harness.DrainServer().Where(e => e.Type == NetEventType.Message).Select(e => e.Data.ToArray()));
        }

        Assert.True(sent);
        Assert.True(received.Count > 0, "the reliable message never arrived: its lost packet was acknowledged by a packet that acknowledged nothing");
        Assert.Equal([0x88, 1, 2, 3], received[0]);
        Assert.True(client.GetStats().Resends > 0);
        client.Dispose();
    }

    /// <summary>Drops every payload datagram (type 4; the handshake passes) the client sends while <see cref="Dropping"/> is on.</summary>
    private sealed class DroppingTransport(IDatagramTransport inner) : IDatagramTransport
    {
        public bool Dropping { get; set; }

        public int Dropped { get; private set; }

        public NetAddress LocalAddress => inner.LocalAddress;

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
        {
            if (!Dropping || (datagram[0] & 0x0F) != 4) return inner.TrySend(datagram, destination);
            Dropped++;
            return true;
        }

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source) => inner.TryReceive(buffer, out length, out source);

        public void Dispose() => inner.Dispose();
    }
}

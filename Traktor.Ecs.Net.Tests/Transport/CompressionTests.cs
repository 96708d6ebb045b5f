using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

public class CompressionTests
{
    private static (long BytesSent, List<byte[]> Received) Run(bool compression, byte[] message)
    {
        using var h = new TransportHarness(new() { LossPercent = 10 }, configure: o => o.Compression = compression);
        var client = h.AddClient(new() { LossPercent = 10 }, o => o.Compression = compression);
        client.Connect(h.IssueToken(1));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected));
        long before = client.GetStats().BytesSent;
        for (int i = 0; i < 100; i++) client.Send(ChannelKind.ReliableOrdered, message);
        var received = new List<byte[]>();
        Assert.True(h.RunUntil(() =>
        {
            received.AddRange(h.DrainServer().Where(e => e.Type == NetEventType.Message).Select(e => e.Data.ToArray()));
            return received.Count == 100;
        }));
        return (client.GetStats().BytesSent - before, received);
    }

    [Fact]
    public void Compressible_payloads_shrink_and_arrive_intact()
    {
        var message = new byte[900];
        for (int i = 0; i < message.Length; i++) message[i] = (byte)(i % 7);
        var plain = Run(false, message);
        var packed = Run(true, message);
        Assert.All(packed.Received, r => Assert.Equal(message, r));
        Assert.True(packed.BytesSent * 3 < plain.BytesSent, $"{packed.BytesSent} compressed vs {plain.BytesSent} plain");
    }

    [Fact]
    public void Incompressible_payloads_are_sent_as_they_are()
    {
        var message = new byte[900];
        new Random(3).NextBytes(message);
        var plain = Run(false, message);
        var packed = Run(true, message);
        Assert.All(packed.Received, r => Assert.Equal(message, r));
        Assert.InRange(packed.BytesSent, plain.BytesSent * 9 / 10, plain.BytesSent * 11 / 10);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_connection_compresses_only_when_both_ends_negotiated_it(bool server, bool client)
    {
        using var h = new TransportHarness(configure: o => o.Compression = server);
        var peer = h.AddClient(configure: o => o.Compression = client);
        h.ClientWires[0].Enabled = true;
        h.ServerWire.Enabled = true;
        peer.Connect(h.IssueToken(1));
        Assert.True(h.RunUntil(() => peer.State == ClientState.Connected));
        var connection = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        var message = new byte[900]; // compresses well
        for (int i = 0; i < 20; i++)
        {
            peer.Send(ChannelKind.ReliableOrdered, message);
            h.Server.Send(connection, ChannelKind.ReliableOrdered, message);
        }
        int received = 0, receivedByClient = 0;
        Assert.True(h.RunUntil(() =>
        {
            received += h.DrainServer().Count(e => e.Type == NetEventType.Message);
            receivedByClient += TransportHarness.DrainClient(peer).Count(e => e.Type == NetEventType.Message);
            return received == 20 && receivedByClient == 20;
        }));
        bool negotiated = server && client;
        Assert.Equal(negotiated, h.ClientWires[0].Sent.Any(s => (s.Data[0] & 0x1F) == 0x14));
        Assert.Equal(negotiated, h.ServerWire.Sent.Any(s => (s.Data[0] & 0x1F) == 0x14));
        Assert.Equal(0, h.Server.Counters.ProtocolViolations);
    }
}

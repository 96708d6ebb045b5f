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
}

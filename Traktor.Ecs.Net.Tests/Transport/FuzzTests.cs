using System.Buffers.Binary;
using System.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

[Collection(nameof(MemoryMeasuringTests))]
public class FuzzTests
{
    private const int Total = 1_000_000;
    // Below the server's per-update read limit (MaxDatagramsPerUpdate, 4,096), so every datagram reaches the server.
    private const int PerStep = 4_000;

    [Fact]
    public void A_million_hostile_datagrams_do_not_disturb_connected_clients()
    {
        using var h = new TransportHarness();
        var clients = Enumerable.Range(1, 4).Select(i => h.Connect((ulong)i, seed: 100 + i, record: true)).ToList();
        var connections = h.DrainServer().Where(e => e.Type == NetEventType.Connected).ToDictionary(e => e.ClientId, e => e.Connection);
        foreach (var c in clients) TransportHarness.DrainClient(c);

        // Valid packets to mutate: handshake and payload packets the clients really sent.
        var samples = h.ClientWires.SelectMany(w => w.Sent.Select(s => s.Data)).ToList();
        foreach (var w in h.ClientWires) w.Enabled = false;
        var clientAddresses = h.ClientWires.Select(w => w.LocalAddress).ToArray();
        var random = new Random(1234);
        var buffer = new byte[1400];
        var sentToServer = new int[4];
        var receivedAtServer = new int[4];
        var sentToClient = new int[4];
        var receivedAtClient = new int[4];
        Span<byte> message = stackalloc byte[4];

        GC.Collect();
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var wall = Stopwatch.StartNew();
        for (int injected = 0; injected < Total;)
        {
            for (int i = 0; i < PerStep; i++, injected++)
            {
                var (datagram, source) = Hostile(random, buffer, samples, clientAddresses);
                h.Network.Inject(datagram.Span, source, h.ServerAddress);
            }
            for (int c = 0; c < 4; c++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(message, sentToServer[c]++);
                Assert.Equal(SendResult.Queued, clients[c].Send(ChannelKind.ReliableOrdered, message));
                BinaryPrimitives.WriteInt32LittleEndian(message, sentToClient[c]++);
                Assert.Equal(SendResult.Queued, h.Server.Send(connections[(ulong)(c + 1)], ChannelKind.ReliableOrdered, message));
            }
            h.Step();
            Check(h, clients, receivedAtServer, receivedAtClient);
        }
        h.RunUntil(() =>
        {
            Check(h, clients, receivedAtServer, receivedAtClient);
            return receivedAtServer.SequenceEqual(sentToServer) && receivedAtClient.SequenceEqual(sentToClient);
        }, maxSteps: 200);
        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);

        Assert.Equal(0, h.Server.Counters.InternalErrors);
        // Datagrams over the MTU are dropped by the transport's read (as a socket read into an MTU buffer would).
        Assert.True(h.Server.Counters.DatagramsReceived > Total * 9 / 10, $"{h.Server.Counters.DatagramsReceived} reached the server");
        Assert.True(h.Server.Counters.RejectedFromConnected > Total / 10, $"{h.Server.Counters.RejectedFromConnected} rejected from connected addresses");
        Assert.Equal(4, h.Server.ConnectionCount);
        Assert.All(clients, c => Assert.Equal(ClientState.Connected, c.State));
        Assert.All(clients, c => Assert.Equal(0, c.InternalErrors));
        Assert.Equal(sentToServer, receivedAtServer);
        Assert.Equal(sentToClient, receivedAtClient);
        Assert.True(memoryAfter - memoryBefore < 16_000_000, $"memory grew by {memoryAfter - memoryBefore} bytes");
        Assert.True(wall.Elapsed < TimeSpan.FromSeconds(60), $"took {wall.Elapsed}");
        TestContext.Current.TestOutputHelper?.WriteLine($"{wall.Elapsed}, {memoryAfter - memoryBefore} bytes retained, {h.Server.Counters.DatagramsReceived} received, {h.Server.Counters.RejectedFromConnected} rejected from connected addresses, {h.Server.Counters.InvalidTokens} invalid tokens, {h.Server.Counters.Malformed} malformed");
    }

    [Fact]
    public void A_client_survives_hostile_datagrams_that_spoof_its_server()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1, record: true);
        var connection = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        TransportHarness.DrainClient(client);
        h.ServerWire.Enabled = true;
        for (int i = 0; i < 20; i++)
        {
            h.Server.Send(connection, ChannelKind.ReliableOrdered, [(byte)i]);
            h.Step();
        }
        var samples = h.ServerWire.Sent.Select(s => s.Data).Concat(h.ClientWires[0].Received.Select(r => r.Data)).ToList();
        h.ServerWire.Enabled = false;
        h.ClientWires[0].Enabled = false;
        var received = TransportHarness.DrainClient(client).Count(e => e.Type == NetEventType.Message);
        var random = new Random(99);
        var buffer = new byte[1400];
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < 4000; i++)
            {
                var (datagram, _) = Hostile(random, buffer, samples, [h.ServerAddress]);
                h.Network.Inject(datagram.Span, h.ServerAddress, h.ClientWires[0].LocalAddress);
            }
            h.Server.Send(connection, ChannelKind.ReliableOrdered, [(byte)(20 + round)]);
            h.Step();
            received += TransportHarness.DrainClient(client).Count(e => e.Type == NetEventType.Message);
        }
        h.RunUntil(() => (received += TransportHarness.DrainClient(client).Count(e => e.Type == NetEventType.Message)) >= 70, maxSteps: 100);
        Assert.Equal(70, received);
        Assert.Equal(ClientState.Connected, client.State);
        Assert.Equal(0, client.InternalErrors);
    }

    private static void Check(TransportHarness h, List<NetClient> clients, int[] receivedAtServer, int[] receivedAtClient)
    {
        while (h.Server.TryPollEvent(out var e))
        {
            Assert.Equal(NetEventType.Message, e.Type);
            int c = (int)e.ClientId - 1;
            Assert.Equal(receivedAtServer[c]++, BinaryPrimitives.ReadInt32LittleEndian(e.Data.Span));
        }
        for (int c = 0; c < clients.Count; c++)
        {
            while (clients[c].TryPollEvent(out var e))
            {
                Assert.Equal(NetEventType.Message, e.Type);
                Assert.Equal(receivedAtClient[c]++, BinaryPrimitives.ReadInt32LittleEndian(e.Data.Span));
            }
        }
    }

    private static (ReadOnlyMemory<byte>, NetAddress) Hostile(Random random, byte[] buffer, List<byte[]> samples, NetAddress[] clients)
    {
        int kind = random.Next(100);
        NetAddress source = random.Next(2) == 0 ? clients[random.Next(clients.Length)] : RandomAddress(random);
        if (kind < 40)
        {
            // Random bytes of any length, including empty.
            int length = random.Next(0, 1300);
            random.NextBytes(buffer.AsSpan(0, length));
            return (buffer.AsMemory(0, length), source);
        }
        var sample = samples[random.Next(samples.Count)];
        sample.CopyTo(buffer, 0);
        int size = sample.Length;
        if (kind < 60)
        {
            // Truncated valid packet.
            size = random.Next(0, sample.Length);
        }
        else if (kind < 85)
        {
            // Bit flips in a valid packet.
            int flips = random.Next(1, 4);
            for (int i = 0; i < flips; i++) buffer[random.Next(size)] ^= (byte)(1 << random.Next(8));
        }
        else if (kind < 95)
        {
            // Valid header, random body, or extra bytes appended.
            int extra = random.Next(0, 64);
            random.NextBytes(buffer.AsSpan(Math.Min(size, 9), Math.Max(0, size - 9) + extra));
            size += extra;
        }
        // Otherwise: an exact replay of a valid packet.
        return (buffer.AsMemory(0, Math.Min(size, buffer.Length)), source);
    }

    private static NetAddress RandomAddress(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new NetAddress(bytes, (ushort)random.Next(65536));
    }
}

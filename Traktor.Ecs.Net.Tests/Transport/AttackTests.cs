using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

[Collection(nameof(MemoryMeasuringTests))]
public class AttackTests
{
    private static NetAddress RandomAddress(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[0] = 0xFD;
        return new NetAddress(bytes, (ushort)random.Next(1, 65536));
    }

    private static byte[] CaptureConnectionRequest(TransportHarness h)
    {
        var client = h.AddClient();
        h.ClientWires[^1].Enabled = true;
        client.Connect(h.IssueToken(500));
        client.Update();
        var request = h.ClientWires[^1].Sent[0].Data;
        client.Disconnect();
        return request;
    }

    [Fact]
    public void Spoofed_connect_flood_creates_no_state_and_a_real_client_still_connects()
    {
        using var h = new TransportHarness();
        var request = CaptureConnectionRequest(h);
        var random = new Random(5);
        h.Step();
        long challengesBefore = h.Server.Counters.ChallengesSent;
        GC.Collect();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var garbage = new byte[request.Length];
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 2000; i++)
            {
                // A valid token replayed from spoofed addresses, and well-formed requests with forged tokens.
                if (i % 2 == 0) h.Network.Inject(request, RandomAddress(random), h.ServerAddress);
                else
                {
                    request.CopyTo(garbage, 0);
                    random.NextBytes(garbage.AsSpan(45));
                    h.Network.Inject(garbage, RandomAddress(random), h.ServerAddress);
                }
            }
            h.Step(50);
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.Equal(0, h.Server.ConnectionCount);
        Assert.Equal(20_000, h.Server.Counters.ChallengesSent - challengesBefore);
        Assert.Equal(20_000, h.Server.Counters.InvalidTokens);
        Assert.True(after - before < 2_000_000, $"server state grew by {after - before} bytes");
        Assert.Equal(0, h.Server.Counters.InternalErrors);

        var client = h.Connect(1);
        Assert.Equal(ClientState.Connected, client.State);
    }

    [Fact]
    public void One_address_flooding_requests_is_rate_limited()
    {
        using var h = new TransportHarness();
        var request = CaptureConnectionRequest(h);
        var attacker = NetAddress.Parse("[fd00::66]:9");
        for (int i = 0; i < 1000; i++) h.Network.Inject(request, attacker, h.ServerAddress);
        h.Step(1);
        Assert.InRange(h.Server.Counters.ChallengesSent, 1, 41); // the burst of both buckets at most
        Assert.True(h.Server.Counters.RateLimited > 900);
    }

    [Fact]
    public void Every_reply_before_a_connection_is_no_larger_than_its_request()
    {
        foreach (bool insecure in new[] { false, true })
        {
            using var h = new TransportHarness(configure: o =>
            {
                o.MaxClients = 1;
                if (insecure) { o.Insecure = true; o.PrivateKey = null; }
            });
            h.ServerWire.Enabled = true;
            var clients = new List<NetClient>();
            for (int i = 0; i < 4; i++)
            {
                // A connecting client, a full server, a protocol mismatch and a schema mismatch.
                var client = h.AddClient(configure: o =>
                {
                    if (i == 2) o.ProtocolId++;
                    if (i == 3) o.SchemaHash++;
                });
                if (insecure) client.ConnectInsecure(h.ServerAddress, (ulong)i);
                else client.Connect(h.IssueToken((ulong)i));
                h.RunUntil(() => client.State is ClientState.Connected or ClientState.Disconnected);
                clients.Add(client);
            }
            Assert.Equal(ClientState.Connected, clients[0].State);
            Assert.Equal(DisconnectReason.ServerFull, clients[1].LastDisconnectReason);
            Assert.Equal(DisconnectReason.ProtocolMismatch, clients[2].LastDisconnectReason);
            Assert.Equal(DisconnectReason.SchemaMismatch, clients[3].LastDisconnectReason);

            int checkedReplies = 0;
            foreach (var (reply, peer) in h.ServerWire.Sent)
            {
                if ((reply[0] & 0x0F) is not (1 or 3)) continue; // Challenge and Denied are the pre-connection replies
                int smallestRequest = h.ServerWire.Received.Where(r => r.Peer == peer && r.Data[0] is 0 or 2 or 6 or 7).Min(r => r.Data.Length);
                Assert.True(reply.Length <= smallestRequest, $"reply of {reply.Length} bytes to a {smallestRequest}-byte request");
                checkedReplies++;
            }
            Assert.True(checkedReplies >= 5, $"{checkedReplies} replies checked");
        }
    }

    [Fact]
    public void Replayed_packets_are_dropped()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1, record: true);
        h.DrainServer();
        client.Send(ChannelKind.Unreliable, [42]);
        h.Step();
        Assert.Single(h.DrainServer(), e => e.Type == NetEventType.Message);
        var wire = h.ClientWires[0];
        var payloads = wire.Sent.Where(s => (s.Data[0] & 0x0F) == 4).Select(s => s.Data).ToList();
        long rejected = h.Server.Counters.RejectedFromConnected;
        foreach (var packet in payloads) h.Network.Inject(packet, wire.LocalAddress, h.ServerAddress);
        h.Step();
        Assert.DoesNotContain(h.DrainServer(), e => e.Type == NetEventType.Message);
        Assert.Equal(rejected + payloads.Count, h.Server.Counters.RejectedFromConnected);
    }

    [Fact]
    public void Forged_and_altered_packets_are_dropped_and_the_client_stays()
    {
        using var h = new TransportHarness();
        var client = h.Connect(1, record: true);
        h.DrainServer();
        client.Send(ChannelKind.ReliableOrdered, [1, 2, 3]);
        h.Step();
        var wire = h.ClientWires[0];
        var last = wire.Sent.Last(s => (s.Data[0] & 0x0F) == 4).Data;
        var altered = last.ToArray();
        altered[^20] ^= 1;
        var raisedSequence = last.ToArray();
        raisedSequence[8] ^= 0x01; // a fresh sequence, so only the tag can catch it
        var forgedDisconnect = new byte[] { 5, 0, 0, 0, 0, 0, 0, 0, 0x7F, (byte)DisconnectReason.ClientDisconnected };
        foreach (var packet in new[] { altered, raisedSequence, forgedDisconnect })
            h.Network.Inject(packet, wire.LocalAddress, h.ServerAddress);
        h.Step();
        Assert.Equal(1, h.Server.ConnectionCount);
        Assert.DoesNotContain(h.DrainServer(), e => e.Type == NetEventType.Disconnected);
        client.Send(ChannelKind.ReliableOrdered, [4]);
        h.Step();
        h.Step();
        Assert.Contains(h.DrainServer(), e => e.Type == NetEventType.Message && e.Data.Span[0] == 4);
    }
}

using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport.Conformance;

/// <summary>Every disconnect and refusal reason reaches the other side the same way over every transport.</summary>
public class DisconnectConformanceTests
{
    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void A_kick_reaches_the_client_with_its_reason(WireKind wire)
    {
        using var h = new TransportHarness(wire: wire);
        var client = h.Connect(1);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        h.Server.Disconnect(id, DisconnectReason.Kicked);
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 10));
        Assert.Equal(DisconnectReason.Kicked, TransportHarness.DrainClient(client).Single(e => e.Type == NetEventType.Disconnected).Reason);
        Assert.Equal(0, h.Server.ConnectionCount);
    }

    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void A_client_disconnect_reaches_the_server_despite_loss_and_the_client_can_reconnect(WireKind wire)
    {
        using var h = new TransportHarness(wire: wire);
        var client = h.Connect(1);
        h.DrainServer();
        h.ClientLinks[0].Conditions.LossPercent = 50;
        client.Disconnect();
        Assert.True(h.RunUntil(() => h.Server.ConnectionCount == 0, maxSteps: 10));
        Assert.Equal(DisconnectReason.ClientDisconnected, h.DrainServer().Single(e => e.Type == NetEventType.Disconnected).Reason);
        h.ClientLinks[0].Conditions.LossPercent = 0;
        h.Step(2000); // past the stream transports' close linger
        client.Connect(h.IssueToken(1));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected));
        client.Send(ChannelKind.ReliableOrdered, [77]);
        Assert.True(h.RunUntil(() => h.DrainServer().Any(e => e.Type == NetEventType.Message && e.Data.Span[0] == 77), maxSteps: 20));
    }

    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void A_silent_peer_times_out_on_both_sides(WireKind wire)
    {
        using var h = new TransportHarness(wire: wire);
        var client = h.Connect(1);
        h.DrainServer();
        h.ClientLinks[0].Conditions.LossPercent = 100;
        h.ServerLink.Conditions.LossPercent = 100;
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected && h.Server.ConnectionCount == 0, maxSteps: 1000, stepMs: 50));
        Assert.Equal(DisconnectReason.TimedOut, client.LastDisconnectReason);
        Assert.Equal(DisconnectReason.TimedOut, h.DrainServer().Single(e => e.Type == NetEventType.Disconnected).Reason);
    }

    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void Server_shutdown_reaches_every_client(WireKind wire)
    {
        using var h = new TransportHarness(wire: wire);
        var first = h.Connect(1, seed: 2);
        var second = h.Connect(2, seed: 3);
        h.Server.Dispose();
        for (int i = 0; i < 10 && !(first.State == ClientState.Disconnected && second.State == ClientState.Disconnected); i++)
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(16));
            h.Wire.Settle();
            first.Update();
            second.Update();
        }
        Assert.Equal(DisconnectReason.ServerShutdown, first.LastDisconnectReason);
        Assert.Equal(DisconnectReason.ServerShutdown, second.LastDisconnectReason);
    }

    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void Refusals_reach_the_client_with_their_reasons(WireKind wire)
    {
        using var h = new TransportHarness(configure: o => o.MaxClients = 1, wire: wire);
        h.Connect(1, seed: 2);
        var full = h.AddClient(seed: 3);
        full.Connect(h.IssueToken(2));
        var mismatched = h.AddClient(configure: o => o.SchemaHash++, seed: 4);
        mismatched.Connect(h.IssueToken(3));
        Assert.True(h.RunUntil(() => full.State == ClientState.Disconnected && mismatched.State == ClientState.Disconnected, maxSteps: 200));
        Assert.Equal(DisconnectReason.ServerFull, full.LastDisconnectReason);
        Assert.Equal(DisconnectReason.SchemaMismatch, mismatched.LastDisconnectReason);
    }

    [Theory]
    [MemberData(nameof(Wires.All), MemberType = typeof(Wires))]
    public void A_peer_that_cannot_keep_up_is_disconnected_with_SendQueueOverflow(WireKind wire)
    {
        using var h = new TransportHarness(configure: o => o.MaxSendQueueBytes = 1024 * 1024, wire: wire);
        var client = h.Connect(1);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        h.ClientLinks[0].Conditions.LossPercent = 100; // the client's acks never arrive
        var chunk = new byte[16 * 1024];
        SendResult result = SendResult.Queued;
        for (int i = 0; i < 1000 && result == SendResult.Queued; i++)
        {
            result = h.Server.Send(id, ChannelKind.ReliableOrdered, chunk);
            h.Step();
        }
        Assert.Equal(SendResult.Overflow, result);
        h.Step();
        Assert.Equal(DisconnectReason.SendQueueOverflow, h.DrainServer().Single(e => e.Type == NetEventType.Disconnected).Reason);
        Assert.Equal(0, h.Server.ConnectionCount);
        // Over WebSocket the notice queues behind the megabyte the server already wrote into the TCP stream, which a
        // busy machine delivers over many updates; 200 steps (3.2 s of harness time) stay inside the client's own timeout,
        // so the client learns it from the server, not by giving up.
        Assert.True(h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 200));
        Assert.NotEqual(DisconnectReason.TimedOut, client.LastDisconnectReason);
    }
}

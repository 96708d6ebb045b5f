using Traktor.Ecs.Net.Tests.Transport.Conformance;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// A stream transport closes a peer's stream after <see cref="StreamTransportOptions.IdleTimeout"/> (30 s) without a
/// datagram, and a connection cannot come back without its stream: so a connection over TCP or WebSocket times out at
/// the shorter of its own timeout and the stream's idle timeout, and reports that one (<see cref="NetStats.Timeout"/>,
/// from which the server's despawn stall limit is taken). Real loopback sockets on virtual time.
/// </summary>
public sealed class StreamIdleTimeoutTests
{
    /// <summary>
    /// A client with a 60 s connect token that falls silent is timed out by the server when its stream goes idle (30 s)
    /// over TCP and WebSocket, and at 60 s over UDP. Failed before over the streams: both ends reported 60 s and the server
    /// kept the connection, its stream already closed, until 60 s.
    /// </summary>
    [Theory]
    [InlineData(WireKind.Tcp, 30)]
    [InlineData(WireKind.WebSocket, 30)]
    [InlineData(WireKind.Udp, 60)]
    public void A_silent_client_times_out_when_its_stream_goes_idle(WireKind wire, int expectedSeconds)
    {
        using var h = new TransportHarness(wire: wire);
        var client = h.AddClient();
        client.Connect(h.IssueToken(1, timeoutSeconds: 60));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected), "the client connects");
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        Assert.True(h.Server.TryGetStats(id, out var stats));
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), stats.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), client.GetStats().Timeout);

        // The client falls silent (no more updates; its transport stays open, so nothing tells the server).
        h.Clients.Remove(client);
        h.Disposables.Add(client);
        var silentSince = h.Time.GetUtcNow();
        var events = new List<NetEvent>();
        Assert.True(h.RunUntil(() =>
        {
            events.AddRange(h.DrainServer());
            return events.Exists(e => e.Type == NetEventType.Disconnected);
        }, maxSteps: 2 * 70, stepMs: 500), "the server drops the silent client");
        var after = h.Time.GetUtcNow() - silentSince;
        Assert.Equal(DisconnectReason.TimedOut, events.Single(e => e.Type == NetEventType.Disconnected).Reason);
        Assert.InRange(after.TotalSeconds, expectedSeconds, expectedSeconds + 2);
    }
}

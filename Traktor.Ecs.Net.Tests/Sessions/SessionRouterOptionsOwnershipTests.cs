using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A <see cref="SessionRouter"/> sizes each session endpoint's event queue from the options it was made with, as its
/// server keeps its own copy: the caller changing its object afterwards (here to limits the server would have refused)
/// does not reach an endpoint opened later.
/// </summary>
public sealed class SessionRouterOptionsOwnershipTests
{
    /// <summary>Failed before: the router read the caller's object when it opened an endpoint, whose queue then held one message and dropped the other nine.</summary>
    [Fact]
    public void Shrinking_the_queue_limits_on_the_callers_options_leaves_a_running_routers_endpoints_as_made()
    {
        var options = new NetServerOptions { ProtocolId = TransportHarness.ProtocolId, PrivateKey = ConnectTokenIssuer.GenerateServerKey() };
        using var router = new SessionRouter(new InMemoryNetwork().CreateTransport(), options, new FakeTimeProvider(TransportHarness.Start));
        options.MaxQueuedMessages = 1;                                  // below what ValidateServer accepts
        options.MaxQueuedMessageBytes = 1;

        var endpoint = router.Open(SessionId.New());
        for (int i = 0; i < 10; i++) endpoint.Deliver(new ConnectionId(0, 1), 7, ChannelKind.ReliableOrdered, [1, 2, 3, 4, 5, 6, 7, (byte)i]);

        Assert.Equal(0, endpoint.DroppedMessages);
        int polled = 0;
        while (endpoint.TryPollEvent(out var e)) if (e.Type == NetEventType.Message) polled++;
        Assert.Equal(10, polled);
    }
}

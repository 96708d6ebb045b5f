using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// An approval a server adds for its session (<see cref="NetServer.AddApproval"/>, a <see cref="SessionRouter"/>'s) is the
/// server's own: the game's <see cref="NetServerOptions"/> are left as it made them, and another server built from them
/// does not ask the first one's relay (it refused every player of its own session, or a second router could not be made).
/// </summary>
public sealed class ServerApprovalOwnershipTests
{
    [Fact]
    public void An_added_approval_stays_with_its_server_and_a_second_server_from_the_same_options_does_not_ask_it()
    {
        int asked = 0;
        ConnectionApproval own = (_, _, _) =>
        {
            asked++;
            return true;
        };
        using var h = new TransportHarness(configure: o => o.ApproveConnection = own);
        using var added = h.Server.AddApproval((_, data, _) => data[0] == 1); // the first server's session admits only its own tickets
        Assert.Same(own, h.ServerOptions.ApproveConnection);

        var refused = Attempt(h, h.IssueToken(1, [9]));
        var admitted = Attempt(h, h.IssueToken(2, [1]));
        Assert.Equal(DisconnectReason.Rejected, refused.LastDisconnectReason);
        Assert.Equal(ClientState.Connected, admitted.State);
        Assert.Equal(2, asked);

        // A second server built from the same options object: only the options' approval decides there.
        using var second = new NetServer(h.Network.CreateTransport(), h.ServerOptions, h.Time);
        var client = h.AddClient(seed: 5);
        client.Connect(h.Issuer.Issue(3, [9], TimeSpan.FromMinutes(5), [second.LocalAddress, h.ServerAddress]));
        for (int i = 0; i < 600 && client.State is not (ClientState.Connected or ClientState.Disconnected); i++)
        {
            h.Step();
            second.Update();
        }

        Assert.Equal(ClientState.Connected, client.State);
        Assert.Equal(1, second.ConnectionCount);
        Assert.Equal(3, asked);
        Assert.Same(own, h.ServerOptions.ApproveConnection);
    }

    [Fact]
    public void Two_routers_can_be_built_from_one_options_object_which_keeps_no_approval()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TransportHarness.Start);
        var network = new InMemoryNetwork();
        var options = new NetServerOptions
        {
            ProtocolId = TransportHarness.ProtocolId,
            SchemaHash = TransportHarness.SchemaHash,
            PrivateKey = ConnectTokenIssuer.GenerateServerKey(),
        };

        using var first = new SessionRouter(network.CreateTransport(), options, time);
        Assert.Null(options.ApproveConnection);
        using var second = new SessionRouter(network.CreateTransport(), options, time);
        Assert.Null(options.ApproveConnection);
        Assert.NotSame(first.Server, second.Server);
    }

    private static NetClient Attempt(TransportHarness h, byte[] token)
    {
        var client = h.AddClient(seed: 3 + h.Clients.Count);
        client.Connect(token);
        h.RunUntil(() => client.State is ClientState.Connected or ClientState.Disconnected, maxSteps: 600);
        return client;
    }
}

using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>A token from the online services' seam opens a real transport connection as that user.</summary>
public class TransportConnectTokenIssuerTests
{
    [Fact]
    public void LoginTokenConnectsWithTheUserIdAsClientId()
    {
        using var harness = new TransportHarness();
        var seam = new TransportConnectTokenIssuer(harness.Issuer, [harness.ServerAddress.ToEndPoint()]);
        byte[] token = seam.IssueConnectToken(4242, [1, 2, 3], TimeSpan.FromMinutes(1));
        var client = harness.AddClient();
        client.Connect(token);
        Assert.True(harness.RunUntil(() => client.State == ClientState.Connected), "the token was refused");
        var connected = harness.DrainServer().Single(e => e.Type == NetEventType.Connected);
        Assert.Equal(4242UL, connected.ClientId);
        Assert.Throws<ArgumentOutOfRangeException>(() => seam.IssueConnectToken(0, [], TimeSpan.FromMinutes(1)));
    }
}

using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>The shipped backend, configured with the game servers' key and addresses, hands out connect tokens they accept.</summary>
public sealed class BackendConnectTokenTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Login_hands_out_a_connect_token_from_configuration_that_a_game_server_accepts()
    {
        using var harness = new TransportHarness();
        await using var server = await BackendTestServer.StartAsync(harness.Time, null,
            $"--Online:ConnectTokens:Key={Convert.ToBase64String(harness.ServerKey)}",
            $"--Online:ConnectTokens:ProtocolId={TransportHarness.ProtocolId}",
            $"--Online:ConnectTokens:ServerAddresses:0={harness.ServerAddress.ToEndPoint()}",
            "--Online:ConnectTokens:LifetimeSeconds=30");
        var auth = new HttpAuthentication(server.CreateBackendClient(asServer: false));
        var account = await auth.RegisterAsync("pilot", "correct horse", Cancel);
        var session = await auth.LoginAsync("pilot", "correct horse", Cancel);
        Assert.NotEmpty(session.ConnectToken);

        var client = harness.AddClient();
        client.Connect(session.ConnectToken);
        Assert.True(harness.RunUntil(() => client.State == ClientState.Connected), "the game server refused the backend's token");
        var connected = harness.DrainServer().Single(e => e.Type == NetEventType.Connected);
        Assert.Equal((ulong)account.UserId, connected.ClientId);
    }

    [Fact]
    public async Task Without_the_section_no_connect_token_is_issued()
    {
        await using var server = await BackendTestServer.StartAsync();
        var auth = new HttpAuthentication(server.CreateBackendClient(asServer: false));
        await auth.RegisterAsync("walker", "correct horse", Cancel);
        Assert.Empty((await auth.LoginAsync("walker", "correct horse", Cancel)).ConnectToken);
    }
}

namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// The README's promise that one <c>using Traktor.Ecs.Net;</c> holds what a game's simulation and transport touch, checked
/// for secure mode: the game servers' key and the connect tokens a login service issues. A newcomer writing a game from
/// the docs (newcomer12) needed <c>Traktor.Ecs.Net.Transport.Security</c> for <c>ConnectTokenIssuer</c> alone.
/// </summary>
[Collection(Traktor.Ecs.Net.Tests.Rpc.ConsoleErrorCollection.Name)]
public class CommonSurfaceTests
{
    private const string SecureGame = """
        using Traktor.Ecs.Net;

        // The game servers' key, a token for player 42, and a secure server that admits it: no other Traktor using.
        const ulong protocolId = 0x5452414B;
        byte[] serverKey = ConnectTokenIssuer.GenerateServerKey();
        var network = new InMemoryNetwork();
        var serverSocket = network.CreateTransport();
        using var server = new NetServer(serverSocket, new NetServerOptions { ProtocolId = protocolId, PrivateKey = serverKey });
        using var client = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = protocolId });
        var issuer = new ConnectTokenIssuer(serverKey, protocolId);
        client.Connect(issuer.Issue(clientId: 42, userData: [], TimeSpan.FromMinutes(1), [serverSocket.LocalAddress]));

        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; Thread.Sleep(1))
        {
            client.Update();
            server.Update();
            while (server.TryPollEvent(out var e))
            {
                if (e.Type == NetEventType.Connected)
                {
                    Console.WriteLine($"player {e.ClientId} connected securely");
                    return 0;
                }
            }

            while (client.TryPollEvent(out _)) { }
        }

        return 1;
        """;

    [Fact]
    public void A_secure_game_issues_keys_and_tokens_with_the_one_common_using()
    {
        var (exitCode, output) = SnippetCompiler.Run(SecureGame);

        Assert.Equal(0, exitCode);
        Assert.Equal("player 42 connected securely\n", output);
    }
}

using System.Net;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A script unloaded while its <c>multiplayer:joinSession</c> connects (the directory has answered, the client is still
/// connecting to the session's server): the call is given up quietly. Before, giving it up cancelled the directory call's
/// token source, already disposed once the directory answered, and the ObjectDisposedException left
/// <see cref="LuaScriptSystem.Unload"/> before the script's Lua state was closed.
/// </summary>
public sealed class JoinUnloadTests
{
    private const ulong ProtocolId = 0x5452_4b54;

    [Fact]
    public async Task A_script_unloaded_while_its_join_connects_unloads_cleanly()
    {
        var sessions = new InProcessSessions(
            new SessionTokenOptions { ServerKey = ConnectTokenIssuer.GenerateServerKey(), ProtocolId = ProtocolId },
            [IPEndPoint.Parse("127.0.0.1:9")]); // nothing answers there: the client stays connecting
        var session = await sessions.CreateSessionAsync(new SessionOptions("Silent", 4), TestContext.Current.CancellationToken);
        using var world = World.Create();
        var network = new InMemoryNetwork();
        var client = new NetworkClient(world, new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = ProtocolId }), ReplicationWorld.Registry);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42 }, world: world);
        var script = host.Load("join.lua", $"""
            local session = multiplayer:joinSession("{session.Id}")
            log:info("joined " .. session.name)
            """);

        host.TickUntil(() => client.Transport.State == ClientState.SendingRequest);
        Assert.Equal(1, script.WaitingEntries);

        Assert.True(host.System.Unload(script));

        Assert.Empty(script.Errors);
        Assert.Empty(host.Info);
    }
}

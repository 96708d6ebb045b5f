using Traktor.Ecs.Net.Scripting;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// <c>multiplayer:rpc</c> on a client that is not connected used to answer true and send nothing (the RPC layer
/// dropped it at the end of the tick): it fails at the script's line and says what to do.
/// </summary>
public sealed class ScriptRpcConnectionTests
{
    [Fact]
    public void An_rpc_from_a_client_that_is_not_connected_fails_at_the_scripts_line()
    {
        var registry = ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance]);
        using var world = World.Create();
        var network = new InMemoryNetwork();
        var client = new NetworkClient(world, new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = 1, Insecure = true, SchemaHash = registry.ProtocolHash }), registry);
        var rpcs = new RpcClient(client, RpcRegistry.FromSchemas([Traktor.Ecs.Net.Tests.GeneratedNetworkSchema.Instance]));
        using var host = new ScriptHost(new ScriptServices { Rpcs = new ScriptRpcMap().Map<SeedPlayerJoined>("onPlayerJoined") }, world: world);
        var script = host.Load("greeting.lua", """
            log:info("hello")
            multiplayer:rpc("onPlayerJoined", { playerId = 1, playerName = "hi" })
            """);
        client.BeforeUpdate(1f / 60f);
        client.AfterUpdate(1f / 60f);

        var error = Assert.Single(script.Errors);
        Assert.Equal(("greeting.lua", 2), (error.File, error.Line));
        Assert.Contains("not connected to a server", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, rpcs.Counters.Sent + rpcs.Counters.Dropped);   // nothing was queued to be dropped
    }
}
